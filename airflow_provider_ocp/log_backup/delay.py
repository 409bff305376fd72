"""A task's effective log archive delay: the one number the gate judges and a snapshot records.

The gate (:mod:`~airflow_provider_ocp.log_backup.gate`) and the operator's snapshot mode
(:mod:`~airflow_provider_ocp.log_backup.snapshot`) both call :func:`effective_delay`, so a snapshot file shows exactly
the delay the gate would have judged for the same task at the same moment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

CLOCK_TOLERANCE = 300.0
"""Seconds OceanBase's and OCP's clocks may disagree (5 minutes). A checkpoint up to this far after OCP's clock, or a
negative delay down to minus this, counts as caught up (delay 0); beyond it the clocks are too far apart to judge and
the gate waits. Minutes, never hours: a checkpoint a day ahead is a broken clock, not a safe restore point."""


@dataclass(frozen=True)
class Delay:
    """The effective delay of one task.

    :param seconds: the delay the gate judges (never negative), or None when there is none to judge.
    :param source: ``ocp`` (OCP's ``delay`` field), ``computed`` (OCP's clock minus ``checkpoint``, when OCP left
        ``delay`` out or its ``delay`` hides an older checkpoint) or None.
    :param problem: why there is no usable delay, in words naming the field; None when ``seconds`` is usable.
    """

    seconds: float | None
    source: str | None
    problem: str | None


def effective_delay(raw: object, checkpoint: datetime | None, server_time: datetime | None) -> Delay:
    """The delay of a task, where it came from, and why it cannot be used, if so.

    Rules, in order:

    * OCP's ``delay`` when it sent one. It must be a finite number (an int or float, never a bool, never text such
      as ``"NaN"``); anything else is a problem: the gate cannot tell how far behind the archive is.
    * Without OCP's ``delay``: OCP's clock (the envelope ``timestamp``) minus ``checkpoint``, when both are known;
      otherwise there is no delay (a problem: unknown).
    * A negative delay means the checkpoint is after OCP's clock (clock skew). Below ``-CLOCK_TOLERANCE`` it is a
      problem; otherwise it counts as 0 (after the next rule).
    * OCP's ``delay`` never hides an older checkpoint: when OCP's clock minus ``checkpoint`` exceeds OCP's ``delay``
      by more than ``CLOCK_TOLERANCE`` (a delay frozen since archiving stopped, ``"0.00"`` beside a day-old
      checkpoint, a checkpoint in the wrong unit), that computed delay is the one judged (source ``computed``):
      the checkpoint is the restore point the gate hands on. Within the tolerance the two are the same lag read on
      two clocks (OCP's sample: 77.64 s against 77.79 s), and OCP's own figure is kept.

    :param raw: the task's normalised ``delay`` (a float, text kept as sent, or None when OCP left it out).
    :param checkpoint: the task's checkpoint, if readable.
    :param server_time: OCP's clock at the response, if sent.
    """
    if raw is None:
        if checkpoint is None or server_time is None:
            return Delay(None, None, "delay unknown: OCP sent no delay, and no checkpoint and clock to compute it")
        seconds, source = round((server_time - checkpoint).total_seconds(), 4), "computed"
    elif isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(raw):
        seconds, source = float(raw), "ocp"
    else:
        return Delay(None, None, f"delay {raw!r} from OCP is not a number of seconds")
    if seconds < -CLOCK_TOLERANCE:
        return Delay(
            None,
            source,
            f"delay {seconds:g}s is negative beyond the {CLOCK_TOLERANCE:g}s allowed for clock skew (OceanBase's and "
            "OCP's clocks disagree)",
        )
    if source == "ocp" and checkpoint is not None and server_time is not None:
        computed = round((server_time - checkpoint).total_seconds(), 4)
        if computed > seconds + CLOCK_TOLERANCE:  # the checkpoint is older than OCP's delay says
            seconds, source = computed, "computed"
    return Delay(max(seconds, 0.0), source, None)
