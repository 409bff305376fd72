"""OCPDataBackupOperator: back up a cluster or one tenant now (full or incremental), once, and wait for OCP."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow_provider_ocp.hooks.failures import failing_at_once
from airflow_provider_ocp.operators.submit import OCPSubmitOperator

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Context


class OCPDataBackupOperator(OCPSubmitOperator):
    """Start a data backup now, of a whole cluster or one tenant, and wait until OCP's tasks are done.

    Before anything is POSTed, OCP's data backup records are read and the rules of
    :mod:`~airflow_provider_ocp.restores.backup_attach` applied. In short: OCP's back-up-now starts one data backup per
    tenant (of the tenant, or of every tenant of the cluster), so this task attaches, instead of POSTing, only to
    backups of the same type running on every tenant it would back up (a tenant's own backup is not a cluster's). On
    an Airflow retry (``try_number`` > 1) a successful backup of the same request started since the DAG run began
    (less 15 minutes of clock skew, as :class:`~airflow_provider_ocp.operators.restore.OCPRestoreTenantOperator` does)
    counts too: it is re-attached to and reported, not started again; a failed one is not (a retry starts a new
    backup, which is what a retry is for). Clearing the task after success reports that backup again: start a new DAG
    run to back up again.

    A running backup on one of those tenants that is not this request (another type or scope) fails the task before
    any POST, with :class:`~airflow_provider_ocp.restores.errors.BackupConflict` naming it, rather than waiting for it:
    OCP runs one data backup of a tenant at a time and refuses a second (for a cluster backup it would still start the
    idle tenants, half a request), and how long the other one runs is unknown; a worker would be held meanwhile. The
    conflict is not final: Airflow's ``retries`` / ``retry_delay`` are the wait, under the DAG's control.

    The POST is sent once; if its answer is lost, the backup is looked for again before the task fails (a retry
    looks for it first too). A failed OCP task fails the Airflow task with the failing subtask's name and the tail of
    its log. ``attached`` is True when no POST was sent. The return value::

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
        """Check, resolve, attach to the same backup or start one, then wait (see the class docstring)."""
        from airflow_provider_ocp.restores.attach import since_of_run

        cluster_choice_, tenant_choice_, backup_type = self.checked()
        cluster = self.hook.cluster_id_of(cluster_choice_)
        tenant = (
            tenant_choice_
            if tenant_choice_ is None or isinstance(tenant_choice_, int)
            else self.hook.resolve_tenant_id(cluster, tenant_name=tenant_choice_)
        )
        try_number = getattr(context.get("ti"), "try_number", None)
        since = since_of_run(context) if isinstance(try_number, int) and try_number > 1 else None
        task_ids = self._existing(cluster, tenant, backup_type, since)
        attached = bool(task_ids)
        if not task_ids:
            task_ids = self._start(cluster, tenant, backup_type, since)
        carry = {"cluster_id": cluster, "tenant_id": tenant, "backup_type": backup_type, "attached": attached}
        return self.wait(context, task_ids, carry)

    @failing_at_once()
    def _existing(self, cluster: int, tenant: int | None, backup_type: str, since: datetime | None) -> list[int]:
        """The OCP task ids of this request's backups ([] when it is to be started), per
        :mod:`~airflow_provider_ocp.restores.backup_attach`; BackupConflict when another backup runs there."""
        from airflow_provider_ocp.exceptions import OCPAPIError
        from airflow_provider_ocp.restores.backup_attach import backup_scope, find_backups

        records = list(self.hook.iter_data_backup_tasks(cluster, tenant_id=tenant))
        scope = backup_scope(records, tenant, [] if tenant is not None else self.hook.list_tenants(cluster))
        ids: list[int] = []
        for backup in find_backups(records, scope, backup_type, since):
            status = "RUNNING" if backup.running else "SUCCESSFUL"
            name = backup.tenant_name
            found = self.hook.find_task_ids(cluster, name, status=status, name_contains="backup") if name else []
            if not found:
                raise OCPAPIError(
                    f"OCP's data backup task {backup.task_id!r} of tenant {name!r} in cluster {cluster} is this "
                    f"backup, but OCP's task list shows no {status} backup task for that tenant: follow it in OCP's "
                    "Task Center."
                )
            ids.append(found[0])
        if ids:
            self.log.info("Attaching to the data backup(s) OCP runs or ran for this request: OCP tasks %s", ids)
        return ids

    def _start(self, cluster: int, tenant: int | None, backup_type: str, since: datetime | None) -> list[int]:
        """POST once; when the answer is lost, look for the backup OCP started before giving up."""
        from airflow_provider_ocp.exceptions import OCPAPIError
        from airflow_provider_ocp.restores.errors import BackupConflict

        what = f"tenant {tenant}" if tenant is not None else "every tenant"
        self.log.info("Starting a %s data backup of %s in cluster %s", backup_type, what, cluster)
        try:
            return self.hook.start_data_backup(cluster, tenant_id=tenant, backup_type=backup_type)  # type: ignore[arg-type]
        except OCPAPIError as error:
            return self.found_after_lost_answer(
                error,
                lambda: self._existing(cluster, tenant, backup_type, since),
                what=f"data backup of {what} in cluster {cluster}",
                lookup_errors=(OCPAPIError, BackupConflict),
            )

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
