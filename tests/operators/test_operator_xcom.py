"""XCom mode under a real dag.test() against the emulator: records, windows and the max_xcom_records guard."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from operator_support import (
    DAY_END,
    DAY_START,
    deterministic_emulator,
    expected_records,
    extraction_dag,
    run_dag,
    use_emulator,
)

pytestmark = pytest.mark.usefixtures("airflow_db")


def test_xcom_returns_the_windows_records_json_safe(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        dag = extraction_dag("ocp_xcom", cluster_id=str(emu.cluster_ids[0]), page_size=10)
        result = run_dag(dag, logical_date=DAY_END)
        expected = expected_records(emu)
        boundary = emu.expected_tasks(emu.cluster_ids[0], DAY_END, DAY_END)
    log = capsys.readouterr().out

    assert result.state == "success"
    assert len(expected) == 48 and len(boundary) == 1  # OCP's filter also returns the task created at DAY_END
    assert result.value == expected  # OCP's names, ISO-8601 UTC text, the boundary task left to the next run
    first = result.value[0]
    assert first["createTime"].endswith("Z") and isinstance(first["delay"], float)
    assert "agentServerIp" in first  # undocumented fields pass through
    assert "Fetched page 1 of 5: 10 of 49 records so far." in log
    assert "Fetched page 5 of 5: 49 of 49 records so far." in log
    assert "Dropped 1 record(s)" in log


def test_manual_run_without_data_interval_uses_the_lookback_before_run_after(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run_after = DAY_START + timedelta(hours=12)
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        dag = extraction_dag("ocp_manual", schedule=None, cluster_id=emu.cluster_ids[0], lookback=timedelta(hours=6))
        result = run_dag(dag, logical_date=None, run_after=run_after)
        expected = expected_records(emu, run_after - timedelta(hours=6), run_after)
        sent = [r.params for r in emu.requests if "logBackupTasks" in r.path]
    log = capsys.readouterr().out

    assert result.state == "success"
    assert result.run.data_interval_start is None
    assert len(expected) == 12 and result.value == expected
    assert sent[0]["startTime"] == "2024-08-06T06:00:00Z" and sent[0]["endTime"] == "2024-08-06T12:00:00Z"
    assert "the run has no data interval; start = the run's run_after minus lookback 6h, end = " in log
    assert "lookback 6:00:00" not in log  # no timedelta repr in the task log (issue 23)


def test_zero_width_interval_of_the_default_cron_timetable_falls_back(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        dag = extraction_dag("ocp_cron_trigger", schedule="@daily", cluster_id=emu.cluster_ids[0])
        result = run_dag(dag, logical_date=DAY_END)
        expected = expected_records(emu)
    assert result.run.data_interval_start == result.run.data_interval_end  # what Airflow 3's "@daily" gives
    assert result.state == "success" and result.value == expected
    assert "the run's data interval is zero-width" in capsys.readouterr().out


def test_more_records_than_max_xcom_records_fails_early_and_points_to_output_path(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu, concurrency=1)  # no read-ahead: the request log shows where it stopped
        dag = extraction_dag("ocp_xcom_limit", cluster_id=emu.cluster_ids[0], page_size=10, max_xcom_records=15)
        result = run_dag(dag, logical_date=DAY_END)
        pages = [r.params["page"] for r in emu.requests if "logBackupTasks" in r.path]
    log = capsys.readouterr().out

    assert result.state == "failed" and result.value is None
    assert pages == ["1", "2"]  # stopped as soon as the count passed 15, not after all 5 pages
    assert "more than max_xcom_records=15" in log and "Set output_path" in log


def test_explicit_templated_window(monkeypatch: pytest.MonkeyPatch) -> None:
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        dag = extraction_dag(
            "ocp_explicit",
            cluster_id="{{ params.cluster }}",
            start_time="{{ data_interval_start.add(hours=18) }}",
            end_time="2024-08-07T08:00:00+08:00",
        )
        dag.params["cluster"] = emu.cluster_ids[0]
        result = run_dag(dag, logical_date=DAY_END)
        start = datetime(2024, 8, 6, 18, tzinfo=timezone.utc)
        expected = expected_records(emu, start, DAY_END)
    assert result.state == "success"
    assert len(expected) == 12 and result.value == expected


def test_an_empty_window_says_no_tasks_rather_than_page_1_of_0(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        dag = extraction_dag(
            "ocp_empty_window",
            cluster_id=emu.cluster_ids[0],
            start_time="2020-01-01T00:00:00Z",
            end_time="2020-01-02T00:00:00Z",
        )
        result = run_dag(dag, logical_date=DAY_END)
    log = "".join(capsys.readouterr())
    assert result.state == "success" and result.value == []
    assert "No log backup tasks in [2020-01-01T00:00:00+00:00, 2020-01-02T00:00:00+00:00)." in log
    assert "page 1 of 0" not in log
