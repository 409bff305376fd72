"""The oracle of the gate's property tests (tests/log_backup/test_properties_gate_*.py).

It states the rule of :mod:`airflow_provider_ocp.log_backup.gate` again, plainly and without the provider's code (one
list comprehension per unit, no streaming, no merging): whenever the gate passes, every condition the oracle lists
must hold. On clean data (readable fields, consistent tenants) the oracle's verdict and the gate's must be the same, so
the gate is not merely cautious.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from airflow_provider_ocp.log_backup.criteria import GateCriteria

SKEW = timedelta(minutes=5)  # the documented tolerance, written here again on purpose
RUNNING_STATUSES = {"RUNNING", "INPROGRESS", "DOING"}


def _id(task: dict[str, Any]) -> int | None:
    value = task.get("tenantId")
    return value if type(value) is int and value >= 0 else None


def _name(task: dict[str, Any]) -> str | None:
    value = task.get("tenantName")
    return value if isinstance(value, str) and value.strip() else None


def _created(task: dict[str, Any]) -> datetime | None:
    value = task.get("createTime")
    return value if isinstance(value, datetime) and value.utcoffset() is not None else None


def _unreadable_identity(task: dict[str, Any]) -> bool:
    return (task.get("tenantId") is not None and _id(task) is None) or (
        task.get("tenantName") is not None and _name(task) is None
    )


def _task_ready(task: dict[str, Any], server_time: datetime | None, criteria: GateCriteria) -> bool:
    status = task.get("status")
    checkpoint = task.get("checkpoint")
    if not isinstance(status, str) or status.strip().upper() not in RUNNING_STATUSES:
        return False
    if not isinstance(checkpoint, datetime) or server_time is None or checkpoint > server_time + SKEW:
        return False
    delay = task.get("delay")
    behind = (server_time - checkpoint).total_seconds()  # how old the checkpoint is on OCP's clock
    if delay is None:
        delay = behind
    if isinstance(delay, bool) or not isinstance(delay, int | float) or not math.isfinite(delay):
        return False
    if delay < -SKEW.total_seconds():
        return False
    if behind > delay + SKEW.total_seconds():  # OCP's delay may not hide an older checkpoint
        delay = behind
    if max(delay, 0.0) > criteria.max_delay:
        return False
    return criteria.target_time is None or checkpoint >= criteria.target_time


def _unit_may_pass(tasks: list[dict[str, Any]], server_time: datetime | None, criteria: GateCriteria) -> bool:
    """Necessary conditions for one unit: its latest task(s) known, one status, each ready."""
    if any(_created(task) is None for task in tasks):
        return False
    if not tasks:
        return False
    latest = max(_created(task) for task in tasks)  # type: ignore[type-var]
    top = [task for task in tasks if _created(task) == latest]
    if any(_unreadable_identity(task) for task in top):
        return False
    if len({str(task.get("status")).strip().upper() for task in top}) > 1:
        return False
    return all(_task_ready(task, server_time, criteria) for task in top)


def oracle_may_pass(tasks: list[dict[str, Any]], server_time: datetime | None, criteria: GateCriteria) -> bool:
    """False where the gate's rule forbids passing (a necessary condition fails); True otherwise."""
    owners: dict[str, set[int]] = {}
    for task in tasks:
        if _id(task) is not None and _name(task) is not None:
            owners.setdefault(_name(task), set()).add(_id(task))  # type: ignore[arg-type]
    nameless_doubts = [t for t in tasks if _id(t) is None and _name(t) is None and _unreadable_identity(t)]
    units: dict[Any, list[dict[str, Any]]] = {}
    for task in tasks:
        tenant, name = _id(task), _name(task)
        if tenant is not None:
            units.setdefault(("id", tenant), []).append(task)
        elif name is not None and len(owners.get(name, ())) == 1:
            units.setdefault(("id", next(iter(owners[name]))), []).append(task)
        elif name is not None and not owners.get(name):
            units.setdefault(("name", name), []).append(task)
        elif task.get("tenantId") is None and task.get("tenantName") is None:
            units.setdefault(("cluster",), []).append(task)
    filtered = criteria.tenant_ids is not None or criteria.tenant_names is not None
    selected = {
        key: unit_tasks
        for key, unit_tasks in units.items()
        if not filtered
        or (key[0] == "id" and key[1] in (criteria.tenant_ids or ()))
        or bool({_name(t) for t in unit_tasks} & set(criteria.tenant_names or ()))
    }
    seen_names = {_name(t) for unit_tasks in units.values() for t in unit_tasks}
    if not selected or any(("id", i) not in units for i in criteria.tenant_ids or ()):
        return False  # nothing to judge, or a selected tenant without a task
    if any(name not in seen_names for name in criteria.tenant_names or ()):
        return False

    def nameless(key: Any) -> bool:
        return key[0] == "id" and not {_name(t) for t in units[key]} - {None}

    for key, unit_tasks in selected.items():
        names = {_name(t) for t in unit_tasks} - {None}
        shared = [t for t in tasks if _id(t) is None and _name(t) in names and len(owners.get(_name(t) or "", ())) > 1]
        # A tenant known by id only and one known by name only may be one tenant: a left-out one's tasks count too.
        other_half = [
            t
            for other, other_tasks in units.items()
            if other not in selected
            and ((nameless(key) and other[0] == "name") or (key[0] == "name" and nameless(other)))
            for t in other_tasks
        ]
        if not _unit_may_pass(unit_tasks + shared + nameless_doubts + other_half, server_time, criteria):
            return False
    return True
