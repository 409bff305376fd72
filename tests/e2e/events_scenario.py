"""The backup-events scenario shared by ``test_standalone_events.py`` and ``scripts/demo``:
``example_ocp_backup_events`` in a running ``airflow standalone`` (its triggerer runs the Asset watcher's
``OCPLogBackupEventTrigger``, polling the emulator every ``EVENTS_POLL_SECONDS``), driven only through Airflow's REST
API and the emulator's data. No pytest, no assertions: callers check or print the outcome.

The DAG is paused at creation, so its watcher does not run while the other runs drive the delay; here it is unpaused
(and its file parsed again at once: Airflow attaches a watcher's trigger to the asset when it parses the file of an
unpaused DAG), the watcher's first polls see every tenant within the threshold, then tenant_2's delay goes to
``BREACH_DELAY``: one event, ``delay_above_threshold`` for tenant_2, one asset-triggered run whose task got that
payload (its XCom); a few more polls of the same breach start no other run. The DAG is paused again at the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from airflow_rest_client import AirflowClient, RunResult
from airflow_standalone import AirflowStandalone
from scenario import EVENTS_DAG, EVENTS_POLL_SECONDS, E2EScenario
from standalone_error import StandaloneError

BREACH_DELAY = 300.0
WITHIN_THRESHOLD = 5.0


@dataclass
class EventsOutcome:
    """What the watcher did: the asset-triggered run, its task's payloads, and the runs a few polls later."""

    paused_at_creation: bool
    breached_tenant: int
    run: dict[str, Any]
    result: RunResult
    payloads: list[dict[str, Any]]
    runs_later: list[dict[str, Any]]


def snapshot_polls(scenario: E2EScenario, since: int) -> int:
    """Log backup listings without a time window (a gate's or a watcher's poll) among the requests from ``since``."""
    return len(scenario.snapshot_checks(since))


def wait_for(what: str, check: Callable[[], Any], timeout: float, airflow: AirflowStandalone) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise StandaloneError(f"{what} not within {timeout:.0f}s\n{airflow.output_tail()}")


def asset_runs(client: AirflowClient) -> list[dict[str, Any]]:
    return list(client.request("GET", f"/dags/{EVENTS_DAG}/dagRuns")["dag_runs"])


def run_backup_event(airflow: AirflowStandalone, scenario: E2EScenario) -> EventsOutcome:
    """Unpause the events DAG, let its watcher poll, push tenant_2 over the threshold; return what happened.

    :param airflow: the running standalone.
    :param scenario: the emulator and its cluster.
    """
    client, emulator, cluster = airflow.client(), scenario.emulator, scenario.cluster_id
    tenant_2 = emulator.tenant_ids(cluster)[1]
    emulator.set_current_task(cluster, delay=WITHIN_THRESHOLD)  # every tenant within the threshold
    details = client.wait_for_dag(EVENTS_DAG)
    before = asset_runs(client)
    if before:
        raise StandaloneError(f"{EVENTS_DAG} ran before its watcher was started: {before}")
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
        payloads = client.xcom(EVENTS_DAG, run["dag_run_id"], "notify") if result.state == "success" else []
        time.sleep(3 * EVENTS_POLL_SECONDS)  # more polls: the breach goes on, and fires nothing again
        later = asset_runs(client)
    finally:
        client.set_paused(EVENTS_DAG, True)
        emulator.set_current_task(cluster, delay=WITHIN_THRESHOLD)
    return EventsOutcome(details["is_paused"], tenant_2, run, result, list(payloads or []), later)
