"""OCP task instances (``GET /api/v2/tasks/instances/{id}``): the restore or backup OCP runs, read as progress.

OCP reports progress only as its subtasks' states; there is no percentage. Rules (tests in
``tests/restores/test_tasks.py``):

- A task has succeeded only when OCP says ``SUCCESSFUL``; it has failed on ``FAILED`` (and the cancelled or aborted
  forms some OCP versions use). Any other status, known or not, is still running: a waiter keeps waiting (its timeout
  bounds the wait) rather than calling an unknown status success.
- A failed task names its failing subtask: the first ``FAILED`` one (else the first not ``SUCCESSFUL``), so that the
  error and its log tail point at what broke.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from airflow_provider_ocp.client.timestamps import isoformat_utc
from airflow_provider_ocp.log_backup.records import parse_id, parse_time_field

SUCCEEDED = frozenset({"SUCCESSFUL"})
FAILED = frozenset({"FAILED", "CANCELED", "CANCELLED", "ABORTED"})
RUNNING = frozenset({"RUNNING", "PENDING", "READY", "EXECUTING", "RETRYING"})


@dataclass(frozen=True)
class TaskProgress:
    """What an OCP task instance says about itself.

    :param task_id: OCP's task instance id.
    :param name: the task's name as OCP shows it.
    :param status: OCP's status, as sent (upper case).
    :param subtasks_done: subtasks ``SUCCESSFUL`` so far.
    :param subtasks_total: every subtask.
    :param running_subtask: the name of the first ``RUNNING`` subtask, if any.
    :param failed_subtask: ``{"id", "name"}`` of the subtask that failed, when the task failed.
    :param started_at: when OCP started it (``startTime``, else ``createTime``).
    :param finished_at: when it ended (``finishTime``), None while running.
    """

    task_id: int
    name: str | None
    status: str
    subtasks_done: int
    subtasks_total: int
    running_subtask: str | None
    failed_subtask: dict[str, Any] | None
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def succeeded(self) -> bool:
        """OCP says ``SUCCESSFUL``."""
        return self.status in SUCCEEDED

    @property
    def failed(self) -> bool:
        """OCP says the task failed or was cancelled."""
        return self.status in FAILED

    @property
    def finished(self) -> bool:
        """Succeeded or failed: nothing more will change."""
        return self.succeeded or self.failed

    @property
    def known_status(self) -> bool:
        """Whether the status is one OCP documents (else a waiter warns once and keeps waiting)."""
        return self.status in SUCCEEDED | FAILED | RUNNING

    def summary(self) -> str:
        """One line for the task log: ``OCP task 42 (Restore tenant) RUNNING: 2 of 5 subtasks done, running
        'Replay archived log'``."""
        named = f" ({self.name})" if self.name else ""
        text = (
            f"OCP task {self.task_id}{named} {self.status}: {self.subtasks_done} of {self.subtasks_total} subtasks done"
        )
        if self.running_subtask:
            text += f", running {self.running_subtask!r}"
        if self.failed_subtask:
            text += f", failed at subtask {self.failed_subtask['id']} {self.failed_subtask['name']!r}"
        return text

    def times(self) -> dict[str, str | None]:
        """``started_at`` and ``finished_at`` as ISO-8601 UTC text (for XCom), None where OCP has not said."""
        return {
            "started_at": isoformat_utc(self.started_at) if self.started_at else None,
            "finished_at": isoformat_utc(self.finished_at) if self.finished_at else None,
        }


def task_progress(task_id: int, data: Any) -> TaskProgress:
    """Read one task instance (the envelope's ``data``), per the module's rules.

    :param task_id: the id asked for (OCP's record may leave its ``id`` out).
    :param data: the envelope's ``data``.
    """
    record: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
    listed = record.get("subtasks")  # a list of objects; anything else (a number, text, an object) lists none
    subtasks = [sub for sub in listed if isinstance(sub, Mapping)] if isinstance(listed, list) else []
    pairs = [(sub, str(sub.get("status", "")).upper()) for sub in subtasks]
    statuses = [state for _, state in pairs]
    status = str(record.get("status") or "UNKNOWN").upper()
    failed_subtask = None
    if status in FAILED:
        failing = next((sub for sub, state in pairs if state in FAILED), None)
        failing = failing or next((sub for sub, state in pairs if state not in SUCCEEDED), None)
        if failing is not None:
            failed_subtask = {"id": parse_id(failing.get("id")), "name": failing.get("name")}
    running = next((sub.get("name") for sub, state in pairs if state == "RUNNING"), None)
    return TaskProgress(
        task_id=task_id,
        name=record.get("name") if isinstance(record.get("name"), str) else None,
        status=status,
        subtasks_done=sum(state in SUCCEEDED for state in statuses),
        subtasks_total=len(subtasks),
        running_subtask=running if isinstance(running, str) else None,
        failed_subtask=failed_subtask,
        started_at=task_instant("startTime", record.get("startTime") or record.get("createTime")),
        finished_at=task_instant("finishTime", record.get("finishTime")) if status in SUCCEEDED | FAILED else None,
    )


def task_instant(name: str, value: Any) -> datetime | None:
    """A task instance's time (``createTime``, ``startTime``, ...) as an aware datetime; None when absent or unreadable
    (read as the task records' times are, with their warning).

    :param name: the field, for the warning.
    :param value: what OCP sent.
    """
    moment = parse_time_field(name, value) if value is not None else None
    return moment if isinstance(moment, datetime) and moment.tzinfo is not None else None


def log_tail(log: Any, max_lines: int = 20, max_chars: int = 4000) -> str:
    """The end of a subtask's log for an error message: its last ``max_lines`` lines, at most ``max_chars``.

    :param log: the ``log`` text OCP returned (anything else gives an empty tail).
    :param max_lines: lines kept from the end.
    :param max_chars: characters kept from the end (a single huge line stays bounded).
    """
    if not isinstance(log, str):
        return ""
    tail = "\n".join(log.rstrip().splitlines()[-max_lines:])
    return tail[-max_chars:]
