"""Property tests (hypothesis): page metadata of any JSON-ish shape (issue 21, points 7, 11 and 12).

``data.page`` comes from whatever answers at the OCP URL. Whatever its members hold (huge, negative or fractional
numbers, ``NaN``, ``"²"``, 5000-digit texts, lists, objects), ``parse_page`` returns a ``Page`` whose counts are exact
Java longs or raises :class:`OCPAPIError`; and a walk fed such pages ends well only when its records account for
the last ``totalElements`` it was given, holds at most ``max_pages * page_size`` records, and raises nothing but
:class:`OCPAPIError`.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import event, example, given, settings
from hypothesis import strategies as st
from hypothesis_support import examples

from airflow_provider_ocp.client.pagination import PageWalk, parse_page
from airflow_provider_ocp.client.response import parse_response
from airflow_provider_ocp.exceptions import OCPAPIError

TARGET = "/ob/clusters/1/backup/task/logBackupTasks"
LONG_MAX = 9223372036854775807  # Java's Long.MAX_VALUE, written out
KEYS = ("number", "size", "totalElements", "totalPages", "totalPage")

ODD_NUMBERS = st.sampled_from(
    [10**400, -(10**400), 2**63, LONG_MAX, -1, 0, 1e400, float("nan"), -0.0, 40.0, 1.5, True, False]
)
ODD_TEXTS = st.sampled_from(["²", "9" * 5000, "１２", "٣", " 40 ", "040", "0" * 30 + "7", "-1", "+3", "1e3", "", " "])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | st.text(alphabet=st.characters(categories=["Nd", "No", "Zs"]), max_size=6)
    | ODD_NUMBERS
    | ODD_TEXTS
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6,
)
INFOS = st.fixed_dictionaries({}, optional={key: VALUES for key in KEYS})
# Values OCP can send: counts from 0 to Long.MAX_VALUE, as JSON numbers or as text (spaces and leading zeros allowed).
GOOD_COUNTS = st.integers(min_value=0, max_value=LONG_MAX).flatmap(
    lambda n: st.sampled_from([n, str(n), f" {n} ", f"00{n}"])
)


def record(number: int) -> dict[str, Any]:
    return {"clusterId": 1, "tenantId": 2000 + number, "createTime": f"2024-08-06T00:00:{number % 60:02d}Z"}


def expected_count(value: Any) -> int:
    """What an accepted value must read as: the number itself, or the decimal text's number."""
    return value if isinstance(value, int) else int(value.strip())


@settings(max_examples=examples(600), deadline=None)
@given(INFOS | VALUES, st.lists(st.builds(record, st.integers(0, 99)), max_size=3))
@example({"totalElements": 10**400}, [])
@example({"totalPages": "9" * 5000}, [])
@example({"totalPage": "²"}, [])
@example({"size": -1}, [])
@example({"totalElements": 1e400}, [])
@example("not an object", [])
def test_parse_page_reads_exact_longs_or_raises_ocp_api_error(info: Any, records: list[dict[str, Any]]) -> None:
    try:
        page = parse_page({"contents": records, "page": info}, target=TARGET, number=1)
    except OCPAPIError as error:
        assert error.path == TARGET and "page" in error.message
        return
    assert isinstance(info, dict) or info is None  # OCP omits a null member; anything else is refused
    info = info or {}
    read = {
        "number": page.number,
        "size": page.size,
        "totalElements": page.total_elements,
        "totalPages": page.total_pages,
    }
    for key, value in read.items():
        sent = info.get(key) if key != "totalPages" or info.get(key) is not None else info.get("totalPage")
        if sent is None:
            assert value is None
        else:
            assert value == expected_count(sent) and 0 <= value <= LONG_MAX


@settings(max_examples=examples(300), deadline=None)
@given(st.fixed_dictionaries({}, optional={key: GOOD_COUNTS for key in KEYS}))
def test_every_count_ocp_can_send_is_accepted(info: dict[str, Any]) -> None:
    page = parse_page({"contents": [], "page": info}, target=TARGET)
    assert page.total_elements == (expected_count(info["totalElements"]) if "totalElements" in info else None)
    assert page.size == (expected_count(info["size"]) if "size" in info else None)


def page_info(number: int, served: int, records: int, exact: bool) -> st.SearchStrategy[dict[str, Any]]:
    """Metadata for page ``number``: the truth (members left out or sent as text), or, unless ``exact``, counts near
    it (off by a little)."""
    pages = -(-records // served)
    near = st.integers(min_value=0, max_value=records + 3)
    truth = {"number": number, "size": served, "totalElements": records, "totalPages": pages}
    return st.fixed_dictionaries(
        {},
        optional={
            key: st.sampled_from([value, str(value)]) if exact or key == "number" else st.just(value) | near
            for key, value in truth.items()
        },
    )


@settings(max_examples=examples(400), deadline=None)
@given(
    data=st.data(),
    records=st.integers(min_value=0, max_value=30),
    asked=st.integers(min_value=1, max_value=8),
    oversize=st.integers(min_value=0, max_value=9).map(lambda n: {8: 1, 9: 5}.get(n, 0)),
    server=st.sampled_from(["exact", "near", "hostile"]),
)
def test_a_walk_over_any_metadata_ends_accounted_for_or_raises_ocp_api_error(
    data: st.DataObject, records: int, asked: int, oversize: int, server: str
) -> None:
    """The server slices ``records`` in pages of ``served`` records (at most the size asked, or now and then more)
    and sends metadata with every page: the truth, counts near it, or (``hostile``) now and then anything at all,
    through OCP's JSON and the envelope parser."""
    served = data.draw(st.integers(min_value=1, max_value=asked)) + oversize
    rows = [record(i) for i in range(records)]
    walk = PageWalk(page_size=asked, max_pages=40, target=TARGET)
    try:
        while walk.next_page is not None:
            number = walk.next_page
            info = page_info(number, served, records, exact=server == "exact")
            contents = rows[(number - 1) * served : number * served]
            page = {"contents": contents, "page": data.draw(info | INFOS if server == "hostile" else info)}
            walk.take(parse_response(200, {}, json.dumps({"successful": True, "data": page}).encode(), target=TARGET))
    except OCPAPIError as error:
        assert error.path == TARGET
        assert server != "exact" or oversize, f"an honest server was refused: {error}"
        event(f"{server}: refused")
        return
    event(f"{server}: ended well")
    assert walk.records_returned <= walk.requests_made * asked  # the documented bound on records
    if walk.total_elements is not None:  # success means the records account for what OCP announced
        assert walk.records_returned >= walk.total_elements
    if server == "exact":
        assert walk.records_returned == records


@settings(max_examples=examples(60), deadline=None)
@given(st.sampled_from(KEYS), st.integers(min_value=4301, max_value=6000), st.booleans())
def test_numbers_of_thousands_of_digits_on_the_wire_are_refused_once(key: str, digits: int, negative: bool) -> None:
    number = ("-" if negative else "") + "9" * digits
    body = f'{{"successful": true, "data": {{"contents": [], "page": {{"{key}": {number}}}}}}}'.encode()
    try:
        parse_response(200, {}, body, target=TARGET)
    except OCPAPIError as error:
        assert not error.retryable and "thousands of digits" in error.message
    else:
        raise AssertionError("a 4301+ digit number was read")
