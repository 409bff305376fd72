"""Every cluster in one DAG: list OCP's clusters, then snapshot each one's log backup tasks in a mapped task.

One mapped task instance per cluster (dynamic task mapping, ``.partial(...).expand(cluster_id=...)``), one file per
cluster per day::

    <OCP_FLEET_BASE_URL>/cluster_id=<id>/date=<YYYY-MM-DD>/snapshot.jsonl

(``run_id=<run id>`` instead of ``date=...`` for a run without a data interval: ``{{ ocp_partition }}``.)

The ``cluster_pattern`` param (shell-style, matched against OCP's cluster names, e.g. ``prod-*``) chooses the
clusters; ``*`` takes them all. A cluster added in OCP is picked up at the next run, with no DAG change.

Configuration: ``OCP_FLEET_BASE_URL`` (default ``file:///tmp/ocp-fleet``), ``OCP_FLEET_STORAGE_CONN_ID``; the OCP
connection is ``ocp_default``.
"""

from __future__ import annotations

import fnmatch
import os
from datetime import datetime, timezone

from airflow.sdk import DAG, Param, task
from airflow.timetables.interval import CronDataIntervalTimetable

from airflow_provider_ocp.operators.log_backup import OCPLogBackupTasksOperator

BASE_URL = os.environ.get("OCP_FLEET_BASE_URL", "file:///tmp/ocp-fleet").rstrip("/")
STORAGE_CONN_ID = os.environ.get("OCP_FLEET_STORAGE_CONN_ID") or None

with DAG(
    dag_id="example_ocp_fleet",
    description="Daily log backup snapshots of every OCP cluster whose name matches a pattern.",
    schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),
    start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    params={"cluster_pattern": Param("*", type="string", description="shell-style pattern on cluster names")},
    tags=["ocp", "example"],
) as dag:

    @task
    def matching_clusters(pattern: str) -> list[int]:
        """The ids of OCP's clusters whose name matches ``pattern``."""
        from airflow_provider_ocp.hooks.ocp import OCPHook

        clusters = OCPHook().list_clusters()
        chosen = [c for c in clusters if fnmatch.fnmatchcase(str(c.get("name")), pattern)]
        print(f"{len(chosen)} of {len(clusters)} clusters match {pattern!r}: {[c.get('name') for c in chosen]}")
        return [int(c["id"]) for c in chosen]

    OCPLogBackupTasksOperator.partial(
        task_id="snapshot_cluster",
        mode="snapshot",
        output_path=BASE_URL + "/cluster_id={{ ocp_cluster_id }}/{{ ocp_partition }}/snapshot.jsonl",
        output_conn_id=STORAGE_CONN_ID,
    ).expand(cluster_id=matching_clusters("{{ params.cluster_pattern }}"))
