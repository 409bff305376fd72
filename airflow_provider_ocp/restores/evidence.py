"""A restore drill's evidence: what was asked for, what was achieved, and where OCP keeps the record.

Built from the two XComs a drill already has, the gate's (:class:`~airflow_provider_ocp.sensors.log_backup.
OCPLogBackupDelaySensor`) and the restore's (:class:`~airflow_provider_ocp.operators.restore.OCPRestoreTenantOperator`),
so an auditor can read one JSON document per drill:

- **requested RPO**: how far before the drill's start the restore point was asked to be (``requested_rpo_seconds``);
- **achieved RPO**: how far before the drill's start the restored tenant actually ends (``drill_started_at`` minus
  OCP's restore point); a drill passes its RPO when achieved is at most requested;
- **log backup delay at the gate**: the largest checkpoint delay the gate saw when it let the restore go (what a real
  disaster at that moment would have lost);
- **RTO**: how long OCP's restore task ran (``finished_at`` minus ``started_at``, OCP's own times).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from airflow_provider_ocp.client.timestamps import isoformat_utc
from airflow_provider_ocp.validation import coerce_instant


def drill_evidence(
    gate: Mapping[str, Any],
    restore: Mapping[str, Any],
    *,
    drill_started_at: datetime | str,
    requested_rpo_seconds: float,
) -> dict[str, Any]:
    """The evidence report of one drill (see the module docstring); times as ISO-8601 UTC, durations in seconds.

    :param gate: the gate's XCom (``cluster_id``, ``delay``, ``checkpoint``, ``units``).
    :param restore: the restore operator's XCom (``ocp_task_id``, ``status``, ``restore_end_time``,
        ``restore_tenant_name``, ``restore_cluster_id``, ``started_at``, ``finished_at``, ``url``).
    :param drill_started_at: when the drill started (the DAG run's ``run_after``).
    :param requested_rpo_seconds: how far before ``drill_started_at`` the restore point was asked to be.
    """
    started = coerce_instant(drill_started_at, "drill_started_at")
    restore_point = coerce_instant(restore["restore_end_time"], "restore_end_time")
    achieved = (started - restore_point).total_seconds()
    ran_from, ran_to = restore.get("started_at"), restore.get("finished_at")
    rto = None
    if ran_from and ran_to:
        rto = (coerce_instant(ran_to, "finished_at") - coerce_instant(ran_from, "started_at")).total_seconds()
    return {
        "drill_started_at": isoformat_utc(started),
        "backup_cluster_id": gate.get("cluster_id"),
        "restore_point": isoformat_utc(restore_point),
        "restored_tenant": restore.get("restore_tenant_name"),
        "restore_cluster_id": restore.get("restore_cluster_id"),
        "status": restore.get("status"),
        "requested_rpo_seconds": float(requested_rpo_seconds),
        "achieved_rpo_seconds": achieved,
        "rpo_met": achieved <= float(requested_rpo_seconds),
        "log_backup_delay_at_gate_seconds": gate.get("delay"),
        "log_backup_checkpoint_at_gate": gate.get("checkpoint"),
        "rto_seconds": rto,
        "ocp_task_id": restore.get("ocp_task_id"),
        "ocp_task_url": restore.get("url"),
    }
