"""Running DAGs defined inside tests under ``dag.test()``."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from airflow.sdk import DAG


def register_dag(dag: DAG) -> None:
    """Serialize a DAG defined in a test into the metadata DB, as the DAG processor would; ``dag.test()`` needs it.

    The one place that knows how the DAG processor's entry point differs across Airflow lines, going by what exists,
    not by version numbers: 3.1 on have ``LazyDeserializedDAG.from_dag`` and a ``parse_duration`` argument; 3.0 has
    neither, so this serializes the DAG itself and, as 3.0's DagBag does for a DAG outside a bundle, sets its
    ``relative_fileloc`` to its ``fileloc``.

    :param dag: the DAG.
    """
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.collection import update_dag_parsing_results_in_db
    from airflow.serialization.serialized_objects import LazyDeserializedDAG
    from airflow.utils.session import create_session

    if hasattr(LazyDeserializedDAG, "from_dag"):
        lazy = LazyDeserializedDAG.from_dag(dag)
    else:
        from airflow.serialization.serialized_objects import SerializedDAG

        data = SerializedDAG.to_dict(dag)
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


def validate_reschedule_start_date(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``dag.test()`` hand a rescheduled sensor its first reschedule date as a datetime, on every Airflow line.

    ``dag.test()`` runs tasks against an in-process API client. Airflow 3.0's builds the answer with
    ``TaskRescheduleStartDate.model_construct`` (no validation), so the date stays text and a sensor's second
    reschedule fails subtracting it from a datetime; a real worker gets it validated on the way from its supervisor.
    This validates the answer here too, which changes nothing where it is already a datetime.

    :param monkeypatch: pytest's monkeypatch.
    """
    from airflow.sdk.api.client import TaskInstanceOperations

    original = TaskInstanceOperations.get_reschedule_start_date

    def validated(self: TaskInstanceOperations, *args: Any, **kwargs: Any) -> Any:
        answer = original(self, *args, **kwargs)
        return type(answer).model_validate(answer.model_dump())

    monkeypatch.setattr(TaskInstanceOperations, "get_reschedule_start_date", validated)
