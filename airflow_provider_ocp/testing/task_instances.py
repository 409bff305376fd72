"""OCP task instances (``/tasks/instances``) whose progress is a pure function of the server clock, and the data
backup and restore records whose status follows them.

A task instance is a chain of subtasks, each taking ``step`` emulated seconds from the task's creation: at server
time ``now`` the first ``(now - created) // step`` subtasks are SUCCESSFUL, the next RUNNING, the rest PENDING. A
scripted failure stops the chain at one subtask: it turns FAILED (with its log) when its step ends, the task FAILED;
the subtasks after it stay PENDING. Nothing runs in a thread: with a frozen clock nothing moves until it is advanced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from airflow_provider_ocp.testing.clock import java_timestamp
from airflow_provider_ocp.testing.specs import ClusterSpec, TenantSpec

RESTORE_SUBTASKS = (
    "Check restore prerequisites",
    "Create resource pool",
    "Restore tenant data",
    "Replay archived log",
    "Finish restore",
)
BACKUP_SUBTASKS = ("Check backup prerequisites", "Back up tenant data", "Finish data backup")
TENANT_SUBTASKS = ("Modify tenant",)  # other work on a tenant, which a drill's task must never be taken for
DEFAULT_SUBTASK_SECONDS = {"restore": 60.0, "backup": 30.0, "tenant": 30.0}
TASK_TYPES = {"restore": "RESTORE_TENANT", "backup": "DATA_BACKUP", "tenant": "MODIFY_TENANT"}


@dataclass(frozen=True)
class ScriptedFailure:
    """A failure scripted for the next task of a kind: the subtask (index) that fails and its log text."""

    subtask: int
    log: str


SUBTASKS = {"restore": RESTORE_SUBTASKS, "backup": BACKUP_SUBTASKS, "tenant": TENANT_SUBTASKS}


def scripted_failure(kind: str, at_subtask: str | int | None, log: str) -> ScriptedFailure:
    """A failure of a ``kind`` task at subtask ``at_subtask`` (a name or index; None: the last); ValueError if the
    kind or subtask is unknown."""
    names = SUBTASKS.get(kind)
    if names is None:
        raise ValueError(f"kind must be one of {sorted(SUBTASKS)}, not {kind!r}")
    if at_subtask is None:
        index = len(names) - 1
    elif isinstance(at_subtask, int):
        index = at_subtask if 0 <= at_subtask < len(names) else -1
    else:
        index = names.index(at_subtask) if at_subtask in names else -1
    if index < 0:
        raise ValueError(f"{kind} tasks have the subtasks {list(names)}, not {at_subtask!r}")
    return ScriptedFailure(index, log)


@dataclass
class TaskInstance:
    """One task instance: ``kind`` ``"restore"``, ``"backup"`` or ``"tenant"``, its subtask names, ``step`` seconds per
    subtask."""

    id: int
    kind: str
    name: str
    created: datetime
    subtasks: tuple[str, ...]
    step: float
    cluster_id: int | None = None
    tenant_name: str | None = None
    failure: ScriptedFailure | None = None
    first_subtask_id: int = 0

    def _end_of(self, index: int) -> datetime:
        return self.created + timedelta(seconds=self.step * (index + 1))

    def finish_time(self, now: datetime) -> datetime | None:
        """When the task finished (succeeded or failed), or None while it runs at ``now``."""
        last = self.failure.subtask if self.failure is not None else len(self.subtasks) - 1
        end = self._end_of(last)
        return end if end <= now else None

    def status(self, now: datetime) -> str:
        """RUNNING, FAILED or SUCCESSFUL at server time ``now``."""
        if self.finish_time(now) is None:
            return "RUNNING"
        return "FAILED" if self.failure is not None else "SUCCESSFUL"

    def subtask_status(self, index: int, now: datetime) -> str:
        failed_at = self.failure.subtask if self.failure is not None else None
        if failed_at is not None and index > failed_at:
            return "PENDING"
        start, end = self._end_of(index - 1), self._end_of(index)
        if now >= end:
            return "FAILED" if index == failed_at else "SUCCESSFUL"
        return "RUNNING" if now >= start else "PENDING"

    def subtask_log(self, index: int, now: datetime, tz: tzinfo) -> str:
        """The log of subtask ``index`` so far (empty before it starts); a failed one ends with the scripted text."""
        status = self.subtask_status(index, now)
        if status == "PENDING":
            return ""
        started = java_timestamp(self._end_of(index - 1), tz)
        lines = [f"{started} INFO Start subtask '{self.subtasks[index]}' of task {self.id} ({self.name})"]
        if status == "SUCCESSFUL":
            lines.append(f"{java_timestamp(self._end_of(index), tz)} INFO Subtask '{self.subtasks[index]}' succeeded")
        elif status == "FAILED" and self.failure is not None:
            lines.append(f"{java_timestamp(self._end_of(index), tz)} ERROR {self.failure.log}")
        return "\n".join(lines) + "\n"

    def failed_log(self) -> str | None:
        return self.failure.log if self.failure is not None else None

    def render(self, now: datetime, tz: tzinfo) -> dict[str, Any]:
        """The task instance as ``GET /tasks/instances/{id}`` serves it (null fields omitted)."""
        finished = self.finish_time(now)
        record: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "status": self.status(now),
            "type": TASK_TYPES.get(self.kind, self.kind.upper()),
            "operation": "EXECUTE",
        }
        if self.cluster_id is not None:
            record["clusterId"] = self.cluster_id
        if self.tenant_name is not None:
            record["tenantName"] = self.tenant_name
        record["createTime"] = java_timestamp(self.created, tz)
        record["startTime"] = java_timestamp(self.created, tz)
        if finished is not None:
            record["finishTime"] = java_timestamp(finished, tz)
        subtasks = []
        for index, name in enumerate(self.subtasks):
            status = self.subtask_status(index, now)
            item: dict[str, Any] = {"id": self.first_subtask_id + index, "name": name, "status": status}
            if status in ("SUCCESSFUL", "FAILED"):
                item["runTime"] = round(self.step)
            elif status == "RUNNING":
                item["runTime"] = round((now - self._end_of(index - 1)).total_seconds())
            item["upstreams"] = [self.first_subtask_id + index - 1] if index else []
            subtasks.append(item)
        record["subtasks"] = subtasks
        return record

    def subtask_index(self, subtask_id: int) -> int | None:
        index = subtask_id - self.first_subtask_id
        return index if 0 <= index < len(self.subtasks) else None


class DrillError(Exception):
    """A rejected backupNow or restore: ``kind`` ``"not_found"``, ``"window"`` or ``"conflict"``, and the field."""

    def __init__(self, kind: str, message: str, target: str | None = None) -> None:
        super().__init__(message)
        self.kind, self.message, self.target = kind, message, target


@dataclass
class DataBackup:
    task_id: int
    cluster_id: int
    tenant: TenantSpec
    full: bool
    start: datetime
    finish: datetime | None = None  # set for seeded backups; else from the task instance
    instance: TaskInstance | None = None

    def status(self, now: datetime) -> str:
        if self.instance is None:
            return "DONE"
        return {"RUNNING": "DOING", "FAILED": "FAILED"}.get(self.instance.status(now), "DONE")

    def finished(self, now: datetime) -> datetime | None:
        return self.finish if self.instance is None else self.instance.finish_time(now)


@dataclass
class Restore:
    id: int
    instance: TaskInstance
    backup_cluster: ClusterSpec
    backup_tenant: TenantSpec
    restore_cluster_id: int
    tenant_name: str
    restore_end: datetime
    tenant_id: int
    body: dict[str, Any] = field(default_factory=dict)
