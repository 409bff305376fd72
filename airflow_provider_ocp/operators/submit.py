"""What the restore and backup operators share: the hook, the "OCP task" link, what to do when a POST's answer is
lost, and the wait for OCP's tasks on the worker or, deferred, in the triggerer
(:class:`~airflow_provider_ocp.triggers.task.OCPTaskTrigger`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from airflow.providers.common.compat.sdk import BaseOperator

from airflow_provider_ocp.exceptions import OCPInputError
from airflow_provider_ocp.hooks.failures import failing_at_once
from airflow_provider_ocp.hooks.lazy_hook import LazyOCPHookMixin
from airflow_provider_ocp.operators.links import OCPTaskLink

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_ocp.exceptions import OCPAPIError

Found = TypeVar("Found")


class OCPSubmitOperator(LazyOCPHookMixin, BaseOperator):
    """Base of the operators that start work in OCP and wait for its task instances (not used on its own).

    :param ocp_conn_id: the Airflow connection of type ``ocp``.
    :param deferrable: wait in the triggerer, without holding a worker slot (the default: restores take hours).
    :param poll_interval: seconds between reads of OCP's task, on the worker or in the triggerer.
    """

    operator_extra_links = (OCPTaskLink(),)
    ui_color = "#d7ecf9"

    def __init__(
        self, *, ocp_conn_id: str = "ocp_default", deferrable: bool = True, poll_interval: float = 30, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.ocp_conn_id = ocp_conn_id
        self.deferrable = deferrable
        self.poll_interval = poll_interval

    @failing_at_once()
    def checked_poll_interval(self) -> float:
        """``poll_interval`` as positive seconds; anything else fails before any request, naming it."""
        value = self.poll_interval
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
            raise OCPInputError(f"poll_interval must be a positive number of seconds (e.g. 30); got {value!r}.")
        return float(value)

    def found_after_lost_answer(
        self,
        error: OCPAPIError,
        look_again: Callable[[], Found | None],
        *,
        what: str,
        lookup_errors: tuple[type[Exception], ...],
    ) -> Found:
        """What OCP started although the POST that started it failed with ``error``; called in its ``except`` block.

        A POST is sent once (a second could start a second restore or backup). ``error`` is re-raised when OCP
        answered (it refused: nothing started) or when the request provably never left. Otherwise the answer was
        lost, so OCP may have started it: it is looked for, and when it is not found the task fails with
        :class:`~airflow_provider_ocp.restores.errors.OCPSubmissionUnknownError` saying so (a retry looks first).

        :param error: the POST's failure.
        :param look_again: reads OCP's records for what the POST would have started; None (or empty) when absent.
        :param what: what the POST starts, for the log and the error (``"restore into tenant 'drill_1'"``).
        :param lookup_errors: the failures of ``look_again`` that leave it unknown whether OCP started it.
        """
        from airflow_provider_ocp.exceptions import OCPRequestRejectedError
        from airflow_provider_ocp.restores.errors import OCPSubmissionUnknownError

        if isinstance(error, OCPRequestRejectedError) or error.unsent:
            raise error  # OCP refused it, or it never left: nothing started
        self.log.warning("The POST starting the %s: its answer was lost (%s); looking for it in OCP", what, error)
        try:
            found, looked = look_again(), "OCP does not list it yet"
        except lookup_errors as lookup_error:
            found, looked = None, f"looking for it failed too ({lookup_error})"
        if not found:
            raise OCPSubmissionUnknownError(
                f"The {what} may have started in OCP, but its answer was lost ({error}) and {looked}. A retry of this "
                "task looks for it first and attaches to it rather than starting a second one."
            ) from error
        return found

    def wait(self, context: Context, task_ids: list[int], carry: dict[str, Any]) -> Any:
        """Push the task id and link, then wait for the tasks; return :meth:`result` (deferred: from the event).

        :param context: the task's context.
        :param task_ids: OCP task instance ids to wait for.
        :param carry: JSON values :meth:`result` needs besides the outcomes (they travel in the trigger's event).
        """
        from airflow_provider_ocp.operators.links import push_task
        from airflow_provider_ocp.operators.task_wait import wait_for_tasks

        url = push_task(context, self.hook.settings.base_url, task_ids if len(task_ids) > 1 else task_ids[0])
        carry = {**carry, "url": url}
        if self.deferrable:
            from airflow_provider_ocp.triggers.task import OCPTaskTrigger

            self.log.info("Waiting for OCP task(s) %s in the triggerer: %s", task_ids, url)
            self.defer(
                trigger=OCPTaskTrigger(
                    ocp_task_ids=task_ids,
                    ocp_conn_id=self.ocp_conn_id,
                    poll_interval=self.checked_poll_interval(),
                    carry=carry,
                ),
                method_name="execute_complete",
            )
        self.log.info("Waiting for OCP task(s) %s: %s", task_ids, url)
        return self.result(wait_for_tasks(self.hook, task_ids, self.checked_poll_interval(), self.log), carry)

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> Any:
        """Resume from the trigger's event alone: the outcomes and ``carry`` hold everything :meth:`result` needs."""
        from airflow_provider_ocp.operators.task_wait import outcomes_of_event

        outcomes = outcomes_of_event(event)
        return self.result(outcomes, dict((event or {}).get("carry") or {}))

    def result(self, outcomes: list[dict[str, Any]], carry: dict[str, Any]) -> Any:
        """The XCom return value, from the tasks' outcomes and what :meth:`wait` carried.

        :param outcomes: one :func:`~airflow_provider_ocp.restores.outcome.task_outcome` dict per task.
        :param carry: what :meth:`wait` was given, plus ``url``.
        """
        raise NotImplementedError
