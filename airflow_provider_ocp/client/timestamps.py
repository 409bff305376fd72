"""OCP's timestamp formats: parsing what OCP returns and formatting what we send.

OCP mixes two serializers in one response: ISO-8601 with a colon offset or ``Z`` (``2021-09-23T14:34:35.149+08:00``)
and Java's ``yyyy-MM-dd'T'HH:mm:ss.SSSZ`` without the colon (``2021-09-23T14:33:17.357+0800``), with 0 to 9 fraction
digits. Every value is an aware instant. We send UTC with ``Z``, the form OCP accepts most surely.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_OCP_TIMESTAMP = re.compile(
    r"""^(?P<date>\d{4}-\d{2}-\d{2})[T ]
        (?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)?
        (?P<offset>Z|z|[+-]\d{2}(?::?\d{2})?)$""",
    re.VERBOSE,
)


_MAX_OFFSET = timedelta(hours=18)


def parse_ocp_timestamp(value: str) -> datetime:
    """Parse any of OCP's timestamp forms into an aware datetime (fraction truncated to microseconds).

    :param value: the text OCP sent, for example ``2021-09-23T14:33:17.357+0800``.
    :raises ValueError: when the text is not one of OCP's forms or has no offset (a naive time is ambiguous).
    """
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
                return moment
    year, month, day = (int(part) for part in match["date"].split("-"))
    fraction = (match["fraction"] or "").ljust(6, "0")[:6]
    return datetime(
        year,
        month,
        day,
        int(match["hour"]),
        int(match["minute"]),
        int(match["second"] or 0),
        int(fraction),
        tzinfo=_parse_offset(match["offset"]),
    )


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
    """The envelope's ``timestamp`` (OCP's clock) as an aware datetime, or None if absent or unreadable.

    :param timestamp: the envelope's ``timestamp`` text.
    """
    if not timestamp:
        return None
    try:
        return parse_ocp_timestamp(timestamp)
    except ValueError:
        return None
