"""Both example DAGs in a real Airflow: ``airflow standalone`` (api-server, scheduler, dag-processor, triggerer, with
LocalExecutor and SQLite) against the OCP emulator, driven only through Airflow's REST API.

- the extraction run writes the emulator's 48 records of 2024-08-06 and returns the documented summary;
- the restore gate's sensor really goes through the triggerer: the API shows it DEFERRED with the provider's trigger,
  its first check (on the worker) logs "Pausing task as DEFERRED", the trigger's own log file (written by the
  triggerer under AIRFLOW_HOME/logs) shows it polling and firing, and the XComs are as the sensor documents.

Stopping Airflow and checking that no process or port is left is the ``airflow`` fixture's teardown.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from airflow_standalone import AirflowStandalone
from scenario import (
    DAY_END,
    DAY_START,
    DELAY_FROM,
    EXTRACT_TASK,
    GATE_RESTORE,
    GATE_SENSOR,
    GATE_TENANT,
    TRIGGER_CLASSPATH,
    E2EScenario,
    ExtractOutcome,
    GateOutcome,
)

pytestmark = [pytest.mark.standalone, pytest.mark.timeout(900)]

UNIT_KEYS = {"tenant_id", "tenant_name", "status", "delay", "delay_source", "checkpoint"}


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def runs(airflow: AirflowStandalone, scenario: E2EScenario) -> tuple[ExtractOutcome, GateOutcome]:
    """Both example DAGs, unpaused and triggered through the REST API, run to their end."""
    return scenario.run_both(airflow.client(), airflow.logs_dir)


def test_extraction_run_writes_the_emulators_records(
    runs: tuple[ExtractOutcome, GateOutcome], scenario: E2EScenario, airflow: AirflowStandalone
) -> None:
    extract, _ = runs
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
    expected = scenario.expected_records()
    assert len(expected) == 48
    assert [{k: v for k, v in r.items() if not k.startswith("window")} for r in records] == expected
    assert {(r["windowStart"], r["windowEnd"]) for r in records} == {
        (extract.summary["window_start"], extract.summary["window_end"])
    }
    assert not list(extract.file.parent.glob(".*")), "a temporary file was left next to the partition"


def test_restore_gate_sensor_defers_to_the_triggerer(
    runs: tuple[ExtractOutcome, GateOutcome], airflow: AirflowStandalone
) -> None:
    _, gate = runs
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


def test_restore_gate_xcoms_are_as_documented(runs: tuple[ExtractOutcome, GateOutcome], scenario: E2EScenario) -> None:
    _, gate = runs
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
    checkpoint, server_time = _time(xcom["checkpoint"]), _time(xcom["server_time"])
    # The default restore point is the moment the run was triggered: the gate vouches for a checkpoint past it.
    assert checkpoint >= gate.run_after, (checkpoint, gate.run_after)
    assert abs((server_time - checkpoint).total_seconds() - xcom["delay"]) < 0.01
    assert gate.restore_xcom == xcom["checkpoint"]
    assert f"Would restore cluster {scenario.cluster_id} to {xcom['checkpoint']}" in gate.restore_log
