"""An OCP REST API emulator for tests, demos and users' own DAG tests (no public OCP exists).

Start one from Python (``with OCPEmulator(clusters=2, tenants=3) as emu:``, then
``emu.airflow_connection_json()`` as ``AIRFLOW_CONN_OCP_DEFAULT``), from a shell (``python -m
airflow_provider_ocp.testing --port 8777``) or with the ``ocp_emulator`` pytest fixture. It needs only the standard
library and never imports Airflow; :func:`register_dag` imports it when called.

It serves ``GET /api/v2/ob/clusters`` and ``/api/v2/ob/clusters/{id}[/tenants/{tenantId}]/backup/task/logBackupTasks``
(after an optional path prefix) as OCP does: its envelope, 1-based pages, ``size`` clamped to 2000, the inclusive
``startTime``/``endTime`` filter on ``createTime``, both authentication modes and OCP's error codes (see
:mod:`~airflow_provider_ocp.testing.wire`). The clock is frozen unless a test moves it (see :class:`OCPEmulator`);
faults: :mod:`airflow_provider_ocp.testing.faults` (they apply to POSTs too).

Restore drills (:mod:`~airflow_provider_ocp.testing.drill_api`, error codes there): ``GET .../clusters/{id}/tenants``,
``.../backup/info`` (recoverable windows), ``.../backup/overview``, ``.../backup/task/dataBackupTasks`` and
``restoreTasks`` (cluster and tenant variants, paged and windowed as ``logBackupTasks``), ``POST .../backupNow``
(cluster or tenant) and ``.../backup/restore``, ``GET /tasks/instances[/{id}[/subtasks/{sid}/log]]``. POST bodies may
be signed with their MD5 hex in either case; a ``Content-MD5`` header must match the body. Progress follows the
server clock (nothing moves while it is frozen). The emulator's drill methods and attributes:

- ``subtask_seconds``: emulated seconds per subtask by kind, ``{"restore": 60.0, "backup": 30.0}`` (5 restore
  subtasks, 3 backup ones); set small values with ``frozen_clock=False`` for real runs.
- ``omitted_restore_fields``: restore record fields left out, as OCP leaves out null ones (``{"ocpJobId"}``).
- ``start_tenant_task(cluster_id, tenant_name, name)``: an OCP task on a tenant that is neither a restore nor a
  backup (type MODIFY_TENANT), as other work OCP runs beside a drill.
- ``recoverable_interval_key``: ``"realRecoverableTimeInterval"`` (default) or ``"logRecoverableTimeInterval"``.
- ``fail_next_task(kind, *, at_subtask=None, log=...)``: the next ``"restore"``/``"backup"`` task fails at that
  subtask (name or index; None: the last) with ``log``; its record turns RESTORE_FAIL / FAILED with ``errorMsg``.
- ``set_recoverable_windows(cluster_id, tenant_id, windows)``: explicit RECOVERABLE ``(start, end)`` windows (``[]``:
  none; None: derived again: [earliest finished FULL backup's end, the log backup checkpoint]).
- ``remove_data_backups(cluster_id, tenant_id=None)``: forget finished data backups (each tenant starts with one
  FULL backup), so a tenant has no window until a new FULL backup finishes.
- ``backup_now(cluster_id, tenant_id, full)`` and ``start_restore(...)``: what the POSTs do, from Python.
- ``recoverable_windows(cluster_id, tenant_id)``, ``task_instance(id)``, ``task_instances()``, ``backups``,
  ``restores``: the state, for assertions.
"""

from __future__ import annotations

import inspect
from typing import Any

from airflow_provider_ocp.testing.auth import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    Authenticator,
)
from airflow_provider_ocp.testing.clock import DelayProfile, ServerClock
from airflow_provider_ocp.testing.data import UnknownClusterError, UnknownTenantError
from airflow_provider_ocp.testing.emulator import OCPEmulator
from airflow_provider_ocp.testing.faults import FAULT_KINDS, Fault, FaultKind, FaultSet
from airflow_provider_ocp.testing.records import RenderOptions
from airflow_provider_ocp.testing.specs import ClusterSpec, TenantSpec
from airflow_provider_ocp.testing.wire import RecordedRequest

__all__ = [
    "DEFAULT_ACCESS_KEY_ID",
    "DEFAULT_ACCESS_KEY_SECRET",
    "DEFAULT_PASSWORD",
    "DEFAULT_USERNAME",
    "FAULT_KINDS",
    "Authenticator",
    "ClusterSpec",
    "DelayProfile",
    "Fault",
    "FaultKind",
    "FaultSet",
    "OCPEmulator",
    "RecordedRequest",
    "RenderOptions",
    "ServerClock",
    "TenantSpec",
    "UnknownClusterError",
    "UnknownTenantError",
    "register_dag",
]


def register_dag(dag: Any) -> None:
    """Serialize ``dag`` (an ``airflow.sdk.DAG``) into the migrated metadata DB, so that ``dag.test()`` can run it.

    Airflow 3.1 on have ``LazyDeserializedDAG.from_dag`` and a ``parse_duration`` argument; 3.0 has neither, so the
    DAG is serialized here with, as 3.0's DagBag does outside a bundle, ``relative_fileloc`` set to ``fileloc``.
    """
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.collection import update_dag_parsing_results_in_db
    from airflow.serialization.serialized_objects import LazyDeserializedDAG
    from airflow.utils.session import create_session

    if hasattr(LazyDeserializedDAG, "from_dag"):
        lazy = LazyDeserializedDAG.from_dag(dag)
    else:
        from airflow.serialization.serialized_objects import SerializedDAG

        data = SerializedDAG.to_dict(dag)  # type: ignore[attr-defined]  # 3.0 only; gone in later lines
        data["dag"].setdefault("relative_fileloc", data["dag"]["fileloc"])
        lazy = LazyDeserializedDAG(data=data)
    extra: dict[str, Any] = {}
    if "parse_duration" in inspect.signature(update_dag_parsing_results_in_db).parameters:
        extra["parse_duration"] = None
    with create_session() as session:
        DagBundlesManager().sync_bundles_to_db(session=session)
        session.flush()
        update_dag_parsing_results_in_db(
            bundle_name="dags-folder",
            bundle_version=None,
            dags=[lazy],
            import_errors={},
            warnings=set(),
            session=session,
            **extra,
        )
