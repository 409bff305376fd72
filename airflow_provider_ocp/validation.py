"""Checks on user input, run before any request is sent. Each error names the parameter and the fix."""

from __future__ import annotations

import logging
import reprlib
from datetime import datetime, timedelta, timezone
from typing import TypeVar

from airflow_provider_ocp.client.errors import OCPInputError
from airflow_provider_ocp.client.settings import MAX_PAGE_SIZE
from airflow_provider_ocp.client.timestamps import parse_ocp_timestamp

T = TypeVar("T")

log = logging.getLogger(__name__)
_MARGIN = timedelta(days=1)

JAVA_LONG_MAX = 2**63 - 1
"""The largest id or count OCP can hold: OCP is a Java server and keeps them in a ``long``."""
_LONG_DIGITS = len(str(JAVA_LONG_MAX))


class _WholeTexts(reprlib.Repr):
    def repr_str(self, x: str, level: int) -> str:
        return repr(x) if len(x) <= self.maxstring else f"<a text of {len(x)} characters>"


_SHORT = _WholeTexts()
_SHORT.maxstring = _SHORT.maxother = _SHORT.maxlong = 60
_SHORT.maxlevel = 2


def short_repr(value: object) -> str:
    """``repr(value)`` cut to about 60 characters, for error messages about values from users or from a server.

    Safe for any value JSON decodes to: nesting is cut at two levels, and an integer too long for ``repr`` (Python
    refuses to print one of more than 4300 digits) is described by its size. A text is shown whole or, past 60
    characters, by its length, never cut: a secret a server echoed into it stays whole, so the hooks' scrubbing
    (:func:`~airflow_provider_ocp.hooks.public_methods.hook_errors`) finds it, where half of it would show.

    :param value: the value to show.
    """
    try:
        return _SHORT.repr(value)
    except ValueError:  # Python refuses to print an integer of more than 4300 digits
        if isinstance(value, int):
            return f"an integer of about {value.bit_length() * 3 // 10} digits"
        return f"a {type(value).__name__} holding an integer too long to print"


def whole_number(value: object) -> int | None:
    """The whole number ``value`` holds: an int, or text of ASCII digits (spaces around allowed); None for anything
    else, booleans and ``"²"`` (a digit to ``str.isdigit``) included.

    Text of more digits than a Java long has reads as ``JAVA_LONG_MAX + 1`` without ``int()`` ever running on it, so
    a 5000-digit text costs nothing and every caller bounding to a Java long refuses it.

    :param value: a parameter, or a field OCP sent.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = value.strip() if isinstance(value, str) else ""
    if not (text.isascii() and text.isdigit()):
        return None
    return int(text) if len(text.lstrip("0")) <= _LONG_DIGITS else JAVA_LONG_MAX + 1


def validate_positive_id(value: object, name: str) -> int:
    """Return an OCP numeric id as an int from 1 to ``JAVA_LONG_MAX``; nothing else may reach a URL path.

    OCP keeps ids in a Java ``long``: a larger one cannot name anything in OCP, so it is refused here rather than
    sent.

    :param value: an int or a string of ASCII digits (templated fields render to strings).
    :param name: the parameter name, for the error message.
    """
    if isinstance(value, bool):
        raise OCPInputError(f"{name} must be a positive integer OCP id, not a boolean ({value!r}).")
    number = whole_number(value)
    if number is None:
        raise OCPInputError(
            f"{name} must be a positive integer OCP id (e.g. 1000005); got {short_repr(value)}. "
            "Find the id in OCP's cluster list or with OCPHook.list_clusters()."
        )
    if number < 1:
        raise OCPInputError(f"{name} must be a positive integer OCP id; got {short_repr(number)}.")
    if number > JAVA_LONG_MAX:
        raise OCPInputError(
            f"{name} must be an OCP id of at most {JAVA_LONG_MAX} (OCP stores ids as a Java long); got "
            f"{short_repr(value)}. Check the value, e.g. in OCP's cluster list or with OCPHook.list_clusters()."
        )
    return number


def rendered_or_none(value: T) -> T | None:
    """An operator's or sensor's parameter after template rendering, with "absent" spelled None.

    A template such as ``{{ data_interval_start }}`` or ``{{ params.restore_point }}`` renders to the text ``None``
    (or to blank text) when the value is absent. The adapters clean their rendered parameters with this, once; the
    domain then takes plain values, where only None means absent.

    :param value: the parameter after template rendering.
    """
    return None if isinstance(value, str) and value.strip() in ("", "None") else value


def coerce_instant(value: object, name: str) -> datetime:
    """Accept an aware datetime or an ISO-8601 string with an offset; refuse naive times.

    :param value: a ``datetime`` (pendulum's included) or text such as ``2024-08-06T00:00:00Z``.
    :param name: the parameter name, for the error message.
    """
    if isinstance(value, str):
        text = value.strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            try:
                moment = parse_ocp_timestamp(text)
            except ValueError:
                raise OCPInputError(
                    f"{name} {value!r} is not an ISO-8601 time; use e.g. 2024-08-06T00:00:00Z."
                ) from None
    elif isinstance(value, datetime):
        moment = value
    else:
        raise OCPInputError(f"{name} must be a timezone-aware datetime or ISO-8601 text; got {type(value).__name__}.")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise OCPInputError(
            f"{name} {value!s} has no timezone; OCP needs an instant. Give an offset (e.g. 'Z' or '+08:00') "
            "or an aware datetime such as pendulum.datetime(2024, 8, 6, tz='UTC')."
        )
    try:  # in UTC, with a day of margin so rounding to whole seconds and windows cannot overflow either
        utc = moment.astimezone(timezone.utc)
        (utc - _MARGIN) + 2 * _MARGIN
    except OverflowError:
        raise OCPInputError(
            f"{name} {value!s} is outside the times OCP can take; use an instant between the years 2 and 9998."
        ) from None
    return moment


def validate_window(
    start: object | None, end: object | None, *, start_name: str = "start_time", end_name: str = "end_time"
) -> tuple[datetime | None, datetime | None]:
    """Validate an optional time window: both bounds or neither, aware, start not after end.

    :param start: the start bound or None.
    :param end: the end bound or None.
    :param start_name: the start parameter's name, for messages.
    :param end_name: the end parameter's name, for messages.
    """
    if start is None and end is None:
        return None, None
    if start is None or end is None:
        missing = start_name if start is None else end_name
        raise OCPInputError(f"{missing} is missing; OCP needs both {start_name} and {end_name}, or neither.")
    start_at, end_at = coerce_instant(start, start_name), coerce_instant(end, end_name)
    if end_at < start_at:
        raise OCPInputError(f"{end_name} ({end_at.isoformat()}) is before {start_name} ({start_at.isoformat()}).")
    return start_at, end_at


def validate_page_size(value: object, name: str = "page_size") -> int:
    """Return a usable page size: at least 1; above OCP's maximum of 2000 it is lowered with a warning.

    :param value: the requested size.
    :param name: the parameter name, for the error message.
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise OCPInputError(f"{name} must be an integer from 1 to {MAX_PAGE_SIZE}; got {value!r}.")
    try:
        size = int(value)
    except ValueError:
        raise OCPInputError(f"{name} must be an integer from 1 to {MAX_PAGE_SIZE}; got {value!r}.") from None
    if size < 1:
        raise OCPInputError(f"{name} must be at least 1; got {size}.")
    if size > MAX_PAGE_SIZE:
        log.warning("%s %s is above OCP's maximum; using %s.", name, size, MAX_PAGE_SIZE)
        return MAX_PAGE_SIZE
    return size
