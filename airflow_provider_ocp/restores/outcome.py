"""One OCP task's progress as a JSON dict: what the sensor returns, the trigger's events carry and the operators
read, built in one place.

Shape (every key always present)::

    {"ocp_task_id": 5000001, "name": "Restore tenant drill_1", "status": "SUCCESSFUL",
     "subtasks_done": 5, "subtasks_total": 5, "running_subtask": None,
     "failed_subtask": None,            # {"id": 7000003, "name": "Restore data"} when the task failed
     "log_tail": None,                  # the failed subtask's last log lines, when the task failed
     "started_at": "2024-08-06T00:00:00Z", "finished_at": "2024-08-06T00:05:00Z"}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_provider_ocp.restores.tasks import TaskProgress


def task_outcome(progress: TaskProgress, log_tail: str | None = None) -> dict[str, Any]:
    """The dict of the module docstring.

    :param progress: what :func:`~airflow_provider_ocp.restores.tasks.task_progress` read.
    :param log_tail: the failed subtask's log tail (:func:`~airflow_provider_ocp.restores.tasks.log_tail`).
    """
    return {
        "ocp_task_id": progress.task_id,
        "name": progress.name,
        "status": progress.status,
        "subtasks_done": progress.subtasks_done,
        "subtasks_total": progress.subtasks_total,
        "running_subtask": progress.running_subtask,
        "failed_subtask": dict(progress.failed_subtask) if progress.failed_subtask else None,
        "log_tail": log_tail if progress.failed else None,
        **progress.times(),
    }


def failure_message(outcome: Mapping[str, Any]) -> str:
    """Why a task failed, for the Airflow error: the task, the failing subtask and the tail of its log.

    :param outcome: a :func:`task_outcome` dict of a failed task.
    """
    named = f" ({outcome.get('name')})" if outcome.get("name") else ""
    text = f"OCP task {outcome.get('ocp_task_id')}{named} ended {outcome.get('status')}"
    failed = outcome.get("failed_subtask")
    if isinstance(failed, Mapping):
        text += f" at subtask {failed.get('id')} {failed.get('name')!r}"
    tail = outcome.get("log_tail")
    return text + (f". Last lines of its log:\n{tail}" if tail else ". OCP returned no log for it.")
