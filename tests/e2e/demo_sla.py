"""The SLA part of ``scripts/demo`` (``demo.py``): snapshot runs every three hours of yesterday with OCP's clock set
to each run's time and the tenants' delays scripted, then the daily SLA report over yesterday, printed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from airflow_rest_client import AirflowClient
from demo_report import relative, say
from scenario import E2EScenario

from airflow_provider_ocp.log_backup.sla_chart import CHART_INSTALL

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
        # The run covers the hour before it. One minute past the hour: the scheduler's own hourly runs (the DAG is
        # unpaused) take the logical dates on the hour, and a second run at one of those is refused (HTTP 409: from
        # 01:00 to 02:00 UTC the scheduler's latest run is today 00:00, this loop's last).
        logical = yesterday + timedelta(hours=hour, minutes=1)
        emulator.clock.freeze(logical)
        for number, delay in sla_delays(hour).items():
            emulator.set_current_task(cluster, tenant_id=tenants[number - 1], delay=delay)
        if hour == 18:
            emulator.set_current_task(cluster, tenant_id=tenants[0], status="STOPPED", error_msg="archive dest full")
        if hour == 21:  # the DBA frees space and starts a new archive task at 20:30
            emulator.clock.freeze(yesterday + timedelta(hours=20, minutes=30))
            emulator.add_tasks(cluster, tenant_id=tenants[0])
            emulator.clock.freeze(logical)
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
