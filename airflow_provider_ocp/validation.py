"""Checks on user input, run before any request is sent. Each error names the parameter and the fix."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from airflow_provider_ocp.client.settings import MAX_PAGE_SIZE
from airflow_provider_ocp.client.timestamps import parse_ocp_timestamp
from airflow_provider_ocp.exceptions import OCPInputError

log = logging.getLogger(__name__)
_MARGIN = timedelta(days=1)


def validate_positive_id(value: object, name: str) -> int:
    """Return an OCP numeric id as a positive int; nothing else may reach a URL path.

    :param value: an int or a string of ASCII digits (templated fields render to strings).
    :param name: the parameter name, for the error message.
    """
    if isinstance(value, bool):
        raise OCPInputError(f"{name} must be a positive integer OCP id, not a boolean ({value!r}).")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise OCPInputError(
            f"{name} must be a positive integer OCP id (e.g. 1000005); got {value!r}. "
            "Find the id in OCP's cluster list or with OCPHook.list_clusters()."
        )
    if number < 1:
        raise OCPInputError(f"{name} must be a positive integer OCP id; got {number}.")
    return number


def is_unset(value: object) -> bool:
    """Whether a (possibly rendered) parameter means "use the default".

    A template such as ``{{ data_interval_start }}`` or ``{{ params.restore_point }}`` renders to the text ``None``
    when the value is absent.

    :param value: the parameter after template rendering.
    """
    return value is None or (isinstance(value, str) and value.strip() in ("", "None"))


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
