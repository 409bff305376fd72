"""The rules of the backup events: what fires when, and what is remembered so that nothing fires twice. Pure.

:func:`step` takes what was remembered about one cluster (a small JSON dict, or None), one observation of it and the
watch, and returns the events and what to remember next. :class:`~airflow_provider_ocp.triggers.events.
OCPLogBackupEventTrigger` calls it after each poll and stores the state; :mod:`~airflow_provider_ocp.log_backup.
event_reading` turns the gate's verdict into observations, so "delay" and "status" mean what they mean for the gate.

**Per watched tenant** (or the cluster-level unit of OCP 3.x), from its condition:

* ``behind`` (running, delay above the threshold): ``delay_above_threshold`` unless the breach was reported already;
* ``ok`` (running, delay at most the threshold): ``delay_recovered`` if a breach was reported;
* ``stopped`` (the latest task STOPPED, FAILED or INTERRUPTED): ``log_backup_stopped`` once per occurrence (status
  and the task's ``createTime``);
* ``behind`` or ``ok`` after a reported stop: ``log_backup_running``;
* ``unknown`` (ambiguous data, no clock, a status in between such as BEGINNING or STOPPING): nothing fires, nothing
  is forgotten: ambiguous data never fires a recovery.

A tenant first seen ``ok`` fires nothing (nothing to recover from). **Data backups** (``watch_data_backups``): a task
DONE or FAILED with a ``finishTime`` after the last one seen fires ``data_backup_finished`` once per task; the first
observation of a cluster only sets that mark (old backups are history, not news).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from airflow_provider_ocp.client.timestamps import isoformat_utc

Condition = Literal["ok", "behind", "stopped", "unknown"]
STOP_STATUSES = ("STOPPED", "FAILED", "INTERRUPTED")
DATA_FINISHED = ("DONE", "FAILED")
KINDS = ("delay_above_threshold", "delay_recovered", "log_backup_stopped", "log_backup_running", "data_backup_finished")


@dataclass(frozen=True)
class TenantObservation:
    """One unit's latest log backup task, judged (see :mod:`~airflow_provider_ocp.log_backup.event_reading`).

    :param tenant_id: OCP's tenant id; None for a tenant known by name only and for the cluster level.
    :param tenant_name: the tenant's name; None for the cluster level.
    :param condition: ``ok``, ``behind``, ``stopped`` or ``unknown``.
    :param status: OCP's status, upper case.
    :param delay: the gate's effective delay in seconds, None when unknown.
    :param checkpoint: the archive checkpoint, ISO UTC.
    :param created: the task's ``createTime``, ISO UTC: which occurrence a stop is.
    """

    tenant_id: int | None
    tenant_name: str | None
    condition: Condition
    status: str | None = None
    delay: float | None = None
    checkpoint: str | None = None
    created: str | None = None

    @property
    def key(self) -> str:
        """The unit's key in the state: ``id:<tenantId>``, ``name:<tenantName>`` or ``cluster``."""
        if self.tenant_id is not None:
            return f"id:{self.tenant_id}"
        return f"name:{self.tenant_name}" if self.tenant_name is not None else "cluster"


@dataclass(frozen=True)
class DataBackupObservation:
    """One data backup task (``dataBackupTasks``): ``task_id``, tenant, upper-case status, ``finished`` (aware)."""

    task_id: int
    tenant_id: int | None
    tenant_name: str | None
    status: str | None
    finished: datetime | None
    backup_type: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class ClusterObservation:
    """One poll of one cluster: its units, its data backups (None when not read) and OCP's clock (ISO UTC)."""

    cluster_id: int
    cluster_name: str | None
    observed_at: str
    tenants: tuple[TenantObservation, ...] = ()
    data_backups: tuple[DataBackupObservation, ...] | None = None


@dataclass(frozen=True)
class Watch:
    """Which units fire: every one (both None), else tenants listed by id or by name (the cluster level never)."""

    tenant_ids: tuple[int, ...] | None = None
    tenant_names: tuple[str, ...] | None = None

    def selects(self, tenant_id: int | None, tenant_name: str | None) -> bool:
        """Whether events of this tenant fire (the gate's ``tenant_ids``/``tenant_names`` rule)."""
        if self.tenant_ids is None and self.tenant_names is None:
            return True
        return tenant_id in (self.tenant_ids or ()) or tenant_name in (self.tenant_names or ())


def step(
    state: Mapping[str, Any] | None, seen: ClusterObservation, watch: Watch, threshold: float
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The events one observation fires, and the cluster's next state (``state`` itself is left as it was).

    :param state: what :func:`step` returned last for this cluster, or None (never seen, or nothing remembered).
    :param seen: the observation.
    :param watch: the tenants that fire.
    :param threshold: ``max_delay`` in seconds, carried into the events.
    """
    new: dict[str, Any] = copy.deepcopy(dict(state)) if isinstance(state, Mapping) else {}
    units = new["tenants"] = dict(new.get("tenants") or {})
    events: list[dict[str, Any]] = []
    for unit in _unambiguous(seen.tenants):
        if not watch.selects(unit.tenant_id, unit.tenant_name) or unit.condition == "unknown":
            continue
        memory = dict(units.get(unit.key) or {})
        kinds = _unit_kinds(unit, memory)
        units[unit.key] = memory
        events += [_unit_event(kind, seen, unit, threshold) for kind in kinds]
    if seen.data_backups is not None:
        fired, new["data"] = _data_step(new.get("data"), [b for b in seen.data_backups if _watched(b, watch)])
        events += [_data_event(seen, backup, threshold) for backup in fired]
    return events, new


def _unambiguous(units: tuple[TenantObservation, ...]) -> list[TenantObservation]:
    """One observation per unit; a unit observed twice in one poll, differently, is unknown (skipped)."""
    by_key: dict[str, list[TenantObservation]] = {}
    for unit in units:
        by_key.setdefault(unit.key, []).append(unit)
    return [seen[0] for seen in by_key.values() if all(other == seen[0] for other in seen)]


def _unit_kinds(unit: TenantObservation, memory: dict[str, Any]) -> list[str]:
    """Apply the per-unit rules to ``memory`` (updated in place) and return the kinds that fire."""
    if unit.condition == "stopped":
        occurrence = f"{unit.status}@{unit.created}"
        if memory.get("stop") == occurrence:
            return []
        memory["stop"] = occurrence
        return ["log_backup_stopped"]
    kinds = ["log_backup_running"] if memory.pop("stop", None) is not None else []
    if unit.condition == "behind" and memory.get("delay") != "above":
        kinds.append("delay_above_threshold")
    elif unit.condition == "ok" and memory.get("delay") == "above":
        kinds.append("delay_recovered")
    memory["delay"] = "above" if unit.condition == "behind" else "ok"
    return kinds


def _watched(backup: DataBackupObservation, watch: Watch) -> bool:
    return watch.selects(backup.tenant_id, backup.tenant_name)


def _data_step(memory: object, backups: list[DataBackupObservation]) -> tuple[list[DataBackupObservation], dict]:
    finished = [b for b in backups if b.status in DATA_FINISHED and b.finished is not None]
    latest = max((b.finished for b in finished), default=None)  # type: ignore[type-var]  # filtered above
    if not isinstance(memory, Mapping):  # first look: a mark, no news
        first = sorted({b.task_id for b in finished if b.finished == latest})
        return [], {"since": isoformat_utc(latest) if latest else None, "ids": first}
    since = _instant(memory.get("since"))
    known = set(memory.get("ids") or ()) if since is not None else set()
    fired = [
        b
        for b in finished
        if since is None or b.finished > since or (b.finished == since and b.task_id not in known)  # type: ignore[operator]
    ]
    fired = list({b.task_id: b for b in sorted(fired, key=lambda b: (b.finished, b.task_id))}.values())
    mark = max([m for m in (since, latest) if m is not None], default=None)
    ids = (known if mark == since else set()) | {b.task_id for b in finished if b.finished == mark}
    return fired, {"since": isoformat_utc(mark) if mark else None, "ids": sorted(ids)}


def _instant(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.utcoffset() is not None else None


def _unit_event(kind: str, seen: ClusterObservation, unit: TenantObservation, threshold: float) -> dict[str, Any]:
    occurrence = f"{unit.status}@{unit.created}" if kind == "log_backup_stopped" else f"{unit.checkpoint}"
    delay = "unknown" if unit.delay is None else f"{unit.delay:g}s"
    who = f"tenant {unit.tenant_name} ({unit.tenant_id})" if unit.key != "cluster" else "cluster-level log backup"
    where = f"cluster {seen.cluster_name} ({seen.cluster_id})" if seen.cluster_name else f"cluster {seen.cluster_id}"
    message = {
        "delay_above_threshold": f"log backup delay {delay} is above {threshold:g}s",
        "delay_recovered": f"log backup delay {delay} is back at or under {threshold:g}s",
        "log_backup_stopped": f"log backup is {unit.status}",
        "log_backup_running": f"log backup is {unit.status} again (delay {delay})",
    }[kind]
    return {
        **_base(kind, seen, unit.tenant_id, unit.tenant_name, threshold),
        "event_key": f"{kind}/{seen.cluster_id}/{unit.key}/{occurrence}",
        "status": unit.status,
        "delay": unit.delay,
        "checkpoint": unit.checkpoint,
        "message": f"{where}, {who}: {message}",
    }


def _data_event(seen: ClusterObservation, backup: DataBackupObservation, threshold: float) -> dict[str, Any]:
    finished = isoformat_utc(backup.finished) if backup.finished else None
    return {
        **_base("data_backup_finished", seen, backup.tenant_id, backup.tenant_name, threshold),
        "event_key": f"data_backup_finished/{seen.cluster_id}/{backup.task_id}/{backup.status}",
        "status": backup.status,
        "delay": None,
        "checkpoint": None,
        "task_id": backup.task_id,
        "backup_type": backup.backup_type,
        "finished_at": finished,
        "error": backup.error,
        "message": f"cluster {seen.cluster_id}, tenant {backup.tenant_name} ({backup.tenant_id}): "
        f"{backup.backup_type or 'data'} backup {backup.task_id} {backup.status} at {finished}",
    }


def _base(
    kind: str, seen: ClusterObservation, tenant_id: int | None, tenant_name: str | None, threshold: float
) -> dict[str, Any]:
    return {
        "kind": kind,
        "cluster_id": seen.cluster_id,
        "cluster_name": seen.cluster_name,
        "tenant_id": tenant_id,
        "tenant_name": tenant_name,
        "threshold": threshold,
        "observed_at": seen.observed_at,
    }
