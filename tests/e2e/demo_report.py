"""What ``scripts/demo`` prints about the example DAGs' runs (``demo.py``): each run's state, its output (records,
XCom, the drill's evidence report, the alerts) and the logs of the triggers it deferred to."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from airflow_logs import read_json_log
from airflow_rest_client import AirflowClient
from events_scenario import BREACH_DELAY, EventsOutcome
from extract_run import ExtractOutcome
from restore_drill_run import DrillOutcome
from restore_gate_run import GateOutcome
from scenario import DRILL_DAG, DRILL_RESTORE, EVENTS_DAG, EVENTS_MAX_DELAY, EXTRACT_DAG, GATE_DAG, GATE_SENSOR


def say(text: str = "") -> None:
    print(text, flush=True)


def relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def show_extract(extract: ExtractOutcome, first: int = 3) -> bool:
    run = extract.run
    say(f"== {EXTRACT_DAG}: run e2e_extract (data interval 2024-08-06) -> {run.state} in {run.duration or 0:.0f}s")
    if run.state != "success":
        return False
    records = extract.records()
    say(f"   XCom return_value: {json.dumps(extract.summary)}")
    say(f"   {len(records)} records in {relative(extract.file)}; the first {first}:")
    for record in records[:first]:
        say(f"   {json.dumps(record)}")
    return True


def show_gate(gate: GateOutcome) -> bool:
    run = gate.run
    say(f"== {GATE_DAG}: run e2e_restore_gate -> {run.state} in {run.duration or 0:.0f}s")
    say(f"   {GATE_SENSOR} went through the states {' -> '.join(run.seen_states.get(GATE_SENSOR, []))}")
    worker_part = gate.sensor_log.partition("Pausing task as DEFERRED")[0]
    first_check = [
        line.split(" ", 1)[-1].split(" {")[0] for line in worker_part.splitlines() if "Not caught up yet" in line
    ]
    if first_check:
        say(f"   first check, on a worker: {first_check[-1][:150]}...")
    trigger = (run.deferred.get(GATE_SENSOR) or {}).get("trigger") or {}
    if trigger:
        say(f"   so it deferred to the triggerer with {trigger.get('classpath')}")
    for path in gate.trigger_log_files:
        say(f"   the trigger's log, written by the triggerer ({relative(path)}):")
        for entry in read_json_log(path):
            text = str(entry.get("event"))
            if entry.get("result"):
                text += f": {entry['result']}"
            say(f"     {str(entry.get('timestamp'))[11:19]} {text[:150]}{'...' if len(text) > 150 else ''}")
    if run.state != "success":
        return False
    xcom: dict[str, Any] = gate.sensor_xcom
    say(
        f"   restore point (earliest checkpoint): {xcom['checkpoint']}, delay {xcom['delay']}s, run triggered at "
        f"{gate.run_after.isoformat()}"
    )
    say(f"   sensor XCom return_value: {json.dumps(xcom)}")
    say(f"   restore task returned: {json.dumps(gate.restore_xcom)}")
    return True


def _seconds(value: Any) -> str:
    return "-" if value is None else f"{float(value):.0f}s"


def show_drill(drill: DrillOutcome) -> bool:
    run = drill.run
    say(f"== {DRILL_DAG}: run {drill.run_id} -> {run.state} in {run.duration or 0:.0f}s")
    report = drill.evidence()
    if run.state != "success" or report is None:
        for task_id, states in run.seen_states.items():
            say(f"   {task_id} went through the states {' -> '.join(states)}")
        return False
    for path in drill.restore_trigger_log_files:
        say(f"   {DRILL_RESTORE} waited for OCP's task in the triggerer; the trigger's log ({relative(path)}):")
        for entry in read_json_log(path):
            text = str(entry.get("event"))
            say(f"     {str(entry.get('timestamp'))[11:19]} {text[:150]}{'...' if len(text) > 150 else ''}")
    rows = [
        ("restore point", report["restore_point"]),
        ("restored tenant", f"{report['restored_tenant']} (cluster {report['restore_cluster_id']})"),
        (
            "RPO requested / achieved",
            f"{_seconds(report['requested_rpo_seconds'])} / {_seconds(report['achieved_rpo_seconds'])}"
            f" ({'met' if report['rpo_met'] else 'NOT met'})",
        ),
        ("log backup delay at the gate", _seconds(report["log_backup_delay_at_gate_seconds"])),
        ("RTO (OCP's restore task)", _seconds(report["rto_seconds"])),
        ("OCP task", f"{report['ocp_task_id']} {report['ocp_task_url']}"),
        ("evidence file", relative(drill.evidence_file)),
    ]
    say("   evidence report:")
    for name, value in rows:
        say(f"     {name:<30} {value}")
    return True


def show_events(events: EventsOutcome) -> bool:
    say(
        f"== {EVENTS_DAG}: unpaused; its Asset watcher polls OCP from the triggerer; tenant {events.breached_tenant}'s "
        f"log backup delay set to {BREACH_DELAY:g} s (max_delay {EVENTS_MAX_DELAY:g} s)"
    )
    say(f"   asset-triggered run {events.run['dag_run_id']} -> {events.result.state}; its task alerted on:")
    for payload in events.payloads:
        say(f"     [{payload['kind']}] {payload['message']}")
        say(f"     event_key {payload['event_key']}")
    say(f"   runs of {EVENTS_DAG} after more polls of the same breach: {len(events.runs_later)} (no second alert)")
    return events.result.state == "success" and len(events.payloads) == 1 and len(events.runs_later) == 1


def show_scheduled_runs(client: AirflowClient) -> None:
    """Unpausing the extraction DAG also lets the scheduler start its latest scheduled run (catchup=False)."""
    for run in client.request("GET", f"/dags/{EXTRACT_DAG}/dagRuns")["dag_runs"]:
        if run["run_type"] == "scheduled":
            interval = f"[{run['data_interval_start']}, {run['data_interval_end']})"
            say(
                f"   (unpausing it also let the scheduler start its latest scheduled run, {run['dag_run_id']}, "
                f"for {interval}: {run['state']}; the emulator has no tasks then)"
            )
