"""A restore drill: wait until log backup covers the restore point, restore into a scratch tenant, keep the evidence.

1. ``wait_for_log_backup`` (deferred) waits until the backed-up tenant's log backup has archived past the restore
   point with a delay of at most ``max_delay_seconds``, and until OCP lists the restore point in the tenant's
   recoverable window; it fails at once if the point can never be restored (before the oldest backup kept).
2. ``restore`` restores that point into a new tenant (deferred while OCP's task runs; an Airflow retry re-attaches
   to the restore the first try started instead of starting a second one).
3. ``evidence`` writes one JSON report per run (requested vs achieved RPO, the log backup delay at the gate, the
   restore's duration as RTO, OCP's task id and link) to ``<OCP_DRILL_EVIDENCE_URL>/<dag_run_id>.json`` and emits an
   event on the Asset ``ocp_restore_drill_evidence``, so an audit or alerting DAG can be scheduled on it.

The restore point is ``restore_point`` when given, else ``rpo_minutes`` (the requested RPO) before the run was
triggered. The scratch
tenant is named ``drill_<YYYYmmddHHMMSS>`` of the run; drop it in OCP when the drill is reviewed.

Configuration (environment variables, read when the file is parsed): ``OCP_DRILL_TENANT`` (the backed-up tenant's
name, default ``tenant_1``), ``OCP_DRILL_EVIDENCE_URL`` (default
``file:///tmp/ocp-restore-drills``; any ``ObjectStoragePath`` URL, e.g. ``s3://bucket/drills`` with
``OCP_DRILL_STORAGE_CONN_ID``), ``OCP_DRILL_POLL_SECONDS`` (default 30: how often the triggerer asks OCP; demos and
tests use a few seconds). The OCP connection is ``ocp_default``.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pendulum
from airflow.sdk import Asset, Param, dag, task

from airflow_provider_ocp.operators.restore import OCPRestoreTenantOperator
from airflow_provider_ocp.sensors.log_backup import OCPLogBackupDelaySensor

EVIDENCE_URL = os.environ.get("OCP_DRILL_EVIDENCE_URL", "file:///tmp/ocp-restore-drills").rstrip("/")
STORAGE_CONN_ID = os.environ.get("OCP_DRILL_STORAGE_CONN_ID") or None
TENANT = os.environ.get("OCP_DRILL_TENANT", "tenant_1")
POLL_SECONDS = float(os.environ.get("OCP_DRILL_POLL_SECONDS", "30"))
EVIDENCE = Asset("ocp_restore_drill_evidence")
RESTORE_POINT = (
    "{{ params.restore_point or (dag_run.run_after - macros.timedelta(minutes=params.rpo_minutes)).isoformat() }}"
)


@dag(
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["ocp", "example", "restore"],
    params={
        "cluster_id": Param(1000001, type="integer", minimum=1, description="OCP id of the backed-up cluster"),
        "restore_point": Param(
            None, type=["null", "string"], description="ISO-8601 instant with offset; empty: rpo_minutes before the run"
        ),
        "rpo_minutes": Param(15, type="number", minimum=0, description="Requested RPO when restore_point is empty"),
        "max_delay_seconds": Param(300, type="number", minimum=0, description="Largest acceptable log backup delay"),
        "zones": Param(["zone1"], type="array", description="Zones of the scratch tenant"),
        "unit_spec_name": Param("S1", type="string", description="Resource unit spec of the scratch tenant"),
    },
    doc_md=__doc__,
    render_template_as_native_obj=True,  # zones stay a list
)
def example_ocp_restore_drill() -> None:
    """Gate, restore, evidence."""
    gate = OCPLogBackupDelaySensor(
        task_id="wait_for_log_backup",
        cluster_id="{{ params.cluster_id }}",
        tenant_names=[TENANT],
        max_delay="{{ params.max_delay_seconds }}",
        target_time=RESTORE_POINT,
        check_recoverable=True,
        deferrable=True,
        poke_interval=POLL_SECONDS,
        timeout=2 * 60 * 60,
    )
    restore = OCPRestoreTenantOperator(
        task_id="restore",
        cluster_id="{{ params.cluster_id }}",
        backup_tenant_name=TENANT,
        restore_tenant_name="drill_{{ dag_run.run_after.strftime('%Y%m%d%H%M%S') }}",
        restore_end_time=RESTORE_POINT,
        zones="{{ params.zones }}",
        unit_spec_name="{{ params.unit_spec_name }}",
        deferrable=True,
        poll_interval=POLL_SECONDS,
        retries=2,
    )

    @task(outlets=[EVIDENCE])
    def evidence(gate_result: dict[str, Any], restore_result: dict[str, Any], **context: Any) -> dict[str, Any]:
        """Write the drill's evidence report and return it."""
        from airflow.providers.common.compat.sdk import ObjectStoragePath

        from airflow_provider_ocp.restores.evidence import drill_evidence

        params, dag_run = context["params"], context["dag_run"]
        report = drill_evidence(
            gate_result,
            restore_result,
            drill_started_at=dag_run.run_after,
            requested_rpo_seconds=float(params["rpo_minutes"]) * 60,
        )
        target = ObjectStoragePath(f"{EVIDENCE_URL}/{dag_run.run_id}.json", conn_id=STORAGE_CONN_ID)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(report, indent=2))  # one small document: one write (one PUT on object stores)
        for key, value in report.items():
            print(f"{key:<34} {value}")
        print(f"Evidence: {target}")
        context["outlet_events"][EVIDENCE].extra = {"path": str(target), "rpo_met": report["rpo_met"]}
        return report

    gate >> restore
    evidence(gate.output, restore.output)


example_ocp_restore_drill()
