"""``scripts/demo``: the example DAGs in a real Airflow against the OCP emulator, with their output printed.

The same machinery as the end-to-end tests (``airflow_standalone`` and ``scenario``), without pytest: the emulator
runs in this process, ``airflow standalone`` (api-server, scheduler, dag-processor, triggerer; LocalExecutor,
SQLite) in a fresh AIRFLOW_HOME under ``demo-output/``; the DAGs are unpaused and triggered through the REST API.
Everything is stopped by PID at the end, also on Ctrl-C or an error. ``--keep`` leaves Airflow up until Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import FrameType
from typing import Any

from airflow_logs import read_json_log
from airflow_rest_client import AirflowClient
from airflow_standalone import AirflowStandalone
from events_scenario import BREACH_DELAY, EventsOutcome, run_backup_event
from example_dag_runs import run_all
from extract_run import ExtractOutcome
from restore_drill_run import DrillOutcome
from restore_gate_run import GateOutcome
from scenario import (
    DRILL_DAG,
    DRILL_RESTORE,
    EVENTS_DAG,
    EVENTS_MAX_DELAY,
    EXTRACT_DAG,
    GATE_DAG,
    GATE_SENSOR,
    E2EScenario,
)
from standalone_environment import REPO_ROOT
from standalone_error import StandaloneError

from airflow_provider_ocp.log_backup.sla_chart import CHART_INSTALL

OUTPUT = REPO_ROOT / "demo-output"


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


SLA_SNAPSHOTS, SLA_REPORT = "example_ocp_backup_sla_snapshots", "example_ocp_backup_sla_report"


def sla_delays(hour: int) -> dict[int, float]:
    """Each tenant's delay in seconds at the end of ``hour`` of yesterday (tenant number to seconds): tenant 2 falls
    behind around midday, worst at 12:00, caught up by 16:00; tenant 1's archive stops (18:00) and restarts (20:30).

    :param hour: 1 to 24.
    """
    behind = max(0.0, 1.0 - abs(hour - 12) / 4)
    stopped = {18: 2700.0, 21: 240.0}  # tenant 1's checkpoint stood still from 17:15; its new task catches up
    return {1: stopped.get(hour, 20.0 + 5 * (hour % 4)), 2: 30.0 + 870 * behind}


def run_sla(client: AirflowClient, base: Path, scenario: E2EScenario, timeout: float = 240.0) -> bool:
    """Snapshot runs every three hours of yesterday, then the daily SLA report over yesterday.

    OCP's clock is set to each run's time and the tenants' delays are scripted (:func:`sla_delays`; tenant 1's
    archive stops at 18:00 and a new one starts at 20:30), so the report's chart shows a day, not three snapshots a
    few seconds apart. The clock stays frozen afterwards (at the end of yesterday).
    """
    for dag_id in (SLA_SNAPSHOTS, SLA_REPORT):
        client.wait_for_dag(dag_id)
        client.set_paused(dag_id, False)
    emulator, cluster = scenario.emulator, scenario.cluster_id
    tenants = emulator.tenant_ids(cluster)
    yesterday = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    for hour in range(3, 25, 3):
        logical = yesterday + timedelta(hours=hour)  # the run covers the hour before it
        emulator.clock.freeze(logical + timedelta(minutes=1))
        for number, delay in sla_delays(hour).items():
            emulator.set_current_task(cluster, tenant_id=tenants[number - 1], delay=delay)
        if hour == 18:
            emulator.set_current_task(cluster, tenant_id=tenants[0], status="STOPPED", error_msg="archive dest full")
        if hour == 21:  # the DBA frees space and starts a new archive task at 20:30
            emulator.clock.freeze(logical - timedelta(minutes=30))
            emulator.add_tasks(cluster, tenant_id=tenants[0])
            emulator.clock.freeze(logical + timedelta(minutes=1))
            emulator.set_current_task(cluster, tenant_id=tenants[0], delay=sla_delays(hour)[1])
        run_id = f"demo_snapshot_{hour:02d}"
        client.trigger(SLA_SNAPSHOTS, run_id, logical.isoformat())
        result = client.wait_for_run(SLA_SNAPSHOTS, run_id, timeout)
        say(f"== {SLA_SNAPSHOTS}: run {run_id} (OCP's clock at {logical:%Y-%m-%d %H:%M}) -> {result.state}")
        if result.state != "success":
            return False
    client.trigger(SLA_REPORT, "demo_sla_report", None)
    result = client.wait_for_run(SLA_REPORT, "demo_sla_report", timeout)
    say(f"== {SLA_REPORT}: run demo_sla_report (yesterday's snapshots) -> {result.state}")
    reports = sorted(base.rglob("sla.json"))
    if result.state != "success" or not reports:
        return False
    report = json.loads(reports[-1].read_text())
    say(f"   {relative(reports[-1])}, threshold {report['threshold']:g}s:")
    for tenant, row in report["tenants"].items():
        say(
            f"   {tenant}: {row['snapshots']} snapshots, max delay {row['max_delay']}s, p95 {row['p95_delay']}s, "
            f"{row['seconds_over_threshold']:.0f}s over the threshold, "
            f"{len(row['stops_and_failures'])} stop(s)/failure(s)"
        )
    chart = reports[-1].with_name("delay.png")
    if chart.exists():
        say(f"   delay per tenant over the day, drawn by the report task: {relative(chart)}")
    else:
        say(f"   no delay chart: matplotlib is not installed ({CHART_INSTALL})")
    return True


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/demo", description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="leave Airflow running until Ctrl-C")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill <pid>` stops the demo like Ctrl-C: Airflow is stopped too
    started = time.monotonic()
    shutil.rmtree(OUTPUT, ignore_errors=True)
    OUTPUT.mkdir(parents=True)
    ok = False
    with E2EScenario(OUTPUT / "ocp-extract") as scenario:
        tenants = scenario.emulator.tenant_ids(scenario.cluster_id)
        say(f"== OCP emulator on {scenario.emulator.url} (cluster {scenario.cluster_id}, tenants {tenants})")
        sla_base = OUTPUT / "ocp-sla"
        env = {**scenario.airflow_env(), "OCP_SLA_BASE_URL": f"file://{sla_base}"}
        airflow = AirflowStandalone(OUTPUT / "airflow-home", env=env)
        say("== starting airflow standalone (api-server, scheduler, dag-processor, triggerer) ...")
        try:
            with airflow:
                assert airflow.process is not None
                say(
                    f"   ready in {airflow.ready_after:.0f}s: {airflow.base_url} (pid {airflow.process.pid}), "
                    f"log in as admin / {airflow.password}; output in {relative(airflow.output_path)}"
                )
                say(f"== unpausing and triggering three example DAGs through {airflow.base_url}/api/v2 ...")
                client = airflow.client()
                extract, gate, drill = run_all(scenario, client, airflow.logs_dir)
                extract_ok = show_extract(extract)
                show_scheduled_runs(client)
                gate_ok = show_gate(gate)
                ok = show_drill(drill) and gate_ok and extract_ok
                ok = run_sla(client, sla_base, scenario) and ok
                ok = show_events(run_backup_event(airflow, scenario)) and ok
                if not ok:
                    say(f"!! a run failed; Airflow's output ends with:\n{airflow.output_tail(30)}")
                    say(f"!! task logs: {relative(airflow.logs_dir)}")
                if args.keep:
                    say(f"== Airflow keeps running at {airflow.base_url} (admin / {airflow.password}); Ctrl-C stops it")
                    while True:
                        time.sleep(1)
        except KeyboardInterrupt:
            say("   interrupted")
        except StandaloneError as error:
            say(f"!! {error}")
            ok = False
        if airflow.stopped_clean:
            how = "; ".join(airflow.stop_report) or "SIGINT, clean shutdown"
            say(f"== stopped Airflow by PID ({how}): no process or port left")
    say(
        f"== done in {time.monotonic() - started:.0f}s; Airflow's files, task logs, the extraction and the drill's "
        f"evidence are in {relative(OUTPUT)}/"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
