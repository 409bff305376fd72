"""The emulator's notion of time: a server clock (zone, skew, freezing), query time parsing, delay profiles.

Everything the emulator reports (the envelope ``timestamp``, ``checkpoint``, the ``createTime`` of appended tasks)
and the AccessKey ``Date`` check use :meth:`ServerClock.now`, so a skewed or frozen clock behaves consistently;
:class:`DelayProfile` values follow :meth:`ServerClock.elapsed`, so advancing the clock advances them too.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

from airflow_provider_ocp.client.timestamps import parse_ocp_timestamp

DEFAULT_SERVER_TIMEZONE = timezone(timedelta(hours=8))
"""OCP deployments commonly run in China Standard Time; the emulator reports ``+08:00`` by default."""

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)

# What a servlet-side OffsetDateTime converter accepts: a colon offset or Z, never +0800, +08 or no offset.
_QUERY_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$")


class ServerClock:
    """The emulated OCP server's wall clock.

    :param offset: how far the server clock is ahead of the real clock (negative: behind); simulates skew.
    :param tz: the server's time zone, used for every offset the emulator prints.
    """

    def __init__(self, *, offset: timedelta = timedelta(0), tz: tzinfo = DEFAULT_SERVER_TIMEZONE) -> None:
        self._lock = threading.Lock()
        self._offset = offset
        self._frozen: datetime | None = None
        self.tz = tz
        self._started = self.now()

    @property
    def offset(self) -> timedelta:
        """How far the server clock runs ahead of the real clock; settable at runtime."""
        with self._lock:
            return self._offset

    @offset.setter
    def offset(self, value: timedelta) -> None:
        with self._lock:
            self._offset = value

    def now(self) -> datetime:
        """The server's current time, aware, in the server's zone."""
        with self._lock:
            moment = self._frozen or datetime.now(timezone.utc) + self._offset
        return moment.astimezone(self.tz)

    def freeze(self, at: datetime | None = None) -> None:
        """Stop the clock, at ``at`` or at the current server time.

        :param at: an aware instant; None freezes at :meth:`now`.
        """
        moment = at if at is not None else self.now()
        if moment.tzinfo is None:
            raise ValueError("freeze() needs an aware datetime")
        with self._lock:
            self._frozen = moment.astimezone(timezone.utc)

    def unfreeze(self) -> None:
        """Let the clock run again (from real time plus the offset)."""
        with self._lock:
            self._frozen = None

    def advance(self, amount: float | timedelta) -> None:
        """Move server time forward (moves the frozen instant, or grows the offset when running).

        Delay profiles advance with it. A large jump also skews the server against clients' ``Date`` headers.

        :param amount: seconds or a timedelta.
        """
        delta = amount if isinstance(amount, timedelta) else timedelta(seconds=amount)
        with self._lock:
            if self._frozen is not None:
                self._frozen += delta
            else:
                self._offset += delta

    def mark_started(self) -> None:
        """Restart the elapsed-time origin used by delay profiles (called when the emulator starts)."""
        self._started = self.now()

    def elapsed(self) -> float:
        """Seconds of server time since the emulator started, never negative."""
        return max(0.0, (self.now() - self._started).total_seconds())

    @staticmethod
    def monotonic() -> float:
        """A monotonic reading for measuring request durations."""
        return time.monotonic()


def to_epoch_us(moment: datetime) -> int:
    """Microseconds since the Unix epoch.

    :param moment: an aware datetime.
    """
    return (moment - EPOCH) // _MICROSECOND


def from_epoch_us(micros: int) -> datetime:
    """The aware UTC instant ``micros`` microseconds after the Unix epoch.

    :param micros: microseconds since the epoch.
    """
    return EPOCH + timedelta(microseconds=micros)


def parse_query_time(text: str) -> datetime:
    """Parse ``startTime``/``endTime`` as OCP does: ISO-8601 with a colon offset or ``Z`` only.

    :param text: the decoded query value (a raw ``+`` has already become a space, which fails here).
    :raises ValueError: for ``+0800``, ``+08``, a missing offset or anything else.
    """
    if not _QUERY_TIME.match(text):
        raise ValueError(f"not an ISO-8601 date-time with a colon offset or Z: {text!r}")
    return parse_ocp_timestamp(text)


@dataclass(frozen=True)
class DelayProfile:
    """A log archive delay (seconds) that falls (or rises) linearly from ``start`` to ``end``, then stays at ``end``.

    Time counts from when the profile took effect: emulator start for configured profiles, the call for profiles set
    with :meth:`~airflow_provider_ocp.testing.OCPEmulator.set_current_task`.

    :param start: the delay at time 0, in seconds.
    :param end: the delay from ``over`` seconds on.
    :param over: how long the change takes, in seconds; 0 makes the profile constant at ``end``.
    """

    start: float
    end: float
    over: float = 0.0

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < 0 or self.over < 0:
            raise ValueError(f"a delay profile needs non-negative values, got {self!r}")

    @classmethod
    def constant(cls, seconds: float) -> DelayProfile:
        """A delay that never changes.

        :param seconds: the delay, in seconds.
        """
        return cls(start=seconds, end=seconds, over=0.0)

    @classmethod
    def linear(cls, start: float, end: float, over: float) -> DelayProfile:
        """A delay moving linearly from ``start`` to ``end`` over ``over`` seconds.

        :param start: the delay at time 0, in seconds.
        :param end: the final delay, in seconds.
        :param over: the duration of the change, in seconds.
        """
        return cls(start=start, end=end, over=over)

    def value_at(self, elapsed: float) -> float:
        """The delay ``elapsed`` seconds after the profile took effect.

        :param elapsed: seconds since the profile took effect (negative counts as 0).
        """
        if self.over <= 0 or elapsed >= self.over:
            return self.end
        fraction = max(0.0, elapsed) / self.over
        return self.start + (self.end - self.start) * fraction


def as_profile(value: float | DelayProfile) -> DelayProfile:
    """Accept a plain number of seconds (a constant delay) wherever a profile is expected.

    :param value: seconds or a profile.
    """
    return value if isinstance(value, DelayProfile) else DelayProfile.constant(float(value))
