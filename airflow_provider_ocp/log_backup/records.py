"""Normalisation of OCP's backup task records: log backup tasks, and the data backup and restore tasks of restore
drills (:class:`TaskKind`), through one per-record path.

Records keep OCP's field names. Times become aware datetimes, ``delay`` a float, numeric ids ints, absent documented
fields None; fields OCP adds beyond its docs pass through unchanged.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from airflow_provider_ocp.client.page import record_key
from airflow_provider_ocp.client.timestamps import parse_ocp_timestamp
from airflow_provider_ocp.validation import short_repr

log = logging.getLogger(__name__)

TIME_FIELDS = ("createTime", "modifyTime", "checkpoint")
ID_FIELDS = ("clusterId", "obClusterId", "tenantId", "obTenantId")
DOCUMENTED_FIELDS = (
    "createTime",
    "modifyTime",
    "clusterName",
    "clusterId",
    "obClusterId",
    "obTenantId",
    "clusterType",
    "tenantId",
    "tenantName",
    "status",
    "errorMsg",
    "backupUri",
    "checkpoint",
    "backupMode",
    "delay",
)
SNAPSHOT_FIELDS: dict[str, type] = {"snapshotTime": datetime, "current": bool, "delaySource": str}
"""The fields a snapshot (:mod:`~airflow_provider_ocp.log_backup.snapshot`) adds to each task, with the type of their
values (``delaySource`` may be None): Parquet files give them typed columns from this."""


def parse_delay(value: Any) -> Any:
    """Read OCP's ``delay`` (seconds): an int, a float, a decimal string, or absent.

    A value that is not a finite number (``"NaN"``, ``Infinity``, text) is kept as text with a warning, never as a
    float: the gate then cannot mistake it for a delay, and XCom and JSON lines stay valid JSON.

    :param value: what OCP sent.
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        delay = float(value)
    except (TypeError, ValueError, OverflowError):
        delay = math.nan
    if math.isfinite(delay):
        return delay
    log.warning("Keeping OCP's delay as text; it is not a finite number of seconds: %s", short_repr(value))
    return str(value)


def parse_id(value: Any) -> Any:
    """Return a numeric id as int (OCP may send large ids as strings); anything else unchanged.

    :param value: what OCP sent.
    """
    if isinstance(value, str) and value.strip().isascii() and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


def parse_time_field(name: str, value: Any) -> Any:
    """Parse one of OCP's timestamp forms; keep anything else as sent (never lose data) with a warning.

    Numbers are epoch milliseconds, as Java sends them; one no datetime can hold is kept as is (``1e300``), or as
    text when JSON could not carry it (NaN, infinity).

    :param name: the field name, for the warning.
    :param value: what OCP sent.
    """
    try:
        if isinstance(value, str):  # nearly always: first
            return parse_ocp_timestamp(value)
        if value is None or isinstance(value, datetime):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value / 1000, tz=timezone.utc)
        return parse_ocp_timestamp(str(value))
    except (ValueError, OverflowError, OSError):  # OSError: a platform's own epoch limit
        log.warning(
            "Keeping OCP's %s as sent; it is not a timestamp this provider can read: %s", name, short_repr(value)
        )
        return value if not isinstance(value, float) or math.isfinite(value) else str(value)  # JSON has no NaN


@dataclass(frozen=True)
class TaskKind:
    """One of OCP's task list endpoints (``GET /ob/clusters/{id}[/tenants/{tenantId}]/backup/task/<endpoint>``) and
    how its records are read: same paging, window and normalisation rules for each.

    :param endpoint: the last path segment.
    :param documented: the fields OCP documents, in order (None when left out).
    :param time_fields: fields holding timestamps.
    :param id_fields: fields holding numeric ids (OCP may send large ones as text).
    :param key: a field that alone identifies a task (``taskId``, ``id``); None when OCP gives none (log backup
        tasks: :func:`record_identity`).
    """

    endpoint: str
    documented: tuple[str, ...]
    time_fields: tuple[str, ...]
    id_fields: tuple[str, ...]
    key: str | None = None
    blank: dict[str, None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "blank", dict.fromkeys(self.documented))

    def identity(self, record: dict[str, Any]) -> bytes:
        """What tells two of this kind's records apart: the key field, or :func:`record_identity` without one.

        :param record: a raw or normalised record.
        """
        value = record.get(self.key) if self.key else None
        return record_identity(record) if value is None else record_key((self.key, value))


LOG_BACKUP_TASKS = TaskKind("logBackupTasks", DOCUMENTED_FIELDS, TIME_FIELDS, ID_FIELDS)
DATA_BACKUP_TASKS = TaskKind(
    "dataBackupTasks",
    documented=(
        "taskId",
        "backupSetId",
        "backupMode",
        "dataBackupTaskType",
        "status",
        "startTime",
        "finishTime",
        "errorMsg",
        "backupUri",
        "tenantId",
        "tenantName",
    ),
    time_fields=("startTime", "finishTime"),
    id_fields=("taskId", "backupSetId", "tenantId"),
    key="taskId",
)
RESTORE_TASKS = TaskKind(
    "restoreTasks",
    documented=(
        "id",
        "ocpJobId",
        "backupMode",
        "createTime",
        "finishTime",
        "backupClusterId",
        "backupClusterName",
        "backupTenantId",
        "backupTenantName",
        "restoreClusterId",
        "restoreTenantName",
        "restoreEndTime",
        "restoreUri",
        "status",
        "errorMsg",
    ),
    time_fields=("createTime", "finishTime", "restoreEndTime"),
    id_fields=("id", "ocpJobId", "backupClusterId", "backupTenantId", "restoreClusterId"),
    key="id",
)


def normalize_task(raw: dict[str, Any], kind: TaskKind = LOG_BACKUP_TASKS) -> dict[str, Any]:
    """Normalise one task record (see the module docstring), value by value.

    One new dict: documented fields first (None when OCP left them out), then OCP's extra fields in its order; only
    values that need it go through a parser (ids only when sent as text, a log backup task's ``delay`` only when not
    already a finite float). ``raw`` is left as it was.

    :param raw: one element of ``data.contents``.
    :param kind: which endpoint it came from.
    """
    record = {**kind.blank, **raw}
    for name in kind.time_fields:
        value = record[name]
        if value is not None:
            record[name] = parse_time_field(name, value)
    for name in kind.id_fields:
        value = record[name]
        if value.__class__ is str:
            record[name] = parse_id(value)
    if kind is LOG_BACKUP_TASKS:
        delay = record["delay"]
        if delay.__class__ is not float or not math.isfinite(delay):
            record["delay"] = parse_delay(delay)
    return record


def normalize_tasks(raws: list[dict[str, Any]], kind: TaskKind = LOG_BACKUP_TASKS) -> list[dict[str, Any]]:
    """:func:`normalize_task` over one page's records, in order: the hooks' entry for a page.

    :param raws: the elements of one page's ``data.contents``.
    :param kind: which endpoint they came from.
    """
    return [normalize_task(raw, kind) for raw in raws]


def record_identity(record: dict[str, Any]) -> bytes:
    """The :func:`~airflow_provider_ocp.client.page.record_key` of the fields that identify a task (OCP gives tasks
    no single id field): its cluster (``clusterId``, ``obClusterId``), tenant (``tenantId``, ``obTenantId``,
    ``tenantName``), ``createTime`` and ``backupUri``.

    Fields that change while a task runs (status, checkpoint, delay, modifyTime) are left out, so the same task seen
    twice while paging is recognised as one (extraction writes each task once). The fields are spelled out, not
    looped over: this runs once per record of every page.

    A record without a ``createTime`` has nothing that tells two tasks of one tenant apart, so it is identified by
    all its fields: such a task may then come twice (its checkpoint moved between pages), but two of them are never
    merged into one.

    :param record: a raw or normalised record.
    """
    get = record.get
    if get("createTime") is None:
        return record_key(sorted(record.items(), key=lambda item: str(item[0])))
    values = (
        get("clusterId"),
        get("obClusterId"),
        get("tenantId"),
        get("obTenantId"),
        get("tenantName"),
        get("createTime"),
        get("backupUri"),
    )
    return record_key(values)


def record_status_identity(record: dict[str, Any]) -> bytes:
    """:func:`record_identity` with the ``status``: the walk a gate reads keeps a task seen RUNNING on one page and
    FAILED on another twice, instead of silently keeping whichever came first; the gate then sees two statuses at one
    ``createTime`` and waits.

    :param record: a raw or normalised record.
    """
    return record_key((record_identity(record), record.get("status")))
