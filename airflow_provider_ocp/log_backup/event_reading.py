"""From OCP's records to the observations the event rules (:mod:`~airflow_provider_ocp.log_backup.events`) judge.

Log backup tasks are read exactly as the gate reads them: :class:`~airflow_provider_ocp.log_backup.units.LatestTasks`
picks each unit's latest task and :func:`~airflow_provider_ocp.log_backup.gate.evaluate` judges it against
``max_delay``; :func:`condition_of` then sorts the unit's report into a condition:

* ``stopped``: an unambiguous latest task that is STOPPED, FAILED or INTERRUPTED;
* ``ok``: the gate would pass the unit (running, checkpoint readable and not in the future, delay <= threshold);
* ``behind``: the gate waits for the unit for its delay alone (running, OCP's clock known, checkpoint readable and
  not in the future, a delay above the threshold);
* ``unknown``: everything else (ambiguous latest task, no clock, unreadable checkpoint or delay, BEGINNING,
  STOPPING, a status this provider does not know). Unknown never fires anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from airflow_provider_ocp.client.timestamps import isoformat_utc
from airflow_provider_ocp.log_backup.criteria import GateCriteria, event_criteria
from airflow_provider_ocp.log_backup.delay import CLOCK_TOLERANCE
from airflow_provider_ocp.log_backup.events import (
    ClusterObservation,
    Condition,
    DataBackupObservation,
    TenantObservation,
)
from airflow_provider_ocp.log_backup.gate import evaluate
from airflow_provider_ocp.log_backup.units import LatestTasks
from airflow_provider_ocp.log_backup.verdict import GateVerdict, UnitReport

__all__ = ["condition_of", "event_criteria", "observation", "observe_data_backups", "observe_log_backup"]


def condition_of(report: UnitReport, verdict: GateVerdict, threshold: float) -> Condition:
    """A unit's condition (the module docstring's rule).

    :param report: the gate's report on the unit.
    :param verdict: the verdict it is part of (OCP's clock).
    :param threshold: ``max_delay`` in seconds.
    """
    if report.ambiguous:
        return "unknown"
    status = (report.status or "").strip().upper()
    if status in ("STOPPED", "FAILED", "INTERRUPTED"):
        return "stopped"
    if report.status_class != "healthy":
        return "unknown"
    if report.state == "caught_up":
        return "ok"
    clock, checkpoint = verdict.server_time, report.checkpoint
    if clock is None or checkpoint is None or report.delay is None:
        return "unknown"
    if checkpoint > clock + timedelta(seconds=CLOCK_TOLERANCE):
        return "unknown"
    return "behind" if report.delay > threshold else "unknown"


def observe_log_backup(
    table: LatestTasks, criteria: GateCriteria, cluster_id: int
) -> tuple[tuple[TenantObservation, ...], GateVerdict]:
    """The watched units of one cluster, judged as the gate judges them, and the gate's verdict.

    :param table: the cluster's latest tasks (fed a walk's pages).
    :param criteria: :func:`event_criteria`.
    :param cluster_id: the cluster.
    """
    verdict = evaluate(table, criteria, cluster_id=cluster_id)
    units = []
    for report in verdict.units:
        tenant_id, name = report.task.get("tenantId"), report.task.get("tenantName")
        created = report.task.get("createTime")
        units.append(
            TenantObservation(
                tenant_id=tenant_id if isinstance(tenant_id, int) else None,
                tenant_name=name if isinstance(name, str) else None,
                condition=condition_of(report, verdict, criteria.max_delay),
                status=(report.status or "").strip().upper() or None,
                delay=report.delay,
                checkpoint=isoformat_utc(report.checkpoint) if report.checkpoint else None,
                created=isoformat_utc(created) if isinstance(created, datetime) else None,
            )
        )
    return tuple(units), verdict


def observe_data_backups(records: Iterable[Mapping[str, Any]]) -> tuple[DataBackupObservation, ...]:
    """Normalised ``dataBackupTasks`` records as observations (records without a readable ``taskId`` are skipped).

    :param records: normalised records (times aware datetimes, ids integers).
    """
    seen = []
    for record in records:
        task_id, tenant_id, name = record.get("taskId"), record.get("tenantId"), record.get("tenantName")
        status, finished = record.get("status"), record.get("finishTime")
        if not isinstance(task_id, int) or isinstance(task_id, bool):
            continue
        seen.append(
            DataBackupObservation(
                task_id=task_id,
                tenant_id=tenant_id if isinstance(tenant_id, int) and not isinstance(tenant_id, bool) else None,
                tenant_name=name if isinstance(name, str) else None,
                status=status.strip().upper() if isinstance(status, str) else None,
                finished=finished if isinstance(finished, datetime) and finished.utcoffset() is not None else None,
                backup_type=_text(record.get("dataBackupTaskType")),
                error=_text(record.get("errorMsg")),
            )
        )
    return tuple(seen)


def observation(
    cluster_id: int,
    cluster_name: str | None,
    units: tuple[TenantObservation, ...],
    observed_at: datetime,
    data_backups: tuple[DataBackupObservation, ...] | None = None,
) -> ClusterObservation:
    """One cluster's observation (``observed_at``: OCP's clock, or the triggerer's when OCP sent none)."""
    return ClusterObservation(cluster_id, cluster_name, isoformat_utc(observed_at), units, data_backups)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
