"""Backup and restore drills: data backups, recoverable windows, restores and their OCP task instances.

Everything is state plus the server clock: a data backup or restore is DOING while its task instance runs (see
:mod:`~airflow_provider_ocp.testing.task_instances`) and ends with it, so with the default frozen clock nothing moves
until a test calls ``emu.clock.advance(...)``. A tenant's RECOVERABLE window is [finish of its earliest finished FULL
data backup, its current log backup checkpoint] (the value ``logBackupTasks`` serves), unless a test set windows
with :meth:`Drills.set_recoverable_windows`. Every existing tenant starts with one finished FULL backup, finished one
hour before its cluster's first log backup task, so default emulators have windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from airflow_provider_ocp.testing.clock import ServerClock, iso_timestamp, whole_ms
from airflow_provider_ocp.testing.data import Cluster, Dataset, UnknownTenantError
from airflow_provider_ocp.testing.records import RenderOptions, live_checkpoint
from airflow_provider_ocp.testing.specs import ClusterSpec, TenantSpec
from airflow_provider_ocp.testing.task_instances import (
    DEFAULT_SUBTASK_SECONDS,
    SUBTASKS,
    DataBackup,
    DrillError,
    Restore,
    ScriptedFailure,
    TaskInstance,
    scripted_failure,
)

SEED_BACKUP_LEAD = timedelta(hours=1)  # the seeded FULL backup finishes this long before the first log backup task
SEED_BACKUP_DURATION = timedelta(minutes=20)
RESTORED_TENANT_ID_BASE = 3_000_000
Window = tuple[datetime, datetime]


class Drills(Dataset):
    """The emulator's backup and restore state, behind the dataset's lock (the emulator inherits these methods).

    ``subtask_seconds``: emulated seconds per subtask, by task kind (``"restore"``, ``"backup"``, ``"tenant"``;
    a kind left out: its default); changes apply to tasks started afterwards. ``recoverable_interval_key``:
    ``"realRecoverableTimeInterval"`` (OCP's sample) or ``"logRecoverableTimeInterval"`` (its field table).
    ``omitted_restore_fields``: restore record fields left out, as OCP leaves out null ones (``{"ocpJobId"}``).
    """

    def __init__(self, specs: Sequence[ClusterSpec], clock: ServerClock, options: RenderOptions) -> None:
        super().__init__(specs, clock, options)
        self.subtask_seconds: dict[str, float] = dict(DEFAULT_SUBTASK_SECONDS)
        self.recoverable_interval_key = "realRecoverableTimeInterval"
        self._instances: dict[int, TaskInstance] = {}
        self._next_instance, self._next_subtask, self._next_backup = 5_000_001, 7_000_001, 9_000_001
        self._failures: dict[str, list[ScriptedFailure]] = {kind: [] for kind in SUBTASKS}
        self.omitted_restore_fields: set[str] = set()
        self._windows: dict[tuple[int, int], list[Window]] = {}
        self.backups: list[DataBackup] = []
        self.restores: list[Restore] = []
        for cluster in self._clusters.values():
            finish = whole_ms(cluster.first_created - SEED_BACKUP_LEAD)
            for tenant in cluster.spec.tenants:
                self._add_backup(cluster.spec.cluster_id, tenant, True, finish - SEED_BACKUP_DURATION, finish)

    def _add_backup(
        self, cluster_id: int, tenant: TenantSpec, full: bool, start: datetime, finish: datetime | None
    ) -> DataBackup:
        backup = DataBackup(self._next_backup, cluster_id, tenant, full, start, finish)
        self._next_backup += 1
        self.backups.append(backup)
        return backup

    # -- test controls ----------------------------------------------------------------------------------------------

    def set_recoverable_windows(
        self, cluster_id: int, tenant_id: int, windows: Sequence[tuple[datetime, datetime]] | None
    ) -> None:
        """Serve these RECOVERABLE windows (aware ``(start, end)`` pairs; ``[]``: none) for a tenant instead of the
        derived one, also for restore checks; None goes back to the derived window."""
        with self.lock:
            self.tenant(cluster_id, tenant_id)
            if windows is None:
                self._windows.pop((cluster_id, tenant_id), None)
                return
            if any(start.tzinfo is None or end.tzinfo is None or start > end for start, end in windows):
                raise ValueError("windows must be aware (start, end) pairs with start <= end")
            self._windows[(cluster_id, tenant_id)] = [(start, end) for start, end in windows]

    def fail_next_task(self, kind: str, *, at_subtask: str | int | None = None, log: str = "Task failed") -> None:
        """Script the next ``kind`` task (``"restore"`` or ``"backup"``) to fail at ``at_subtask`` (a name or index;
        None: the last), its log ending with ``log``; the restore or data backup then fails with ``log``."""
        failure = scripted_failure(kind, at_subtask, log)
        with self.lock:
            self._failures[kind].append(failure)

    def remove_data_backups(self, cluster_id: int, tenant_id: int | None = None) -> int:
        """Forget the finished data backups of a tenant (None: of every tenant of the cluster), the seeded ones
        included, so it has no RECOVERABLE window until a FULL backup finishes; says how many went."""
        with self.lock:
            now, before = self.clock.now(), len(self.backups)
            if tenant_id is not None:
                self.tenant(cluster_id, tenant_id)
            self.backups = [
                b
                for b in self.backups
                if not (b.cluster_id == cluster_id and tenant_id in (None, b.tenant.tenant_id))
                or b.status(now) == "DOING"
            ]
            return before - len(self.backups)

    # -- lookups ----------------------------------------------------------------------------------------------------

    def tenant(self, cluster_id: int, tenant_id: int) -> TenantSpec:
        """An existing tenant of a cluster; UnknownTenantError otherwise (UnknownClusterError: no such cluster)."""
        for tenant in self.cluster(cluster_id).spec.tenants:
            if tenant.tenant_id == tenant_id:
                return tenant
        raise UnknownTenantError(f"cluster {cluster_id} has no tenant {tenant_id}")

    def restored_tenants(self, cluster_id: int, now: datetime) -> list[Restore]:
        """The restores into ``cluster_id`` that succeeded by ``now``: their tenants exist."""
        return [
            r for r in self.restores if r.restore_cluster_id == cluster_id and r.instance.status(now) == "SUCCESSFUL"
        ]

    def task_instance(self, instance_id: int) -> TaskInstance | None:
        return self._instances.get(instance_id)

    def task_instances(self) -> list[TaskInstance]:
        return list(self._instances.values())

    def checkpoint(self, cluster: Cluster, tenant_id: int) -> datetime | None:
        """A tenant's current log backup checkpoint (as ``logBackupTasks`` serves it), None without log backup."""
        try:
            unit = 0 if cluster.spec.cluster_level else cluster.unit_of_tenant(tenant_id)
        except UnknownTenantError:
            return None
        if not any(task["unit"] == unit for task in cluster.tasks):
            return None
        return live_checkpoint(cluster.units[unit], self.clock.now(), self.clock.elapsed())[1]

    def recoverable_windows(self, cluster_id: int, tenant_id: int) -> list[Window]:
        """A tenant's RECOVERABLE windows now: the test's override, else [earliest FULL finish, checkpoint]."""
        with self.lock:
            if (cluster_id, tenant_id) in self._windows:
                return list(self._windows[(cluster_id, tenant_id)])
            now = self.clock.now()
            finishes = [
                finished
                for b in self.backups
                if b.cluster_id == cluster_id and b.tenant.tenant_id == tenant_id and b.full
                if b.status(now) == "DONE" and (finished := b.finished(now)) is not None
            ]
            checkpoint = self.checkpoint(self.cluster(cluster_id), tenant_id)
            if not finishes or checkpoint is None or min(finishes) > checkpoint:
                return []
            return [(min(finishes), checkpoint)]

    # -- operations -------------------------------------------------------------------------------------------------

    def _start_task(self, kind: str, name: str, cluster_id: int, tenant_name: str) -> TaskInstance:
        names, failures, number = SUBTASKS[kind], self._failures[kind], self._next_instance
        seconds = float(self.subtask_seconds.get(kind, DEFAULT_SUBTASK_SECONDS[kind]))
        failure, created = failures.pop(0) if failures else None, whole_ms(self.clock.now())
        instance = TaskInstance(
            number, kind, name, created, names, seconds, cluster_id, tenant_name, failure, self._next_subtask
        )
        self._next_instance += 1
        self._next_subtask += len(names)
        self._instances[instance.id] = instance
        return instance

    def start_tenant_task(self, cluster_id: int, tenant_name: str, name: str) -> TaskInstance:
        """Start an OCP task named ``name`` on a tenant that is neither a restore nor a backup (type MODIFY_TENANT,
        one subtask), as OCP runs beside a drill (``"Modify tenant drill_1 parameters"``)."""
        with self.lock:
            return self._start_task("tenant", name, cluster_id, tenant_name)

    def backup_now(self, cluster_id: int, tenant_id: int | None, full: bool) -> list[dict[str, Any]]:
        """Start a data backup per tenant (``tenant_id`` None: every tenant); one result per tenant, failed
        (``beSuccessful`` false) for a tenant whose data backup is still running."""
        with self.lock:
            cluster = self.cluster(cluster_id)
            tenants = list(cluster.spec.tenants) if tenant_id is None else [self.tenant(cluster_id, tenant_id)]
            now, results = self.clock.now(), []
            for tenant in tenants:
                busy = any(
                    b.cluster_id == cluster_id and b.tenant == tenant and b.status(now) == "DOING" for b in self.backups
                )
                if busy:
                    hint = f"A data backup of tenant {tenant.name} is still running; wait for it to finish"
                    failed = {"beSuccessful": False, "taskIdList": [], "tenantId": tenant.tenant_id}
                    results.append(failed | {"errorCode": "BACKUP_TASK_ALREADY_RUNNING", "hint": hint})
                    continue
                kind = "FULL" if full else "INCREMENTAL"
                instance = self._start_task("backup", f"{kind} data backup of {tenant.name}", cluster_id, tenant.name)
                backup = self._add_backup(cluster_id, tenant, full, instance.created, None)
                backup.instance = instance
                results.append({"beSuccessful": True, "taskIdList": [instance.id], "tenantId": tenant.tenant_id})
            return results

    def start_restore(
        self,
        backup_cluster_id: int,
        backup_tenant_id: int,
        restore_cluster_id: int,
        name: str,
        end: datetime,
        body: dict[str, Any],
    ) -> TaskInstance:
        """Check and start a restore of a tenant to ``end`` as tenant ``name`` of ``restore_cluster_id``;
        DrillError when the tenant or cluster is unknown, ``end`` is outside every window or ``name`` is taken."""
        with self.lock:
            try:
                backup_cluster = self.cluster(backup_cluster_id).spec
                tenant = self.tenant(backup_cluster_id, backup_tenant_id)
            except LookupError as error:
                raise DrillError("not_found", str(error), "restoreOnlineTenantRequiredParam.backupTenantId") from None
            try:
                restore_cluster = self.cluster(restore_cluster_id).spec
            except LookupError as error:
                raise DrillError("not_found", str(error), "restoreOnlineTenantRequiredParam.restoreClusterId") from None
            windows = self.recoverable_windows(backup_cluster_id, backup_tenant_id)
            if not any(start <= end <= stop for start, stop in windows):
                tz = self.clock.tz
                shown = ", ".join(f"[{iso_timestamp(a, tz)}, {iso_timestamp(z, tz)}]" for a, z in windows)
                raise DrillError(
                    "window",
                    f"restoreEndTime {iso_timestamp(end, tz)} is outside the recoverable window of tenant "
                    f"{tenant.name}: {shown or 'none (no full data backup or no log backup checkpoint)'}",
                    "restoreOnlineTenantRequiredParam.restoreEndTime",
                )
            now = self.clock.now()
            taken = {t.name for t in restore_cluster.tenants} | {
                r.tenant_name for r in self.restored_tenants(restore_cluster_id, now)
            }
            running = {
                r.tenant_name
                for r in self.restores
                if r.restore_cluster_id == restore_cluster_id and r.instance.status(now) == "RUNNING"
            }
            if name in taken or name in running:
                why = "already exists in" if name in taken else "is the target of a running restore into"
                target = "restoreOnlineTenantRequiredParam.restoreTenantInfoParam.name"
                raise DrillError("conflict", f"Tenant name {name!r} {why} cluster {restore_cluster.name}", target)
            instance = self._start_task("restore", f"Restore tenant {name}", restore_cluster_id, name)
            number = len(self.restores) + 1
            restored_id = RESTORED_TENANT_ID_BASE + number
            restore = Restore(
                number, instance, backup_cluster, tenant, restore_cluster_id, name, end, restored_id, body
            )
            self.restores.append(restore)
            return instance
