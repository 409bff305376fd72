"""Daily extraction of an OCP cluster's log backup tasks into a Hive-style partition.

Each run extracts the tasks created in its data interval (one UTC day) and writes them, atomically, to::

    <OCP_EXTRACT_BASE_URL>/cluster_id=<cluster_id>/date=<data interval start, YYYY-MM-DD>/log_backup_tasks.jsonl

``{{ ocp_partition }}`` names that partition. A run triggered without a logical date (CLI or REST trigger without
one, asset-triggered runs) has no data interval: it extracts the day before its ``run_after``, a window of its own
that is no scheduled day's, and writes it to ``.../cluster_id=<cluster_id>/run_id=<its run id>/...`` instead, so it
never replaces a day's file (the operator would refuse to anyway, naming both windows).

A rerun of a day rewrites that day's file with the same content. The task returns a small summary (path, record
count, window) and emits an event on the Asset ``<OCP_EXTRACT_BASE_URL>/``, so reporting DAGs can be scheduled on it.

Configuration (environment variables, read when the file is parsed; nothing touches a connection while parsing):

* ``AIRFLOW_CONN_OCP_DEFAULT`` (or a connection ``ocp_default`` in the UI): the OCP connection.
* ``OCP_EXTRACT_BASE_URL``: where partitions go, default ``file:///tmp/ocp-extract``; e.g. ``s3://bucket/ocp``.
* ``OCP_EXTRACT_STORAGE_CONN_ID``: the Airflow connection of that store (e.g. ``aws_default`` for ``s3://``);
  unset for local paths.
* ``OCP_EXTRACT_CLUSTER_ID``: default of the ``cluster_id`` DAG param (default 1000001, the emulator's first
  cluster); a manual trigger can override it.

Try it against the emulator (``--tasks-per-tenant 48`` gives 96 tasks, one an hour over the last four days, so the
day before today holds 24)::

    python -m airflow_provider_ocp.testing --tasks-per-tenant 48 &   # prints AIRFLOW_CONN_OCP_DEFAULT=...
    export AIRFLOW_CONN_OCP_DEFAULT='<the printed JSON>'
    airflow dags test example_ocp_log_backup_extract "$(date -u +%F)"   # the run covers yesterday (UTC)
    cat /tmp/ocp-extract/cluster_id=1000001/date=$(date -u -d yesterday +%F)/log_backup_tasks.jsonl

The schedule gives every run a real one-day data interval (``CronDataIntervalTimetable``): a run triggered for
date D covers [D-1, D). Airflow 3's default cron schedule would give zero-width intervals instead; the operator
would then fall back to its ``lookback`` (one day before the run).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from airflow.sdk import DAG, Param
from airflow.timetables.interval import CronDataIntervalTimetable

from airflow_provider_ocp.operators.log_backup import OCPLogBackupTasksOperator

BASE_URL = os.environ.get("OCP_EXTRACT_BASE_URL", "file:///tmp/ocp-extract").rstrip("/")
STORAGE_CONN_ID = os.environ.get("OCP_EXTRACT_STORAGE_CONN_ID") or None
DEFAULT_CLUSTER_ID = int(os.environ.get("OCP_EXTRACT_CLUSTER_ID", "1000001"))

with DAG(
    dag_id="example_ocp_log_backup_extract",
    description="Extract each day's OCP log backup tasks into a Hive-style partition.",
    schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),
    start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=4,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    params={"cluster_id": Param(DEFAULT_CLUSTER_ID, type="integer", minimum=1, description="OCP cluster id")},
    tags=["ocp", "example"],
) as dag:
    OCPLogBackupTasksOperator(
        task_id="extract_log_backup_tasks",
        cluster_id="{{ params.cluster_id }}",
        output_path=(
            f"{BASE_URL}/cluster_id={{{{ params.cluster_id }}}}/{{{{ ocp_partition }}}}/log_backup_tasks.jsonl"
        ),
        output_conn_id=STORAGE_CONN_ID,
    )
