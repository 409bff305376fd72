"""Gate a point-in-time restore on OCP log backup: wait until it has caught up, then restore to its checkpoint.

``wait_for_log_backup`` waits (deferred, without holding a worker slot) until the log backup of the selected tenants
is running with a checkpoint delay of at most ``max_delay_seconds`` and a checkpoint at or after the restore point
(``restore_point``, or the moment the run was triggered). It fails at once if log backup FAILED, was INTERRUPTED or
is STOPPED/STOPPING: a restore would not get the data it needs, and waiting hours would not change that.

``restore`` receives the sensor's XCom value. Its ``checkpoint`` is the earliest checkpoint of all selected tenants,
the latest instant every tenant can be restored to. This example only prints what a restore would use.

Set up a connection ``ocp_default`` of type ``ocp`` first (or run against the emulator:
``python -m airflow_provider_ocp.testing``). ``OCP_GATE_POKE_INTERVAL`` (seconds, default 60, read when the file is
parsed) sets how often the triggerer asks OCP; demos and tests use a few seconds.
"""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.sdk import Param, dag, task

from airflow_provider_ocp.sensors.log_backup import OCPLogBackupDelaySensor


@dag(
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    tags=["ocp", "example", "restore"],
    params={
        "cluster_id": Param(1000001, type="integer", minimum=1, description="OCP cluster id"),
        "max_delay_seconds": Param(300, type="number", minimum=0, description="Largest acceptable delay"),
        "restore_point": Param(
            None,
            type=["null", "string"],
            description="ISO-8601 instant with offset to restore to; empty: when the run was triggered",
        ),
    },
    doc_md=__doc__,
)
def example_ocp_restore_gate() -> None:
    """A restore guarded by the log backup delay sensor."""
    gate = OCPLogBackupDelaySensor(
        task_id="wait_for_log_backup",
        ocp_conn_id="ocp_default",
        cluster_id="{{ params.cluster_id }}",
        tenant_names=["tenant_1"],
        max_delay="{{ params.max_delay_seconds }}",
        target_time="{{ params.restore_point or dag_run.run_after }}",
        deferrable=True,
        poke_interval=float(os.environ.get("OCP_GATE_POKE_INTERVAL", "60")),
        timeout=2 * 60 * 60,
    )

    @task
    def restore(gate_result: dict[str, Any]) -> str:
        """Print the restore point the gate vouched for (a real DAG would start OCP's restore here)."""
        restore_point: str = gate_result["checkpoint"]
        for unit in gate_result["units"]:
            print(
                f"tenant {unit['tenant_name']} (tenantId {unit['tenant_id']}): {unit['status']}, "
                f"delay {unit['delay']}s, checkpoint {unit['checkpoint']}"
            )
        print(f"Would restore cluster {gate_result['cluster_id']} to {restore_point}")
        return restore_point

    restore(gate.output)


example_ocp_restore_gate()
