"""One page of a paginated OCP response: reading ``data.contents`` and ``data.page``, and what a walk yields per page.

OCP's page fields are tolerated in every form seen (``totalPages`` or ``totalPage``, numbers as text, fields left
out), but a value present must be a count OCP can hold (a Java long, 0 to 2**63-1): anything else (a negative or
fractional number, ``1e400``, ``"²"``, a 5000-digit number) is an error naming the field, because a walk that guessed
at it could stop early. The records are not tolerated either: a page that is not a list of JSON objects is an error.
"""

from __future__ import annotations

import marshal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from airflow_provider_ocp.client.errors import OCPAPIError
from airflow_provider_ocp.validation import JAVA_LONG_MAX, short_repr, whole_number


@dataclass(frozen=True)
class Page:
    """One page of a paginated OCP response.

    :param records: ``contents`` as sent.
    :param number: ``page.number`` (1-based) if sent.
    :param size: ``page.size``, the size the server actually used, if sent.
    :param total_elements: ``page.totalElements`` if sent.
    :param total_pages: ``page.totalPages`` (or ``totalPage``) if sent.
    """

    records: list[dict[str, Any]]
    number: int | None = None
    size: int | None = None
    total_elements: int | None = None
    total_pages: int | None = None


@dataclass(frozen=True)
class PageResult:
    """Records new in one page of a walk, with progress for logging: what both hooks yield per page.

    :param records: the records of this page not returned before (raw, or normalised by the caller's method).
    :param page_number: the 1-based page just read.
    :param records_so_far: distinct records returned by the walk, this page included.
    :param total_elements: OCP's ``totalElements``, if it sent one.
    :param total_pages: OCP's page count (sent or computed), if known.
    :param server_time: OCP's clock at this response.
    """

    records: list[dict[str, Any]]
    page_number: int
    records_so_far: int
    total_elements: int | None
    total_pages: int | None
    server_time: datetime | None


Identity = Callable[[dict[str, Any]], bytes]
"""What tells a walk's records apart: the :func:`record_key` of the values that identify a record (or a task)."""


def record_key(values: Any) -> bytes:
    """The values that identify a record, as bytes: what a walk keeps of each record it has returned.

    ``marshal`` format 0 (C, no references, no interning marks) writes each JSON value with its type, so two values
    give the same bytes only when they are the same JSON value (``1``, ``1.0``, ``true``, ``"1"``, ``NaN`` and
    ``null`` all differ); what it cannot write (a datetime of a normalised record) is keyed by its ``repr`` after a
    byte no marshal output starts with. The key is exact, unlike Python's ``hash``: ``hash(-1) == hash(-2)`` and ints
    ``2**61 - 1`` apart hash alike, so a hash would silently drop a task as already seen. About 200 bytes a record,
    where keeping the values themselves would hold every record's strings (about 500).

    :param values: what identifies the record: JSON values, and tuples and lists of them.
    """
    try:
        return marshal.dumps(values, 0)
    except ValueError:
        return b"\xff" + repr(values).encode("utf-8", "surrogatepass")


def whole_record_identity(record: dict[str, Any]) -> bytes:
    """The default identity for endpoints without a better one: ``id`` if the record has one, else every field.

    :param record: a raw record.
    """
    key = record.get("id")
    if isinstance(key, int | str):
        return record_key(("id", key))
    return record_key(sorted(record.items(), key=lambda item: str(item[0])))


_DICT = {dict}


def _count(info: dict[str, Any], key: str, which: str, target: str) -> int | None:
    """``page.<key>`` as an int from 0 to ``JAVA_LONG_MAX``, None when absent; anything else is an error."""
    value = info.get(key)
    if value is None:  # OCP omits null fields; a null says the same
        return None
    number = whole_number(value)
    if number is None or not 0 <= number <= JAVA_LONG_MAX:
        raise OCPAPIError(
            f"OCP's {which} has page.{key} = {short_repr(value)}, which is not a count from 0 to {JAVA_LONG_MAX} "
            "(a Java long, all OCP can send): refusing to guess how many records there are. The server at this "
            "URL is not answering as OCP does; check the connection's host.",
            path=target,
        )
    return number


def parse_page(data: Any, *, target: str, number: int | None = None) -> Page:
    """Read ``{"contents": [...], "page": {...}}``; tolerant of missing and string-typed page fields, strict on records
    and on values no OCP sends.

    A page without a ``contents`` list, or with records that are not JSON objects, is an error naming the page: taking
    it as empty would end the walk early and lose every later record without a word.

    :param data: the envelope's ``data``.
    :param target: the request path, for the error.
    :param number: the page asked for, for the error.
    """
    which = f"page {number}" if number is not None else "a page"
    contents = data.get("contents") if isinstance(data, dict) else None
    if not isinstance(contents, list):
        got = "no 'data' object" if not isinstance(data, dict) else f"'contents' is {type(contents).__name__}"
        raise OCPAPIError(f"OCP's {which} has no 'contents' list ({got}); it is not a paginated response", path=target)
    kinds = set(map(type, contents))  # in C; only a page with other kinds pays for the list below
    misfits = [item for item in contents if not isinstance(item, dict)] if kinds - _DICT else []
    if misfits:
        raise OCPAPIError(
            f"OCP's {which} holds {len(misfits)} record(s) that are not JSON objects (the first: "
            f"{short_repr(misfits[0])}); refusing to drop them silently",
            path=target,
        )
    records: list[dict[str, Any]] = contents
    raw_info = data.get("page")
    if raw_info is not None and not isinstance(raw_info, dict):
        raise OCPAPIError(
            f"OCP's {which} has a 'page' member that is not an object ({short_repr(raw_info)}); it is not OCP's "
            "paginated response",
            path=target,
        )
    info: dict[str, Any] = raw_info or {}
    total_pages = _count(info, "totalPages", which, target)
    if total_pages is None:
        total_pages = _count(info, "totalPage", which, target)
    return Page(
        records=records,
        number=_count(info, "number", which, target),
        size=_count(info, "size", which, target),
        total_elements=_count(info, "totalElements", which, target),
        total_pages=total_pages,
    )
