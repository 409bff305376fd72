"""The restore drill's OCP calls on :class:`~airflow_provider_ocp.hooks.ocp.OCPHook`: recoverable windows, the
backup overview, data backup and restore task lists, starting a restore or a backup, and OCP's task instances.

What is sent and how answers are read lives in :mod:`airflow_provider_ocp.restores` (shared with the triggerer's
hook); these methods only check their input, send, and hand back. The two POSTs are never repeated once they may
have reached OCP (:meth:`~airflow_provider_ocp.hooks.ocp.OCPHook.post_envelope`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow_provider_ocp.hooks.public_methods import hook_errors
from airflow_provider_ocp.hooks.task_lists import listed, task_list, walk_task_list
from airflow_provider_ocp.log_backup.records import DATA_BACKUP_TASKS, RESTORE_TASKS, parse_id
from airflow_provider_ocp.log_backup.task_pages import TaskInput
from airflow_provider_ocp.restores.submissions import (
    BackupType,
    RestoreRequest,
    backup_now_request,
    backup_task_ids,
    restore_task_id,
)
from airflow_provider_ocp.restores.tenants import tenant_choice, tenant_named
from airflow_provider_ocp.restores.windows import Window, recoverable_windows
from airflow_provider_ocp.validation import validate_positive_id

if TYPE_CHECKING:
    from airflow_provider_ocp.client.pagination import PageResult
    from airflow_provider_ocp.client.response import Envelope
    from airflow_provider_ocp.log_backup.records import TaskKind


@hook_errors(fail_at_once=True)  # bad input and rejected requests fail the task at once, as on OCPHook
class DrillMethods:
    """Mixed into :class:`~airflow_provider_ocp.hooks.ocp.OCPHook` (see the module docstring)."""

    if TYPE_CHECKING:

        def get_envelope(self, path: str, params: Sequence[tuple[str, str]] = ()) -> Envelope: ...

        def post_envelope(self, path: str, payload: dict[str, Any]) -> Envelope: ...

        def iter_pages(self, path: str, params: Sequence[tuple[str, str]] = ()) -> Iterator[PageResult]: ...

        def resolve_cluster_id(self, cluster_id: object = None, cluster_name: object = None) -> int: ...

        def iter_tasks(
            self, kind: TaskKind, task_input: TaskInput, page_size: int | None = None
        ) -> Iterator[dict[str, Any]]: ...

    def list_tenants(self, cluster_id: int | str) -> list[dict[str, Any]]:
        """The tenants OCP lists in a cluster (``id``, ``name``, ``status``, ...).

        :param cluster_id: OCP cluster id.
        """
        cluster = validate_positive_id(cluster_id, "cluster_id")
        return [record for page in self.iter_pages(f"/ob/clusters/{cluster}/tenants") for record in page.records]

    def resolve_tenant_id(
        self, cluster_id: int, tenant_id: object = None, tenant_name: object = None, *, what: str = "tenant"
    ) -> int:
        """A tenant's id, given the id or its exact name in the cluster (unknown names list OCP's tenants).

        :param cluster_id: a validated cluster id.
        :param tenant_id: the tenant id, or None with ``tenant_name``.
        :param tenant_name: the tenant's name as OCP shows it.
        :param what: the parameters' stem, for messages (``backup_tenant``).
        """
        choice = tenant_choice(tenant_id, tenant_name, what)
        return choice if isinstance(choice, int) else tenant_named(choice, cluster_id, self.list_tenants(cluster_id))

    def get_recoverable_windows(
        self,
        cluster_id: int | str | None = None,
        *,
        cluster_name: str | None = None,
        tenant_id: int | None = None,
        tenant_ids: Sequence[int] | None = None,
    ) -> dict[int, list[Window]]:
        """Per tenant, the times OCP can restore it to: ``{tenant_id: [(start, end), ...]}``, aware, oldest first
        (:mod:`~airflow_provider_ocp.restores.windows` states the rules). Only the tenants asked for are read, so
        another tenant's unreadable window cannot fail the call.

        :param cluster_id: OCP cluster id (or give ``cluster_name``).
        :param cluster_name: the cluster's name as OCP shows it.
        :param tenant_id: only this tenant.
        :param tenant_ids: only these tenants (the gate's watched ones); neither: every tenant.
        """
        tenants = None if tenant_ids is None else [validate_positive_id(t, "tenant_ids") for t in tenant_ids]
        if tenant_id is not None:
            tenants = [*(tenants or []), validate_positive_id(tenant_id, "tenant_id")]
        cluster = self.resolve_cluster_id(cluster_id, cluster_name)
        return recoverable_windows(self.get_envelope(f"/ob/clusters/{cluster}/backup/info").data, tenants)

    def get_backup_overview(
        self, cluster_id: int | str | None = None, *, cluster_name: str | None = None
    ) -> dict[str, Any]:
        """OCP's backup overview of a cluster as sent (``latestLogBackupCheckpoint``, ``logBackupDelaySeconds``, ...).

        :param cluster_id: OCP cluster id (or give ``cluster_name``).
        :param cluster_name: the cluster's name as OCP shows it.
        """
        cluster = self.resolve_cluster_id(cluster_id, cluster_name)
        data = self.get_envelope(f"/ob/clusters/{cluster}/backup/overview").data
        return dict(data) if isinstance(data, dict) else {}

    iter_data_backup_tasks = task_list(
        walk_task_list,
        DATA_BACKUP_TASKS,
        "iter_data_backup_tasks",
        "Yield a cluster's data backup tasks (as a list: get_data_backup_tasks); each task once, by ``taskId``.",
    )
    get_data_backup_tasks = listed(iter_data_backup_tasks)
    iter_restore_tasks = task_list(
        walk_task_list,
        RESTORE_TASKS,
        "iter_restore_tasks",
        "Yield a cluster's restore tasks (as a list: get_restore_tasks); each restore once, by ``id``.",
    )
    get_restore_tasks = listed(iter_restore_tasks)

    def start_restore(
        self,
        cluster_id: int,
        *,
        backup_tenant_id: int,
        restore_cluster_id: int,
        restore_tenant_name: str,
        restore_end_time: datetime | str,
        zones: Sequence[str],
        unit_spec_name: str,
        unit_count: int = 1,
        primary_zone: str | None = None,
    ) -> int:
        """Start restoring a tenant's backup into a new tenant; return OCP's task id. Sent once: never repeated
        after it may have reached OCP (look the restore up with :meth:`iter_restore_tasks` instead).

        :param cluster_id: the backed-up cluster.
        :param backup_tenant_id: the backed-up tenant.
        :param restore_cluster_id: the cluster to create the new tenant in.
        :param restore_tenant_name: the new tenant's name.
        :param restore_end_time: the restore point (aware datetime or ISO text with offset).
        :param zones: the new tenant's zone names.
        :param unit_spec_name: the unit spec of each zone's resource pool.
        :param unit_count: units per zone.
        :param primary_zone: one of ``zones``, or None for OCP's default.
        """
        request = RestoreRequest.check(
            cluster_id,
            backup_tenant_id,
            restore_cluster_id,
            restore_tenant_name,
            restore_end_time,
            zones,
            unit_spec_name,
            unit_count,
            primary_zone,
        )
        return self.submit_restore(request)

    def submit_restore(self, request: RestoreRequest) -> int:
        """POST a checked restore (:meth:`start_restore` checks one first); return OCP's task id.

        :param request: the checked restore.
        """
        envelope = self.post_envelope(request.path, request.body())
        return restore_task_id(envelope.data, request.path)

    def start_data_backup(
        self, cluster_id: int, *, tenant_id: int | None = None, backup_type: BackupType = "FULL"
    ) -> list[int]:
        """Back up a cluster (every tenant) or one tenant now; return OCP's task ids. Sent once, as restores are.

        :param cluster_id: OCP cluster id.
        :param tenant_id: one tenant, or None for the whole cluster.
        :param backup_type: ``"FULL"`` or ``"INCREMENTAL"``.
        """
        cluster = validate_positive_id(cluster_id, "cluster_id")
        tenant = None if tenant_id is None else validate_positive_id(tenant_id, "tenant_id")
        path, payload = backup_now_request(cluster, tenant, backup_type)
        return backup_task_ids(self.post_envelope(path, payload).data, path)

    def get_task(self, task_id: int) -> dict[str, Any]:
        """One OCP task instance as OCP sent it, subtasks included (read it with
        :func:`~airflow_provider_ocp.restores.tasks.task_progress`).

        :param task_id: OCP's task instance id.
        """
        task = validate_positive_id(task_id, "ocp_task_id")
        data = self.get_envelope(f"/tasks/instances/{task}").data
        return dict(data) if isinstance(data, dict) else {}

    def list_task_instances(self, cluster_id: int, tenant_name: str, *, status: str | None = None) -> list[Any]:
        """OCP's task instances of a tenant (``GET /tasks/instances``) as OCP sent them, any kind.

        :param cluster_id: the cluster the tasks run on (``clusterId``).
        :param tenant_name: the tenant's name (``tenantName``).
        :param status: OCP's task status filter (RUNNING, FAILED, SUCCESSFUL); None for any.
        """
        cluster = validate_positive_id(cluster_id, "cluster_id")
        params = [("clusterId", str(cluster)), ("tenantName", tenant_name)]
        params += [("status", status)] if status else []
        return [record for page in self.iter_pages("/tasks/instances", params) for record in page.records]

    def find_task_ids(
        self, cluster_id: int, tenant_name: str, *, status: str | None = "RUNNING", name_contains: str | None = None
    ) -> list[int]:
        """OCP task instance ids of a tenant (:meth:`list_task_instances`), newest (highest id) first: how a backup
        record without its task id is matched to its task [inferred: OCP's records do not link them].

        :param cluster_id: the cluster the task runs on (``clusterId``).
        :param tenant_name: the tenant's name (``tenantName``).
        :param status: OCP's task status filter (RUNNING, FAILED, SUCCESSFUL); None for any.
        :param name_contains: keep only tasks whose name contains this, case-insensitively (checked here too).
        """
        ids = {
            parse_id(record.get("id"))
            for record in self.list_task_instances(cluster_id, tenant_name, status=status)
            if isinstance(record, dict)
            and record.get("tenantName") in (None, tenant_name)
            and (name_contains is None or name_contains.casefold() in str(record.get("name", "")).casefold())
        }
        return sorted((i for i in ids if isinstance(i, int) and not isinstance(i, bool) and i > 0), reverse=True)

    def get_subtask_log(self, task_id: int, subtask_id: int) -> str:
        """A subtask's log text ("" when OCP has none).

        :param task_id: OCP's task instance id.
        :param subtask_id: the subtask's id.
        """
        task = validate_positive_id(task_id, "ocp_task_id")
        subtask = validate_positive_id(subtask_id, "subtask_id")
        data = self.get_envelope(f"/tasks/instances/{task}/subtasks/{subtask}/log").data
        log = data.get("log") if isinstance(data, dict) else data
        return log if isinstance(log, str) else ""
