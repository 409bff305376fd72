"""OCP's real semantics (issue 12), against the emulator that now models them: signed headers, whole-second bounds,
time-range error codes, unknown paths, permissions, and which errors Airflow may retry.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs

import pytest
from dag_support import register_dag
from operator_support import (
    DAY_END,
    DAY_START,
    deterministic_emulator,
    expected_records,
    extraction_dag,
    run_dag,
    use_emulator,
)

from airflow_provider_ocp.exceptions import OCPAPIError, OCPRequestRejectedError
from airflow_provider_ocp.hooks.ocp import OCPHook
from airflow_provider_ocp.operators.log_backup import OCPLogBackupTasksOperator
from airflow_provider_ocp.testing import OCPEmulator


@pytest.fixture
def emu() -> Iterator[OCPEmulator]:
    """80 tasks (2 tenants), every 3 hours over the 5 days before DAY_END, with a frozen clock."""
    with deterministic_emulator(tasks_per_tenant=40, task_interval=timedelta(hours=3)) as emulator:
        yield emulator


def task_requests(emu: OCPEmulator) -> list[Any]:
    return [r for r in emu.requests if r.path.endswith("logBackupTasks")]


@pytest.mark.parametrize("auth_type", ["basic", "access_key"])
def test_every_request_carries_a_signed_origin_and_our_trace_id(
    emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, auth_type: str
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emu.airflow_connection_json(auth_type))
    assert list(OCPHook().iter_log_backup_tasks(emu.cluster_ids[0]))  # the emulator verifies x-ocp-* in the signature
    (request,) = task_requests(emu)
    assert request.header("x-ocp-origin") == "airflow-provider-ocp"
    assert request.header("x-trace-id") and request.header("Accept-Encoding") == "gzip, deflate"


def test_time_bounds_are_sent_as_whole_seconds_covering_the_window(
    emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emu.airflow_connection_json())
    start = datetime(2024, 8, 1, 0, 0, 0, 250_000, tzinfo=timezone.utc)
    end = datetime(2024, 8, 2, 0, 0, 0, 750_000, tzinfo=timezone(timedelta(hours=8)))
    list(OCPHook().iter_log_backup_tasks(emu.cluster_ids[0], start, end))
    query = parse_qs(task_requests(emu)[0].query)
    assert query["startTime"] == ["2024-08-01T00:00:00Z"]  # floored
    assert query["endTime"] == ["2024-08-01T16:00:01Z"]  # ceiled, in UTC


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ([("startTime", "2024-08-01T00:00:00Z")], 10006),
        ([("startTime", "2024-01-01T00:00:00Z"), ("endTime", "2024-12-01T00:00:00Z")], 10007),
    ],
    ids=["one-bound", "too-long"],
)
def test_time_range_errors_are_final_though_http_500(
    emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, params: list[tuple[str, str]], code: int
) -> None:
    emu.max_time_range = timedelta(days=30)
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emu.airflow_connection_json(max_retries=3, retry_backoff=0.01))
    path = f"/ob/clusters/{emu.cluster_ids[0]}/backup/task/logBackupTasks"
    with pytest.raises(OCPRequestRejectedError) as info:
        OCPHook().get_envelope(path, [*params, ("page", "1"), ("size", "10")])
    assert info.value.status == 500 and info.value.code == code and not info.value.retryable
    assert len(task_requests(emu)) == 1  # never retried


def test_the_operator_halves_a_window_ocp_finds_too_long_and_returns_each_task_once(
    emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, airflow_db: None
) -> None:
    start, end = DAY_START - timedelta(days=7), DAY_END
    emu.max_time_range = timedelta(days=2)
    use_emulator(monkeypatch, emu)
    dag = extraction_dag(
        "ocp_split_window", schedule=None, cluster_id=emu.cluster_ids[0], start_time=start, end_time=end
    )
    result = run_dag(dag, logical_date=None)
    assert result.state == "success"
    expected = expected_records(emu, start, end)
    key = lambda record: (record["tenantId"], record["createTime"])  # noqa: E731
    assert sorted(result.value, key=key) == sorted(expected, key=key) and len(expected) == 64
    statuses = [r.status for r in task_requests(emu)]
    assert 500 in statuses and statuses[-1] == 200  # refused whole, accepted in parts


def test_unknown_api_path_and_login_redirect_point_at_the_url(
    emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emu.airflow_connection_json())
    with pytest.raises(OCPRequestRejectedError, match="wrong path prefix"):
        OCPHook().get_envelope("/no/such/api")
    conn = {**emu.airflow_connection(), "host": f"{emu.url}/ocp-console"}
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", json.dumps(conn))
    with pytest.raises(OCPAPIError, match="redirected the request to its login page") as info:
        list(OCPHook().iter_log_backup_tasks(emu.cluster_ids[0]))
    assert "path prefix" in str(info.value) and info.value.status == 302


def test_a_missing_permission_is_named_with_its_code(monkeypatch: pytest.MonkeyPatch) -> None:
    with OCPEmulator(restricted_users={"viewer": "viewer-pw"}) as emu:
        conn = emu.airflow_connection("basic", login="viewer", password="viewer-pw")
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", json.dumps(conn))
        with pytest.raises(OCPAPIError) as info:
            list(OCPHook().iter_log_backup_tasks(emu.cluster_ids[0]))
    assert info.value.code == 30014 and "Read-only permission on cluster backup and recovery" in str(info.value)
    assert not isinstance(info.value, OCPRequestRejectedError)  # task retries still apply: a grant can fix it


def _retrying_dag(dag_id: str, cluster_id: int) -> Any:
    from airflow.sdk import DAG

    with DAG(
        dag_id,
        schedule=None,
        start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
        default_args={"retries": 1, "retry_delay": timedelta(0)},
    ) as dag:
        OCPLogBackupTasksOperator(
            task_id="extract", cluster_id=cluster_id, start_time=DAY_START.isoformat(), end_time=DAY_END.isoformat()
        )
    return dag


@pytest.mark.parametrize(
    ("case", "tries"),
    [("unknown cluster (404)", 1), ("wrong password (401)", 2)],
)
def test_rejected_requests_fail_without_task_retries_and_auth_errors_keep_them(
    emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, airflow_db: None, case: str, tries: int
) -> None:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    if "404" in case:
        use_emulator(monkeypatch, emu)
        cluster = 999_999
    else:
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emu.airflow_connection_json(password="wrong", max_retries=0))
        cluster = emu.cluster_ids[0]
    dag = _retrying_dag(f"ocp_final_errors_{tries}", cluster)
    register_dag(dag)
    run = dag.test(logical_date=None)
    with create_session() as session:
        ti = session.query(TaskInstance).filter_by(dag_id=dag.dag_id, run_id=run.run_id).one()
        assert str(ti.state) == "failed" and ti.try_number == tries, case
    assert len(task_requests(emu)) == tries
