"""OCPTaskSensor: wait for any OCP task instance (a restore, a backup, one started outside Airflow) to end."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from airflow.providers.common.compat.sdk import (
    AirflowFailException,
    BaseSensorOperator,
    Context,
    PokeReturnValue,
    conf,
)

from airflow_provider_ocp.hooks.failures import failing_at_once
from airflow_provider_ocp.hooks.lazy_hook import LazyOCPHookMixin
from airflow_provider_ocp.operators.links import OCPTaskLink


class OCPTaskSensor(LazyOCPHookMixin, BaseSensorOperator):
    """Wait until an OCP task instance succeeds; fail at once when it fails, naming the subtask and its log tail.

    Any task id works, also one started in OCP's console or by another tool. The return value (XCom
    ``return_value``) is the task's progress dict::

        {"ocp_task_id": 5000001, "name": "Restore tenant drill_1", "status": "SUCCESSFUL",
         "subtasks_done": 5, "subtasks_total": 5, "running_subtask": None, "failed_subtask": None,
         "log_tail": None, "started_at": "2024-08-06T00:00:00Z", "finished_at": "2024-08-06T00:05:00Z"}

    A failed task fails the sensor without retries (``AirflowFailException``: a retry would only read the same
    failure again); ``soft_fail`` skips instead. The "OCP task" extra link opens the task's page in OCP.

    :param ocp_task_id: OCP's task instance id (templated, e.g. from an operator's XCom); checked before any request.
    :param ocp_conn_id: the Airflow connection of type ``ocp``.
    :param deferrable: check once on the worker, then wait in the triggerer (:class:`OCPTaskTrigger`) without
        holding a worker slot.
    :param max_consecutive_failures: in deferrable mode, transient API failures in a row tolerated.
    :param kwargs: standard sensor arguments (``poke_interval`` is also the trigger's poll interval, ``timeout``,
        ``mode``, ``soft_fail``...).
    """

    template_fields: Sequence[str] = ("ocp_task_id",)
    operator_extra_links = (OCPTaskLink(),)
    ui_color = "#d7ecf9"

    def __init__(
        self,
        *,
        ocp_task_id: int | str,
        ocp_conn_id: str = "ocp_default",
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        max_consecutive_failures: int = 5,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.ocp_task_id = ocp_task_id
        self.ocp_conn_id = ocp_conn_id
        self.deferrable = deferrable
        self.max_consecutive_failures = max_consecutive_failures
        self._seen: dict[int, str] = {}
        self._pushed = False

    @failing_at_once()
    def task_id_checked(self) -> int:
        """The rendered ``ocp_task_id`` as a positive id; a bad value fails before any request, naming it."""
        from airflow_provider_ocp.validation import rendered_or_none, validate_positive_id

        return validate_positive_id(rendered_or_none(self.ocp_task_id), "ocp_task_id")

    def execute(self, context: Context) -> Any:
        """Check ``ocp_task_id`` (outside ``soft_fail``: a DAG bug), then run BaseSensorOperator's loop."""
        self.task_id_checked()
        return super().execute(context)

    @failing_at_once()
    def poke(self, context: Context) -> bool | PokeReturnValue:
        """Read the task once: succeeded (done, with its dict), failed (fails at once), or running (defer or wait)."""
        from airflow_provider_ocp.operators.links import push_task
        from airflow_provider_ocp.operators.task_wait import read_outcome
        from airflow_provider_ocp.restores.outcome import failure_message
        from airflow_provider_ocp.restores.tasks import FAILED

        task_id = self.task_id_checked()
        if not self._pushed:
            push_task(context, self.hook.settings.base_url, task_id)
            self._pushed = True
        outcome = read_outcome(self.hook, task_id, self.log, self._seen)
        if outcome["status"] == "SUCCESSFUL":
            return PokeReturnValue(is_done=True, xcom_value=outcome)
        if outcome["status"] in FAILED:
            raise AirflowFailException(failure_message(outcome))
        if self.deferrable:
            self._defer(task_id)
        return False

    def _defer(self, task_id: int) -> None:
        from airflow_provider_ocp.triggers.task import OCPTaskTrigger

        self.defer(
            trigger=OCPTaskTrigger(
                ocp_task_ids=[task_id],
                ocp_conn_id=self.ocp_conn_id,
                poll_interval=self.poke_interval,
                max_consecutive_failures=self.max_consecutive_failures,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.timeout),
        )

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> Any:
        """The trigger's event as poke mode's outcome: the task's dict, or the failure (at once), or the poll error."""
        from airflow_provider_ocp.operators.task_wait import outcomes_of_event
        from airflow_provider_ocp.restores.errors import OCPTaskFailedError

        try:
            (outcome,) = outcomes_of_event(event)
        except OCPTaskFailedError as failed:
            raise AirflowFailException(str(failed)) from None
        self.log.info("OCP task %s succeeded.", outcome["ocp_task_id"])
        return outcome
