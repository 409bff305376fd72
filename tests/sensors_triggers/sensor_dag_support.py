"""Running OCPLogBackupDelaySensor under ``dag.test()`` against the OCP emulator: one-sensor DAGs, captured logs, and
an emulator clock driven by the queries (tests/sensors_triggers/test_sensor_dag*.py; their fixtures are in conftest.py).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pytest
from airflow.sdk import DAG
from dag_support import register_dag

from airflow_provider_ocp.sensors.log_backup import OCPLogBackupDelaySensor
from airflow_provider_ocp.testing import DelayProfile, OCPEmulator

GATE = "gate"
MAX_DELAY = 20
FALLING = DelayProfile.linear(60, 0, 4)  # crosses MAX_DELAY 2.67 s after it starts


def task_queries(emulator: OCPEmulator) -> list[Any]:
    return [request for request in emulator.requests if "logBackupTasks" in request.path]


def on_first_query(emulator: OCPEmulator, action: Callable[[], None]) -> threading.Thread:
    """Run ``action`` once the emulator has answered its first log backup task query (the first poke)."""

    def watch() -> None:
        deadline = time.monotonic() + 60
        while not task_queries(emulator) and time.monotonic() < deadline:
            time.sleep(0.02)
        action()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


@contextmanager
def advance_per_query(
    emulator: OCPEmulator, step: float, on_first: Callable[[], None] = lambda: None
) -> Iterator[list[datetime]]:
    """Freeze the emulator's clock; after the first query, call ``on_first``, then move the clock ``step`` s per query.

    What each poke sees then depends only on how many queries came before it, never on how fast Airflow pokes,
    reschedules or defers (it differs across Airflow lines), nor on the real clock: a query arriving before the clock
    moved sees the same state again, so it can only add checks, never skip one. Yields the server time at which the
    first query was answered.

    :param emulator: the emulator.
    :param step: server seconds added for each query answered after the first.
    :param on_first: what changes once the first query (the first poke) has been answered.
    """
    emulator.clock.freeze()
    first_answered: list[datetime] = []
    stop = threading.Event()

    def drive() -> None:
        counted = 0
        while not stop.wait(0.005):
            answered = len(task_queries(emulator))
            if answered and not first_answered:
                first_answered.append(emulator.clock.now())
                on_first()
                counted = answered
            for _ in range(answered - counted):
                emulator.clock.advance(step)
            counted = max(counted, answered)

    thread = threading.Thread(target=drive, daemon=True)
    thread.start()
    try:
        yield first_answered
    finally:
        stop.set()
        thread.join(5)


def fall_one_step_per_query(emulator: OCPEmulator, cluster: int, step: float) -> Any:
    """:func:`advance_per_query`, with ``cluster``'s current tasks starting FALLING after the first query.

    :param emulator: the emulator.
    :param cluster: the cluster whose current tasks fall.
    :param step: server seconds added for each query answered after the first.
    """
    return advance_per_query(emulator, step, lambda: emulator.set_current_task(cluster, delay=FALLING))


@dataclass
class Capture:
    out: pytest.CaptureFixture[str]
    logs: pytest.LogCaptureFixture

    def reset(self) -> None:
        self.out.readouterr()
        self.logs.clear()

    def channels(self) -> tuple[str, str]:
        """What the run printed (stdout and stderr) and what it logged through stdlib logging."""
        captured = self.out.readouterr()
        return captured.out + captured.err, self.logs.text


@dataclass
class Outcome:
    state: str | None
    value: Any
    seconds: float
    printed: str
    logged: str

    @property
    def log(self) -> str:
        """Everything the run printed and logged."""
        return self.printed + self.logged

    @property
    def flat(self) -> str:
        """:attr:`log` with each run of whitespace one space: 3.0 prints tracebacks wrapped (rich)."""
        return " ".join(self.log.split())

    def count(self, text: str) -> int:
        """How many times ``text`` shows, a line counted once where Airflow (3.0) both prints and logs it."""
        return max(self.printed.count(text), self.logged.count(text))


def run_gate(
    request: pytest.FixtureRequest, capture: Capture, params: dict[str, Any] | None = None, **kwargs: Any
) -> Outcome:
    """Run a one-sensor DAG with dag.test(); return the sensor's state, XCom, wall time and captured log."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    dag_id = re.sub(r"[^A-Za-z0-9_]", "_", request.node.name)[:200]
    kwargs.setdefault("poke_interval", 0.1)  # real seconds between pokes; what they see moves with the emulator clock
    kwargs.setdefault("timeout", 30)
    with DAG(
        dag_id,
        schedule=None,
        start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
        default_args={"retries": 0},
        params=params or {},
    ) as dag:
        OCPLogBackupDelaySensor(task_id=GATE, **kwargs)
    register_dag(dag)
    capture.reset()
    started = time.monotonic()
    run = dag.test()
    seconds = time.monotonic() - started
    with create_session() as session:
        ti = run.get_task_instance(GATE, session=session)
        rows = session.scalars(
            XComModel.get_many(run_id=run.run_id, dag_ids=dag_id, task_ids=GATE, key="return_value")
        ).all()
        value = XComModel.deserialize_value(rows[0]) if rows else None
        state = None if ti is None or ti.state is None else str(getattr(ti.state, "value", ti.state))
    return Outcome(state, value, seconds, *capture.channels())


def run_deferred(request: pytest.FixtureRequest, capture: Capture, cluster: int, **options: Any) -> Outcome:
    """:func:`run_gate` in deferrable mode on ``cluster`` with :data:`MAX_DELAY`; ``options`` go to the sensor."""
    return run_gate(request, capture, cluster_id=cluster, max_delay=MAX_DELAY, deferrable=True, **options)
