"""OCPHook against the OCP emulator over real sockets: transient faults and read timeouts are retried within the
retry budget, without duplicate records, and the last error is raised once the budget is spent."""

from __future__ import annotations

import pytest
from hook_emulator_support import api_requests

from airflow_provider_ocp.exceptions import OCPAPIError
from airflow_provider_ocp.testing import OCPEmulator


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("rate_limited", {"retry_after": 0}),
        ("rate_limited", {"retry_after": 0, "http_date": True}),
        ("http_error", {"status": 500, "body": "json"}),
        ("http_error", {"status": 502, "body": "html"}),
        ("http_error", {"status": 503, "body": "html"}),
        ("http_error", {"status": 504, "body": "html"}),
        ("truncated_json", {}),
        ("drop_connection", {}),
    ],
)
@pytest.mark.ocp_emulator(tenants=2, tasks_per_tenant=5)
def test_transient_faults_are_retried_without_duplicates(
    ocp_emulator: OCPEmulator,
    connect,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    kind: str,
    params: dict,
) -> None:
    hook = connect(ocp_emulator)
    cluster = ocp_emulator.cluster_ids[0]
    ocp_emulator.faults.add(kind, times=2, page=2, **params)
    tasks = list(hook.iter_log_backup_tasks(cluster, page_size=3))
    expected = ocp_emulator.expected_tasks(cluster)
    assert len(tasks) == len(expected) == 10
    assert len({(t["tenantId"], t["createTime"]) for t in tasks}) == 10
    assert len(api_requests(ocp_emulator)) == 4 + 2
    logged = caplog.text + capsys.readouterr().out  # the hook logs through Airflow's structlog (stdout here)
    assert "retry 1 of 3" in logged and "retry 2 of 3" in logged
    retries = [line for line in logged.splitlines() if "retry 1 of 3" in line]
    assert retries and all(line.count("/api/v2/") == 1 for line in retries), retries  # the path (and query) once


@pytest.mark.ocp_emulator()
def test_read_timeout_is_retried(ocp_emulator: OCPEmulator, connect, capsys: pytest.CaptureFixture[str]) -> None:
    hook = connect(ocp_emulator, timeout=0.3)
    ocp_emulator.faults.add("slow", times=1, seconds=1.0)
    assert len(list(hook.iter_log_backup_tasks(ocp_emulator.cluster_ids[0]))) == len(
        ocp_emulator.expected_tasks(1000001)
    )
    assert "read timeout of 0.3s" in capsys.readouterr().out


@pytest.mark.ocp_emulator()
def test_retry_budget_exhausted_raises_last_error(ocp_emulator: OCPEmulator, connect) -> None:
    ocp_emulator.faults.add("http_error", times=10, status=503, body="html")
    with pytest.raises(OCPAPIError, match="HTTP 503") as info:
        list(connect(ocp_emulator).iter_log_backup_tasks(ocp_emulator.cluster_ids[0]))
    assert info.value.retryable and len(api_requests(ocp_emulator)) == 4
