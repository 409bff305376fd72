"""The restore-gate example DAG, parsed from example_dags/ and run with dag.test() against the emulator."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from dag_support import register_dag

from airflow_provider_ocp.testing import OCPEmulator

EXAMPLE = Path(__file__).resolve().parents[2] / "example_dags" / "example_ocp_restore_gate.py"


def load_example_dag() -> Any:
    spec = importlib.util.spec_from_file_location("example_ocp_restore_gate", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.example_ocp_restore_gate()


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[OCPEmulator]:
    with OCPEmulator(tenants=2, tasks_per_tenant=2, delay=1.0) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emulator.airflow_connection_json(max_retries=0))
        yield emulator


def test_example_parses_without_touching_ocp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_OCP_DEFAULT", raising=False)
    dag = load_example_dag()
    assert set(dag.task_ids) == {"wait_for_log_backup", "restore"}
    assert dag.get_task("wait_for_log_backup").deferrable is True


def test_example_restores_to_the_gates_checkpoint(
    airflow_db: None, emu: OCPEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    dag = load_example_dag()
    dag.get_task("wait_for_log_backup").poke_interval = 0.5
    register_dag(dag)  # as the DAG processor would have: dag.test() on 3.0-3.2 runs only DAGs in the metadata DB
    # tenant_2 failed, but the example selects tenant_1 only
    emu.set_current_task(emu.cluster_ids[0], emu.tenant_ids(emu.cluster_ids[0])[1], status="FAILED")
    # The gate waits for a checkpoint at or after the run's trigger time (Airflow's clock): OCP's frozen clock is set
    # 5 minutes ahead (within AccessKey's 15-minute Date skew), so the first poll's checkpoint (now - 1 s) is past it.
    ocp_now = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(minutes=5)
    emu.clock.freeze(ocp_now)
    run = dag.test(run_conf={"cluster_id": emu.cluster_ids[0], "max_delay_seconds": 20})
    out = capsys.readouterr().out
    with create_session() as session:
        states = {ti.task_id: str(ti.state) for ti in run.get_task_instances(session=session)}
        rows = session.scalars(
            XComModel.get_many(run_id=run.run_id, dag_ids=dag.dag_id, task_ids="restore", key="return_value")
        ).all()
        restore_point = XComModel.deserialize_value(rows[0]) if rows else None
    assert states == {"wait_for_log_backup": "success", "restore": "success"}, out[-3000:]
    # The restore point is the checkpoint OCP reported (its clock minus the 1 s delay), at or after the moment the
    # run was triggered (the example's default target).
    assert datetime.fromisoformat(restore_point.replace("Z", "+00:00")) == ocp_now - timedelta(seconds=1)
    assert ocp_now - timedelta(seconds=1) >= run.run_after
    assert f"Would restore cluster {emu.cluster_ids[0]} to {restore_point}" in out
    assert "tenant tenant_1 (tenantId" in out  # printed by the restore task from the gate's XCom
