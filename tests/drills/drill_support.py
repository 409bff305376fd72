"""Running the restore drill's operators and sensor under ``dag.test()`` against the OCP emulator.

Emulator defaults (written by hand from its docstrings): clusters cluster_1 (1000001) and cluster_2 (1000002), each
with tenant_1 (2001001 / 2002001) and tenant_2; history ends 2024-08-06T12:00Z and the clock is frozen at 12:30Z,
where tenant_1's recoverable window is [05:00Z, 12:29:30Z]. A restore runs 5 subtasks of 60 emulated seconds, a
backup 3 of 30 s; :func:`advance_per_task_read` moves the frozen clock on each task read, so what each poll sees
depends only on how many polls came before.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from airflow.sdk import DAG
from dag_support import register_dag

from airflow_provider_ocp.testing import OCPEmulator

NOW = datetime(2024, 8, 6, 12, 30, tzinfo=timezone.utc)
C1, C2 = 1000001, 1000002
T1, T2 = 2001001, 2001002
TASK = "drill"


def task_reads(emu: OCPEmulator) -> list[Any]:
    return [r for r in emu.requests if re.search(r"/tasks/instances/\d+$", r.path)]


def posts(emu: OCPEmulator, path_part: str = "") -> list[Any]:
    return [r for r in emu.requests if r.method == "POST" and path_part in r.path]


@contextmanager
def advance_per_task_read(emu: OCPEmulator, step: float = 60.0) -> Iterator[None]:
    """Move the frozen clock ``step`` emulated seconds after each ``GET /tasks/instances/{id}`` answered."""
    stop = threading.Event()

    def drive() -> None:
        counted = 0
        while not stop.wait(0.005):
            answered = len(task_reads(emu))
            for _ in range(answered - counted):
                emu.clock.advance(step)
            counted = answered

    thread = threading.Thread(target=drive, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)


@dataclass
class Outcome:
    state: str | None
    value: Any
    xcom: dict[str, Any]
    log: str

    @property
    def flat(self) -> str:
        return " ".join(self.log.split())


def run_task(
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    make: Callable[..., Any],
    *,
    retries: int = 0,
    **kwargs: Any,
) -> Outcome:
    """Run a one-task DAG (``make(task_id=TASK, **kwargs)``) with dag.test(); its state, XComs and log."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    caplog.set_level("INFO")
    dag_id = re.sub(r"[^A-Za-z0-9_]", "_", request.node.name)[:200]
    with DAG(
        dag_id,
        schedule=None,
        start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
        default_args={"retries": retries, "retry_delay": timedelta(0)},
    ) as dag:
        make(task_id=TASK, **kwargs)
    register_dag(dag)
    capsys.readouterr()
    caplog.clear()
    run = dag.test()
    with create_session() as session:
        ti = run.get_task_instance(TASK, session=session)
        rows = session.scalars(XComModel.get_many(run_id=run.run_id, dag_ids=dag_id, task_ids=TASK)).all()
        xcom = {row.key: XComModel.deserialize_value(row) for row in rows}
        state = None if ti is None or ti.state is None else str(getattr(ti.state, "value", ti.state))
    captured = capsys.readouterr()
    return Outcome(state, xcom.get("return_value"), xcom, captured.out + captured.err + caplog.text)


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[OCPEmulator]:
    """Two clusters, the clock frozen at NOW, the default connection pointing at it (one retry, fast)."""
    with OCPEmulator(clusters=2, history_end=datetime(2024, 8, 6, 12, 0, tzinfo=timezone.utc)) as emulator:
        emulator.clock.freeze(NOW)
        conn = emulator.airflow_connection_json(max_retries=1, retry_backoff=0.01, retry_max_wait=0.05)
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", conn)
        yield emulator


Runner = Callable[..., Outcome]


@pytest.fixture
def runner(
    request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> Runner:
    """``runner(OperatorClass, retries=0, **kwargs)``: :func:`run_task` for this test."""

    def run(make: Callable[..., Any], *, retries: int = 0, **kwargs: Any) -> Outcome:
        return run_task(request, capsys, caplog, make, retries=retries, **kwargs)

    return run
