"""The drill endpoints' data as OCP serializes it: tenants, backup info and overview, data backup and restore tasks.

Null fields are omitted and Timestamp fields use Java's no-colon form (``2021-09-23T14:33:17.357+0800``), as
:mod:`~airflow_provider_ocp.testing.data` does. ``latestSevenDaysAggregation`` holds every item, not only the last
seven days' [uncertain: OCP's exact cut].
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow_provider_ocp.testing.api import long_param
from airflow_provider_ocp.testing.clock import java_timestamp
from airflow_provider_ocp.testing.data import TaskQuery, one_page
from airflow_provider_ocp.testing.drills import Drills
from airflow_provider_ocp.testing.task_instances import DataBackup, Restore

FULL_BACKUP_BYTES = 1 << 30
INCREMENTAL_BACKUP_BYTES = 100 << 20


def list_tenants(drills: Drills, cluster_id: int, name: str | None, page: int, size: int) -> tuple[list[Any], int]:
    """``GET /ob/clusters/{id}/tenants``: the cluster's tenants, then the tenants its successful restores made."""
    with drills.lock:
        spec, now, opts = drills.cluster(cluster_id).spec, drills.clock.now(), drills.options
        rows = [(t.tenant_id, t.name) for t in spec.tenants]
        rows += [(r.tenant_id, r.tenant_name) for r in drills.restored_tenants(cluster_id, now)]
        rows = [row for row in rows if not name or name.lower() in row[1].lower()]
        items = [
            {
                "id": opts.id(tenant_id),
                "name": tenant_name,
                "clusterId": opts.id(cluster_id),
                "status": "NORMAL",
                "mode": "MYSQL",
                "obVersion": "4.2.1.0",
            }
            for tenant_id, tenant_name in one_page(rows, page, size)
        ]
        return items, len(rows)


def tenant_exists(drills: Drills, cluster_id: int, tenant_id: int) -> bool:
    with drills.lock:
        spec, now = drills.cluster(cluster_id).spec, drills.clock.now()
        restored = {r.tenant_id for r in drills.restored_tenants(cluster_id, now)}
        return tenant_id in {t.tenant_id for t in spec.tenants} | restored


def _interval(key: str, kind: str, start: datetime, end: datetime, tz: Any) -> dict[str, Any]:
    return {
        "obRecoverableSectionItemType": kind,
        key: {"startTime": java_timestamp(start, tz), "endTime": java_timestamp(end, tz)},
    }


def backup_info(drills: Drills, cluster_id: int, start: datetime | None, end: datetime | None) -> dict[str, Any]:
    """``GET /ob/clusters/{id}/backup/info``: per tenant, its finished data backups, its log backup (first task's
    creation to checkpoint) and RECOVERABLE windows; with a query window, only the items overlapping it."""
    with drills.lock:
        cluster, now, tz = drills.cluster(cluster_id), drills.clock.now(), drills.clock.tz
        key = drills.recoverable_interval_key
        infos = []
        for tenant in cluster.spec.tenants:
            items: list[tuple[str, datetime, datetime]] = []
            for b in drills.backups:
                finished = b.finished(now)
                if b.cluster_id == cluster_id and b.tenant == tenant and b.status(now) == "DONE" and finished:
                    items.append(("FULL_DATA_BACKUP" if b.full else "INCREMENTAL_DATA_BACKUP", b.start, finished))
            checkpoint = drills.checkpoint(cluster, tenant.tenant_id)
            if checkpoint is not None:
                unit = 0 if cluster.spec.cluster_level else cluster.unit_of_tenant(tenant.tenant_id)
                first = min(task["created"] for task in cluster.tasks if task["unit"] == unit)
                items.append(("LOG_BACKUP", first, checkpoint))
            items += [("RECOVERABLE", a, b) for a, b in drills.recoverable_windows(cluster_id, tenant.tenant_id)]
            if start is not None and end is not None:
                items = [item for item in items if item[1] <= end and item[2] >= start]
            aggregation = {"obRecoverableSectionItems": [_interval(key, kind, a, b, tz) for kind, a, b in items]}
            infos.append(
                {
                    "tenantId": drills.options.id(tenant.tenant_id),
                    "tenantName": tenant.name,
                    "obRecoverableInfoAggregation": {"latestSevenDaysAggregation": aggregation},
                }
            )
        return {"tenantBackupInfos": infos}


def backup_overview(drills: Drills, cluster_id: int) -> dict[str, Any]:
    """``GET /ob/clusters/{id}/backup/overview``: the oldest tenant checkpoint and its delay, the last data backup."""
    with drills.lock:
        cluster, now, tz = drills.cluster(cluster_id), drills.clock.now(), drills.clock.tz
        checkpoints = [c for t in cluster.spec.tenants if (c := drills.checkpoint(cluster, t.tenant_id)) is not None]
        done = [b for b in drills.backups if b.cluster_id == cluster_id and b.status(now) == "DONE"]
        finishes = [f for b in done if (f := b.finished(now)) is not None]
        data: dict[str, Any] = {
            "obClusterBackupStatus": "RUNNING" if checkpoints else "NONE",
            "backupScheduleStatus": "NORMAL",
        }
        if finishes:
            data["lastDataBackupTime"] = java_timestamp(max(finishes), tz)
        if checkpoints:
            oldest = min(checkpoints)
            data["latestLogBackupCheckpoint"] = java_timestamp(oldest, tz)
            data["logBackupDelaySeconds"] = round((now - oldest).total_seconds(), 4)
        data["backupSize"] = sum(FULL_BACKUP_BYTES if b.full else INCREMENTAL_BACKUP_BYTES for b in done)
        return data


def _data_record(drills: Drills, backup: DataBackup, now: datetime) -> dict[str, Any]:
    tz, opts, cluster = drills.clock.tz, drills.options, drills.cluster(backup.cluster_id).spec
    record: dict[str, Any] = {
        "taskId": backup.task_id,
        "backupSetId": backup.task_id - 9_000_000,
        "backupMode": "PHYSICAL_BACKUP",
        "dataBackupTaskType": "FULL" if backup.full else "INCREMENTAL",
        "status": backup.status(now),
        "startTime": java_timestamp(backup.start, tz),
    }
    finished = backup.finished(now)
    if finished is not None:
        record["finishTime"] = java_timestamp(finished, tz)
    if record["status"] == "FAILED" and backup.instance is not None:
        record["errorMsg"] = backup.instance.failed_log()
    record["backupUri"] = f"file:///obbackup/{cluster.name}/{backup.tenant.name}/data"
    record["tenantId"], record["tenantName"] = opts.id(backup.tenant.tenant_id), backup.tenant.name
    return record


def data_backup_tasks(drills: Drills, query: TaskQuery) -> tuple[list[dict[str, Any]], int]:
    """One page of data backup records, newest first, and how many started in the query's window.

    :param drills: the emulator's state.
    :param query: the cluster (or tenant), ``startTime`` window and page asked for.
    """
    with drills.lock:
        if query.tenant_id is not None:
            drills.tenant(query.cluster_id, query.tenant_id)
        now = drills.clock.now()
        chosen = [
            b
            for b in reversed(drills.backups)
            if b.cluster_id == query.cluster_id
            and query.tenant_id in (None, b.tenant.tenant_id)
            and query.covers(b.start)
        ]
        return [_data_record(drills, b, now) for b in one_page(chosen, query.page, query.size)], len(chosen)


_RESTORE_STATUS = {"RUNNING": "RESTORE_DOING", "FAILED": "RESTORE_FAIL", "SUCCESSFUL": "RESTORE_SUCCESS"}


def _restore_record(drills: Drills, restore: Restore, now: datetime) -> dict[str, Any]:
    tz, opts, instance = drills.clock.tz, drills.options, restore.instance
    record: dict[str, Any] = {
        "id": restore.id,
        "ocpJobId": instance.id,
        "backupMode": "PHYSICAL_BACKUP",
        "createTime": java_timestamp(instance.created, tz),
    }
    finished = instance.finish_time(now)
    if finished is not None:
        record["finishTime"] = java_timestamp(finished, tz)
    record |= {
        "backupClusterId": opts.id(restore.backup_cluster.cluster_id),
        "backupClusterName": restore.backup_cluster.name,
        "backupTenantId": opts.id(restore.backup_tenant.tenant_id),
        "backupTenantName": restore.backup_tenant.name,
        "restoreClusterId": opts.id(restore.restore_cluster_id),
        "restoreTenantName": restore.tenant_name,
        "restoreEndTime": java_timestamp(restore.restore_end, tz),
        "restoreUri": f"file:///obbackup/{restore.backup_cluster.name}/{restore.backup_tenant.name}",
        "status": _RESTORE_STATUS[instance.status(now)],
    }
    if instance.status(now) == "FAILED":
        record["errorMsg"] = instance.failed_log()
    return {key: value for key, value in record.items() if key not in drills.omitted_restore_fields}


def restore_tasks(drills: Drills, query: TaskQuery) -> tuple[list[dict[str, Any]], int]:
    """One page of restore records, newest first, and how many were created in the query's window: the restores
    from or into the cluster (tenant variant: from the tenant, or into the tenant a restore made) [uncertain: OCP's
    scope].

    :param drills: the emulator's state.
    :param query: the cluster (or tenant), ``createTime`` window and page asked for.
    """
    cluster_id, tenant_id = query.cluster_id, query.tenant_id
    with drills.lock:
        now = drills.clock.now()
        if tenant_id is not None and not tenant_exists(drills, cluster_id, tenant_id):
            drills.tenant(cluster_id, tenant_id)  # raises UnknownTenantError
        chosen = []
        for r in reversed(drills.restores):
            from_here = r.backup_cluster.cluster_id == cluster_id and tenant_id in (None, r.backup_tenant.tenant_id)
            into_here = r.restore_cluster_id == cluster_id and tenant_id in (None, r.tenant_id)
            if (from_here or into_here) and query.covers(r.instance.created):
                chosen.append(r)
        return [_restore_record(drills, r, now) for r in one_page(chosen, query.page, query.size)], len(chosen)


def task_instances(drills: Drills, params: dict[str, str], page: int, size: int) -> tuple[list[dict[str, Any]], int]:
    """``GET /tasks/instances``: one page of the task instances matching the filters, newest first, and how many match.

    :param drills: the emulator's state.
    :param params: the query parameters: ``name`` (a part of it), ``clusterId``, ``status``, ``type``, ``tenantName``
        (each of the last three a comma-separated list).
    :param page: the page served (1-based).
    :param size: records a page.
    """
    cluster_id = long_param(params["clusterId"], "clusterId") if params.get("clusterId") else None
    with drills.lock:
        now, tz = drills.clock.now(), drills.clock.tz
        rendered = [t.render(now, tz) for t in reversed(drills.task_instances())]
    name = (params.get("name") or "").lower()
    wanted = {"status": params.get("status"), "type": params.get("type"), "tenantName": params.get("tenantName")}
    matching = [
        r
        for r in rendered
        if name in r["name"].lower()
        and cluster_id in (None, r.get("clusterId"))
        and all(not value or r.get(k) in value.split(",") for k, value in wanted.items())
    ]
    return one_page(matching, page, size), len(matching)
