"""Re-attaching instead of backing up twice: which data backups OCP already runs (or ran) for the same request.

OCP's back-up-now starts one data backup task per tenant: of one tenant, or of every tenant of a cluster, and OCP
runs one data backup of a tenant at a time. Before POSTing, :class:`~airflow_provider_ocp.operators.backup.
OCPDataBackupOperator` reads the cluster's (or tenant's) ``dataBackupTasks`` records, as ``OCPHook.
iter_data_backup_tasks`` normalises them, and applies these rules (tests in ``tests/drills/test_attach_backup.py``):

- **Scope.** A tenant request's scope is that tenant. A cluster request's scope is the tenants OCP lists in the
  cluster that have at least one data backup record: the tenants a cluster backup backs up as far as OCP shows (a
  tenant never backed up, such as ``sys`` or one without a backup destination, gets no task [inferred]).
- **Ours.** A record is ours when its tenant is in the scope, its type (``dataBackupTaskType``, FULL or INCREMENTAL,
  ``_BACKUP`` suffix accepted) is the requested one, and it is running (any status but ``DONE`` / ``FAILED`` /
  ``CANCELED``, unknown ones included) or, given ``since`` (an Airflow retry: the DAG run's start less the clock-skew
  margin of :func:`~airflow_provider_ocp.restores.attach.since_run_start`), it is ``DONE``, started at or after
  ``since``, and no later record of that tenant exists (its OCP task is then the tenant's newest successful backup
  task). As for restores, a backup that failed or was canceled is never attached to: a retry starts a new one.
- **Same request.** The backups are attached to only when ours cover every tenant of the scope (the newest running
  one of a tenant first): a cluster request is the same as one backup per tenant of that type, not one tenant's.
- **Conflict.** A running record in the scope that is not ours (another type, unknown type, or a tenant that cannot
  be read), or, when ours do not cover the scope, a running one of ours (a backup of only some of the tenants):
  :class:`~airflow_provider_ocp.restores.errors.BackupConflict` names them and nothing is POSTed (OCP would refuse
  the busy tenants, and for a cluster request still start the others).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from airflow_provider_ocp.log_backup.records import parse_id
from airflow_provider_ocp.restores.attach import epoch_ms, positive_id, shown_instant, status_of
from airflow_provider_ocp.restores.errors import BackupConflict

BACKUP_TERMINAL = frozenset({"DONE", "FAILED", "CANCELED", "CANCELLED"})
_TYPES = {"FULL": "FULL", "FULL_BACKUP": "FULL", "INCREMENTAL": "INCREMENTAL", "INCREMENTAL_BACKUP": "INCREMENTAL"}


@dataclass(frozen=True)
class FoundBackup:
    """A data backup of ours that OCP runs (or, on a retry, finished).

    :param tenant_id: the tenant backed up.
    :param tenant_name: its name as the record gives it (how its OCP task is found), None when left out.
    :param task_id: the record's ``taskId``.
    :param running: True while OCP runs it; False: it is DONE.
    """

    tenant_id: int
    tenant_name: str | None
    task_id: Any
    running: bool


def backup_type_of(record: Mapping[str, Any]) -> str | None:
    """A record's data backup type, ``"FULL"`` or ``"INCREMENTAL"``; None when absent or unknown."""
    value = record.get("dataBackupTaskType")
    return _TYPES.get(value.strip().upper()) if isinstance(value, str) else None


def backup_scope(
    records: Sequence[Mapping[str, Any]], tenant_id: int | None, tenants: Iterable[Mapping[str, Any]]
) -> set[int]:
    """The tenants a request backs up, per the module's rules.

    :param records: the cluster's ``dataBackupTasks`` records.
    :param tenant_id: the tenant of a tenant request; None for the whole cluster.
    :param tenants: the tenants OCP lists in the cluster, as it sends them (unused for a tenant request).
    """
    if tenant_id is not None:
        return {tenant_id}
    listed = {positive_id(parse_id(t.get("id"))) for t in tenants if isinstance(t, Mapping)} - {None}
    backed_up = {positive_id(r.get("tenantId")) for r in records if isinstance(r, Mapping)}
    return {tenant for tenant in backed_up & listed if tenant is not None}


def _describe(record: Mapping[str, Any]) -> str:
    return (
        f"data backup task {record.get('taskId')!r} of tenant {record.get('tenantName')!r} "
        f"({record.get('tenantId')!r}), {backup_type_of(record) or 'type unknown'}, status {record.get('status')!r}, "
        f"started {shown_instant(record.get('startTime'))}"
    )


def find_backups(
    records: Sequence[Mapping[str, Any]], scope: Collection[int], backup_type: str, since: datetime | None
) -> list[FoundBackup]:
    """The backups to attach to, one per tenant of ``scope`` by tenant id, per the module's rules; [] to POST.

    :param records: the ``dataBackupTasks`` records of the cluster (or of the requested tenant).
    :param scope: :func:`backup_scope`.
    :param backup_type: ``"FULL"`` or ``"INCREMENTAL"``.
    :param since: on an Airflow retry, the earliest start of a finished backup an earlier try may have started;
        None on a first try (only running backups count).
    :raises BackupConflict: a running backup in the scope is not this request.
    """
    since_ms = epoch_ms(since)
    ours: dict[int, tuple[bool, int, Mapping[str, Any]]] = {}
    newest: dict[int, int] = {}
    conflicts: list[Mapping[str, Any]] = []
    for record in records:
        if not isinstance(record, Mapping):
            continue
        tenant, status, started = (
            positive_id(record.get("tenantId")),
            status_of(record),
            epoch_ms(record.get("startTime")),
        )
        running = status not in BACKUP_TERMINAL
        if tenant is not None and tenant not in scope:
            continue
        if tenant is not None:
            newest[tenant] = max(newest.get(tenant, -1), started if started is not None else -1)
        recent = status == "DONE" and since_ms is not None and started is not None and started >= since_ms
        if tenant is not None and backup_type_of(record) == backup_type and (running or recent):
            key = (running, started if started is not None else -1, record)
            if tenant not in ours or key[:2] > ours[tenant][:2]:
                ours[tenant] = key
        elif running:
            conflicts.append(record)
    ours = {t: key for t, key in ours.items() if key[0] or key[1] >= newest[t]}  # a finished one: the newest only
    covered = bool(ours) and set(ours) >= set(scope)
    if not covered:
        conflicts += [record for running, _, record in ours.values() if running]
    if conflicts:
        raise BackupConflict(
            f"A data backup that is not this {backup_type} backup of tenant(s) {sorted(scope)} is running: "
            f"{'; '.join(_describe(record) for record in conflicts)}. OCP runs one data backup of a tenant at a "
            "time; nothing was submitted. An Airflow retry (after retry_delay) looks again."
        )
    if not covered:
        return []
    return [
        FoundBackup(tenant, _name(record.get("tenantName")), record.get("taskId"), running)
        for tenant, (running, _, record) in sorted(ours.items())
    ]


def _name(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
