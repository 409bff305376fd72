"""The page walk as a pure state machine, over hand-made page layouts."""

import math

import pytest

from airflow_provider_ocp.client.pagination import Page, PageWalk, parse_page
from airflow_provider_ocp.exceptions import OCPAPIError
from airflow_provider_ocp.log_backup.records import record_identity


def rec(i: int) -> dict:
    return {"clusterId": 1, "tenantId": i, "createTime": f"t{i}"}


def serve(records: list[dict], page_len: int, page_no: int, **overrides: object) -> Page:
    size, number = page_len, page_no
    chunk = records[(number - 1) * size : number * size]
    fields = {
        "number": number,
        "size": size,
        "total_elements": len(records),
        "total_pages": math.ceil(len(records) / size),
    }
    fields.update(overrides)
    return Page(records=chunk, **fields)  # type: ignore[arg-type]


def walk_all(walk: PageWalk, server) -> list[dict]:
    out: list[dict] = []
    while walk.next_page is not None:
        out.extend(walk.accept(server(walk.next_page)))
    return out


def test_walks_all_pages_once() -> None:
    data = [rec(i) for i in range(25)]
    walk = PageWalk(page_size=10, max_pages=100, identity=record_identity)
    assert walk_all(walk, lambda n: serve(data, 10, n)) == data
    assert walk.requests_made == 3


def test_clamped_size_uses_size_server_reported() -> None:
    data = [rec(i) for i in range(25)]
    walk = PageWalk(page_size=2000, max_pages=100, identity=record_identity)
    assert walk_all(walk, lambda n: serve(data, 10, n, total_pages=None)) == data


def test_total_pages_too_small_still_reads_everything() -> None:
    data = [rec(i) for i in range(25)]
    assert (
        walk_all(
            PageWalk(page_size=10, max_pages=100, identity=record_identity), lambda n: serve(data, 10, n, total_pages=1)
        )
        == data
    )


def test_total_pages_too_large_stops_on_empty_page() -> None:
    data = [rec(i) for i in range(25)]
    walk = PageWalk(page_size=10, max_pages=100, identity=record_identity)
    assert walk_all(walk, lambda n: serve(data, 10, n, total_pages=9, total_elements=None)) == data
    assert walk.requests_made == 4


def test_no_totals_reads_until_empty_page() -> None:
    data = [rec(i) for i in range(25)]
    walk = PageWalk(page_size=10, max_pages=100, identity=record_identity)
    assert walk_all(walk, lambda n: serve(data, 10, n, total_pages=None, total_elements=None, size=None)) == data


def test_server_ignoring_page_raises_instead_of_looping() -> None:
    data = [rec(i) for i in range(25)]
    with pytest.raises(OCPAPIError, match="ignore"):
        walk_all(PageWalk(page_size=10, max_pages=100, identity=record_identity), lambda n: serve(data, 10, 1))
    with pytest.raises(OCPAPIError, match="ignore"):
        walk_all(
            PageWalk(page_size=10, max_pages=100, identity=record_identity), lambda n: serve(data, 10, 1, number=None)
        )


def test_max_pages_guard() -> None:
    data = [rec(i) for i in range(100)]
    with pytest.raises(OCPAPIError, match="max_pages"):
        walk_all(PageWalk(page_size=10, max_pages=3, identity=record_identity), lambda n: serve(data, 10, n))


def test_insert_between_pages_gives_no_duplicates_and_no_losses() -> None:
    data = [rec(i) for i in range(30)]
    inserted = iter(range(100, 105))

    def server(n: int) -> Page:
        if n == 2 and len(data) < 32:  # during the first two passes; the third sees a stable total
            data.insert(0, rec(next(inserted)))  # newest first: everything shifts by one
        return serve(data, 10, n)

    out = walk_all(PageWalk(page_size=10, max_pages=100, identity=record_identity), server)
    keys = [r["tenantId"] for r in out]
    assert len(keys) == len(set(keys))
    assert set(range(30)) <= set(keys)


def test_removal_between_pages_loses_nothing_that_stayed() -> None:
    data = [rec(i) for i in range(30)]
    removed = []

    def server(n: int) -> Page:
        if n == 2 and not removed:
            removed.append(data.pop(0))  # the front shrinks: page 2 starts one later
        return serve(data, 10, n)

    out = walk_all(PageWalk(page_size=10, max_pages=100, identity=record_identity), server)
    keys = [r["tenantId"] for r in out]
    assert len(keys) == len(set(keys))
    assert set(range(1, 30)) <= set(keys)


def test_parse_page_tolerates_total_page_and_strings() -> None:
    page = parse_page({"contents": [{"a": 1}], "page": {"totalPage": "3", "number": "1", "size": 1}}, target="/p")
    assert (page.total_pages, page.number, page.size, page.total_elements) == (3, 1, 1, None)
    with pytest.raises(OCPAPIError):
        parse_page("<html>", target="/p")
