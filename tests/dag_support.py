"""Running DAGs defined inside tests under ``dag.test()``."""

from __future__ import annotations

from airflow.sdk import DAG


def register_dag(dag: DAG) -> None:
    """Serialize a DAG defined in a test into the metadata DB, as the DAG processor would; ``dag.test()`` needs it.

    :param dag: the DAG.
    """
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.collection import update_dag_parsing_results_in_db
    from airflow.serialization.serialized_objects import LazyDeserializedDAG
    from airflow.utils.session import create_session

    with create_session() as session:
        DagBundlesManager().sync_bundles_to_db(session=session)
        session.flush()
        update_dag_parsing_results_in_db(
            "dags-folder", None, [LazyDeserializedDAG.from_dag(dag)], {}, None, set(), session=session
        )
