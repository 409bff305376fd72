"""Issue 21, point 7, at the operator: a walk that cannot account for every record OCP announced fails the task and
leaves the file an earlier run wrote at the final path untouched (storage mode, local file system).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from hostile_server import Seen, envelope, hostile_server, send, use_server

from airflow_provider_ocp.exceptions import OCPAPIError
from airflow_provider_ocp.operators.log_backup import OCPLogBackupTasksOperator

WINDOW = {
    "data_interval_start": datetime(2024, 8, 6, tzinfo=timezone.utc),
    "data_interval_end": datetime(2024, 8, 7, tzinfo=timezone.utc),
}
# What an earlier, complete run of the same window left at the path (so a rerun may replace it, when complete).
EARLIER = b"".join(
    b'{"tenantId": %d, "windowStart": "2024-08-06T00:00:00Z", "windowEnd": "2024-08-07T00:00:00Z"}\n' % (2000 + n)
    for n in range(40)
)


def task(number: int) -> dict[str, Any]:
    return {
        "clusterId": 1,
        "tenantId": 2000 + number,
        "tenantName": f"t{number}",
        "status": "STOPPED",
        "createTime": f"2024-08-06T{number % 24:02d}:{number % 60:02d}:00.000+0000",
    }


def answer(handler: BaseHTTPRequestHandler, seen: Seen, records: list[dict[str, Any]]) -> None:
    number = int(seen.query["page"][0])
    data = {"contents": records, "page": {"number": number, "size": 10, "totalElements": 40, "totalPages": 4}}
    send(handler, 200, envelope(data))


def reordered_page_one() -> Callable[[BaseHTTPRequestHandler, Seen], None]:
    """Ignores ``page`` (but echoes it) and serves the same ten records in a new order each time; announces 40."""
    turns, ten = itertools.count(1), [task(i) for i in range(10)]

    def respond(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        turn = next(turns) % 10
        answer(handler, seen, ten[turn:] + ten[:turn])

    return respond


def empty_page_two() -> Callable[[BaseHTTPRequestHandler, Seen], None]:
    """Announces 40 records; serves ten on page 1, nothing after."""

    def respond(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        answer(handler, seen, [task(i) for i in range(10)] if seen.query["page"] == ["1"] else [])

    return respond


def failing_page_two() -> Callable[[BaseHTTPRequestHandler, Seen], None]:
    """Serves page 1 of 40 records, then a gateway error on every later page (retries included)."""

    def respond(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        if seen.query["page"] == ["1"]:
            answer(handler, seen, [task(i) for i in range(10)])
        else:
            send(handler, 503, b"<html>503 Service Unavailable</html>", Content_Type="text/html")

    return respond


@pytest.mark.parametrize(
    ("server", "fragment"),
    [
        (reordered_page_one, "announced 40 record(s) (page.totalElements) but only 10 distinct record(s) came"),
        (empty_page_two, "announced 40 record(s) (page.totalElements) but only 10 distinct record(s) came"),
        (failing_page_two, "HTTP 503"),
    ],
    ids=["reordered-page-1", "empty-page-2", "failing-page-2"],
)
def test_an_incomplete_walk_fails_and_leaves_the_earlier_file_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: Callable[[], Any], fragment: str
) -> None:
    target = tmp_path / "out" / "log_backup_tasks.jsonl"
    target.parent.mkdir()
    target.write_bytes(EARLIER)
    operator = OCPLogBackupTasksOperator(task_id="extract", cluster_id=1, output_path=str(target), page_size=10)
    with hostile_server(server()) as ocp:
        use_server(monkeypatch, ocp.url)
        with pytest.raises(OCPAPIError) as info:
            operator.execute(WINDOW)  # type: ignore[arg-type]
    assert fragment in str(info.value)
    assert target.read_bytes() == EARLIER
    assert sorted(path.name for path in target.parent.iterdir()) == [target.name]  # no temporary file left either
