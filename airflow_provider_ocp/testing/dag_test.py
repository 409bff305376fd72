"""Running a DAG defined inside a test with ``dag.test()``: register it in the metadata DB first.

``dag.test()`` looks the DAG up in the metadata database, where the DAG processor puts DAGs it parses from the DAGs
folder; a DAG built inside a test function was never parsed, so ``dag.test()`` fails with "dag is not serialized".
:func:`register_dag` serializes it there, as the DAG processor would. Airflow is imported only when it is called, so
the emulator itself still never imports Airflow.
"""

from __future__ import annotations

import inspect
from typing import Any


def register_dag(dag: Any) -> None:
    """Serialize ``dag`` into the metadata DB (which must be migrated), so that ``dag.test()`` can run it.

    It branches, in this one place, on what the running Airflow line offers rather than on version numbers: 3.1 on
    have ``LazyDeserializedDAG.from_dag`` and a ``parse_duration`` argument; 3.0 has neither, so the DAG is
    serialized here and, as 3.0's DagBag does for a DAG outside a bundle, its ``relative_fileloc`` set to its
    ``fileloc``.

    :param dag: an ``airflow.sdk.DAG`` built in the test.
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
