"""The log backup gate: has log backup caught up enough to go ahead (restore, failover drill, export)?

The ONE implementation of the condition, shared by
:class:`~airflow_provider_ocp.sensors.log_backup.OCPLogBackupDelaySensor` (on a worker) and
:class:`~airflow_provider_ocp.triggers.log_backup.OCPLogBackupDelayTrigger` (in the triggerer). Pure: it takes the
normalised tasks of one cluster and OCP's clock and returns a :class:`GateVerdict`; it sends no request.

**The rule.** The gate passes only if, for every selected unit (tenant, or the cluster level),

1. the unit's latest task is known: no task that might be newer is in doubt (a missing or unreadable ``createTime``,
   an unreadable or ambiguous tenant identity, a task left out by the tenant filter that carries only the identity
   field this unit lacks: see :mod:`~airflow_provider_ocp.log_backup.units`), and tasks tied at the latest
   ``createTime`` do not disagree on the status;
2. that task is in a running status (RUNNING, INPROGRESS, DOING);
3. its checkpoint is readable and not after OCP's clock by more than
   :data:`~airflow_provider_ocp.log_backup.delay.CLOCK_TOLERANCE` (5 minutes); without OCP's clock this cannot be
   checked, and the unit waits;
4. its effective delay (:func:`~airflow_provider_ocp.log_backup.delay.effective_delay`: OCP's ``delay``, but never
   less than OCP's clock minus the checkpoint beyond the clock tolerance) is a finite number of seconds at most
   ``max_delay``;
5. with ``target_time``, its checkpoint is at or after ``target_time``.

Tasks tied at the latest ``createTime`` with one status are each judged; the worst decides. A selected unit whose
latest task's status is in ``fail_on_status`` fails the gate at once. A selected tenant OCP has no task for fails it at
once too (a typo never resolves), unless ``wait_for_missing_tenants`` asks to wait for it. Anything else not caught up
keeps the gate waiting, with the reason naming the tenant and the field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from airflow_provider_ocp.client.timestamps import isoformat_utc
from airflow_provider_ocp.log_backup.criteria import GateCriteria, classify_status
from airflow_provider_ocp.log_backup.delay import CLOCK_TOLERANCE, effective_delay
from airflow_provider_ocp.log_backup.records import ID_FIELDS
from airflow_provider_ocp.log_backup.units import LatestTasks, Unit
from airflow_provider_ocp.log_backup.verdict import GateVerdict, UnitReport, UnitState, log_verdict

_WORST_FIRST = {"failed": 0, "waiting": 1, "caught_up": 2}


def status_text(task: Mapping[str, Any]) -> str | None:
    """The task's status, trimmed and upper case (OCP's case varies); None when it is not text.

    :param task: a normalised record.
    """
    status = task.get("status")
    return status.strip().upper() if isinstance(status, str) else None


def judge_task(task: Mapping[str, Any], server_time: datetime | None, criteria: GateCriteria) -> tuple[UnitState, str]:
    """Rules 2 to 5 of the module docstring for one task, in that order: the state and the reason.

    :param task: a normalised record, the latest of its unit.
    :param server_time: OCP's clock at the response.
    :param criteria: what "caught up" means.
    """
    status = status_text(task)
    if status is not None and status in criteria.fail_on_status:
        return "failed", f"log backup is {status} ({_error_detail(task)})"
    status_class = classify_status(status)
    if status_class != "healthy":
        return "waiting", {
            "starting": f"log backup is {status}, not running yet",
            "stopped": f"log backup is {status}; waiting for it to run again",
            "failed": f"log backup is {status} (not in fail_on_status); waiting for it to run again",
            "unknown": f"status {task.get('status')!r} is not one this provider knows; treated as not running yet",
        }[status_class]
    checkpoint = task.get("checkpoint")
    if not isinstance(checkpoint, datetime):
        return "waiting", f"checkpoint {checkpoint!r} is not a readable instant"
    if server_time is None:
        return "waiting", "OCP sent no clock (envelope timestamp), so a checkpoint in the future cannot be ruled out"
    if checkpoint > server_time + timedelta(seconds=CLOCK_TOLERANCE):
        return "waiting", (
            f"checkpoint {isoformat_utc(checkpoint)} is after OCP's clock {isoformat_utc(server_time)} by more than "
            f"{CLOCK_TOLERANCE:g}s: OceanBase's and OCP's clocks disagree"
        )
    delay = effective_delay(task.get("delay"), checkpoint, server_time)
    if delay.seconds is None:
        return "waiting", str(delay.problem)
    if delay.seconds > criteria.max_delay:
        return "waiting", f"delay {delay.seconds:g}s is above max_delay {criteria.max_delay:g}s"
    if criteria.target_time is not None and checkpoint < criteria.target_time:
        return "waiting", (
            f"checkpoint {isoformat_utc(checkpoint)} is before target_time {isoformat_utc(criteria.target_time)}"
        )
    return "caught_up", f"delay {delay.seconds:g}s <= max_delay {criteria.max_delay:g}s" + (
        f", checkpoint at or after target_time {isoformat_utc(criteria.target_time)}" if criteria.target_time else ""
    )


def judge_unit(unit: Unit, server_time: datetime | None, criteria: GateCriteria) -> UnitReport:
    """The whole rule for one unit: rule 1, then rules 2 to 5 for each latest task, the worst deciding.

    :param unit: the unit and its latest task(s).
    :param server_time: OCP's clock at the response.
    :param criteria: what "caught up" means.
    """
    if not unit.latest:
        reason = f"{unit.doubt.reason if unit.doubt else 'no task'}: no task with a readable createTime to judge"
        return _report(unit, {}, "waiting", reason, server_time, ambiguous=True)
    if unit.doubt is not None:
        reason = f"{unit.doubt.reason} might be its current task; waiting until OCP's data is unambiguous"
        return _report(unit, unit.latest[0], "waiting", reason, server_time, ambiguous=True)
    statuses = sorted({repr(status_text(task) or task.get("status")) for task in unit.latest})
    if len(statuses) > 1:
        reason = f"{len(unit.latest)} tasks share the latest createTime with different statuses ({', '.join(statuses)})"
        reason += "; which is current cannot be told"
        return _report(unit, unit.latest[0], "waiting", reason, server_time, ambiguous=True)
    reports = [_report(unit, task, *judge_task(task, server_time, criteria), server_time) for task in unit.latest]
    return min(reports, key=_worst_first)


def evaluate(table: LatestTasks, criteria: GateCriteria, cluster_id: int | None = None) -> GateVerdict:
    """Judge a cluster's log backup tasks (the rule is in the module docstring).

    :param table: the latest task(s) of each unit and OCP's clock, fed a walk's pages
        (:meth:`LatestTasks.take`) or built from a list (:meth:`LatestTasks.of`).
    :param criteria: what "caught up" means.
    :param cluster_id: the cluster, for messages and the XCom value.
    """
    server_time = table.server_time
    units = table.units()
    left_out = [unit for unit in units if not _selected(unit, criteria)]
    chosen = [unit.doubted_by(o for o in left_out if unit.might_be(o)) for unit in units if _selected(unit, criteria)]
    reports = tuple(sorted((judge_unit(unit, server_time, criteria) for unit in chosen), key=_order))
    where = f"cluster {cluster_id}" if cluster_id is not None else "the cluster"
    known = ", ".join(sorted(u.label for u in units if not u.cluster_level)) or "none"
    unsure = table.doubt_everywhere
    warnings = [f"{r.label}: {r.reason}" for r in reports if r.ambiguous or r.status_class == "unknown"]
    warnings += [f"{unsure.reason} names no readable tenant: it might be any tenant's current task"] if unsure else []
    missing = _missing(units, criteria)
    if missing and any(unit.cluster_level for unit in units):
        warnings.append("the cluster has cluster-level log backup tasks, which no tenant filter selects")
    failed = [f"{r.label}: {r.reason}" for r in reports if r.state == "failed"]
    if missing and not criteria.wait_for_missing_tenants and unsure is None:
        failed.append(
            f"selected {' and '.join(missing)} not among the tenants OCP has log backup tasks for ({known}). "
            "Correct tenant_ids/tenant_names, or set wait_for_missing_tenants=True to wait for a tenant whose log "
            "backup has not started yet"
        )
    if failed:
        message = f"Log backup of {where} failed the gate: " + "; ".join(failed)
        return GateVerdict("failed", reports, message, tuple(warnings), cluster_id, server_time)
    waiting = [f"{r.label}: {r.reason}" for r in reports if r.state != "caught_up"]
    waiting += [f"selected {what}: no log backup task yet (tenants OCP knows: {known})" for what in missing]
    # Filtered, a task naming no readable tenant matters only where it could be a selected unit's current task
    # (each unit's doubt, above); unfiltered, it may be a tenant no other task shows, which the gate cannot judge.
    waiting += [f"{unsure.reason} names no readable tenant"] if unsure and not criteria.filtered else []
    waiting += [] if units or unsure else [f"{where} has no log backup task yet"]
    if waiting:
        warnings += [reason for reason in waiting if "no log backup task yet" in reason]
        message = f"Log backup of {where} has not caught up: " + "; ".join(waiting)
        return GateVerdict("waiting", reports, message, tuple(warnings), cluster_id, server_time)
    message = f"Log backup of {where} has caught up (max_delay {criteria.max_delay:g}s) for {len(reports)} unit(s)"
    return GateVerdict("caught_up", reports, message, tuple(warnings), cluster_id, server_time)


def _worst_first(report: UnitReport) -> tuple[int, float, float]:
    """Failed, then waiting, then caught up; among caught-up ties, the earliest checkpoint (the safe restore point)."""
    checkpoint = report.checkpoint.timestamp() if report.checkpoint is not None else math.inf
    return _WORST_FIRST[report.state], checkpoint, -(report.delay or 0.0)


def _selected(unit: Unit, criteria: GateCriteria) -> bool:
    if not criteria.filtered:
        return True
    return unit.tenant_id in (criteria.tenant_ids or ()) or not set(unit.names).isdisjoint(criteria.tenant_names or ())


def _missing(units: list[Unit], criteria: GateCriteria) -> list[str]:
    ids = {unit.tenant_id for unit in units}
    names = {name for unit in units for name in unit.names}
    missing = [f"tenantId {tenant}" for tenant in criteria.tenant_ids or () if tenant not in ids]
    return missing + [f"tenant name {name!r}" for name in criteria.tenant_names or () if name not in names]


def _order(report: UnitReport) -> tuple[str, str]:
    return str(report.task.get("tenantName") or ""), str(report.task.get("tenantId") or "")


def _error_detail(task: Mapping[str, Any]) -> str:
    error_msg = task.get("errorMsg")
    return f"errorMsg {error_msg!r}" if error_msg else "OCP gave no errorMsg"


def _report(
    unit: Unit,
    task: Mapping[str, Any],
    state: UnitState,
    reason: str,
    server_time: datetime | None,
    *,
    ambiguous: bool = False,
) -> UnitReport:
    status, checkpoint, error_msg = task.get("status"), task.get("checkpoint"), task.get("errorMsg")
    checkpoint = checkpoint if isinstance(checkpoint, datetime) else None
    delay = effective_delay(task.get("delay"), checkpoint, server_time)
    identity = {name: task.get(name) for name in (*ID_FIELDS, "tenantName", "createTime")}
    identity["tenantId"] = unit.tenant_id if unit.tenant_id is not None else identity["tenantId"]
    return UnitReport(
        label=unit.label,
        state=state,
        reason=reason,
        status=status if isinstance(status, str) else None,
        status_class=classify_status(status),
        delay=delay.seconds,
        delay_source=delay.source if delay.seconds is not None else None,
        checkpoint=checkpoint,
        error_msg=error_msg if isinstance(error_msg, str) else None,
        task=identity,
        ambiguous=ambiguous,
    )


__all__ = ["GateCriteria", "GateVerdict", "LatestTasks", "evaluate", "judge_task", "judge_unit", "log_verdict"]
