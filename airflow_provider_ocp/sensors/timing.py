"""The sensor's timing rules beyond BaseSensorOperator's: a ``timeout`` shorter than ``poke_interval`` is warned about
when the DAG is parsed and honoured when the sensor runs.

BaseSensorOperator (Airflow 3.0 to 3.3) sleeps the whole ``poke_interval`` between checks in poke mode, and
reschedules a whole ``poke_interval`` later in reschedule mode, whatever time is left of ``timeout``: with
``timeout=5`` and the default ``poke_interval=60`` it fails after 60 s, not 5. OCPLogBackupDelaySensor caps each wait
at the time left, so it checks a last time when the timeout is up and fails then (:func:`bounded_wait`).
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from typing import Any

from airflow_provider_ocp.exceptions import OCPInputError


class TimeoutShorterThanPokeInterval(UserWarning):
    """The sensor's ``timeout`` is shorter than its ``poke_interval``."""


def _seconds(value: float) -> str:
    return f"{value:g}s"


def timeout_note(timeout: float, poke_interval: float) -> str | None:
    """What to tell the user when ``timeout < poke_interval`` (None otherwise): both values and the fix."""
    if timeout >= poke_interval:
        return None
    return (
        f"timeout ({_seconds(timeout)}) is shorter than poke_interval ({_seconds(poke_interval)}): the sensor checks "
        f"at the start and once more when the timeout is up, then fails. "
        + (
            f"Set poke_interval below timeout (e.g. poke_interval={max(timeout / 10, 1):g}) or raise timeout."
            if timeout > 1
            else "Raise timeout."
        )
    )


def timed_out_message(airflow_message: str, timeout: float, poke_interval: float, last_check: str | None) -> str:
    """The sensor's timeout error: Airflow's message, then the :func:`timeout_note` when it applies, then what the
    last check found (what the gate was still waiting for).

    :param airflow_message: BaseSensorOperator's timeout message.
    :param timeout: the sensor's timeout, seconds.
    :param poke_interval: the sensor's poke interval, seconds.
    :param last_check: the last verdict's message; None when no check completed.
    """
    notes = [timeout_note(timeout, poke_interval), f"Last check: {last_check}" if last_check else None]
    return " ".join([airflow_message, *(note for note in notes if note)])


def time_left(timeout: float, started: float | None) -> float:
    """Seconds left of the sensor's ``timeout`` when it defers: the timeout counts from the first check, as in poke
    mode.

    :param timeout: the sensor's timeout, seconds.
    :param started: ``time.monotonic()`` when the sensor started; None when unknown (the whole timeout is left).
    """
    elapsed = 0.0 if started is None else time.monotonic() - started
    return max(0.0, timeout - elapsed)


def warn_at_parse(sensor: Any) -> None:
    """Warn (a Python warning, shown when the DAG file is parsed) when ``timeout < poke_interval``.

    :param sensor: the sensor, after BaseSensorOperator's ``__init__`` (timeout and poke_interval in seconds).
    """
    note = timeout_note(sensor.timeout, sensor.poke_interval)
    if note is not None:
        message = f"{type(sensor).__name__} {sensor.task_id!r}: {note}"
        warnings.warn(message, TimeoutShorterThanPokeInterval, stacklevel=_stacklevel_of_the_dag_file())


def _stacklevel_of_the_dag_file() -> int:
    """The ``stacklevel`` that points the warning at the DAG file's line, past Airflow's and this package's frames
    (how many there are differs across Airflow lines)."""
    import airflow

    inside = (os.path.dirname(os.path.dirname(__file__)), *(os.path.dirname(path) for path in airflow.__path__))
    frame, level = sys._getframe(1), 1  # the frame of warn_at_parse, whose warnings.warn is stacklevel 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(inside):
        frame, level = frame.f_back, level + 1
    return level


def bounded_wait(interval: float, timeout: float, elapsed: float) -> float:
    """The wait before the next check: ``interval``, but no longer than what is left of ``timeout``.

    :param interval: BaseSensorOperator's next interval (``poke_interval``, or the backoff's).
    :param timeout: the sensor's timeout, seconds.
    :param elapsed: seconds since the sensor started.
    """
    return max(0.0, min(interval, timeout - elapsed))


def checked_max_failures(value: Any) -> int:
    """``max_consecutive_failures``, a whole number >= 1 (an error names the parameter)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise OCPInputError(f"max_consecutive_failures must be a whole number >= 1; got {value!r}")
    return value
