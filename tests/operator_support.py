"""Helpers for the operator tests: a deterministic emulator, DAG registration and ``dag.test()`` results."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from airflow.sdk import DAG
from dag_support import register_dag
from task_oracle import created_within, json_record

from airflow_provider_ocp.operators.log_backup import OCPLogBackupTasksOperator
from airflow_provider_ocp.testing import OCPEmulator

DAY_START = datetime(2024, 8, 6, tzinfo=timezone.utc)
"""The data interval most tests extract: [DAY_START, DAY_END)."""
DAY_END = DAY_START + timedelta(days=1)
TASK_INTERVAL = timedelta(minutes=30)
"""Tasks are created every 30 minutes, so one lands exactly on each day boundary."""
TASK_ID = "extract"


@contextmanager
def deterministic_emulator(**overrides: Any) -> Iterator[OCPEmulator]:
    """An emulator with 60 tasks (2 tenants), the newest created exactly at DAY_END, and a frozen clock.

    The window [DAY_START, DAY_END) holds 48 of them; OCP's inclusive filter also returns the one at DAY_END.
    Freezing the clock keeps the current tasks' delay and checkpoint fixed, so reruns see identical data.

    :param overrides: more OCPEmulator arguments.
    """
    kwargs: dict[str, Any] = {
        "tenants": 2,
        "tasks_per_tenant": 30,
        "task_interval": TASK_INTERVAL,
        "history_end": DAY_END,
        **overrides,
    }
    with OCPEmulator(**kwargs) as emu:
        emu.clock.freeze()
        yield emu


def use_emulator(monkeypatch: pytest.MonkeyPatch, emu: OCPEmulator, conn_id: str = "ocp_default", **extra: Any) -> None:
    """Point an Airflow connection at the emulator, with fast retries so failure tests stay quick.

    :param monkeypatch: pytest's monkeypatch.
    :param emu: the running emulator.
    :param conn_id: the connection id.
    :param extra: more connection extras (e.g. ``concurrency=1`` for a strictly sequential page walk).
    """
    conn = emu.airflow_connection_json(max_retries=1, retry_backoff=0.01, retry_max_wait=0.05, **extra)
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", conn)


def expected_records(emu: OCPEmulator, start: datetime = DAY_START, end: datetime = DAY_END) -> list[dict[str, Any]]:
    """What an extraction of [start, end) must return: the emulator's records as :mod:`task_oracle` reads them,
    half-open.

    :param emu: the emulator.
    :param start: window start.
    :param end: window end (exclusive).
    """
    raw = emu.expected_tasks(emu.cluster_ids[0], start, end)
    return [json_record(task) for task in raw if created_within(task, start, end)]


@dataclass
class RunResult:
    """What a dag.test() run of the extraction task produced.

    :param state: the task instance's final state.
    :param value: the task's return value from XCom (None if it failed).
    :param run: the DagRun.
    """

    state: str | None
    value: Any
    run: Any


DAILY_INTERVALS = "daily cron with real data intervals"
"""extraction_dag's default schedule: ``CronDataIntervalTimetable("@daily")``."""


def extraction_dag(dag_id: str, schedule: Any = DAILY_INTERVALS, **operator_kwargs: Any) -> DAG:
    """A one-task DAG around the operator.

    :param dag_id: a DAG id unique to the test.
    :param schedule: the DAG's schedule; by default a daily cron timetable with real one-day data intervals
        (a manual ``dag.test(logical_date=DAY_END)`` then covers [DAY_START, DAY_END)); None for no schedule.
    :param operator_kwargs: OCPLogBackupTasksOperator arguments.
    """
    from airflow.timetables.interval import CronDataIntervalTimetable

    with DAG(
        dag_id,
        schedule=CronDataIntervalTimetable("@daily", timezone="UTC") if schedule == DAILY_INTERVALS else schedule,
        start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
        catchup=False,
        default_args={"retries": 0},
    ) as dag:
        OCPLogBackupTasksOperator(task_id=TASK_ID, **operator_kwargs)
    return dag


def run_dag(dag: DAG, **test_kwargs: Any) -> RunResult:
    """Register the DAG and run it with dag.test(); return the task's state and XCom.

    :param dag: the DAG.
    :param test_kwargs: dag.test() arguments (``logical_date``, ``run_after``...).
    """
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    register_dag(dag)
    run = dag.test(**test_kwargs)
    with create_session() as session:
        ti = run.get_task_instance(TASK_ID, session=session)
        state = None if ti is None else str(ti.state)
        rows = session.scalars(
            XComModel.get_many(run_id=run.run_id, dag_ids=dag.dag_id, task_ids=TASK_ID, key="return_value")
        ).all()
        value = XComModel.deserialize_value(rows[0]) if rows else None
    return RunResult(state, value, run)


def rendered_output_path(run: Any, task_id: str = TASK_ID, map_index: int = -1) -> Any:
    """The ``output_path`` Airflow stored for the UI's "Rendered Template" view of one task instance.

    :param run: the DagRun.
    :param task_id: the task.
    :param map_index: the mapped instance, or -1.
    """
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.utils.session import create_session

    with create_session() as session:
        ti = run.get_task_instance(task_id, session=session, map_index=map_index)
        fields = RenderedTaskInstanceFields.get_templated_fields(ti, session=session)
    assert fields is not None
    return fields["output_path"]


def read_jsonl(path: str) -> list[dict[str, Any]]:
    """The records of a JSON lines file.

    :param path: a local path.
    """
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]
