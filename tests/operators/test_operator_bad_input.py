"""Bad input fails before any request to OCP, naming the parameter (checked against the emulator's request log)."""

from __future__ import annotations

from typing import Any

import pytest
from operator_support import DAY_END, DAY_START, deterministic_emulator, extraction_dag, run_dag, use_emulator

from airflow_provider_ocp.exceptions import OCPInputError
from airflow_provider_ocp.operators.log_backup import OCPLogBackupTasksOperator


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"output_format": "csv"}, "output_format 'csv' is not supported; use one of jsonl, parquet"),
        ({"lookback": 3600}, "lookback must be a positive timedelta"),
        ({"max_xcom_records": -1}, "max_xcom_records must be a non-negative integer"),
        ({"page_size": 0}, "page_size must be at least 1"),
    ],
)
def test_construction_rejects_bad_static_parameters(kwargs: dict[str, Any], named: str) -> None:
    with pytest.raises(OCPInputError, match=named):
        OCPLogBackupTasksOperator(task_id="bad", cluster_id=1, **kwargs)


@pytest.mark.usefixtures("airflow_db")
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"out": ""}, "output_path rendered to an empty path"),
        ({"out": "   "}, "output_path rendered to an empty path"),
        ({"out": "gs://reports/ocp/tasks.jsonl"}, "apache-airflow-providers-google"),
        ({"out": "nosuchfs://bucket/tasks.jsonl"}, "cannot write to the scheme 'nosuchfs'"),
        ({"out": "relative/tasks.jsonl"}, "output_path 'relative/tasks.jsonl' is a relative path"),
        ({"out": "/data/ocp/"}, "names a directory"),
        ({"out": "/tmp/ok.jsonl", "cluster": "cluster_1"}, "cluster_id must be a positive integer OCP id"),
        ({"out": "/tmp/ok.jsonl", "start": "2024-08-06T00:00:00"}, "start_time 2024-08-06T00:00:00 has no timezone"),
    ],
    ids=["empty", "blank", "gs-without-provider", "unknown-scheme", "relative", "directory", "cluster", "naive"],
)
def test_bad_rendered_input_fails_before_any_request(
    params: dict[str, str], expected: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        dag = extraction_dag(
            "ocp_bad_input",
            cluster_id="{{ params.cluster }}",
            output_path="{{ params.out }}",
            start_time="{{ params.start }}",
        )
        dag.params.update({"cluster": str(emu.cluster_ids[0]), "start": "", **params})
        result = run_dag(dag, logical_date=DAY_END)
        requests = emu.requests
    assert result.state == "failed"
    assert requests == []
    assert expected in capsys.readouterr().out


def test_the_operator_checks_its_input_once_and_the_layers_below_trust_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cluster id and the window are checked where the operator resolves them; the hook walks the query."""
    import airflow_provider_ocp.log_backup.clusters as clusters
    import airflow_provider_ocp.log_backup.query as query
    import airflow_provider_ocp.log_backup.task_pages as task_pages
    import airflow_provider_ocp.log_backup.window as window
    from airflow_provider_ocp.validation import validate_positive_id, validate_window

    checks: list[str] = []

    def id_spy(value: object, name: str) -> int:
        checks.append(name)
        return validate_positive_id(value, name)

    def window_spy(start: object, end: object) -> Any:
        checks.append("window")
        return validate_window(start, end)

    for module in (clusters, query, task_pages):
        monkeypatch.setattr(module, "validate_positive_id", id_spy)
    for module in (window, query, task_pages):
        monkeypatch.setattr(module, "validate_window", window_spy)
    context = {"data_interval_start": DAY_START, "data_interval_end": DAY_END, "run_id": "r"}
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        records = OCPLogBackupTasksOperator(task_id="once", cluster_id=str(emu.cluster_ids[0])).execute(context)
    assert len(records) == 48 and checks == ["window", "cluster_id"]
