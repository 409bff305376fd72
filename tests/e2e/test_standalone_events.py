"""Backup events through a real ``AssetWatcher``: ``example_ocp_backup_events`` in the session's ``airflow standalone``
(its triggerer runs ``OCPLogBackupEventTrigger``, polling the emulator every 2 s), driven only through Airflow's REST
API and the emulator's data.

The DAG is paused at creation, so its watcher does not run while test_standalone.py's scenario drives the delay;
here it is unpaused (and its file parsed again at once: Airflow attaches a watcher's trigger to the asset when it
parses the file of an unpaused DAG), the watcher's first polls see every tenant within the threshold, then
tenant_2's delay goes to 300 s: one event, ``delay_above_threshold`` for tenant_2, one asset-triggered run whose
task got that payload (its XCom).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from airflow_standalone import AirflowClient, AirflowStandalone, StandaloneError
from scenario import EVENTS_DAG, EVENTS_MAX_DELAY, EVENTS_POLL_SECONDS, E2EScenario

pytestmark = [pytest.mark.standalone, pytest.mark.timeout(600)]

BREACH_DELAY = 300.0


def snapshot_polls(scenario: E2EScenario, since: int) -> int:
    """Log backup listings without a time window (a gate's or a watcher's poll) among the requests from ``since``."""
    return sum(
        1
        for request in scenario.emulator.requests[since:]
        if request.path.endswith("/backup/task/logBackupTasks") and "startTime" not in request.query
    )


def wait_for(what: str, check: Any, timeout: float, airflow: AirflowStandalone) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise StandaloneError(f"{what} not within {timeout:.0f}s\n{airflow.output_tail()}")


def asset_runs(client: AirflowClient) -> list[dict[str, Any]]:
    return list(client.request("GET", f"/dags/{EVENTS_DAG}/dagRuns")["dag_runs"])


def test_a_delay_breach_runs_the_event_dag_with_its_payload(airflow: AirflowStandalone, scenario: E2EScenario) -> None:
    client, emulator, cluster = airflow.client(), scenario.emulator, scenario.cluster_id
    tenant_1, tenant_2 = emulator.tenant_ids(cluster)[:2]
    emulator.set_current_task(cluster, delay=5.0)  # every tenant within the threshold (60 s)
    details = client.wait_for_dag(EVENTS_DAG)
    assert asset_runs(client) == []
    since = len(emulator.requests)
    client.set_paused(EVENTS_DAG, False)
    try:
        file_token = client.request("GET", f"/dags/{EVENTS_DAG}/details")["file_token"]
        client.request("PUT", f"/parseDagFile/{file_token}", ok=(200, 201))  # the watcher's trigger, now
        # Two polls of the watcher's: it has looked at least once with every tenant within the threshold.
        wait_for("the watcher's polls", lambda: snapshot_polls(scenario, since) >= 2, 180, airflow)
        emulator.set_current_task(cluster, tenant_2, delay=BREACH_DELAY)
        (run,) = wait_for("an asset-triggered run", lambda: asset_runs(client), 120, airflow)
        result = client.wait_for_run(EVENTS_DAG, run["dag_run_id"], timeout=180)
        assert result.state == "success", f"{result.seen_states}\n{airflow.output_tail()}"
        payloads = client.xcom(EVENTS_DAG, run["dag_run_id"], "notify")
        time.sleep(3 * EVENTS_POLL_SECONDS)  # more polls: the breach goes on, and fires nothing again
        later = asset_runs(client)
    finally:
        client.set_paused(EVENTS_DAG, True)
        emulator.set_current_task(cluster, delay=5.0)
    assert run["run_type"] == "asset_triggered", run
    assert len(payloads) == 1, payloads
    (payload,) = payloads
    assert payload["kind"] == "delay_above_threshold", payload
    assert (payload["cluster_id"], payload["tenant_id"], payload["tenant_name"]) == (cluster, tenant_2, "tenant_2")
    assert payload["threshold"] == EVENTS_MAX_DELAY and payload["delay"] >= BREACH_DELAY, payload
    assert payload["event_key"].startswith(f"delay_above_threshold/{cluster}/id:{tenant_2}/"), payload
    assert tenant_1 != tenant_2 and len(later) == 1, later  # one breach, one event, one run
    assert details["is_paused"] is True  # paused at creation: nothing watched before this test
