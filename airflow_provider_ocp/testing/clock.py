"""The emulator's time: a server clock the tests drive (frozen by default), delay profiles and OCP's time texts.

Everything the emulator reports and the AccessKey ``Date`` check read :meth:`ServerClock.now`; a response reads it once
(:meth:`ServerClock.one_reading`), so that its records (a checkpoint is now minus the delay) and its envelope's
``timestamp`` agree even on a running clock, where two readings differ by however long rendering took.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

from airflow_provider_ocp.client.timestamps import parse_ocp_timestamp

DEFAULT_SERVER_TIMEZONE = timezone(timedelta(hours=8))
"""OCP deployments commonly run in China Standard Time; the emulator reports ``+08:00`` by default."""

# What a servlet-side OffsetDateTime converter accepts: a colon offset or Z, never +0800, +08 or no offset.
_QUERY_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$")


class ServerClock:
    """The emulated OCP server's wall clock, frozen where it was created (``frozen``, the default) until a test
    moves it, or running with the real clock; ``offset`` is its skew against the real clock, ``tz`` the zone printed."""

    def __init__(
        self, *, offset: timedelta = timedelta(0), tz: tzinfo = DEFAULT_SERVER_TIMEZONE, frozen: bool = True
    ) -> None:
        self._lock = threading.Lock()
        self._reading = threading.local()  # the instant a response in this thread is rendered at, if any
        self.offset, self.tz = offset, tz
        self._frozen = datetime.now(timezone.utc) if frozen else None
        self.started = self.now()

    def now(self) -> datetime:
        """The server's current time, aware, in the server's zone (frozen instant or real time, plus the offset); inside
        :meth:`one_reading`, that block's instant."""
        if (pinned := getattr(self._reading, "moment", None)) is not None:
            return pinned
        with self._lock:
            moment = (self._frozen or datetime.now(timezone.utc)) + self.offset
        return moment.astimezone(self.tz)

    @contextmanager
    def one_reading(self) -> Iterator[datetime]:
        """Read the clock once and answer :meth:`now` with that instant in this thread until the block ends (a response
        is rendered inside one: the module documentation)."""
        self._reading.moment = moment = self.now()
        try:
            yield moment
        finally:
            self._reading.moment = None

    def freeze(self, at: datetime | None = None) -> None:
        """Stop the clock at ``at`` (an aware instant; None: the current server time) until moved."""
        moment = at if at is not None else self.now()
        if moment.tzinfo is None:
            raise ValueError("freeze() needs an aware datetime")
        with self._lock:
            self._frozen = moment.astimezone(timezone.utc) - self.offset

    def advance(self, amount: float | timedelta) -> None:
        """Move server time forward by ``amount`` (seconds or a timedelta); delay profiles move with it."""
        delta = amount if isinstance(amount, timedelta) else timedelta(seconds=amount)
        with self._lock:
            if self._frozen is not None:
                self._frozen += delta
            else:
                self.offset += delta

    def elapsed(self) -> float:
        """Seconds of server time since the emulator started, never negative (what delay profiles follow)."""
        return max(0.0, (self.now() - self.started).total_seconds())


def whole_ms(moment: datetime) -> datetime:
    """``moment`` cut to whole milliseconds, as OCP prints times: what is printed is then what is compared."""
    return moment - timedelta(microseconds=moment.microsecond % 1000)


def java_timestamp(moment: datetime, tz: tzinfo) -> str:
    """Java's ``yyyy-MM-dd'T'HH:mm:ss.SSSZ`` in zone ``tz``, as OCP prints ``createTime``: always ms, ``+0800``."""
    local = moment.astimezone(tz)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}" + local.strftime("%z")


def iso_timestamp(moment: datetime, tz: tzinfo) -> str:
    """ISO-8601 as an OffsetDateTime serializer writes it: milliseconds unless zero, colon offset or ``Z``."""
    local = moment.astimezone(tz)
    text = local.isoformat(timespec="milliseconds" if local.microsecond >= 1000 else "seconds")  # both truncate
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def parse_query_time(text: str) -> datetime:
    """Parse ``startTime``/``endTime`` as OCP does: ISO-8601 with a colon offset or ``Z`` only, else ValueError."""
    if not _QUERY_TIME.match(text):
        raise ValueError(f"not an ISO-8601 date-time with a colon offset or Z: {text!r}")
    return parse_ocp_timestamp(text)


@dataclass(frozen=True)
class DelayProfile:
    """A log archive delay (seconds) moving linearly from ``start`` to ``end`` over ``over`` seconds, then at ``end``
    (at once if ``over`` is 0). Time counts, on the server clock, from when the profile took effect: emulator start for
    configured profiles, the call for those set with :meth:`~airflow_provider_ocp.testing.OCPEmulator.set_current_task`.
    """

    start: float
    end: float
    over: float = 0.0

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < 0 or self.over < 0:
            raise ValueError(f"a delay profile needs non-negative values, got {self!r}")

    @classmethod
    def constant(cls, seconds: float) -> DelayProfile:
        """A delay that never changes."""
        return cls(seconds, seconds)

    @classmethod
    def linear(cls, start: float, end: float, over: float) -> DelayProfile:
        """A delay moving linearly from ``start`` to ``end`` over ``over`` seconds."""
        return cls(start, end, over)

    def value_at(self, elapsed: float) -> float:
        """The delay ``elapsed`` seconds after the profile took effect (negative counts as 0)."""
        if self.over <= 0 or elapsed >= self.over:
            return self.end
        return self.start + (self.end - self.start) * max(0.0, elapsed) / self.over


def as_profile(value: float | DelayProfile) -> DelayProfile:
    """A profile as is, or a plain number of seconds as a constant delay."""
    return value if isinstance(value, DelayProfile) else DelayProfile.constant(float(value))
