"""Page metadata no OCP sends is an error naming the field (issue 21, point 11): ``parse_page`` reads counts from 0 to
2**63-1 and refuses anything else, by hand and through both hooks against scripted servers on loopback.
"""

from __future__ import annotations

from typing import Any

import pytest
from hostile_server import hostile_server, send, use_server
from page_walk_support import CLIENTS, PATH, read, task

from airflow_provider_ocp.client.pagination import PageWalk, parse_page
from airflow_provider_ocp.exceptions import OCPAPIError


@pytest.mark.parametrize(
    ("info", "field", "shown"),
    [
        ({"totalElements": 10**400}, "page.totalElements", "1" + "0" * 27 + "..." + "0" * 29),
        ({"totalPages": "9" * 5000}, "page.totalPages", "<a text of 5000 characters>"),
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
