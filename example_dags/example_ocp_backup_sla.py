"""Backup SLA history: hourly snapshots of every log backup task, and a daily report per tenant.

``example_ocp_backup_sla_snapshots`` runs every hour and writes what OCP reports at that moment (status, checkpoint,
delay of every task, each tenant's current one marked) to a Hive-style partition::

    <OCP_SLA_BASE_URL>/cluster_id=<id>/date=<YYYY-MM-DD>/hour=<HH>/snapshot.jsonl

A run without a data interval (triggered without a logical date) writes to ``run_id=<run id>`` instead, through
``{{ ocp_partition(...) }}``: its window is not an hour of the schedule, and the report does not read it.
Log archive tasks live for weeks, so these snapshots, not the tasks created each hour, are the delay history.
``example_ocp_backup_sla_report`` reads one day of them (the day before its run) and reports per tenant: the largest
and the 95th-percentile delay, the time spent over ``threshold_seconds``, and every hour in which log backup was stopped
or failed. It prints a table, writes ``<OCP_SLA_BASE_URL>/cluster_id=<id>/reports/date=<day>/sla.json`` and, next to
it, ``delay.png``: each tenant's delay over the day, the threshold and every stop or failure (needs matplotlib, the
provider's ``chart`` extra; without it the task logs how to install it and writes the report alone), and returns the
report (XCom).

Configuration (environment variables, read when the file is parsed): ``OCP_SLA_BASE_URL`` (default
``file:///tmp/ocp-sla``), ``OCP_SLA_STORAGE_CONN_ID`` (e.g. ``aws_default`` for ``s3://``), ``OCP_SLA_CLUSTER_ID``
(default 1000001, the emulator's first cluster); the OCP connection is ``ocp_default``.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from typing import Any

from airflow.sdk import DAG, Param, task
from airflow.timetables.interval import CronDataIntervalTimetable

from airflow_provider_ocp.operators.log_backup import OCPLogBackupTasksOperator

BASE_URL = os.environ.get("OCP_SLA_BASE_URL", "file:///tmp/ocp-sla").rstrip("/")
STORAGE_CONN_ID = os.environ.get("OCP_SLA_STORAGE_CONN_ID") or None
CLUSTER_ID = int(os.environ.get("OCP_SLA_CLUSTER_ID", "1000001"))
PARTITION = f"{BASE_URL}/cluster_id={CLUSTER_ID}"

with DAG(
    dag_id="example_ocp_backup_sla_snapshots",
    description="Hourly snapshot of every OCP log backup task: the delay history behind the SLA report.",
    schedule=CronDataIntervalTimetable("@hourly", timezone="UTC"),
    start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=2)},
    tags=["ocp", "example"],
) as snapshots_dag:
    OCPLogBackupTasksOperator(
        task_id="snapshot_log_backup",
        cluster_id=CLUSTER_ID,
        mode="snapshot",
        output_path=PARTITION + "/{{ ocp_partition('date=%Y-%m-%d/hour=%H') }}/snapshot.jsonl",
        output_conn_id=STORAGE_CONN_ID,
    )

with DAG(
    dag_id="example_ocp_backup_sla_report",
    description="Per tenant: max and p95 log backup delay, time over threshold, stops and failures, for one day.",
    schedule="@daily",
    start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    params={"threshold_seconds": Param(300, type="number", minimum=0, description="delay counted as behind")},
    tags=["ocp", "example"],
) as report_dag:
    # One XCom, the report: with a dict return type Airflow would also push each key as its own XCom, and Airflow 3.0
    # refuses the None one ("chart" without matplotlib).
    @task(multiple_outputs=False)
    def report(day: str, threshold: float) -> dict[str, Any]:
        """Summarise one day of hourly snapshots per tenant."""
        from airflow.providers.common.compat.sdk import ObjectStoragePath

        from airflow_provider_ocp.log_backup.sla import delay_report
        from airflow_provider_ocp.log_backup.sla_chart import delay_chart_png

        folder = ObjectStoragePath(f"{PARTITION}/date={day}", conn_id=STORAGE_CONN_ID)
        records = [
            json.loads(line)
            for path in sorted(folder.glob("hour=*/snapshot.jsonl"))
            for line in path.read_text().splitlines()
        ]
        summary = delay_report(records, float(threshold))
        print(f"Log backup SLA of cluster {CLUSTER_ID} on {day} (threshold {float(threshold):g}s):")
        print(f"{'tenant':<16}{'snapshots':>10}{'max delay':>11}{'p95 delay':>11}{'over (s)':>10}  stops/failures")
        for tenant, row in summary.items():
            print(
                f"{tenant:<16}{row['snapshots']:>10}{row['max_delay'] or 0:>11.1f}{row['p95_delay'] or 0:>11.1f}"
                f"{row['seconds_over_threshold']:>10.0f}  {len(row['stops_and_failures'])}"
            )
        target = ObjectStoragePath(f"{PARTITION}/reports/date={day}/sla.json", conn_id=STORAGE_CONN_ID)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps({"day": day, "threshold": float(threshold), "tenants": summary}, indent=2))
        png = delay_chart_png(records, float(threshold), f"Log backup delay, cluster {CLUSTER_ID}, {day}")
        chart = None
        if png is not None:
            chart = target.parent / "delay.png"
            chart.write_bytes(png)
            print(f"Delay chart: {chart}")
        return {"day": day, "path": str(target), "chart": None if chart is None else str(chart), "tenants": summary}

    # The day before the run: defined on every kind of run, with or without a logical date.
    report(day="{{ (dag_run.run_after - macros.timedelta(days=1)) | ds }}", threshold="{{ params.threshold_seconds }}")
