"""Which time window an extraction run covers, resolved from the task context.

Airflow 3 does not always give a run a usable data interval: manual and asset-triggered runs may have none, and the
default cron timetable gives scheduled runs a zero-width one (start equals end). The rule, documented on the operator:

* ``end`` is ``end_time`` if given, else the run's ``data_interval_end``, else the dag run's ``run_after``, else the
  ``logical_date``, else now;
* ``start`` is ``start_time`` if given, else ``data_interval_start`` when the run has a real (non-zero) interval and
  ``end_time`` was not overridden, else ``end - lookback``.

The window is half-open, ``[start, end)``: adjacent runs share a boundary instant, and a task created exactly at it
belongs to the later run only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from airflow_provider_ocp.client.timestamps import isoformat_utc
from airflow_provider_ocp.validation import coerce_instant, validate_window


@dataclass(frozen=True)
class ExtractionWindow:
    """A half-open time window ``[start, end)`` and why it was chosen.

    :param start: inclusive lower bound (aware).
    :param end: exclusive upper bound (aware).
    :param reason: a human-readable explanation for the task log.
    :param interval: the run's data interval when it has a real (non-zero) one, else None: whether the run has a
        partition of its own in a scheduled layout (``{{ ocp_partition }}``), even when ``start_time``/``end_time``
        move the window.
    """

    start: datetime
    end: datetime
    reason: str
    interval: tuple[datetime, datetime] | None = None

    def contains(self, moment: object) -> bool:
        """Whether a record's ``createTime`` falls in the window.

        Values that are not datetimes (absent, or text OCP sent in an unknown form) count as inside: OCP already
        filtered by the window, so dropping them would lose data.

        :param moment: the record's ``createTime``.
        """
        if not isinstance(moment, datetime):
            return True
        return self.start <= moment < self.end

    def keep(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The records of a page whose ``createTime`` the window :meth:`contains`, in order.

        :param records: normalised records.
        """
        return [record for record in records if self.contains(record.get("createTime"))]

    def undated(self, records: list[dict[str, Any]]) -> int:
        """How many records have no readable ``createTime`` (absent, or text in an unknown form): :meth:`keep` keeps
        them, and the extraction warns about them.

        :param records: normalised records.
        """
        return sum(not isinstance(record.get("createTime"), datetime) for record in records)

    def halves(self) -> tuple[ExtractionWindow, ExtractionWindow] | None:
        """The window cut in two at a whole second near its middle, or None when it spans a second or less.

        For OCP's "range too long" (code 10007): two half-open halves hold every task of the whole exactly once.
        """
        middle = (self.start + (self.end - self.start) / 2).replace(microsecond=0)
        if middle <= self.start or middle >= self.end:
            return None
        reason = f"part of {self.reason}"
        return (
            ExtractionWindow(self.start, middle, reason, self.interval),
            ExtractionWindow(middle, self.end, reason, self.interval),
        )

    def as_json(self) -> dict[str, str]:
        """The bounds as ISO-8601 UTC text, for XCom, asset events and output records."""
        return {"window_start": isoformat_utc(self.start), "window_end": isoformat_utc(self.end)}


def resolve_window(
    context: Mapping[str, Any],
    start_time: object,
    end_time: object,
    lookback: timedelta,
    now: datetime | None = None,
) -> ExtractionWindow:
    """Resolve the extraction window from explicit bounds and the run's context (see the module docstring).

    :param context: the task context; any key may be missing.
    :param start_time: the operator's ``start_time`` (None: the default).
    :param end_time: the operator's rendered ``end_time``.
    :param lookback: the width of the fallback window.
    :param now: the current time, for tests; default the real clock.
    """
    interval_start = _aware_or_none(context.get("data_interval_start"))
    interval_end = _aware_or_none(context.get("data_interval_end"))
    interval = (
        (interval_start, interval_end) if interval_start and interval_end and interval_end > interval_start else None
    )
    explicit_end = end_time is not None

    if explicit_end:
        end, end_source = coerce_instant(end_time, "end_time"), "end_time"
    elif interval is not None:
        end, end_source = interval[1], "data_interval_end"
    else:
        end, end_source = _fallback_end(context, interval_end, now)

    if start_time is not None:
        start, start_source = coerce_instant(start_time, "start_time"), "start_time"
    elif interval is not None and not explicit_end:
        start, start_source = interval[0], "data_interval_start"
    else:
        start, start_source = end - lookback, f"{end_source} minus lookback {duration_text(lookback)}"

    checked_start, checked_end = validate_window(start, end)
    assert checked_start is not None and checked_end is not None  # both bounds were given
    if interval is not None:
        note = ""
    elif interval_start is None or interval_end is None:
        note = "the run has no data interval; "
    else:
        note = "the run's data interval is zero-width; "
    reason = f"{note}start = {start_source}, end = {end_source}"
    return ExtractionWindow(checked_start, checked_end, reason, interval)


def _fallback_end(
    context: Mapping[str, Any], interval_end: datetime | None, now: datetime | None
) -> tuple[datetime, str]:
    dag_run = context.get("dag_run")
    candidates = (
        (interval_end, "data_interval_end"),
        (_aware_or_none(getattr(dag_run, "run_after", None)), "the run's run_after"),
        (_aware_or_none(context.get("logical_date")), "logical_date"),
    )
    for moment, source in candidates:
        if moment is not None:
            return moment, source
    return (now or datetime.now(timezone.utc)), "now"


def _aware_or_none(value: object) -> datetime | None:
    if isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None:
        return value
    return None


def duration_text(delta: timedelta) -> str:
    """A duration as a person writes it: ``1 day``, ``2 days 6h``, ``1h 30min`` (``str()`` gives ``1 day, 0:00:00``).

    :param delta: a non-negative duration.
    """
    days, rest = divmod(delta.total_seconds(), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{days:g} day{'s' if days != 1 else ''}"] if days else []
    parts += [f"{hours:g}h"] if hours else []
    parts += [f"{minutes:g}min"] if minutes else []
    parts += [f"{round(seconds, 6):g}s"] if seconds or not parts else []
    return " ".join(parts)
