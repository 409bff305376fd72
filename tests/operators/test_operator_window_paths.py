"""``output_path`` names the window the operator extracts, on every kind of run, through ``{{ ocp_window_start }}``.

Runs without a logical date (a CLI or REST trigger without one, an asset-triggered run) have no
``data_interval_start`` in their context: a path built on it failed before the operator started. Each run below is a
real ``dag.test()``; the file must appear under the date of the window the task log reports.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from operator_support import (
    DAY_END,
    DAY_START,
    TASK_ID,
    deterministic_emulator,
    rendered_output_path,
    run_dag,
    use_emulator,
)

from airflow_provider_ocp.operators.log_backup import OCPLogBackupTasksOperator

pytestmark = pytest.mark.usefixtures("airflow_db")

PATH = "{base}/date={{{{ ocp_window_start | ds }}}}/until={{{{ ocp_window_end.strftime('%Y%m%dT%H') }}}}/t.jsonl"


def dag_for(dag_id: str, schedule: Any, base: Path) -> Any:
    from airflow.sdk import DAG

    with DAG(dag_id, schedule=schedule, start_date=datetime(2024, 1, 1, tzinfo=timezone.utc), catchup=False) as dag:
        OCPLogBackupTasksOperator(task_id=TASK_ID, cluster_id=1000001, output_path=PATH.format(base=base))
    return dag


def written(base: Path) -> list[str]:
    return sorted(str(path.relative_to(base)) for path in base.rglob("*.jsonl"))


def test_a_scheduled_run_names_its_data_interval(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.timetables.interval import CronDataIntervalTimetable

    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        dag = dag_for("ocp_paths_scheduled", CronDataIntervalTimetable("@daily", timezone="UTC"), tmp_path)
        result = run_dag(dag, logical_date=DAY_END)
    assert result.state == "success" and result.value["records"] == 48
    assert written(tmp_path) == ["date=2024-08-06/until=20240807T00/t.jsonl"]
    assert result.value["window_start"] == "2024-08-06T00:00:00Z"


@pytest.mark.parametrize("schedule", ["manual", "asset"])
def test_a_run_without_a_logical_date_names_the_lookback_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, schedule: str
) -> None:
    """As ``airflow dags trigger`` without ``-l``, a REST trigger without ``logical_date``, or an asset event."""
    from airflow.sdk import Asset

    run_after = DAY_END + timedelta(hours=6)
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        dag = dag_for(
            f"ocp_paths_{schedule}", None if schedule == "manual" else [Asset("s3://upstream/ocp-ready")], tmp_path
        )
        result = run_dag(dag, logical_date=None, run_after=run_after)
    assert result.state == "success", schedule
    assert result.run.logical_date is None
    # [run_after - 1 day, run_after): 2024-08-06T06:00 to 2024-08-07T06:00
    assert written(tmp_path) == ["date=2024-08-06/until=20240807T06/t.jsonl"]
    assert (result.value["window_start"], result.value["window_end"]) == (
        "2024-08-06T06:00:00Z",
        "2024-08-07T06:00:00Z",
    )
    lines = (tmp_path / written(tmp_path)[0]).read_text().splitlines()
    assert len(lines) == result.value["records"] > 0
    assert {json.loads(line)["windowStart"] for line in lines} == {"2024-08-06T06:00:00Z"}


def test_a_manual_run_with_a_logical_date_on_a_plain_cron_uses_the_lookback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Airflow 3's default cron timetable gives zero-width intervals: the window (and the path) is the lookback."""
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        dag = dag_for("ocp_paths_plain_cron", "@daily", tmp_path)
        result = run_dag(dag, logical_date=DAY_END)
    assert result.state == "success"
    assert written(tmp_path) == ["date=2024-08-06/until=20240807T00/t.jsonl"]
    assert result.value["window_start"] == DAY_START.isoformat().replace("+00:00", "Z")


def test_the_rendered_template_and_tasks_render_show_the_real_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The path with the window, the partition and the cluster filled in, not the template."""
    from argparse import Namespace

    from airflow.cli.commands.task_command import task_render
    from airflow.timetables.interval import CronDataIntervalTimetable

    template = f"{tmp_path}/{{{{ ocp_cluster_id }}}}/{{{{ ocp_partition }}}}/{{{{ ocp_window_end | ds }}}}.jsonl"
    real = f"{tmp_path}/1000001/date=2024-08-06/2024-08-07.jsonl"
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        dag = dag_for("ocp_paths_rendered", CronDataIntervalTimetable("@daily", timezone="UTC"), tmp_path)
        dag.task_dict[TASK_ID].output_path = template
        result = run_dag(dag, logical_date=DAY_END)
        assert result.state == "success" and written(tmp_path) == ["1000001/date=2024-08-06/2024-08-07.jsonl"]
        assert rendered_output_path(result.run) == result.value["path"].removeprefix("file://") == real
        capsys.readouterr()
        run_id = result.run.run_id
        args = Namespace(dag_id=dag.dag_id, task_id=TASK_ID, map_index=-1, logical_date_or_run_id=run_id, verbose=False)
        task_render(args, dag=dag)
    printed = capsys.readouterr().out
    assert f"# property: output_path\n# ----------------------------------------------------------\n{real}" in printed
