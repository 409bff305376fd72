"""Hostile servers (issue 12), 5 and 6: malformed pages, numeric timestamps no datetime holds, and an unexpected
exception in the trigger."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hardening_server_support import CLIENTS, TASK, first_event, read
from hostile_server import hostile_server, page, send, use_server

from airflow_provider_ocp.exceptions import OCPAPIError

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)


# -- 5. malformed pages ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({}, "page 1 has no 'contents' list"),
        ({"contents": None}, "page 1 has no 'contents' list"),
        ({"contents": [TASK, 7, "x"]}, "page 1 holds 2 record(s) that are not JSON objects"),
    ],
    ids=["no-contents", "null-contents", "non-objects"],
)
def test_malformed_pages_are_errors_naming_the_page(
    monkeypatch: pytest.MonkeyPatch, client: str, data: dict[str, Any], fragment: str
) -> None:
    body = json.dumps({"successful": True, "status": 200, "data": data}).encode()
    with hostile_server(lambda handler, seen: send(handler, 200, body)) as server:
        use_server(monkeypatch, server.url)
        with pytest.raises(OCPAPIError) as info:
            read(client)
    assert fragment in str(info.value)


# -- 6. numeric timestamps no datetime holds ------------------------------------------------------------------------


def test_out_of_range_numeric_times_are_kept_and_the_gate_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    odd = {**TASK, "createTime": 1e300, "modifyTime": float("nan")}
    current = {**TASK, "createTime": "2024-08-06T00:00:00Z"}
    body = json.dumps({"successful": True, "data": {"contents": [odd, current], "page": {"totalElements": 2}}})

    with hostile_server(lambda handler, seen: send(handler, 200, body.encode())) as server:
        use_server(monkeypatch, server.url)
        tasks = read("sync")
        assert tasks == read("async")
        deadline = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=0.5)).isoformat()
        event = first_event(deadline=deadline)
    assert tasks[0]["createTime"] == 1e300 and tasks[0]["modifyTime"] == "nan"
    assert event["status"] == "timeout"
    assert "a task with createTime 1e+300 that cannot be read might be its current task" in event["message"]


def test_an_unexpected_exception_in_the_trigger_becomes_an_error_event(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug stands in for "anything nobody anticipated": the one place a mock is the only way to get one."""

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr("airflow_provider_ocp.triggers.log_backup.evaluate", broken)
    body = page([TASK], 1, 1, 1)
    with hostile_server(lambda handler, seen: send(handler, 200, body)) as server:
        use_server(monkeypatch, server.url)
        event = first_event()
    assert event["status"] == "error" and "failed unexpectedly: RuntimeError: a bug" in event["message"]
