"""Delay profiles: how a current log backup task's ``delay`` evolves while the emulator runs."""

from __future__ import annotations

from dataclasses import dataclass


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
