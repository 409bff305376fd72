"""An OCP REST API emulator for tests, demos and users' own DAG tests (no public OCP exists).

Start one from Python (``with OCPEmulator(clusters=2, tenants=3) as emu:``, then
``emu.airflow_connection_json()`` as ``AIRFLOW_CONN_OCP_DEFAULT``), from a shell (``python -m
airflow_provider_ocp.testing --port 8777``) or with the ``ocp_emulator`` pytest fixture. It needs only the standard
library and never imports Airflow; :func:`register_dag` imports it when called.

What it serves and how to drive it (data, clock, faults, restore drills) is README's "The OCP emulator"; the
reference is each module: :mod:`~airflow_provider_ocp.testing.emulator` (the constructor's options),
:mod:`~airflow_provider_ocp.testing.wire` (error codes), :mod:`~airflow_provider_ocp.testing.faults` (fault kinds),
:mod:`~airflow_provider_ocp.testing.drills` and :mod:`~airflow_provider_ocp.testing.drill_api` (drills).
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
    takes_duration = "parse_duration" in inspect.signature(update_dag_parsing_results_in_db).parameters
    extra: dict[str, Any] = {"parse_duration": None} if takes_duration else {}
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
