"""Snapshot mode (issue 15): every task as OCP reports it at each run, stamped with OCP's clock, in real dag.test() runs
against the emulator, whose clock the test drives hour by hour.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from operator_support import DAY_END, TASK_ID, deterministic_emulator, run_dag, use_emulator

from airflow_provider_ocp.exceptions import OCPInputError
from airflow_provider_ocp.operators.log_backup import OCPLogBackupTasksOperator

pytestmark = pytest.mark.usefixtures("airflow_db")

LONG_LIVED = {"current_task_age": timedelta(days=21)}
"""As in a real OCP: each tenant's current archive task was created weeks before the hours snapshotted."""
HOUR_PATH = "{base}/date={{{{ ocp_window_start | ds }}}}/hour={{{{ ocp_window_start.strftime('%H') }}}}/snapshot.{ext}"


def hourly_dag(base: Path, ext: str = "jsonl", **operator: Any) -> Any:
    from airflow.sdk import DAG
    from airflow.timetables.interval import CronDataIntervalTimetable

    with DAG(
        "ocp_hourly_snapshots",
        schedule=CronDataIntervalTimetable("@hourly", timezone="UTC"),
        start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
        catchup=False,
    ) as dag:
        OCPLogBackupTasksOperator(
            task_id=TASK_ID,
            cluster_id=1000001,
            mode="snapshot",
            output_path=HOUR_PATH.format(base=base, ext=ext),
            **operator,
        )
    return dag


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_hourly_snapshots_form_a_delay_history_without_gap_or_duplicate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hours = [DAY_END + timedelta(hours=n) for n in range(1, 7)]
    with deterministic_emulator(**LONG_LIVED) as emu:
        use_emulator(monkeypatch, emu)
        dag = hourly_dag(tmp_path)
        for run_end in hours:
            emu.clock.freeze(run_end + timedelta(minutes=2))  # the run starts two minutes after its interval ends
            assert run_dag(dag, logical_date=run_end).state == "success"
        emu.clock.freeze(hours[2] + timedelta(minutes=9))  # a rerun of one hour rewrites its file
        assert run_dag(dag, logical_date=hours[2]).state == "success"
        tenants = {task["tenantName"] for task in emu.expected_tasks(1000001)}
    files = sorted(tmp_path.rglob("snapshot.jsonl"))
    assert [f.parent.name for f in files] == [f"hour={h - timedelta(hours=1):%H}" for h in hours]
    history = [record for path in files for record in read(path)]
    windows = sorted({(r["windowStart"], r["windowEnd"]) for r in history})
    assert all(end == next_start for (_, end), (next_start, _) in pairwise(windows))  # no gap
    current = [r for r in history if r["current"]]
    per_hour = Counter((r["windowStart"], r["tenantName"]) for r in current)
    assert set(per_hour.values()) == {1} and len(per_hour) == len(hours) * len(tenants)  # no duplicate, no hole
    stamps = {r["windowStart"]: r["snapshotTime"] for r in current}
    assert stamps[windows[2][0]].startswith(f"{hours[2]:%Y-%m-%dT%H}:09")  # the rerun's clock, not the first run's
    assert all(isinstance(r["delay"], float) and r["delaySource"] == "ocp" for r in current)
    assert {r["status"] for r in current} == {"RUNNING"} and any(not r["current"] for r in history)


def test_a_delay_ocp_leaves_out_is_computed_from_its_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with deterministic_emulator(**LONG_LIVED) as emu:
        use_emulator(monkeypatch, emu)
        for tenant in emu.expected_tasks(1000001):
            emu.set_current_task(1000001, tenant_id=tenant["tenantId"], omit_delay=True)
        emu.clock.freeze(DAY_END + timedelta(hours=1))
        dag = hourly_dag(tmp_path)
        result = run_dag(dag, logical_date=DAY_END + timedelta(hours=1))
    assert result.state == "success"
    current = [r for r in read(Path(result.value["path"].removeprefix("file://"))) if r["current"]]
    assert current and all(r["delaySource"] == "computed" and r["delay"] >= 0 for r in current)


def test_snapshot_mode_is_validated_when_the_dag_is_parsed() -> None:
    with pytest.raises(OCPInputError, match="mode 'snapshots' is not one of created, snapshot"):
        OCPLogBackupTasksOperator(task_id="x", cluster_id=1, mode="snapshots")


def test_parquet_snapshots_give_the_snapshot_fields_typed_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    run_end = DAY_END + timedelta(hours=1)
    with deterministic_emulator(**LONG_LIVED) as emu:
        use_emulator(monkeypatch, emu)
        emu.set_current_task(1000001, tenant_id=emu.tenant_ids(1000001)[0], omit_delay=True)
        emu.clock.freeze(run_end + timedelta(minutes=2))
        dag = hourly_dag(tmp_path, "parquet", output_format="parquet")
        result = run_dag(dag, logical_date=run_end)
    assert result.state == "success"
    table = pq.read_table(result.value["path"].removeprefix("file://"))
    utc = pa.timestamp("us", tz="UTC")
    assert table.schema.field("snapshotTime").type == utc and table.schema.field("current").type == pa.bool_()
    assert table.schema.field("delaySource").type == pa.string() and table.schema.field("windowStart").type == utc
    rows = table.to_pylist()
    assert len(rows) == 60 and {r["snapshotTime"] for r in rows} == {run_end + timedelta(minutes=2)}
    current = [r for r in rows if r["current"]]
    assert sorted(r["delaySource"] for r in current) == ["computed", "ocp"] and all(r["delay"] >= 0 for r in current)
    # Stopped tasks of the past: OCP's delay froze when each stopped, hours ago; the delay is their checkpoint's age.
    history = [r for r in rows if not r["current"]]
    assert {r["delaySource"] for r in history} == {"computed"}
    assert all(r["delay"] == pytest.approx((r["snapshotTime"] - r["checkpoint"]).total_seconds()) for r in history)
    assert min(r["delay"] for r in history) > 3600
    assert all(set(json.loads(r["extraFields"])) == {"agentServerIp"} for r in rows)  # nothing left in the JSON column
