"""OCP's timestamp texts as the emulator prints them: Java's ``+0800`` form and ISO-8601, one value or many.

Printed in the server zone (:attr:`~airflow_provider_ocp.testing.clock.ServerClock.tz`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Literal

from airflow_provider_ocp.testing.clock import EPOCH, from_epoch_us


def _offset_text(local: datetime, *, colon: bool) -> str:
    offset = local.utcoffset() or timedelta(0)
    if colon and offset == timedelta(0):
        return "Z"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(offset) // timedelta(minutes=1)
    hours, minutes = divmod(minutes, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" if colon else f"{sign}{hours:02d}{minutes:02d}"


def java_timestamp(moment: datetime, tz: tzinfo) -> str:
    """Java's ``yyyy-MM-dd'T'HH:mm:ss.SSSZ``: milliseconds always, offset without colon (``+0800``, ``+0000``).

    :param moment: an aware instant.
    :param tz: the server zone to print it in.
    """
    local = moment.astimezone(tz)
    base = local.replace(tzinfo=None).isoformat(timespec="seconds")
    return f"{base}.{local.microsecond // 1000:03d}{_offset_text(local, colon=False)}"


def iso_timestamp(moment: datetime, tz: tzinfo) -> str:
    """ISO-8601 as an OffsetDateTime serializer writes it: milliseconds unless zero, colon offset or ``Z``.

    :param moment: an aware instant.
    :param tz: the server zone to print it in.
    """
    local = moment.astimezone(tz)
    base = local.replace(tzinfo=None).isoformat(timespec="seconds")
    millis = local.microsecond // 1000
    fraction = f".{millis:03d}" if millis else ""
    return f"{base}{fraction}{_offset_text(local, colon=True)}"


_CLOCK_MINUTES = tuple(f"{hour:02d}:{minute:02d}:" for hour in range(24) for minute in range(60))
_CLOCK_SECONDS = tuple(f"{second:02d}" for second in range(60))
_MAX_DATES = 100_000


@functools.lru_cache(maxsize=32)
def epoch_us_formatter(tz: tzinfo, style: Literal["java", "iso"]) -> Callable[[int], str]:
    """:func:`java_timestamp` or :func:`iso_timestamp` of epoch microseconds, as one function for many values.

    In a fixed-offset zone (the emulator's default) a value costs a few integer divisions and lookups in tables of
    the texts (dates as they come, minutes and seconds of a day, milliseconds with the offset), where the general
    path converts zones and formats a datetime per value: the bulk of rendering a page.

    :param tz: the server zone to print in.
    :param style: ``"java"`` (``+0800``, milliseconds always) or ``"iso"`` (``+08:00`` or ``Z``, milliseconds unless
        zero).
    """
    general = java_timestamp if style == "java" else iso_timestamp
    if not isinstance(tz, timezone):  # a zone with daylight saving: the offset depends on the instant
        return lambda micros: general(from_epoch_us(micros), tz)
    offset_us = (tz.utcoffset(None) or timedelta(0)) // timedelta(microseconds=1)
    suffix = _offset_text(EPOCH.astimezone(tz), colon=style == "iso")
    endings = [f".{millis:03d}{suffix}" for millis in range(1000)]
    if style == "iso":
        endings[0] = suffix
    dates: dict[int, str] = {}

    def text(micros: int) -> str:
        seconds, micro = divmod(micros + offset_us, 1_000_000)
        day, second = divmod(seconds, 86_400)
        date = dates.get(day)
        if date is None:
            if len(dates) >= _MAX_DATES:
                dates.clear()
            date = dates[day] = (EPOCH + timedelta(days=day)).date().isoformat() + "T"
        return date + _CLOCK_MINUTES[second // 60] + _CLOCK_SECONDS[second % 60] + endings[micro // 1000]

    return text
