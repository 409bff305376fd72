"""The SLA-history and fleet example DAGs (issue 15), parsed from example_dags/ and run with dag.test() against the
emulator, its clock driven hour by hour.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from dag_support import load_example, register_dag
from operator_support import DAY_END, DAY_START, deterministic_emulator, rendered_output_path, use_emulator

from airflow_provider_ocp.testing import OCPEmulator

pytestmark = pytest.mark.usefixtures("airflow_db")
EXAMPLES = Path(__file__).parents[2] / "example_dags"


def xcom(run: Any, task_id: str) -> Any:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.scalars(
            XComModel.get_many(run_id=run.run_id, dag_ids=run.dag_id, task_ids=task_id, key="return_value")
        ).all()
        return [XComModel.deserialize_value(row) for row in rows]


def test_hourly_snapshots_then_the_daily_sla_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with deterministic_emulator(tenants=2, current_task_age=timedelta(days=21)) as emu:
        use_emulator(monkeypatch, emu)
        module = load_example("example_ocp_backup_sla", monkeypatch, OCP_SLA_BASE_URL=f"file://{tmp_path}")
        snapshot_dag, report_dag = module.snapshots_dag, module.report_dag
        register_dag(snapshot_dag)
        register_dag(report_dag)
        tenant = _current_tenant(emu)
        for hour in range(1, 5):  # four hourly snapshots of 2024-08-07
            run_end = DAY_END + timedelta(hours=hour)
            emu.clock.freeze(run_end + timedelta(minutes=1))
            if hour == 2:
                emu.set_current_task(1000001, tenant_id=tenant, delay=1800.0)
            if hour == 3:
                emu.set_current_task(1000001, tenant_id=tenant, status="STOPPED", error_msg="archive dest full")
            assert str(snapshot_dag.test(logical_date=run_end).state) == "success"
        run = report_dag.test(logical_date=None, run_after=DAY_END + timedelta(days=1, minutes=30))
    assert str(run.state) == "success"
    (value,) = xcom(run, "report")
    assert value["day"] == "2024-08-07"
    rows = value["tenants"]
    assert set(rows) == {"tenant_1", "tenant_2"} and {row["snapshots"] for row in rows.values()} == {4}
    name = next(n for n, r in rows.items() if r["stops_and_failures"])
    assert rows[name]["max_delay"] == 1800.0 and rows[name]["seconds_over_threshold"] >= 3600
    assert [i["status"] for i in rows[name]["stops_and_failures"]] == ["STOPPED", "STOPPED"]
    reports = tmp_path / "cluster_id=1000001/reports/date=2024-08-07"
    assert json.loads((reports / "sla.json").read_text())["tenants"] == rows
    assert value["chart"] == f"file://{reports}/delay.png"
    assert_png_chart(reports / "delay.png")
    printed = "".join(capsys.readouterr())
    assert "Log backup SLA of cluster 1000001 on 2024-08-07" in printed and f"Delay chart: file://{reports}" in printed


def assert_png_chart(path: Path) -> None:
    """A real PNG of the chart's size, which an image library reads back."""
    from PIL import Image

    from airflow_provider_ocp.log_backup.sla_chart import CHART_SIZE

    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == CHART_SIZE


def test_without_matplotlib_the_report_is_written_and_the_log_says_how_to_get_the_chart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with deterministic_emulator(tenants=2, current_task_age=timedelta(days=21)) as emu:
        use_emulator(monkeypatch, emu)
        module = load_example("example_ocp_backup_sla", monkeypatch, OCP_SLA_BASE_URL=f"file://{tmp_path}")
        register_dag(module.snapshots_dag)
        register_dag(module.report_dag)
        emu.clock.freeze(DAY_END + timedelta(hours=1, minutes=1))
        assert str(module.snapshots_dag.test(logical_date=DAY_END + timedelta(hours=1)).state) == "success"
        # No second interpreter can lack a package this venv has: None in sys.modules makes `import matplotlib` fail
        # exactly as it does where matplotlib is not installed.
        monkeypatch.setitem(sys.modules, "matplotlib", None)
        run = module.report_dag.test(logical_date=None, run_after=DAY_END + timedelta(days=1, minutes=30))
    assert str(run.state) == "success"
    (value,) = xcom(run, "report")
    reports = tmp_path / "cluster_id=1000001/reports/date=2024-08-07"
    assert value["chart"] is None and (reports / "sla.json").exists() and not (reports / "delay.png").exists()
    assert "pip install 'airflow-provider-ocp[chart]'" in caplog.text


def _current_tenant(emu: OCPEmulator) -> int:
    return int(emu.expected_tasks(1000001)[0]["tenantId"])


def test_the_fleet_dag_maps_one_snapshot_per_matching_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with deterministic_emulator(clusters=3, tenants=1, tasks_per_tenant=2) as emu:
        use_emulator(monkeypatch, emu)
        module = load_example("example_ocp_fleet", monkeypatch, OCP_FLEET_BASE_URL=f"file://{tmp_path}")
        dag = module.dag
        register_dag(dag)
        emu.clock.freeze(DAY_END + timedelta(minutes=5))
        run = dag.test(logical_date=DAY_END, run_conf={"cluster_pattern": "cluster_[13]"})
    assert str(run.state) == "success"
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("snapshot.jsonl"))
    assert files == [f"cluster_id={c}/date={DAY_START:%Y-%m-%d}/snapshot.jsonl" for c in (1000001, 1000003)]
    summaries = xcom(run, "snapshot_cluster")
    assert sorted(s["cluster_id"] for s in summaries) == [1000001, 1000003]
    rendered = sorted(rendered_output_path(run, "snapshot_cluster", index) for index in (0, 1))  # mapped instances
    assert rendered == [f"file://{tmp_path}/{name}" for name in files]
