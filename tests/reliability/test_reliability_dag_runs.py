"""Faults under a real ``dag.test()``: what a DAG author sees in the task state, the output and the task log.

The fault matrix (``fault_matrix/test_reliability_*.py``) drives the operator and sensor directly; these runs add the
task runner around them (task state, XCom, log) for representative rows: a short burst of mixed transient faults, a
burst longer than the budget in storage mode, and AccessKey clock skew striking the deferred sensor in the triggerer.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk import DAG
from operator_support import (
    DAY_END,
    deterministic_emulator,
    expected_records,
    extraction_dag,
    read_jsonl,
    register_dag,
    run_dag,
)

from airflow_provider_ocp.sensors.log_backup import OCPLogBackupDelaySensor
from airflow_provider_ocp.testing import OCPEmulator

pytestmark = pytest.mark.usefixtures("airflow_db")


def use_emulator(monkeypatch: pytest.MonkeyPatch, emu: OCPEmulator, auth_type: str = "basic", **extra: Any) -> None:
    """``ocp_default`` pointing at the emulator with tiny backoffs."""
    extra = {"retry_backoff": 0.01, "retry_max_wait": 0.05, **extra}
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emu.airflow_connection_json(auth_type, **extra))  # type: ignore[arg-type]


def storage_dag(dag_id: str, base: Path, cluster_id: int) -> DAG:
    return extraction_dag(
        dag_id,
        cluster_id=cluster_id,
        output_path=f"file://{base}/date={{{{ data_interval_start | ds }}}}/tasks.jsonl",
        page_size=10,
    )


def files(base: Path) -> list[str]:
    return sorted(str(p.relative_to(base)) for p in base.rglob("*") if p.is_file())


def retried(log: str, attempt: str) -> set[str]:
    """The traceIds of the failed requests whose retry warning says ``attempt`` ("retry 1 of 2").

    A set: Airflow 3.0 prints a task's log line twice (two handlers) and passes it to caplog as well.
    """
    return set(re.findall(rf"\({re.escape(attempt)} in .*?traceId (\w+)", log))


def unwrapped(text: str) -> str:
    """``text`` with each run of whitespace made one space: Airflow 3.0 wraps a task's exception at 80 columns."""
    return " ".join(text.split())


def test_storage_run_survives_a_short_burst_of_mixed_faults(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO")  # the task runner's records reach stdout only at INFO
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu, max_retries=2)
        emu.faults.add("http_error", times=2, page=2, status=503, body="html")
        emu.faults.add("drop_connection", times=1, page=3)
        emu.faults.add("rate_limited", times=1, page=4, retry_after=30, http_date=True)  # capped at 0.05 s
        emu.faults.add("truncated_json", times=1, page=5)
        result = run_dag(storage_dag("rel_short_burst", tmp_path, emu.cluster_ids[0]), logical_date=DAY_END)
        expected = expected_records(emu)
    log = capsys.readouterr().out + caplog.text
    assert result.state == "success"
    assert result.value["records"] == len(expected) == 48
    lines = read_jsonl(result.value["path"].removeprefix("file://"))
    assert [{k: v for k, v in r.items() if not k.startswith("window")} for r in lines] == expected
    assert files(tmp_path) == ["date=2024-08-06/tasks.jsonl"]
    assert len(retried(log, "retry 1 of 2")) == 4 and len(retried(log, "retry 2 of 2")) == 1


def test_storage_run_failing_after_the_budget_leaves_nothing_and_names_status_and_trace(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO")  # the task runner's records reach stdout only at INFO
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu, max_retries=2)
        emu.faults.add("http_error", times=None, page=3, status=500, message="OceanBase: timeout")
        result = run_dag(storage_dag("rel_long_burst", tmp_path, emu.cluster_ids[0]), logical_date=DAY_END)
        page3 = [r for r in emu.requests if r.params.get("page") == "3"]
    log = capsys.readouterr().out + caplog.text
    assert result.state == "failed"
    assert len(page3) == 3  # the first attempt and 2 retries
    assert files(tmp_path) == []  # pages 1 and 2 were written to a temporary file, now gone
    last_trace = page3[-1].header("x-trace-id")
    assert re.search(rf"OceanBase: timeout.*HTTP 500.*traceId {last_trace}", unwrapped(log)), log[-3000:]


# -- the delay sensor ------------------------------------------------------------------------------------------------


def run_gate(dag_id: str, **kwargs: Any) -> tuple[str | None, Any]:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with DAG(
        dag_id, schedule=None, start_date=datetime(2024, 1, 1, tzinfo=timezone.utc), default_args={"retries": 0}
    ) as dag:
        OCPLogBackupDelaySensor(task_id="gate", poke_interval=0.3, timeout=30, max_delay=20, **kwargs)
    register_dag(dag)
    run = dag.test()
    with create_session() as session:
        ti = run.get_task_instance("gate", session=session)
        rows = session.scalars(
            XComModel.get_many(run_id=run.run_id, dag_ids=dag_id, task_ids="gate", key="return_value")
        ).all()
        return (None if ti is None else str(ti.state)), (XComModel.deserialize_value(rows[0]) if rows else None)


def test_poke_mode_gate_passes_through_a_short_burst(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")  # the task runner's records reach stdout only at INFO
    with OCPEmulator(tenants=2, tasks_per_tenant=2, delay=3.0) as emu:
        use_emulator(monkeypatch, emu, max_retries=3)
        emu.faults.add("rate_limited", times=1, retry_after=0)
        emu.faults.add("http_error", times=1, status=504, body="html")
        state, value = run_gate("rel_gate_burst", cluster_id=emu.cluster_ids[0])
        statuses = [r.status for r in emu.requests]
    assert state == "success", capsys.readouterr().out[-3000:]
    assert statuses == [429, 504, 200]
    assert [u["tenant_name"] for u in value["units"]] == ["tenant_1", "tenant_2"]


def test_access_key_clock_skew_in_the_triggerer_fails_the_task_naming_clock_skew(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """The worker's first check passes the Date check; then OCP's clock jumps 20 minutes while deferred."""
    caplog.set_level("INFO")  # the task runner's records reach stdout only at INFO
    with OCPEmulator(tenants=2, tasks_per_tenant=2, delay=100.0) as emu:
        use_emulator(monkeypatch, emu, "access_key", max_retries=3)

        def skew_after_first_check() -> None:
            deadline = time.monotonic() + 30
            while not emu.requests and time.monotonic() < deadline:
                time.sleep(0.01)
            emu.clock_offset = timedelta(minutes=20)

        watcher = threading.Thread(target=skew_after_first_check, daemon=True)
        watcher.start()
        state, _ = run_gate("rel_gate_skew", cluster_id=emu.cluster_ids[0], deferrable=True, max_consecutive_failures=5)
        watcher.join(timeout=5)
        statuses = [r.status for r in emu.requests]
    log = capsys.readouterr().out + caplog.text
    assert state == "failed"
    assert statuses == [200, 401]  # no retry and no further poll: a clock does not fix itself
    assert "running trigger in line" in log
    assert "non-retryable error" in log and "clock skew" in log and "HTTP 401" in log
