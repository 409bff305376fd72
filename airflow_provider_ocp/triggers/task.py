"""OCPTaskTrigger: wait in the triggerer for OCP task instances (a restore, a backup, any task) to end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_ocp.exceptions import OCPAPIError
from airflow_provider_ocp.hooks.ocp_async import OCPAsyncHook
from airflow_provider_ocp.restores.outcome import failure_message, task_outcome
from airflow_provider_ocp.restores.tasks import TaskProgress, log_tail, task_progress
from airflow_provider_ocp.triggers.arguments import rebuild_arguments


class OCPTaskTrigger(BaseTrigger):
    """Poll OCP task instances until all succeeded, one failed, or OCP keeps failing; yield exactly one event.

    The event is a dict with ``status``, ``message``, ``tasks`` (one
    :func:`~airflow_provider_ocp.restores.outcome.task_outcome` dict per task, in ``ocp_task_ids`` order, as last
    read) and ``carry`` (the ``carry`` argument, unchanged):

    * ``success``: every task is SUCCESSFUL.
    * ``failed``: a task failed; ``failed_task`` is its outcome dict, with ``failed_subtask`` and ``log_tail``.
    * ``error``: a poll failed with an error no retry fixes (bad credentials, unknown task) or
      ``max_consecutive_failures`` polls in a row failed; the message is the last error (never a secret: the
      provider's errors carry none).

    Under Airflow 3.3's ``dag.test()`` a deferred task resumes with the event only: whatever the operator needs after
    resuming travels in ``carry``.

    :param ocp_task_ids: OCP task instance ids, at least one.
    :param ocp_conn_id: the Airflow connection of type ``ocp``; read asynchronously when the trigger runs.
    :param poll_interval: seconds between polls.
    :param max_consecutive_failures: transient failures in a row tolerated before the ``error`` event.
    :param carry: JSON values copied into the event unchanged (what the operator needs after resuming).
    """

    def __init__(
        self,
        *,
        ocp_task_ids: Sequence[int],
        ocp_conn_id: str = "ocp_default",
        poll_interval: float = 30.0,
        max_consecutive_failures: int = 5,
        carry: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.ocp_task_ids = [int(task_id) for task_id in ocp_task_ids]
        self.ocp_conn_id = ocp_conn_id
        self.poll_interval = float(poll_interval)
        self.max_consecutive_failures = max(1, int(max_consecutive_failures))
        self.carry = dict(carry or {})

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """The class path and keyword arguments that rebuild this trigger (JSON-serialisable only)."""
        return rebuild_arguments(self)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll until decided; exactly one event, also on unexpected errors (``asyncio.CancelledError`` passes)."""
        try:
            if not self.ocp_task_ids:
                raise ValueError("OCPTaskTrigger needs at least one OCP task id")
            async with OCPAsyncHook(self.ocp_conn_id) as hook:
                event = await self._watch(hook)
        except OCPAPIError as error:
            event = self._event("error", f"Waiting for OCP tasks {self.ocp_task_ids} failed: {error}", {})
        except Exception as error:  # a bug or an answer nothing anticipated: still end with an event
            self.log.exception("Waiting for OCP tasks %s failed unexpectedly", self.ocp_task_ids)
            message = f"Waiting for OCP tasks {self.ocp_task_ids} failed: {type(error).__name__}: {error}"
            event = self._event("error", message, {})
        yield TriggerEvent(event)

    def _event(self, status: str, message: str, latest: Mapping[int, dict[str, Any]], **more: Any) -> dict[str, Any]:
        tasks = [latest[task_id] for task_id in self.ocp_task_ids if task_id in latest]
        return {"status": status, "message": message, "tasks": tasks, **more, "carry": self.carry}

    async def _watch(self, hook: OCPAsyncHook) -> dict[str, Any]:
        latest: dict[int, dict[str, Any]] = {}
        summaries: dict[int, str] = {}
        failures = 0
        while True:
            try:
                for task_id in self.ocp_task_ids:
                    if task_id in latest and latest[task_id]["status"] == "SUCCESSFUL":
                        continue  # ended well: nothing more will change
                    progress = task_progress(task_id, await hook.get_task(task_id))
                    if progress.summary() != summaries.get(task_id):
                        summaries[task_id] = progress.summary()
                        self.log.info("%s", summaries[task_id])
                    if progress.failed:
                        outcome = task_outcome(progress, await self._tail(hook, progress))
                        latest[task_id] = outcome
                        return self._event("failed", failure_message(outcome), latest, failed_task=outcome)
                    latest[task_id] = task_outcome(progress)
            except OCPAPIError as error:
                failures += 1
                if not error.retryable or failures >= self.max_consecutive_failures:
                    why = "an error no retry fixes" if not error.retryable else f"{failures} failed polls in a row"
                    return self._event("error", f"Gave up waiting for OCP tasks after {why}: {error}", latest)
                self.log.warning("Polling OCP tasks failed (%s in a row): %s", failures, error)
            else:
                failures = 0
                if all(outcome["status"] == "SUCCESSFUL" for outcome in latest.values()):
                    return self._event("success", f"OCP tasks {self.ocp_task_ids} succeeded.", latest)
            await asyncio.sleep(self.poll_interval)

    async def _tail(self, hook: OCPAsyncHook, progress: TaskProgress) -> str:
        """The failed subtask's log tail; a log that cannot be read must not hide the failure itself."""
        failed = progress.failed_subtask
        if not failed or not isinstance(failed.get("id"), int):
            return ""
        try:
            return log_tail(await hook.get_subtask_log(progress.task_id, failed["id"]))
        except OCPAPIError as error:
            self.log.warning("Could not read the log of OCP subtask %s: %s", failed["id"], error)
            return f"(the log could not be read: {error})"
