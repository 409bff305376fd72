"""The example DAG end to end: parsed from example_dags/ with its environment configuration, run with dag.test()."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from operator_support import DAY_END, deterministic_emulator, expected_records, read_jsonl, use_emulator

EXAMPLE = Path(__file__).parents[2] / "example_dags" / "example_ocp_log_backup_extract.py"


def load_example(monkeypatch: pytest.MonkeyPatch, base_url: str, cluster_id: int) -> ModuleType:
    monkeypatch.setenv("OCP_EXTRACT_BASE_URL", base_url)
    monkeypatch.setenv("OCP_EXTRACT_CLUSTER_ID", str(cluster_id))
    spec = importlib.util.spec_from_file_location("example_ocp_log_backup_extract", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_dag_parses_without_touching_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.sdk import Asset

    monkeypatch.delenv("AIRFLOW_CONN_OCP_DEFAULT", raising=False)
    module = load_example(monkeypatch, "s3://reports/ocp/", 7)
    task = module.dag.task_dict["extract_log_backup_tasks"]
    assert task.outlets == [Asset("s3://reports/ocp/")]
    assert task.output_path.startswith("s3://reports/ocp/cluster_id={{ params.cluster_id }}/{{ ocp_partition }}/")
    assert module.dag.params["cluster_id"] == 7
    interval = module.dag.timetable.infer_manual_data_interval(run_after=DAY_END)
    assert interval.end > interval.start  # a real interval, not Airflow 3's zero-width default


@pytest.mark.usefixtures("airflow_db")
def test_example_dag_writes_the_partition_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from operator_support import register_dag

    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        cluster_id = emu.cluster_ids[0]
        module = load_example(monkeypatch, f"file://{tmp_path}/ocp-extract", cluster_id)
        register_dag(module.dag)
        run = module.dag.test(logical_date=DAY_END)
        expected = expected_records(emu)
    target = tmp_path / "ocp-extract" / f"cluster_id={cluster_id}" / "date=2024-08-06" / "log_backup_tasks.jsonl"
    assert str(run.state) == "success"
    records = read_jsonl(str(target))
    assert [{k: v for k, v in r.items() if not k.startswith("window")} for r in records] == expected
