"""Three example DAGs in a real Airflow: ``airflow standalone`` (api-server, scheduler, dag-processor, triggerer, with
LocalExecutor and SQLite) against the OCP emulator, driven only through Airflow's REST API.

- the extraction run writes the emulator's 48 records of 2024-08-06 and returns the documented summary;
- the restore gate's sensor really goes through the triggerer: the API shows it DEFERRED with the provider's trigger,
  its first check (on the worker) logs "Pausing task as DEFERRED", the trigger's own log file (written by the
  triggerer under AIRFLOW_HOME/logs) shows it polling and firing, and the XComs are as the sensor documents;
- the restore drill's restore task really waits in the triggerer (DEFERRED with the provider's task trigger, the
  trigger's own log file), OCP got exactly one restore request, the restored tenant is in OCP's tenant list, and the
  restore XCom and the evidence file are as documented.

Stopping Airflow and checking that no process or port is left is the ``airflow`` fixture's teardown.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from airflow_standalone import AirflowStandalone
from example_dag_runs import run_all
from extract_run import ExtractOutcome
from operator_support import expected_records
from restore_drill_run import DrillOutcome
from restore_gate_run import GateOutcome
from scenario import (
    DAY_END,
    DAY_START,
    DELAY_FROM,
    DRILL_EVIDENCE,
    DRILL_GATE,
    DRILL_RESTORE,
    DRILL_RPO_MINUTES,
    DRILL_TENANT,
    EXTRACT_TASK,
    GATE_RESTORE,
    GATE_SENSOR,
    GATE_TENANT,
    TRIGGER_CLASSPATH,
    E2EScenario,
    parse_api_time,
)

from airflow_provider_ocp.testing import DEFAULT_PASSWORD, DEFAULT_USERNAME

pytestmark = [pytest.mark.standalone, pytest.mark.timeout(900)]

UNIT_KEYS = {"tenant_id", "tenant_name", "status", "delay", "delay_source", "checkpoint"}
TASK_TRIGGER_CLASSPATH = "airflow_provider_ocp.triggers.task.OCPTaskTrigger"
RESTORE_KEYS = {
    "ocp_task_id",
    "status",
    "restore_end_time",
    "restore_tenant_name",
    "restore_cluster_id",
    "started_at",
    "finished_at",
    "url",
}
EVIDENCE_KEYS = {
    "drill_started_at",
    "backup_cluster_id",
    "restore_point",
    "restored_tenant",
    "restore_cluster_id",
    "status",
    "requested_rpo_seconds",
    "achieved_rpo_seconds",
    "rpo_met",
    "log_backup_delay_at_gate_seconds",
    "log_backup_checkpoint_at_gate",
    "rto_seconds",
    "ocp_task_id",
    "ocp_task_url",
}

Runs = tuple[ExtractOutcome, GateOutcome, DrillOutcome]


@pytest.fixture(scope="module")
def runs(airflow: AirflowStandalone, scenario: E2EScenario) -> Runs:
    """The three example DAGs, unpaused and triggered through the REST API, run to their end."""
    return run_all(scenario, airflow.client(), airflow.logs_dir)


def test_extraction_run_writes_the_emulators_records(
    runs: Runs, scenario: E2EScenario, airflow: AirflowStandalone
) -> None:
    extract, _, _ = runs
    assert extract.run.state == "success", f"{extract.run.seen_states}\n{airflow.output_tail()}"
    assert extract.run.task_instances[EXTRACT_TASK]["try_number"] == 1
    assert extract.summary == {
        "path": f"file://{extract.file}",
        "records": 48,
        "window_start": DAY_START.isoformat().replace("+00:00", "Z"),
        "window_end": DAY_END.isoformat().replace("+00:00", "Z"),
        "cluster_id": scenario.cluster_id,
        "format": "jsonl",
    }
    records = extract.records()
    expected = expected_records(scenario.emulator, DAY_START, DAY_END)
    assert len(expected) == 48
    assert [{k: v for k, v in r.items() if not k.startswith("window")} for r in records] == expected
    assert {(r["windowStart"], r["windowEnd"]) for r in records} == {
        (extract.summary["window_start"], extract.summary["window_end"])
    }
    assert not list(extract.file.parent.glob(".*")), "a temporary file was left next to the partition"


def test_restore_gate_sensor_defers_to_the_triggerer(runs: Runs, airflow: AirflowStandalone) -> None:
    _, gate, _ = runs
    seen = gate.run.seen_states
    assert gate.run.state == "success", f"{seen}\n{gate.sensor_log[-3000:]}\n{airflow.output_tail()}"
    assert "deferred" in seen[GATE_SENSOR], f"the sensor never showed as DEFERRED: {seen}"
    assert seen[GATE_SENSOR][-1] == "success" and seen[GATE_RESTORE][-1] == "success", seen
    deferred = gate.run.deferred[GATE_SENSOR]
    assert (deferred["trigger"] or {}).get("classpath") == TRIGGER_CLASSPATH, deferred
    # One try: deferring and resuming is not a retry.
    assert [t["try_number"] for t in gate.sensor_tries] == [1], gate.sensor_tries
    assert gate.falling_since is not None

    # The worker's first check failed (the delay was held at 120 s), then it deferred: one line says which tenant
    # holds the gate and why (the detail of each unit is at DEBUG).
    worker_part, _, _ = gate.sensor_log.partition("Pausing task as DEFERRED")
    assert "Pausing task as DEFERRED" in gate.sensor_log
    waiting = [line for line in worker_part.splitlines() if "Not caught up yet" in line]
    assert len(waiting) == 1 and f"tenant {GATE_TENANT} " in waiting[0], worker_part[-2000:]

    # The triggerer wrote the trigger's own log file next to the task's, named after its job: the trigger polled
    # (logging as the provider's trigger class), found the gate open on a later poll, and fired a success event.
    assert len(gate.trigger_log_files) == 1, f"no single trigger log file: {gate.trigger_log_files}"
    events = gate.trigger_events()
    texts = [str(entry.get("event")) for entry in events]
    # Airflow 3.1 writes no logger name into a trigger's log file; the others write the trigger's class.
    by_trigger = [e for e in events if e.get("logger", TRIGGER_CLASSPATH) == TRIGGER_CLASSPATH]
    assert any(text.endswith("starting") for text in texts), texts
    assert any("Not caught up yet" in str(e.get("event")) for e in by_trigger), texts
    assert any("has caught up" in str(e.get("event")) for e in by_trigger), texts
    fired = [e for e in events if e.get("event") == "Trigger fired event"]
    assert len(fired) == 1 and "'status': 'caught_up'" in str(fired[0].get("result")), fired
    assert texts[-1] == "trigger completed", texts
    triggerer_id = int(gate.trigger_log_files[0].name.rsplit(".", 2)[-2])
    jobs = airflow.client().request("GET", "/jobs", params={"job_type": "TriggererJob"})["jobs"]
    assert triggerer_id in {job["id"] for job in jobs}, jobs
    # The API's log view merges that file into the task log.
    assert "Trigger fired event" in gate.sensor_log


def test_restore_gate_xcoms_are_as_documented(runs: Runs, scenario: E2EScenario) -> None:
    _, gate, _ = runs
    xcom: dict[str, Any] = gate.sensor_xcom
    assert set(xcom) == {"cluster_id", "checkpoint", "delay", "server_time", "units"}, xcom
    assert xcom["cluster_id"] == scenario.cluster_id
    (unit,) = xcom["units"]
    assert UNIT_KEYS <= set(unit), unit
    tenant_id = scenario.emulator.tenant_ids(scenario.cluster_id)[0]
    assert (unit["tenant_name"], unit["tenant_id"], unit["status"]) == (GATE_TENANT, tenant_id, "RUNNING")
    assert unit["delay_source"] == "ocp"
    # The gate opened only once the falling delay brought the checkpoint past the restore point (asserted below).
    assert xcom["delay"] == unit["delay"] < DELAY_FROM, xcom
    assert xcom["checkpoint"] == unit["checkpoint"]
    checkpoint, server_time = parse_api_time(xcom["checkpoint"]), parse_api_time(xcom["server_time"])
    # The default restore point is the moment the run was triggered: the gate vouches for a checkpoint past it.
    assert checkpoint >= gate.run_after, (checkpoint, gate.run_after)
    assert abs((server_time - checkpoint).total_seconds() - xcom["delay"]) < 0.01
    assert gate.restore_xcom == xcom["checkpoint"]
    assert f"Would restore cluster {scenario.cluster_id} to {xcom['checkpoint']}" in gate.restore_log


def test_restore_drill_restores_in_the_triggerer(runs: Runs, scenario: E2EScenario, airflow: AirflowStandalone) -> None:
    _, _, drill = runs
    seen = drill.run.seen_states
    assert drill.run.state == "success", f"{seen}\n{drill.restore_log[-3000:]}\n{airflow.output_tail()}"
    assert all(states[-1] == "success" for states in seen.values()), seen
    assert set(seen) == {DRILL_GATE, DRILL_RESTORE, DRILL_EVIDENCE}, seen
    # The restore point lay in tenant_1's window when the run started (trigger_drill checks it); the gate saw the
    # checkpoint past it on its first check.
    assert any(start <= drill.restore_point <= end for start, end in drill.windows), drill.windows

    # The restore task waited for OCP's task in the triggerer. The run is over before it is first polled (it runs
    # while the gate run is waited for), so the DEFERRED state is seldom seen through the API; the triggerer's own
    # log file for the restore's try shows it: the provider's task trigger polled OCP's task and fired its success.
    if "deferred" in seen[DRILL_RESTORE]:
        deferred = drill.run.deferred[DRILL_RESTORE]
        assert (deferred["trigger"] or {}).get("classpath") == TASK_TRIGGER_CLASSPATH, deferred
    assert len(drill.restore_trigger_log_files) == 1, drill.restore_trigger_log_files
    events = drill.restore_trigger_events()
    texts = [str(entry.get("event")) for entry in events]
    # Airflow 3.1 writes no logger name into a trigger's log file; the others write the trigger's class.
    by_trigger = [e for e in events if e.get("logger", TASK_TRIGGER_CLASSPATH) == TASK_TRIGGER_CLASSPATH]
    assert any("SUCCESSFUL: 5 of 5 subtasks done" in str(e.get("event")) for e in by_trigger), texts
    fired = [e for e in events if e.get("event") == "Trigger fired event"]
    assert len(fired) == 1 and "'status': 'success'" in str(fired[0].get("result")), fired
    assert texts[-1] == "trigger completed", texts
    # Deferring and resuming is one try; the worker's part of the log says where it went.
    assert [t["try_number"] for t in drill.restore_tries] == [1], drill.restore_tries
    assert "Pausing task as DEFERRED" in drill.restore_log, drill.restore_log[-3000:]
    assert "in the triggerer" in drill.restore_log, drill.restore_log[-3000:]

    # OCP got one restore request, and its task made the tenant: OCP's tenant list shows it.
    emulator, cluster = scenario.emulator, scenario.cluster_id
    posts = scenario.restore_posts()
    assert len(posts) == 1, [(r.method, r.path) for r in posts]
    restored_name = f"drill_{drill.run_after:%Y%m%d%H%M%S}"
    response = requests.get(
        f"{emulator.api_url}/ob/clusters/{cluster}/tenants", auth=(DEFAULT_USERNAME, DEFAULT_PASSWORD), timeout=10
    )
    response.raise_for_status()
    names = [tenant["name"] for tenant in response.json()["data"]["contents"]]
    assert restored_name in names, names
    (restore,) = emulator.restores
    assert (restore.tenant_name, restore.backup_tenant.name) == (restored_name, DRILL_TENANT)

    # The restore XCom, as documented.
    xcom: dict[str, Any] = drill.restore_xcom
    assert set(xcom) == RESTORE_KEYS, xcom
    assert xcom["status"] == "SUCCESSFUL"
    assert xcom["ocp_task_id"] == restore.instance.id
    assert (xcom["restore_tenant_name"], xcom["restore_cluster_id"]) == (restored_name, cluster)
    assert abs((parse_api_time(xcom["restore_end_time"]) - drill.restore_point).total_seconds()) < 0.001, xcom
    assert abs((parse_api_time(xcom["restore_end_time"]) - restore.restore_end).total_seconds()) < 0.001, xcom
    started, finished = parse_api_time(xcom["started_at"]), parse_api_time(xcom["finished_at"])
    assert drill.run_after < started < finished, xcom
    assert xcom["url"].startswith("http://127.0.0.1:") and xcom["url"].endswith(f"/{xcom['ocp_task_id']}"), xcom


def test_restore_drill_writes_its_evidence(runs: Runs, scenario: E2EScenario) -> None:
    _, _, drill = runs
    assert drill.run.state == "success", drill.run.seen_states
    report = drill.evidence()
    assert report is not None, f"no evidence file at {drill.evidence_file}"
    assert set(report) == EVIDENCE_KEYS, report
    assert report == drill.evidence_xcom
    restore, gate = drill.restore_xcom, drill.gate_xcom
    assert report["restored_tenant"] == restore["restore_tenant_name"]
    assert report["status"] == "SUCCESSFUL"
    assert (report["ocp_task_id"], report["ocp_task_url"]) == (restore["ocp_task_id"], restore["url"])
    assert report["backup_cluster_id"] == report["restore_cluster_id"] == scenario.cluster_id
    assert parse_api_time(report["drill_started_at"]) == drill.run_after
    assert report["requested_rpo_seconds"] == DRILL_RPO_MINUTES * 60
    assert abs(report["achieved_rpo_seconds"] - DRILL_RPO_MINUTES * 60) < 0.001, report
    assert report["rpo_met"] is True, report
    assert report["log_backup_delay_at_gate_seconds"] == gate["delay"] <= DELAY_FROM
    assert report["log_backup_checkpoint_at_gate"] == gate["checkpoint"]
    rto = (parse_api_time(restore["finished_at"]) - parse_api_time(restore["started_at"])).total_seconds()
    assert report["rto_seconds"] == rto > 0, report
