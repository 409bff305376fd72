"""OCP's timestamp formats: parsing what OCP returns and formatting what we send.

OCP mixes two serializers in one response: ISO-8601 with a colon offset or ``Z`` (``2021-09-23T14:34:35.149+08:00``)
and Java's ``yyyy-MM-dd'T'HH:mm:ss.SSSZ`` without the colon (``2021-09-23T14:33:17.357+0800``), with 0 to 9 fraction
digits. Every value is an aware instant. We send UTC with ``Z``, the form OCP accepts most surely.

A text is a readable instant only if UTC can hold it too: ``0001-01-01T00:00:00+08:00`` is a year-0 instant and
``9999-12-31T23:59:59-08:00`` a year-10000 one, which no ``datetime`` holds in UTC, so every later step (XCom, files,
comparisons with OCP's clock) would fail on them. The parser refuses them with ``ValueError``, like any text it cannot
read, once, here: callers keep such a value as the text OCP sent (with a warning), as for any unreadable timestamp.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

_OCP_TIMESTAMP = re.compile(
    r"""^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?
        (?:[Zz]|[+-](?:(?:0\d|1[0-7])(?::?[0-5]\d)?|18(?::?00)?))$""",  # offsets up to 18 hours: Java's ZoneOffset
    re.VERBOSE | re.ASCII,
)


def parse_ocp_timestamp(value: str) -> datetime:
    """Parse any of OCP's timestamp forms into an aware datetime (fraction truncated to microseconds).

    Accepted: a date, ``T`` or a space, hours and minutes, optional seconds with a fraction of 1 to 9 digits (``.``
    or ``,``), then ``Z``/``z`` or an offset of at most 18 hours (``+HH``, ``+HHMM``, ``+HH:MM``); whitespace around
    is ignored; digits are ASCII. The regular expression decides what is accepted; ``datetime.fromisoformat`` (in C,
    which reads every accepted form the same way and truncates a fraction past microseconds) builds the value.

    :param value: the text OCP sent, for example ``2021-09-23T14:33:17.357+0800``.
    :raises ValueError: when the text is not one of OCP's forms, has no offset (a naive time is ambiguous), or is an
        instant UTC cannot hold (see the module docstring).
    """
    text = value.strip()
    if _OCP_TIMESTAMP.match(text) is None:
        raise ValueError(f"not an OCP timestamp with an offset: {value!r}")
    moment = datetime.fromisoformat(text if text[-1] != "z" else text[:-1] + "Z")  # it takes ``Z``, not ``z``
    if moment.year in (1, 9999):  # only there can the instant fall outside what UTC holds
        try:
            moment.astimezone(timezone.utc)
        except OverflowError:
            raise ValueError(f"not an instant UTC can hold (years 1 to 9999 in UTC): {value!r}") from None
    return moment


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
