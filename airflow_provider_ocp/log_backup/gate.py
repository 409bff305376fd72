"""The log backup gate: when has log backup caught up enough to go ahead (restore, failover drill, export)?

This module is the ONE implementation of the condition, shared by
:class:`~airflow_provider_ocp.sensors.log_backup.OCPLogBackupDelaySensor` (on a worker) and
:class:`~airflow_provider_ocp.triggers.log_backup.OCPLogBackupDelayTrigger` (in the triggerer). It is pure: it
takes the normalised task records of one cluster (see :mod:`~airflow_provider_ocp.log_backup.records`) and OCP's
clock, and returns a :class:`GateVerdict`; it sends no request and reads no connection.

The rules:

* Tasks are grouped into *units*: one per tenant (by ``tenantId``, else ``tenantName``), plus one cluster-level
  unit for tasks with no tenant fields (OCP 3.x). Only the **latest** task of a unit (by ``createTime``) counts, so a
  tenant's old STOPPED tasks never fail the gate while its current task runs.
* Statuses are an open set: RUNNING/INPROGRESS/DOING are healthy, BEGINNING/STARTING starting, STOPPING/STOPPED
  stopped, FAILED/INTERRUPTED failed; anything else is ``unknown`` (not yet done, with a warning).
* A unit whose status is in ``fail_on_status`` fails the gate at once. Otherwise a unit is ready when it is healthy,
  has a checkpoint, its delay is at most ``max_delay`` and its checkpoint is at or after ``target_time`` (if given).
  A missing ``delay`` is computed as OCP's clock (the envelope ``timestamp``) minus ``checkpoint``. A delay that
  is not a finite number never counts (the unit waits). A negative delay (checkpoint ahead of OCP's clock: clock
  skew) counts as 0 up to ``CLOCK_SKEW_TOLERANCE`` (5 minutes); beyond, the unit waits.
* A unit with a task whose ``createTime`` cannot be read is never ready: that task might be the current one.
* The gate is done when every selected unit is ready; a selected tenant without any task keeps it waiting.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from airflow_provider_ocp.client.timestamps import isoformat_utc
from airflow_provider_ocp.log_backup.criteria import (
    DEFAULT_FAIL_ON_STATUS,
    GateCriteria,
    classify_status,
    validate_max_delay,
)
from airflow_provider_ocp.log_backup.records import ID_FIELDS
from airflow_provider_ocp.log_backup.verdict import GateVerdict, UnitReport, UnitState, log_verdict

CLOCK_SKEW_TOLERANCE = 300.0  # seconds a checkpoint may be ahead of OCP's clock and still count as caught up


def unit_key(task: Mapping[str, Any]) -> tuple[str, object]:
    """The unit a task belongs to: its tenant, or the cluster-level unit when it has no tenant fields.

    :param task: a normalised record.
    """
    if task.get("tenantId") is not None:
        return ("tenant", task["tenantId"])
    if task.get("tenantName") is not None:
        return ("tenant-name", task["tenantName"])
    return ("cluster", task.get("clusterId"))


def _recency(task: Mapping[str, Any]) -> tuple[bool, datetime, bool, datetime]:
    """Sort key: tasks with a readable ``createTime`` first by it (as naive UTC), then by ``modifyTime``."""

    def instant(value: object) -> tuple[bool, datetime]:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return True, value.replace(tzinfo=None) - (value.utcoffset() or timedelta())
        return False, datetime.min

    return (*instant(task.get("createTime")), *instant(task.get("modifyTime")))


def latest_tasks(tasks: Iterable[Mapping[str, Any]]) -> dict[tuple[str, object], Mapping[str, Any]]:
    """The latest task (by ``createTime``, then ``modifyTime``) of each unit.

    :param tasks: normalised records of one cluster.
    """
    latest: dict[tuple[str, object], Mapping[str, Any]] = {}
    for task in tasks:
        key = unit_key(task)
        if key not in latest or _recency(task) > _recency(latest[key]):
            latest[key] = task
    return latest


def unit_label(task: Mapping[str, Any]) -> str:
    """How logs and messages name a unit.

    :param task: a normalised record.
    """
    if task.get("tenantId") is None and task.get("tenantName") is None:
        return f"cluster-level backup of cluster {task.get('clusterId')}"
    return f"tenant {task.get('tenantName')} (tenantId {task.get('tenantId')})"


def effective_delay(
    raw: object, checkpoint: datetime | None, server_time: datetime | None
) -> tuple[float | None, str | None, str | None]:
    """The unit's delay, where it came from (``ocp`` or ``computed``), and why it cannot be used, if so.

    Shared by the gate and the operator's snapshot mode, so a snapshot records the delay the gate would judge.

    A delay that is not a finite number never counts. A negative delay means the checkpoint is ahead of OCP's clock:
    clock skew between OceanBase and OCP. Up to ``CLOCK_SKEW_TOLERANCE`` it counts as 0 (caught up); beyond, the
    clocks are too far apart to judge, and the unit waits.
    """
    if raw is None:
        if checkpoint is None or server_time is None:
            return None, None, None
        delay, source = round((server_time - checkpoint).total_seconds(), 4), "computed"
    elif isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(raw):
        delay, source = float(raw), "ocp"
    else:
        return None, None, f"OCP sent a delay that is not a number of seconds ({raw!r}); waiting for a usable one"
    if delay >= 0:
        return delay, source, None
    if delay >= -CLOCK_SKEW_TOLERANCE:
        return 0.0, source, None
    return (
        delay,
        source,
        (
            f"delay {delay:g}s is negative beyond the {CLOCK_SKEW_TOLERANCE:g}s allowed for clock skew: OceanBase's "
            "and OCP's clocks disagree; waiting"
        ),
    )


def judge_unit(
    task: Mapping[str, Any], server_time: datetime | None, criteria: GateCriteria, unrankable: object = None
) -> UnitReport:
    """Judge the latest task of one unit.

    :param task: a normalised record.
    :param server_time: OCP's clock, to compute a delay OCP left out.
    :param criteria: what "caught up" means.
    :param unrankable: the unreadable ``createTime`` of another task of the unit, if any: the unit cannot be ready
        then, since that task might be the current one.
    """
    status = task.get("status")
    status_text = status.strip().upper() if isinstance(status, str) else None
    status_class = classify_status(status)
    checkpoint = task.get("checkpoint") if isinstance(task.get("checkpoint"), datetime) else None
    delay, delay_source, delay_problem = effective_delay(task.get("delay"), checkpoint, server_time)
    error_msg = task.get("errorMsg")
    state: UnitState = "waiting"
    if status_text is not None and status_text in criteria.fail_on_status:
        state = "failed"
        detail = f"errorMsg {error_msg!r}" if error_msg else "OCP gave no errorMsg"
        reason = f"log backup is {status_text} ({detail})"
    elif status_class != "healthy":
        reason = {
            "starting": f"log backup is {status_text}, not running yet",
            "stopped": f"log backup is {status_text}; waiting for it to run again",
            "failed": f"log backup is {status_text} (not in fail_on_status); waiting for it to run again",
            "unknown": f"status {status!r} is not one this provider knows; treated as not running yet",
        }[status_class]
    elif checkpoint is None:
        reason = "OCP reports no checkpoint yet"
    elif delay_problem is not None:
        reason = delay_problem
    elif delay is None:
        reason = "the delay is unknown (no delay from OCP and no server time to compute it)"
    elif delay > criteria.max_delay:
        reason = f"delay {delay:g}s is above max_delay {criteria.max_delay:g}s"
    elif criteria.target_time is not None and checkpoint < criteria.target_time:
        reason = f"checkpoint {isoformat_utc(checkpoint)} is before target_time {isoformat_utc(criteria.target_time)}"
    elif unrankable is not None:
        reason = (
            f"another task of this unit has a createTime that cannot be read ({unrankable!r}), so which task is "
            "current cannot be told; waiting"
        )
    else:
        state, reason = "ready", f"delay {delay:g}s <= max_delay {criteria.max_delay:g}s"
        if criteria.target_time is not None:
            reason += f", checkpoint at or after target_time {isoformat_utc(criteria.target_time)}"
    identity = {name: task.get(name) for name in (*ID_FIELDS, "tenantName", "createTime")}
    return UnitReport(
        label=unit_label(task),
        state=state,
        reason=reason,
        status=status if isinstance(status, str) else None,
        status_class=status_class,
        delay=delay,
        delay_source=delay_source,
        checkpoint=checkpoint,
        error_msg=error_msg if isinstance(error_msg, str) else None,
        task=identity,
    )


def _select(
    latest: Mapping[tuple[str, object], Mapping[str, Any]], criteria: GateCriteria
) -> tuple[list[Mapping[str, Any]], list[str]]:
    if not criteria.filtered:
        return list(latest.values()), []
    ids, names = set(criteria.tenant_ids or ()), set(criteria.tenant_names or ())
    selected = [
        task
        for task in latest.values()
        if (task.get("tenantId") is not None and task.get("tenantId") in ids)
        or (task.get("tenantName") is not None and task.get("tenantName") in names)
    ]
    seen_ids = {task.get("tenantId") for task in selected}
    seen_names = {task.get("tenantName") for task in selected}
    missing = [f"tenantId {tenant}" for tenant in criteria.tenant_ids or () if tenant not in seen_ids]
    missing += [f"tenant name {name!r}" for name in criteria.tenant_names or () if name not in seen_names]
    return selected, missing


def evaluate(
    tasks: Sequence[Mapping[str, Any]],
    server_time: datetime | None,
    criteria: GateCriteria,
    cluster_id: int | None = None,
) -> GateVerdict:
    """Judge a snapshot of a cluster's log backup tasks.

    :param tasks: every normalised log backup task of the cluster (history included).
    :param server_time: OCP's clock at the snapshot (the envelope ``timestamp``).
    :param criteria: what "caught up" means.
    :param cluster_id: the cluster, for messages and the XCom value.
    """
    latest = latest_tasks(tasks)
    selected, missing = _select(latest, criteria)
    unrankable = {
        unit_key(task): task["createTime"]
        for task in tasks
        if task.get("createTime") is not None and not isinstance(task.get("createTime"), datetime)
    }
    reports = tuple(
        sorted(
            (judge_unit(task, server_time, criteria, unrankable.get(unit_key(task))) for task in selected),
            key=lambda report: (str(report.task.get("tenantName") or ""), str(report.task.get("tenantId") or "")),
        )
    )
    warnings = [f"selected {what} has no log backup task yet; waiting for one" for what in missing]
    if missing and any(key[0] == "cluster" for key in latest):
        warnings.append("cluster has cluster-level log backup tasks only, which no tenant filter selects")
    warnings += [f"{r.label}: {r.reason}" for r in reports if r.status_class == "unknown"]
    where = f"cluster {cluster_id}" if cluster_id is not None else "the cluster"
    failed = [r for r in reports if r.state == "failed"]
    if failed:
        message = f"Log backup of {where} failed the gate: " + "; ".join(f"{r.label}: {r.reason}" for r in failed)
        return GateVerdict("failed", reports, message, tuple(warnings), cluster_id, server_time)
    if not reports and not missing:
        warnings.append(f"{where} has no log backup task yet; waiting for one")
    waiting = [r for r in reports if r.state != "ready"]
    if waiting or missing or not reports:
        parts = [f"{r.label}: {r.reason}" for r in waiting] + [f"{what}: no task yet" for what in missing]
        message = f"Log backup of {where} has not caught up: " + ("; ".join(parts) or "no log backup task yet")
        if missing:
            known = sorted(unit_label(task) for key, task in latest.items() if key[0] != "cluster")
            message += f". Tenants OCP has log backup tasks for: {', '.join(known) or 'none'}"
        return GateVerdict("waiting", reports, message, tuple(warnings), cluster_id, server_time)
    message = f"Log backup of {where} has caught up (max_delay {criteria.max_delay:g}s) for {len(reports)} unit(s)"
    return GateVerdict("done", reports, message, tuple(warnings), cluster_id, server_time)


__all__ = [
    "DEFAULT_FAIL_ON_STATUS",
    "GateCriteria",
    "GateVerdict",
    "UnitReport",
    "classify_status",
    "evaluate",
    "judge_unit",
    "latest_tasks",
    "log_verdict",
    "validate_max_delay",
]
