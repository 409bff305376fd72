"""Issue 21, points 7, 11, 12 and 19: a page walk never returns less than OCP announced, page metadata no OCP sends
is an error naming the field, a walk's records are bounded, and ids beyond a Java long never reach OCP.

Through both hooks against scripted servers on loopback (``tests/hostile_server.py``) and the emulator; the walk
itself (``PageWalk``) over hand-written pages where a server would add nothing.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from hostile_server import Seen, envelope, hostile_server, send, use_server

from airflow_provider_ocp.client.pagination import MAX_PASSES, Page, PageWalk, parse_page
from airflow_provider_ocp.exceptions import OCPAPIError, OCPInputError
from airflow_provider_ocp.hooks.ocp import OCPAsyncHook, OCPHook
from airflow_provider_ocp.log_backup.query import log_backup_tasks_query
from airflow_provider_ocp.log_backup.records import record_identity
from airflow_provider_ocp.testing import OCPEmulator

CLUSTER = 1
PATH = "/ob/clusters/1/backup/task/logBackupTasks"
CLIENTS = ("sync", "async")


def task(number: int) -> dict[str, Any]:
    """A distinct raw record; ``createTime`` inside 2024-08-06 (UTC) so a window filter keeps it."""
    return {
        "clusterId": CLUSTER,
        "tenantId": 2000 + number,
        "tenantName": f"t{number}",
        "status": "RUNNING",
        "createTime": f"2024-08-06T{number // 60 % 24:02d}:{number % 60:02d}:00.000+0000",
    }


def page_body(records: list[dict[str, Any]], number: int, **info: Any) -> bytes:
    return envelope({"contents": records, "page": {"number": number, **info}})


def requested_page(seen: Seen) -> int:
    return int(seen.query["page"][0])


def read(client: str, page_size: int = 10) -> list[dict[str, Any]]:
    """Every record of cluster 1 through OCPHook or OCPAsyncHook's page walk (the ``ocp_default`` connection)."""
    if client == "sync":
        return list(OCPHook().iter_log_backup_tasks(CLUSTER, page_size=page_size))

    async def go() -> list[dict[str, Any]]:
        query = log_backup_tasks_query(CLUSTER)
        out: list[dict[str, Any]] = []
        async with OCPAsyncHook() as hook:
            async for page in hook.iter_pages(query.path, query.params, page_size, record_identity):
                out.extend(page.records)
        return out

    return asyncio.run(go())


# -- 7. the records must account for totalElements ----------------------------------------------------------------


_turns = itertools.count(1)


def reordering_page_one(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
    """Ignores ``page`` but echoes it, and serves page 1's ten records in a new order each time; announces 40."""
    ten = [task(i) for i in range(10)]
    turn = next(_turns) % 10
    body = page_body(ten[turn:] + ten[:turn], requested_page(seen), size=10, totalElements=40, totalPages=4)
    send(handler, 200, body)


def empty_after_page_one(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
    """Announces 40 records, serves the first ten, then empty pages."""
    number = requested_page(seen)
    records = [task(i) for i in range(10)] if number == 1 else []
    send(handler, 200, page_body(records, number, size=10, totalElements=40, totalPages=4))


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("script", [reordering_page_one, empty_after_page_one], ids=["reordered", "empty-page-2"])
def test_fewer_records_than_announced_is_an_error_naming_both_counts(
    monkeypatch: pytest.MonkeyPatch, client: str, script: Any
) -> None:
    with hostile_server(script) as server:
        use_server(monkeypatch, server.url)
        with pytest.raises(OCPAPIError) as info:
            read(client)
    message = str(info.value)
    assert "announced 40 record(s) (page.totalElements) but only 10 distinct record(s) came" in message
    assert f"path {PATH}" in message
    assert info.value.retryable  # a later walk may see a well-behaved list
    assert server.page_requests(1) == MAX_PASSES  # read again from page 1, a bounded number of times
    assert len(server.seen) <= 4 * MAX_PASSES


def growing_list(handler: BaseHTTPRequestHandler, seen: Seen, state: dict[str, Any]) -> None:
    """Offset pages over a newest-first list that gains one task before every request: the total never holds."""
    with state["lock"]:
        state["records"].insert(0, task(state["next"]))
        state["next"] += 1
        current = list(state["records"])
    number = requested_page(seen)
    chunk = current[(number - 1) * 10 : number * 10]
    send(handler, 200, page_body(chunk, number, size=10, totalElements=len(current)))


@pytest.mark.parametrize("client", CLIENTS)
def test_a_total_that_moves_in_every_pass_fails_instead_of_maybe_skipping(
    monkeypatch: pytest.MonkeyPatch, client: str
) -> None:
    state = {"lock": threading.Lock(), "records": [task(i) for i in range(30)], "next": 100}
    with hostile_server(lambda handler, seen: growing_list(handler, seen, state)) as server:
        use_server(monkeypatch, server.url)
        with pytest.raises(OCPAPIError, match=r"page\.totalElements kept changing") as info:
            read(client)
    assert f"during the last of {MAX_PASSES} passes" in str(info.value) and f"path {PATH}" in str(info.value)
    assert len(server.seen) < 20  # three passes of four or five pages, not a loop


def pages_without_total_elements(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
    """25 records in pages of 10 with ``totalPages`` 1 (wrong) and no ``totalElements``."""
    number = requested_page(seen)
    chunk = [task(i) for i in range(25)][(number - 1) * 10 : number * 10]
    send(handler, 200, page_body(chunk, number, size=10, totalPages=1))


@pytest.mark.parametrize("client", CLIENTS)
def test_without_total_elements_the_walk_reads_to_an_empty_page(monkeypatch: pytest.MonkeyPatch, client: str) -> None:
    with hostile_server(pages_without_total_elements) as server:
        use_server(monkeypatch, server.url, concurrency=1)
        records = read(client)
    assert [r["tenantId"] for r in records] == list(range(2000, 2025))
    assert sorted(requested_page(seen) for seen in server.seen) == [1, 2, 3, 4]


def test_records_hidden_by_ties_on_one_pass_are_found_by_the_next() -> None:
    """An order with ties: the first pass shows record 9 on pages 1 and 2 and never record 10; the second pass, in
    another order, shows it. The walk returns all 20, each once (it used to end after the first pass with 19)."""
    first = {1: [task(i) for i in range(10)], 2: [task(9), *[task(i) for i in range(11, 20)]]}
    second = {1: [task(i) for i in range(10)], 2: [task(i) for i in range(10, 20)]}
    walk = PageWalk(page_size=10, max_pages=100, target=PATH, identity=record_identity)
    out: list[dict[str, Any]] = []
    while walk.next_page is not None:
        pages = first if walk.passes == 1 else second
        number = walk.next_page
        out.extend(walk.accept(Page(pages[number], number=number, size=10, total_elements=20, total_pages=2)))
    assert sorted(r["tenantId"] for r in out) == list(range(2000, 2020))
    assert walk.passes == 2


# -- 11. page metadata no OCP sends --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("info", "field", "shown"),
    [
        ({"totalElements": 10**400}, "page.totalElements", "1" + "0" * 27 + "..." + "0" * 29),
        ({"totalPages": "9" * 5000}, "page.totalPages", "'" + "9" * 27 + "..." + "9" * 28 + "'"),
        ({"totalPage": "²"}, "page.totalPage", "'²'"),
        ({"totalElements": -1}, "page.totalElements", "-1"),
        ({"size": float("inf")}, "page.size", "inf"),
        ({"number": 2**63}, "page.number", "9223372036854775808"),
        ({"totalElements": 40.0}, "page.totalElements", "40.0"),
        ({"totalElements": True}, "page.totalElements", "True"),
        ({"totalElements": [40]}, "page.totalElements", "[40]"),
    ],
    ids=["1e400-int", "5000-digit-text", "superscript-2", "negative", "inf", "2**63", "float", "bool", "list"],
)
def test_absurd_page_metadata_is_an_error_naming_the_field(info: dict[str, Any], field: str, shown: str) -> None:
    with pytest.raises(OCPAPIError) as raised:
        walk = PageWalk(page_size=10, max_pages=10, target=PATH)
        walk.accept(parse_page({"contents": [task(1)], "page": info}, target=PATH, number=1))
    message = str(raised.value)
    assert f"OCP's page 1 has {field} = {shown}, which is not a count from 0 to 9223372036854775807" in message
    assert f"path {PATH}" in message


def test_page_metadata_at_the_java_long_bounds_is_read() -> None:
    info = {"number": "1", "size": " 10 ", "totalElements": 0, "totalPages": 9223372036854775807}
    page = parse_page({"contents": [], "page": info}, target=PATH)
    assert (page.number, page.size, page.total_elements, page.total_pages) == (1, 10, 0, 2**63 - 1)


@pytest.mark.parametrize("client", CLIENTS)
def test_a_huge_total_over_http_is_an_error_naming_the_field(monkeypatch: pytest.MonkeyPatch, client: str) -> None:
    body = b'{"successful": true, "data": {"contents": [], "page": {"totalElements": 1' + b"0" * 400 + b"}}}"
    with hostile_server(lambda handler, seen: send(handler, 200, body)) as server:
        use_server(monkeypatch, server.url)
        with pytest.raises(OCPAPIError, match=r"page 1 has page\.totalElements = 1000") as info:
            read(client)
    assert f"path {PATH}" in str(info.value) and not info.value.retryable


@pytest.mark.parametrize("client", CLIENTS)
def test_a_5000_digit_number_over_http_is_refused_once_not_retried(
    monkeypatch: pytest.MonkeyPatch, client: str
) -> None:
    body = b'{"successful": true, "data": {"contents": [], "page": {"totalPages": ' + b"9" * 5000 + b"}}}"
    with hostile_server(lambda handler, seen: send(handler, 200, body)) as server:
        use_server(monkeypatch, server.url, max_retries=3)
        with pytest.raises(OCPAPIError, match="an integer of thousands of digits") as info:
            read(client)
    assert not info.value.retryable and len(server.seen) == 1


# -- 12. a bound on records, not only on pages ---------------------------------------------------------------------


def oversized_pages(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
    """Announces 10**9 full pages and sends 2,000 distinct records per page whatever ``size`` asked."""
    number = requested_page(seen)
    records = [task(number * 2000 + i) for i in range(2000)]
    send(handler, 200, page_body(records, number, size=2000, totalElements=2000 * 10**9, totalPages=10**9))


@pytest.mark.parametrize("client", CLIENTS)
def test_a_page_larger_than_the_size_asked_is_an_error(monkeypatch: pytest.MonkeyPatch, client: str) -> None:
    with hostile_server(oversized_pages) as server:
        use_server(monkeypatch, server.url, concurrency=1, max_pages=3)  # without a bound on records, fail fast
        with pytest.raises(OCPAPIError, match="page 1 holds 2000 records, more than the 5 asked for") as info:
            read(client, page_size=5)
    assert f"path {PATH}" in str(info.value)
    assert len(server.seen) == 1


def test_a_walk_returns_at_most_max_pages_times_page_size_records() -> None:
    walk = PageWalk(page_size=5, max_pages=3, target=PATH, identity=record_identity)
    returned = 0
    with pytest.raises(OCPAPIError, match="max_pages"):
        while walk.next_page is not None:
            number = walk.next_page
            chunk = [task(number * 5 + i) for i in range(5)]
            returned += len(walk.accept(Page(chunk, number=number, size=5, total_elements=5 * 10**9)))
    assert returned == 10 and walk.requests_made == 3  # the third page raised instead of handing its records over
    assert walk.records_returned == 15 == 3 * 5


# -- 19. ids beyond a Java long -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "name"),
    [
        ({"cluster_id": 10**30}, "cluster_id"),
        ({"cluster_id": "1" + "0" * 30}, "cluster_id"),
        ({"cluster_id": 2**63}, "cluster_id"),
        ({"cluster_id": "9" * 5000}, "cluster_id"),
        ({"cluster_id": 1, "tenant_id": 2**63}, "tenant_id"),
    ],
    ids=["int-1e30", "text-1e30", "2**63", "5000-digits", "tenant-2**63"],
)
def test_ids_beyond_a_java_long_are_refused_before_any_request(
    ocp_emulator: OCPEmulator, monkeypatch: pytest.MonkeyPatch, arguments: dict[str, Any], name: str
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", ocp_emulator.airflow_connection_json(max_retries=0))
    with pytest.raises(OCPInputError, match=f"{name} must be an OCP id of at most 9223372036854775807"):
        list(OCPHook().iter_log_backup_tasks(**arguments))

    async def through_the_async_hook() -> None:
        async with OCPAsyncHook() as hook:
            await hook.get_log_backup_snapshot(arguments["cluster_id"])

    if name == "cluster_id":
        with pytest.raises(OCPInputError, match="cluster_id must be an OCP id of at most"):
            asyncio.run(through_the_async_hook())
    assert ocp_emulator.requests == []


def test_the_largest_java_long_is_a_valid_id() -> None:
    query = log_backup_tasks_query("9223372036854775807", tenant_id=9223372036854775807)
    assert query.path == "/ob/clusters/9223372036854775807/tenants/9223372036854775807/backup/task/logBackupTasks"
