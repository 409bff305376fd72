"""The log backup gate's trigger event, turned into the outcome poke mode would have had (``execute_complete``)."""

from __future__ import annotations

from typing import Any

from airflow.providers.common.compat.sdk import AirflowFailException, AirflowSensorTimeout, AirflowSkipException

from airflow_provider_ocp.exceptions import OCPLogBackupPollError


def event_outcome(event: dict[str, Any] | None, *, never_fail: bool, log: Any) -> Any:
    """The XCom value of a ``caught_up`` event, or the exception the event stands for.

    ``caught_up`` returns the event's ``result`` (so does ``success``, the name an earlier release's trigger gave it);
    ``failed`` raises AirflowFailException and ``timeout`` AirflowSensorTimeout (both skipped with ``soft_fail``);
    ``error`` fails the task with the last API error (skipped with ``never_fail``).

    :param event: the trigger's event (it carries everything: Airflow 3.3's ``dag.test()`` resumes with it only).
    :param never_fail: the sensor's ``never_fail``.
    :param log: the sensor's logger.
    """
    if not event:
        raise OCPLogBackupPollError("The log backup trigger ended without an event.")
    status, message = event.get("status"), str(event.get("message", ""))
    if status in ("caught_up", "success"):
        log.info("%s", message)
        return event.get("result")
    if status == "failed":
        raise AirflowFailException(message)
    if status == "timeout":
        raise AirflowSensorTimeout(message)
    if status == "error":
        if never_fail:
            raise AirflowSkipException(f"Skipping due to never_fail: {message}")
        raise OCPLogBackupPollError(message)
    raise OCPLogBackupPollError(f"Unexpected event from the log backup trigger: {event!r}")
