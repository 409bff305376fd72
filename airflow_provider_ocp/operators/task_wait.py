"""Waiting for OCP task instances on the worker, shared by the restore and backup operators and the task sensor.

The deferred wait is :class:`~airflow_provider_ocp.triggers.task.OCPTaskTrigger`; both produce the same
:func:`~airflow_provider_ocp.restores.outcome.task_outcome` dicts and raise the same errors, through
:func:`outcomes_of_event`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_ocp.exceptions import OCPAPIError
from airflow_provider_ocp.restores.errors import OCPTaskFailedError, OCPTaskPollError
from airflow_provider_ocp.restores.outcome import failure_message, task_outcome
from airflow_provider_ocp.restores.tasks import FAILED, TaskProgress, log_tail, task_progress

if TYPE_CHECKING:
    from airflow_provider_ocp.hooks.ocp import OCPHook


def read_outcome(hook: OCPHook, task_id: int, log: Any, seen: dict[int, str]) -> dict[str, Any]:
    """Read one task once; log its summary when it changed; a failed task's outcome carries its log tail.

    :param hook: the sync hook.
    :param task_id: OCP's task instance id.
    :param log: where the summary goes.
    :param seen: the last summary logged per task (updated).
    """
    progress = task_progress(task_id, hook.get_task(task_id))
    if seen.get(task_id) != progress.summary():
        seen[task_id] = progress.summary()
        log.info("%s", seen[task_id])
    return task_outcome(progress, _tail(hook, progress, log) if progress.failed else None)


def _tail(hook: OCPHook, progress: TaskProgress, log: Any) -> str:
    failed = progress.failed_subtask
    if not failed or not isinstance(failed.get("id"), int):
        return ""
    try:
        return log_tail(hook.get_subtask_log(progress.task_id, failed["id"]))
    except OCPAPIError as error:  # an unreadable log must not hide the failure itself
        log.warning("Could not read the log of OCP subtask %s: %s", failed["id"], error)
        return f"(the log could not be read: {error})"


def wait_for_tasks(
    hook: OCPHook,
    task_ids: Sequence[int],
    poll_interval: float,
    log: Any,
    sleep: Callable[[float], Any] = time.sleep,
) -> list[dict[str, Any]]:
    """Poll every task until all succeeded (their outcomes, in order) or one failed (:class:`OCPTaskFailedError`).

    The operator's ``execution_timeout`` bounds the wait; API errors are the hook's (already retried per request).

    :param hook: the sync hook.
    :param task_ids: OCP task instance ids.
    :param poll_interval: seconds between polls.
    :param log: the task's logger.
    :param sleep: how to wait (tests pass a fake).
    """
    seen: dict[int, str] = {}
    done: dict[int, dict[str, Any]] = {}
    while True:
        for task_id in task_ids:
            if task_id in done:
                continue
            outcome = read_outcome(hook, task_id, log, seen)
            if outcome["status"] == "SUCCESSFUL":
                done[task_id] = outcome
            elif outcome["status"] in FAILED:
                raise OCPTaskFailedError(failure_message(outcome))
        if len(done) == len(task_ids):
            return [done[task_id] for task_id in task_ids]
        sleep(poll_interval)


def outcomes_of_event(event: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The trigger's ``success`` event as outcomes; a ``failed`` or ``error`` event (or none) as the error.

    :param event: what :class:`~airflow_provider_ocp.triggers.task.OCPTaskTrigger` yielded.
    """
    if not event:
        raise OCPTaskPollError("The OCP task trigger ended without an event.")
    status, message = event.get("status"), str(event.get("message", ""))
    if status == "success":
        return [dict(task) for task in event.get("tasks") or []]
    if status == "failed":
        raise OCPTaskFailedError(message)
    if status == "error":
        raise OCPTaskPollError(message)
    raise OCPTaskPollError(f"Unexpected event from the OCP task trigger: {event!r}")
