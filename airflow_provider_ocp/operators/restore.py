"""OCPRestoreTenantOperator: restore a tenant's backup into a new tenant, once, and wait for OCP's task."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow_provider_ocp.hooks.failures import failing_at_once
from airflow_provider_ocp.operators.submit import OCPSubmitOperator

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context

    from airflow_provider_ocp.restores.attach import FoundRestore
    from airflow_provider_ocp.restores.submissions import RestoreRequest


class OCPRestoreTenantOperator(OCPSubmitOperator):
    """Restore an OceanBase tenant's backup to a point in time, into a new tenant, and wait until OCP is done.

    Before anything is submitted, every parameter is checked (an error names it). Then, in this order:

    1. Names are resolved (cluster and tenant names through OCP's lists; an unknown name lists the known ones).
    2. OCP's restore records are read: a restore of the same request (backup tenant and restore point) into the same
       tenant name that is running, or that succeeded since this DAG run started (an earlier try), is attached to
       instead of starting a second one; a different restore running into that name fails the task, naming both
       (:mod:`~airflow_provider_ocp.restores.attach` states the rules).
    3. The restore point is checked against the backup tenant's recoverable windows: after the newest window's end
       fails, naming the window (log backup has not archived that far yet: wait for it first with
       ``OCPLogBackupDelaySensor(target_time=...)``); before the oldest window, in a gap, or with no window at all
       fails naming the windows.
    4. The restore is POSTed once. If its answer is lost, OCP's records are read again and the restore attached to
       if OCP started it; otherwise the task fails saying it may have started (a retry looks for it first).

    Then it waits for OCP's task, deferred by default; a failed task fails the Airflow task with the failing
    subtask's name and the tail of its log (an Airflow retry then starts a new restore). ``ocp_task_id`` and the
    "OCP task" link are in XCom as soon as the task id is known. The return value::

        {"ocp_task_id": 5000001, "status": "SUCCESSFUL", "restore_end_time": "2024-08-06T00:00:00Z",
         "restore_tenant_name": "drill_1", "restore_cluster_id": 1000001,
         "started_at": "2024-08-06T01:00:00Z", "finished_at": "2024-08-06T01:05:00Z",  # OCP's task times
         "url": "https://ocp.example.com:8080/task/5000001"}

    :param cluster_id: the backed-up cluster's id (templated); or give ``cluster_name``.
    :param cluster_name: the backed-up cluster's name as OCP shows it (templated).
    :param backup_tenant_id: the backed-up tenant's id (templated); or give ``backup_tenant_name``.
    :param backup_tenant_name: the backed-up tenant's name in that cluster (templated).
    :param restore_cluster_id: the cluster the new tenant is created in (templated); default the backed-up cluster.
    :param restore_cluster_name: that cluster's name, instead of ``restore_cluster_id`` (templated).
    :param restore_tenant_name: the new tenant's name (templated): a letter, then letters, digits or underscores.
    :param restore_end_time: the restore point (templated): an aware datetime or ISO-8601 text with an offset,
        typically the gate's checkpoint, ``{{ ti.xcom_pull('gate')['checkpoint'] }}``.
    :param zones: the new tenant's zone names (templated).
    :param unit_spec_name: the resource unit spec of each zone's pool, as OCP names it (templated).
    :param unit_count: units per zone.
    :param primary_zone: one of ``zones``, or None for OCP's default.
    :param ocp_conn_id: the Airflow connection of type ``ocp``.
    :param deferrable: wait in the triggerer (default) rather than on a worker.
    :param poll_interval: seconds between reads of OCP's task.
    :param kwargs: standard operator arguments.
    """

    template_fields: Sequence[str] = (
        "cluster_id",
        "cluster_name",
        "backup_tenant_id",
        "backup_tenant_name",
        "restore_cluster_id",
        "restore_cluster_name",
        "restore_tenant_name",
        "restore_end_time",
        "zones",
        "unit_spec_name",
    )

    def __init__(
        self,
        *,
        restore_tenant_name: str,
        restore_end_time: datetime | str,
        zones: Sequence[str] | str,
        unit_spec_name: str,
        cluster_id: int | str | None = None,
        cluster_name: str | None = None,
        backup_tenant_id: int | str | None = None,
        backup_tenant_name: str | None = None,
        restore_cluster_id: int | str | None = None,
        restore_cluster_name: str | None = None,
        unit_count: int = 1,
        primary_zone: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.cluster_id = cluster_id
        self.cluster_name = cluster_name
        self.backup_tenant_id = backup_tenant_id
        self.backup_tenant_name = backup_tenant_name
        self.restore_cluster_id = restore_cluster_id
        self.restore_cluster_name = restore_cluster_name
        self.restore_tenant_name = restore_tenant_name
        self.restore_end_time = restore_end_time
        self.zones = zones
        self.unit_spec_name = unit_spec_name
        self.unit_count = unit_count
        self.primary_zone = primary_zone
        self._restored: dict[str, Any] | None = None  # set when the restore is done: OpenLineage reports it

    @failing_at_once()
    def checked(self) -> tuple[Any, Any, Any, RestoreRequest]:
        """Every rendered parameter checked, before any request: the cluster choice, backup tenant choice, restore
        cluster choice (None: the backed-up cluster) and the restore with placeholder ids until names are resolved."""
        from airflow_provider_ocp.log_backup.clusters import cluster_choice
        from airflow_provider_ocp.restores.submissions import RestoreRequest
        from airflow_provider_ocp.restores.tenants import tenant_choice
        from airflow_provider_ocp.validation import rendered_or_none

        cluster = cluster_choice(rendered_or_none(self.cluster_id), rendered_or_none(self.cluster_name))
        tenant = tenant_choice(rendered_or_none(self.backup_tenant_id), rendered_or_none(self.backup_tenant_name))
        restore_id = rendered_or_none(self.restore_cluster_id)
        restore_name = rendered_or_none(self.restore_cluster_name)
        target = None if restore_id is None and restore_name is None else cluster_choice(restore_id, restore_name)
        self.checked_poll_interval()
        draft = RestoreRequest.check(
            1,  # placeholders: the ids are checked above and resolved in execute
            1,
            1,
            rendered_or_none(self.restore_tenant_name),
            rendered_or_none(self.restore_end_time),
            self.zones,
            rendered_or_none(self.unit_spec_name),
            self.unit_count,
            rendered_or_none(self.primary_zone),
        )
        return cluster, tenant, target, draft

    def execute(self, context: Context) -> Any:
        """Check, resolve, attach or submit once, then wait (see the class docstring)."""
        from dataclasses import replace

        from airflow_provider_ocp.client.timestamps import isoformat_utc
        from airflow_provider_ocp.restores.attach import since_of_run

        cluster_choice_, tenant_choice_, target_choice, draft = self.checked()
        hook = self.hook
        cluster = hook.cluster_id_of(cluster_choice_)
        tenant = (
            tenant_choice_
            if isinstance(tenant_choice_, int)
            else hook.resolve_tenant_id(cluster, tenant_name=tenant_choice_, what="backup_tenant")
        )
        target = cluster if target_choice is None else hook.cluster_id_of(target_choice)
        request = replace(draft, backup_cluster_id=cluster, backup_tenant_id=tenant, restore_cluster_id=target)
        since = since_of_run(context)
        found = self._existing(request, since)
        if found is None:
            self._check_window(request)
            task_id = self._submit(request, since)
        else:
            task_id = self._task_of(found, request)
        carry = {
            "restore_end_time": isoformat_utc(request.restore_end_time),
            "restore_tenant_name": request.tenant_name,
            "restore_cluster_id": request.restore_cluster_id,
            "backup_cluster_id": request.backup_cluster_id,  # for OpenLineage: what was restored from
            "backup_tenant_id": request.backup_tenant_id,
        }
        return self.wait(context, [task_id], carry)

    @failing_at_once()
    def _existing(self, request: RestoreRequest, since: datetime) -> FoundRestore | None:
        from airflow_provider_ocp.restores.attach import find_restore

        clusters = dict.fromkeys((request.backup_cluster_id, request.restore_cluster_id))  # from here, into there
        records = {
            id(r) if r.get("id") is None else r["id"]: r for c in clusters for r in self.hook.iter_restore_tasks(c)
        }
        return find_restore(records.values(), request, since)

    @failing_at_once()
    def _check_window(self, request: RestoreRequest) -> None:
        from airflow_provider_ocp.exceptions import OCPInputError
        from airflow_provider_ocp.restores.windows import restore_point_problem

        tenant = request.backup_tenant_id
        windows = self.hook.get_recoverable_windows(request.backup_cluster_id, tenant_id=tenant).get(tenant, [])
        problem = restore_point_problem(windows, request.restore_end_time, f"backup tenant {tenant}")
        if problem:
            raise OCPInputError(f"{problem}; nothing was submitted.")

    def _submit(self, request: RestoreRequest, since: datetime) -> int:
        """POST once; when the answer is lost, look for what OCP started before giving up."""
        from airflow_provider_ocp.exceptions import OCPAPIError

        self.log.info(
            "Restoring backup tenant %s of cluster %s to %s into tenant %r of cluster %s",
            request.backup_tenant_id,
            request.backup_cluster_id,
            request.restore_end_time,
            request.tenant_name,
            request.restore_cluster_id,
        )
        try:
            return self.hook.submit_restore(request)
        except OCPAPIError as error:
            found = self.found_after_lost_answer(
                error,
                lambda: self._existing(request, since),
                what=f"restore into tenant {request.tenant_name!r}",
                lookup_errors=(OCPAPIError,),
            )
            return self._task_of(found, request)

    @failing_at_once()
    def _task_of(self, found: FoundRestore, request: RestoreRequest) -> int:
        from airflow_provider_ocp.restores.attach_task import restore_task_of

        self.log.info("Attaching to OCP's restore record %s (%s), not starting another", found.record_id, found.status)
        if found.ocp_task_id is not None:
            return found.ocp_task_id
        cluster, name = request.restore_cluster_id, request.tenant_name
        return restore_task_of(found, self.hook.list_task_instances(cluster, name), cluster, name)

    def result(self, outcomes: list[dict[str, Any]], carry: dict[str, Any]) -> dict[str, Any]:
        """The XCom value of the class docstring."""
        (outcome,) = outcomes
        self._restored = carry
        return {
            "ocp_task_id": outcome["ocp_task_id"],
            "status": outcome["status"],
            "restore_end_time": carry.get("restore_end_time"),
            "restore_tenant_name": carry.get("restore_tenant_name"),
            "restore_cluster_id": carry.get("restore_cluster_id"),
            "started_at": outcome["started_at"],
            "finished_at": outcome["finished_at"],
            "url": carry.get("url"),
        }

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """OpenLineage: the backed-up tenant in, the restored tenant out (:func:`~airflow_provider_ocp.operators.
        lineage.restore_lineage`); None without OpenLineage.

        :param task_instance: the finished task instance (unused; the tenants come from this run's restore).
        """
        from airflow_provider_ocp.operators.lineage import restore_lineage

        return restore_lineage(self.hook.settings.base_url, self._restored)
