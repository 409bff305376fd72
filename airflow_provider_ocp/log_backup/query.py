"""The task list endpoints (log backup tasks, and the data backup and restore tasks of drills): validated request
parameters.

Both the hook and the trigger's async client call these, so validation exists once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from airflow_provider_ocp.client.timestamps import isoformat_utc
from airflow_provider_ocp.log_backup.records import LOG_BACKUP_TASKS, TaskKind
from airflow_provider_ocp.validation import validate_positive_id, validate_window


@dataclass(frozen=True)
class LogBackupQuery:
    """A validated log backup task query.

    :param path: the API path below ``/api/v2``.
    :param params: query parameters other than ``page`` and ``size``.
    :param cluster_id: the validated cluster id.
    :param start_time: the window start (aware) or None.
    :param end_time: the window end (aware) or None.
    :param kind: which task list it reads (log backup tasks unless said).
    """

    path: str
    params: tuple[tuple[str, str], ...]
    cluster_id: int
    start_time: datetime | None
    end_time: datetime | None
    kind: TaskKind = LOG_BACKUP_TASKS


def whole_second(moment: datetime, *, up: bool = False) -> datetime:
    """``moment`` without its fraction of a second: floored, or ceiled with ``up``.

    OCP 4.x documents its time bounds as ``YYYY-MM-DDThh:mm:ssZ``; a start floored and an end ceiled still cover the
    whole window, and the operator filters the records exactly on its side.

    :param moment: an aware instant.
    :param up: round up instead of down.
    """
    floored = moment.replace(microsecond=0)
    return floored + timedelta(seconds=1) if up and floored != moment else floored


def log_backup_tasks_query(
    cluster_id: object,
    start_time: object | None = None,
    end_time: object | None = None,
    tenant_id: object | None = None,
) -> LogBackupQuery:
    """Validate the inputs and build the path and window parameters (times sent as UTC with ``Z``).

    :param cluster_id: OCP cluster id, a positive integer.
    :param start_time: window start, aware datetime or ISO text; give both bounds or neither. Sent as whole seconds
        (start floored, end ceiled), as OCP documents them.
    :param end_time: window end.
    :param tenant_id: optional OCP tenant id, for the tenant-level endpoint (OCP 4.x).
    """
    cluster = validate_positive_id(cluster_id, "cluster_id")
    start, end = validate_window(start_time, end_time)
    tenant = None if tenant_id is None else validate_positive_id(tenant_id, "tenant_id")
    return validated_query(cluster, start, end, tenant)


def validated_query(
    cluster_id: int,
    start: datetime | None = None,
    end: datetime | None = None,
    tenant_id: int | None = None,
    kind: TaskKind = LOG_BACKUP_TASKS,
) -> LogBackupQuery:
    """The query of values an adapter has validated already (:func:`log_backup_tasks_query` checks them first).

    :param cluster_id: a positive cluster id.
    :param start: the aware window start, or None (with ``end``) for every task.
    :param end: the aware window end, not before ``start``.
    :param tenant_id: a positive tenant id, or None.
    :param kind: which task list (the same paging and window rules for each).
    """
    path = f"/ob/clusters/{cluster_id}"
    if tenant_id is not None:
        path += f"/tenants/{tenant_id}"
    path += f"/backup/task/{kind.endpoint}"
    params: tuple[tuple[str, str], ...] = ()
    if start is not None and end is not None:
        params = (
            ("startTime", isoformat_utc(whole_second(start))),
            ("endTime", isoformat_utc(whole_second(end, up=True))),
        )
    return LogBackupQuery(path, params, cluster_id, start, end, kind)
