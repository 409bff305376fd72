"""OCP's timestamp formats: parsing what OCP returns and formatting what we send.

OCP mixes two serializers in one response: ISO-8601 with a colon offset or ``Z`` (``2021-09-23T14:34:35.149+08:00``)
and Java's ``yyyy-MM-dd'T'HH:mm:ss.SSSZ`` without the colon (``2021-09-23T14:33:17.357+0800``), with 0 to 9 fraction
digits. Every value is an aware instant. We send UTC with ``Z``, the form OCP accepts most surely.

A text is a readable instant only if UTC can hold it too: ``0001-01-01T00:00:00+08:00`` is a year-0 instant and
``9999-12-31T23:59:59-08:00`` a year-10000 one, which no ``datetime`` holds in UTC, so every later step (XCom, files,
comparisons with OCP's clock) would fail on them. The parser refuses them with ``ValueError``, like any text it cannot
read, once, here: callers keep such a value as the text OCP sent (with a warning), as for any unreadable timestamp.

A page's timestamps are parsed a column at a time (:func:`parse_ocp_timestamp_column`): msgspec converts the whole
column in C once cheap set checks have shown every value to be a shape on which it and :func:`parse_ocp_timestamp`
agree; any other column goes value by value.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from operator import itemgetter
from typing import Annotated, Any

import msgspec  # loaded with airflow.sdk already, so free at DAG parse

_OCP_TIMESTAMP = re.compile(
    r"""^(?P<date>\d{4}-\d{2}-\d{2})[T ]
        (?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)?
        (?P<offset>Z|z|[+-]\d{2}(?::?\d{2})?)$""",
    re.VERBOSE,
)


_MAX_OFFSET = timedelta(hours=18)

# What may follow the seconds in the fast path: a fraction of 1-9 digits, then Z or an offset of less than 18 hours
# (+HH, +HHMM or +HH:MM, minutes below 60). ``fromisoformat`` alone is laxer than OCP's forms (it takes +08:60,
# +08:00:00, a fraction after the minutes, junk after the sixth fraction digit), so only these shapes go to it.
_COMMON_TAIL = re.compile(r"(?:[.,][0-9]{1,9})?(?:Z|[+-](?:0[0-9]|1[0-7])(?::?[0-5][0-9])?)")
_MAX_TAILS = 8192
# Verdicts on tails: a server sends few distinct ones (a thousand milliseconds times its offsets), so the check above
# runs once per tail, not once per timestamp. Bounded: a hostile server's variety only clears it now and then.
_tail_verdicts: dict[str, bool] = {}


def parse_ocp_timestamp(value: str) -> datetime:
    """Parse any of OCP's timestamp forms into an aware datetime (fraction truncated to microseconds).

    OCP's common shapes (``YYYY-MM-DDTHH:MM:SS`` then an optional fraction and ``Z`` or an offset) go straight to
    ``datetime.fromisoformat``, at C speed; everything else, and anything it refuses, to the full pattern.

    :param value: the text OCP sent, for example ``2021-09-23T14:33:17.357+0800``.
    :raises ValueError: when the text is not one of OCP's forms, has no offset (a naive time is ambiguous), or is an
        instant UTC cannot hold (see the module docstring).
    """
    if value[4:17:3] == "--T::":
        tail = value[19:]
        verdict = _tail_verdicts.get(tail)
        if verdict is None:
            verdict = _learn_tail(tail)
        if verdict:
            try:  # the date and time digits are fromisoformat's to check: it refuses non-digits there
                moment = datetime.fromisoformat(value)
            except ValueError:
                pass
            else:  # only the first and last year can leave UTC's range: one comparison for every other value
                return moment if 1 < moment.year < 9999 else _within_utc(moment, value)
    return _parse_with_pattern(value)


def _within_utc(moment: datetime, value: str) -> datetime:
    """``moment`` if UTC can hold it (its ``astimezone(timezone.utc)`` works), else ``ValueError``."""
    if 1 < moment.year < 9999:
        return moment
    try:
        moment.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError(f"not an instant UTC can hold (years 1 to 9999 in UTC): {value!r}") from None
    return moment


def _learn_tail(tail: str) -> bool:
    if len(_tail_verdicts) >= _MAX_TAILS:
        _tail_verdicts.clear()
    verdict = _tail_verdicts[tail] = _COMMON_TAIL.fullmatch(tail) is not None
    return verdict


# The column path hands values to msgspec only in the shapes where msgspec's RFC 3339 parser gives what
# parse_ocp_timestamp gives: date, ``T`` or space, time with seconds (msgspec checks those 19 characters and refuses
# the column otherwise), then at most 6 fraction digits (msgspec rounds more, we truncate) and ``Z`` or an offset below
# 18 hours with minutes (msgspec takes up to 23:59). Lowercase ``t``, commas, ``+08`` and the rest go value by value.
_COLUMN_TAIL = re.compile(r"(?:\.[0-9]{1,6})?(?:Z|[+-](?:0[0-9]|1[0-7]):?[0-5][0-9])")
_COLUMN_SEPARATORS = frozenset("T ")
_column_tails: set[str] = set()  # tails found safe; bounded like _tail_verdicts
_separator_of = itemgetter(10)
_tail_of = itemgetter(slice(19, None))
_first_of = itemgetter(0)
_EDGE_YEARS = ("0001", "9999")  # the only years whose instants may not fit in UTC (see _within_utc)
_TEXT_OR_NONE = frozenset((str, type(None)))
_AwareColumn = list[Annotated[datetime, msgspec.Meta(tz=True)] | None]


def parse_ocp_timestamp_column(values: list[Any]) -> list[datetime | None] | None:
    """Parse a column of OCP timestamps (one field of every record of a page) in C, or return None when some value
    needs :func:`parse_ocp_timestamp` or the caller's handling (not text, another shape, not a valid time).

    The result equals ``[parse_ocp_timestamp(v) if v is not None else None for v in values]`` whenever it is not
    None; the set checks below cost a few hundred nanoseconds per value less than parsing one by one.

    :param values: text or None per record.
    """
    kinds = set(map(type, values))
    if not kinds <= _TEXT_OR_NONE:
        return None
    texts = values if type(None) not in kinds else [value for value in values if value is not None]
    try:
        if not set(map(_separator_of, texts)) <= _COLUMN_SEPARATORS:
            return None
    except IndexError:  # shorter than a date and a separator
        return None
    if not set(map(_first_of, texts)).isdisjoint("09") and any(text.startswith(_EDGE_YEARS) for text in texts):
        return None  # year 1 or 9999: the one-by-one path tells which values UTC can hold
    for tail in set(map(_tail_of, texts)) - _column_tails:
        if _COLUMN_TAIL.fullmatch(tail) is None:
            return None
        if len(_column_tails) >= _MAX_TAILS:
            _column_tails.clear()
        _column_tails.add(tail)
    try:
        parsed: list[datetime | None] = msgspec.convert(values, _AwareColumn)
    except msgspec.ValidationError:  # a bad date or time, or no offset: the one-by-one path says which
        return None
    return parsed


def _parse_with_pattern(value: str) -> datetime:
    """The full parser: every form OCP's pattern allows (space separator, no seconds, ``z``, whitespace around)."""
    text = value.strip()
    match = _OCP_TIMESTAMP.match(text)
    if match is None:
        raise ValueError(f"not an OCP timestamp with an offset: {value!r}")
    offset = match["offset"]
    if text[10] == "T" and match["second"] and offset != "z" and (len(offset) < 5 or offset[-2:] < "60"):
        try:  # the C-speed path for the common shapes; the regex above already vouched for the text
            moment = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            if abs(moment.utcoffset() or timedelta(0)) <= _MAX_OFFSET:
                return _within_utc(moment, value)
    year, month, day = (int(part) for part in match["date"].split("-"))
    fraction = (match["fraction"] or "").ljust(6, "0")[:6]
    moment = datetime(
        year,
        month,
        day,
        int(match["hour"]),
        int(match["minute"]),
        int(match["second"] or 0),
        int(fraction),
        tzinfo=_parse_offset(match["offset"]),
    )
    return _within_utc(moment, value)


def _parse_offset(text: str) -> timezone:
    if text in ("Z", "z"):
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 18 or minutes > 59 or timedelta(hours=hours, minutes=minutes) > _MAX_OFFSET:
        raise ValueError(f"offset out of range: {text!r}")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def isoformat_utc(moment: datetime) -> str:
    """Format an instant as ISO-8601 in UTC with ``Z``: what we send as ``startTime``/``endTime``, and the JSON-safe
    form used in XCom and output files.

    :param moment: an aware datetime (callers validate awareness first).
    """
    utc = moment.astimezone(timezone.utc)
    timespec = "seconds" if utc.microsecond == 0 else "microseconds"
    return utc.replace(tzinfo=None).isoformat(timespec=timespec) + "Z"


def parse_server_time(timestamp: str | None) -> datetime | None:
    """The envelope's ``timestamp`` (OCP's clock) as an aware datetime, or None if absent or unreadable (an instant
    UTC cannot hold included: see the module docstring).

    :param timestamp: the envelope's ``timestamp`` text.
    """
    if not timestamp:
        return None
    try:
        return parse_ocp_timestamp(timestamp)
    except ValueError:
        return None
