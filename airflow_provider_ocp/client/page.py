"""One page of a paginated OCP response: reading ``data.contents`` and ``data.page``, and what a walk yields per page.

OCP's page fields are tolerated in every form seen (``totalPages`` or ``totalPage``, numbers as text, fields left
out); the records themselves are not: a page that is not a list of JSON objects is an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from airflow_provider_ocp.exceptions import OCPAPIError


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


def whole_record_identity(record: dict[str, Any]) -> int:
    """The default fingerprint for endpoints without a better one: ``id`` if the record has one, else every field.

    :param record: a raw record.
    """
    key = record.get("id")
    if isinstance(key, int | str):
        return hash(("id", key))
    return hash(repr(sorted(record.items(), key=lambda item: str(item[0]))))


_DICT = {dict}


def _optional_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def parse_page(data: Any, *, target: str, number: int | None = None) -> Page:
    """Read ``{"contents": [...], "page": {...}}``; tolerant of missing and string-typed page fields, strict on records.

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
            f"{repr(misfits[0])[:80]}); refusing to drop them silently",
            path=target,
        )
    records: list[dict[str, Any]] = contents
    raw_info = data.get("page")
    info: dict[str, Any] = raw_info if isinstance(raw_info, dict) else {}
    total_pages = _optional_int(info.get("totalPages"))
    if total_pages is None:
        total_pages = _optional_int(info.get("totalPage"))
    return Page(
        records=records,
        number=_optional_int(info.get("number")),
        size=_optional_int(info.get("size")),
        total_elements=_optional_int(info.get("totalElements")),
        total_pages=total_pages,
    )
