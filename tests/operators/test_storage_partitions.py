"""Issue 21, point 8's way out: ``{{ ocp_partition }}`` names the data interval, or else the run, so runs without a
data interval get a partition of their own (under ``dag.test()``, and in the README's example DAG).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from operator_support import (
    DAY_END,
    DAY_START,
    deterministic_emulator,
    expected_records,
    extraction_dag,
    read_jsonl,
    run_dag,
    use_emulator,
)
from output_window_support import SIX_HOURS_LATER, digest

from airflow_provider_ocp.exceptions import OCPInputError

pytestmark = pytest.mark.usefixtures("airflow_db")


@pytest.mark.parametrize(
    ("layout", "day_path"),
    [
        ("{{ ocp_partition }}", "date=2024-08-06"),
        ("{{ ocp_partition('date=%Y-%m-%d/hour=%H') }}", "date=2024-08-06/hour=00"),
    ],
)
def test_runs_without_a_data_interval_get_their_own_partition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str, day_path: str
) -> None:
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        dag = extraction_dag(
            "ocp_i21_partition", cluster_id=emu.cluster_ids[0], output_path=f"{tmp_path}/{layout}/t.jsonl"
        )
        day = run_dag(dag, logical_date=DAY_END)
        manual = run_dag(dag, logical_date=None, run_after=SIX_HOURS_LATER)
        expected_day = expected_records(emu)
    assert day.state == manual.state == "success"
    manual_path = f"run_id={manual.run.run_id}".replace("/", "_")
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("t.jsonl"))
    assert files == sorted([f"{day_path}/t.jsonl", f"{manual_path}/t.jsonl"])
    day_records = read_jsonl(str(tmp_path / day_path / "t.jsonl"))
    assert [{k: v for k, v in r.items() if not k.startswith("window")} for r in day_records] == expected_day
    assert {r["windowStart"] for r in read_jsonl(str(tmp_path / manual_path / "t.jsonl"))} == {"2024-08-06T06:00:00Z"}


def test_ocp_partition_names_the_data_interval_or_else_the_run() -> None:
    from airflow_provider_ocp.operators.template_variables import Partition

    assert str(Partition(DAY_START, "scheduled__x")) == "date=2024-08-06"
    assert Partition(DAY_START, "scheduled__x")("date=%Y-%m-%d/hour=%H") == "date=2024-08-06/hour=00"
    run_id = "manual__2024-08-07T06:00:00+00:00"
    assert str(Partition(None, run_id)) == f"run_id={run_id}"
    assert Partition(None, run_id)("date=%Y-%m-%d/hour=%H") == f"run_id={run_id}"  # whatever the layout
    assert str(Partition(None, "../../up")) == "run_id=.._.._up"  # one segment, below the base
    with pytest.raises(OCPInputError, match="ocp_window_start"):
        str(Partition(None, None))


def test_the_example_dag_gives_a_run_without_a_logical_date_its_own_partition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """example_dags/example_ocp_log_backup_extract.py, as the README shows it: a day's run, then a manual trigger
    without a logical date; the day's file keeps its 48 tasks and the manual run gets a partition of its own."""
    from dag_support import load_example, register_dag

    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        cluster = emu.cluster_ids[0]
        module = load_example(
            "example_ocp_log_backup_extract",
            monkeypatch,
            OCP_EXTRACT_BASE_URL=f"file://{tmp_path}",
            OCP_EXTRACT_CLUSTER_ID=str(cluster),
        )
        register_dag(module.dag)
        day_run = module.dag.test(logical_date=DAY_END)
        day_file = tmp_path / f"cluster_id={cluster}" / "date=2024-08-06" / "log_backup_tasks.jsonl"
        before = digest(day_file)
        manual_run = module.dag.test(logical_date=None, run_after=SIX_HOURS_LATER)
    assert str(day_run.state) == str(manual_run.state) == "success"
    assert digest(day_file) == before and len(read_jsonl(str(day_file))) == 48
    manual_file = tmp_path / f"cluster_id={cluster}" / f"run_id={manual_run.run_id}" / "log_backup_tasks.jsonl"
    assert {r["windowStart"] for r in read_jsonl(str(manual_file))} == {"2024-08-06T06:00:00Z"}
