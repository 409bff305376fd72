"""OCPDataBackupOperator: back up a cluster or one tenant now (full or incremental), once, and wait for OCP."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_ocp.hooks.failures import failing_at_once
from airflow_provider_ocp.operators.submit import OCPSubmitOperator

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context


class OCPDataBackupOperator(OCPSubmitOperator):
    """Start a data backup now, of a whole cluster or one tenant, and wait until OCP's tasks are done.

    A data backup of the same cluster (and tenant) that OCP still runs (any status but DONE, FAILED or CANCELED) is
    attached to instead of starting another: OCP runs one data backup of a tenant at a time, and an Airflow retry
    after a lost answer must not start a second. The POST is sent once; if its answer is lost, the running backup is
    looked for again before the task fails (a retry looks for it first too). A failed OCP task fails the Airflow task
    with the failing subtask's name and the tail of its log. The return value::

        {"cluster_id": 1000001, "tenant_id": 2001001, "backup_type": "FULL", "attached": False,
         "ocp_task_ids": [5000001],
         "tasks": [{"ocp_task_id": 5000001, "status": "SUCCESSFUL",
                    "started_at": "2024-08-06T01:00:00Z", "finished_at": "2024-08-06T01:01:30Z"}],
         "url": "https://ocp.example.com:8080/task/5000001"}  # the first task's page

    :param cluster_id: the cluster's id (templated); or give ``cluster_name``.
    :param cluster_name: the cluster's name as OCP shows it (templated).
    :param tenant_id: back up only this tenant (templated); None with no ``tenant_name``: every tenant.
    :param tenant_name: the tenant's name in that cluster, instead of ``tenant_id`` (templated).
    :param backup_type: ``"FULL"`` or ``"INCREMENTAL"`` (templated).
    :param ocp_conn_id: the Airflow connection of type ``ocp``.
    :param deferrable: wait in the triggerer (default) rather than on a worker.
    :param poll_interval: seconds between reads of OCP's tasks.
    :param kwargs: standard operator arguments.
    """

    template_fields: Sequence[str] = ("cluster_id", "cluster_name", "tenant_id", "tenant_name", "backup_type")

    def __init__(
        self,
        *,
        cluster_id: int | str | None = None,
        cluster_name: str | None = None,
        tenant_id: int | str | None = None,
        tenant_name: str | None = None,
        backup_type: str = "FULL",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.cluster_id = cluster_id
        self.cluster_name = cluster_name
        self.tenant_id = tenant_id
        self.tenant_name = tenant_name
        self.backup_type = backup_type

    @failing_at_once()
    def checked(self) -> tuple[Any, Any, str]:
        """The cluster choice, the tenant choice (None: every tenant) and the backup type, checked before any
        request."""
        from airflow_provider_ocp.log_backup.clusters import cluster_choice
        from airflow_provider_ocp.restores.submissions import backup_now_request
        from airflow_provider_ocp.restores.tenants import tenant_choice
        from airflow_provider_ocp.validation import rendered_or_none

        cluster = cluster_choice(rendered_or_none(self.cluster_id), rendered_or_none(self.cluster_name))
        tenant_id, tenant_name = rendered_or_none(self.tenant_id), rendered_or_none(self.tenant_name)
        tenant = None if tenant_id is None and tenant_name is None else tenant_choice(tenant_id, tenant_name, "tenant")
        backup_now_request(1, None, self.backup_type)  # checks backup_type (the ids are resolved later)
        self.checked_poll_interval()
        return cluster, tenant, str(self.backup_type).strip().upper()

    def execute(self, context: Context) -> Any:
        """Check, resolve, attach to a running backup or start one, then wait."""
        cluster_choice_, tenant_choice_, backup_type = self.checked()
        cluster = self.hook.cluster_id_of(cluster_choice_)
        tenant = (
            tenant_choice_
            if tenant_choice_ is None or isinstance(tenant_choice_, int)
            else self.hook.resolve_tenant_id(cluster, tenant_name=tenant_choice_)
        )
        task_ids = self._running(cluster, tenant)
        attached = bool(task_ids)
        if not task_ids:
            task_ids = self._start(cluster, tenant, backup_type)
        carry = {"cluster_id": cluster, "tenant_id": tenant, "backup_type": backup_type, "attached": attached}
        return self.wait(context, task_ids, carry)

    @failing_at_once()
    def _running(self, cluster: int, tenant: int | None) -> list[int]:
        """The OCP task ids of the data backups still running there ([] when none)."""
        from airflow_provider_ocp.exceptions import OCPAPIError
        from airflow_provider_ocp.restores.attach import running_backups

        running = running_backups(self.hook.iter_data_backup_tasks(cluster, tenant_id=tenant), tenant)
        ids: set[int] = set()
        for record in running:
            name = record.get("tenantName")
            found = self.hook.find_task_ids(cluster, name, name_contains="backup") if isinstance(name, str) else []
            if not found:
                raise OCPAPIError(
                    f"A data backup is already running in cluster {cluster} (task {record.get('taskId')!r}, tenant "
                    f"{name!r}, status {record.get('status')!r}) but OCP's task list shows no running backup task for "
                    "it; wait for it to end (OCP's Task Center) before starting another."
                )
            ids.add(found[0])
        if ids:
            self.log.info("Attaching to the data backup(s) OCP already runs: OCP tasks %s", sorted(ids))
        return sorted(ids)

    def _start(self, cluster: int, tenant: int | None, backup_type: str) -> list[int]:
        """POST once; when the answer is lost, look for the backup OCP started before giving up."""
        from airflow_provider_ocp.exceptions import OCPAPIError, OCPRequestRejectedError
        from airflow_provider_ocp.restores.errors import OCPSubmissionUnknownError

        what = f"tenant {tenant}" if tenant is not None else "every tenant"
        self.log.info("Starting a %s data backup of %s in cluster %s", backup_type, what, cluster)
        try:
            return self.hook.start_data_backup(cluster, tenant_id=tenant, backup_type=backup_type)  # type: ignore[arg-type]
        except OCPRequestRejectedError:
            raise
        except OCPAPIError as error:
            if error.unsent:
                raise
            self.log.warning("The back-up-now POST's answer was lost (%s); looking for the backup in OCP", error)
            found = self._running(cluster, tenant)
            if not found:
                raise OCPSubmissionUnknownError(
                    f"The data backup of {what} in cluster {cluster} may have started, but its answer was lost "
                    f"({error}) and OCP lists no running backup yet. A retry looks for it first."
                ) from error
            return found

    def result(self, outcomes: list[dict[str, Any]], carry: dict[str, Any]) -> dict[str, Any]:
        """The XCom value of the class docstring."""
        keep = ("ocp_task_id", "status", "started_at", "finished_at")
        return {
            "cluster_id": carry.get("cluster_id"),
            "tenant_id": carry.get("tenant_id"),
            "backup_type": carry.get("backup_type"),
            "attached": carry.get("attached"),
            "ocp_task_ids": [outcome["ocp_task_id"] for outcome in outcomes],
            "tasks": [{key: outcome[key] for key in keep} for outcome in outcomes],
            "url": carry.get("url"),
        }
