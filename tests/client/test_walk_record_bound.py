"""A bound on a walk's records, not only on its pages (issue 21, point 12): a page larger than the size asked is an
error, so a walk returns at most ``max_pages * page_size`` records.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

import pytest
from hostile_server import Seen, hostile_server, send, use_server
from page_walk_support import CLIENTS, PATH, page_body, read, requested_page, task

from airflow_provider_ocp.client.pagination import Page, PageWalk
from airflow_provider_ocp.exceptions import OCPAPIError
from airflow_provider_ocp.log_backup.records import record_identity


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
