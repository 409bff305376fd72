"""A page walk never returns less than OCP announced (issue 21, point 7): the records must account for
``totalElements``, else the walk reads again from page 1, a bounded number of times, and fails naming both counts.

Through both hooks against scripted servers on loopback (``tests/hostile_server.py``); the walk itself (``PageWalk``)
over hand-written pages where a server would add nothing.
"""

from __future__ import annotations

import itertools
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from hostile_server import Seen, hostile_server, send, use_server
from page_walk_support import CLIENTS, PATH, page_body, read, requested_page, task

from airflow_provider_ocp.client.pagination import MAX_PASSES, Page, PageWalk
from airflow_provider_ocp.exceptions import OCPAPIError
from airflow_provider_ocp.log_backup.records import record_identity

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
