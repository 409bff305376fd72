"""The gate's recoverability rule (``check_recoverable``): is ``target_time`` inside every watched tenant's window?

Shared by the sensor and the trigger, like :mod:`~airflow_provider_ocp.log_backup.gate`, whose verdict it refines.
Pure: the caller reads the windows (``OCPHook.get_recoverable_windows`` or ``OCPAsyncHook.get_recoverable_windows``,
one ``GET /ob/clusters/{id}/backup/info``) when :func:`wants_windows` says so, and passes them in.

**The rule.**

- *When the windows are read:* only at a check whose delay rule (the gate's rules 1 to 5) holds, once per such
  check. The gate can pass only at such a check, so a check that waits or fails on the delay rule costs OCP no extra
  request. The price: a ``target_time`` that can never become recoverable is reported at the first check where log
  backup has caught up, not before (the checkpoint is then at or after ``target_time``, so the window is the only
  thing left to wait for).
- *Which tenants:* the selected units that are tenants, so the gate's tenant filter or, when it watches the whole
  cluster, every tenant with log backup tasks. Each tenant is judged against its own windows only, never another
  tenant's nor the cluster's. A cluster-level unit (OCP 3.x) names no tenant, so it has no window to check and is left
  out; a gate whose selected units are all cluster-level fails, since it could never pass. A tenant known by name only
  (its tasks carry no readable ``tenantId``) waits: OCP lists windows by tenant id.
- *Per tenant* (:func:`~airflow_provider_ocp.restores.windows.restore_point_position` of ``target_time``):
  ``inside`` a window satisfies that tenant; ``after`` the newest window's end, or ``none`` (no window yet), waits,
  the message naming the windows; ``before`` the oldest window's start, or in a ``gap`` between windows, fails the
  gate at once naming the tenant, ``target_time`` and the windows: that point can never become recoverable.
- The gate passes only when the delay rule holds AND ``target_time`` is inside a window of every watched tenant.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime

from airflow_provider_ocp.client.timestamps import isoformat_utc
from airflow_provider_ocp.log_backup.criteria import GateCriteria
from airflow_provider_ocp.log_backup.verdict import GateState, GateVerdict, UnitReport
from airflow_provider_ocp.restores.windows import Window, describe_windows, restore_point_position

_NEVER = {
    "before": "is before the oldest recoverable window's start",
    "gap": "falls in a gap between recoverable windows",
}
_NOT_YET = {
    "after": "is after the newest recoverable window's end; waiting for the window to reach it",
    "none": "has no recoverable window yet; waiting for one",
}


def wants_windows(verdict: GateVerdict, criteria: GateCriteria) -> bool:
    """Whether this check reads the windows: ``check_recoverable`` is on and the delay rule holds.

    :param verdict: the delay rule's verdict (:func:`~airflow_provider_ocp.log_backup.gate.evaluate`).
    :param criteria: the gate's criteria.
    """
    return criteria.check_recoverable and verdict.caught_up


def watched_tenants(verdict: GateVerdict) -> list[int]:
    """The ids of the tenants whose windows count: the verdict's units that carry a tenant id.

    :param verdict: the delay rule's verdict.
    """
    return [tenant for unit in verdict.units if (tenant := _tenant_id(unit)) is not None]


def window_request_tenants(verdict: GateVerdict) -> list[int]:
    """The tenants to ask windows for: exactly the watched ones (another tenant's unreadable window must not fail
    the gate), sorted.

    :param verdict: the delay rule's verdict.
    """
    return sorted(set(watched_tenants(verdict)))


def judge_recoverable(
    verdict: GateVerdict, windows: Mapping[int, Sequence[Window]], target_time: datetime
) -> GateVerdict:
    """Refine a caught-up verdict with the recoverability rule (the module docstring).

    :param verdict: the delay rule's verdict; only a caught-up one is refined (others are returned as they are).
    :param windows: ``{tenant_id: [(start, end), ...]}``, oldest first, as the hooks return them.
    :param target_time: the restore point.
    """
    if not verdict.caught_up:
        return verdict
    where = f"cluster {verdict.cluster_id}" if verdict.cluster_id is not None else "the cluster"
    target = isoformat_utc(target_time)
    if not watched_tenants(verdict) and not any(_named_only(unit) for unit in verdict.units):
        message = (
            f"Log backup of {where} failed the gate: check_recoverable needs tenants' log backup tasks, but the "
            "selected units are cluster-level only (no tenant whose recoverable window could be read). Set "
            "check_recoverable=False."
        )
        return dataclasses.replace(verdict, state="failed", message=message)
    units: list[UnitReport] = []
    checked: dict[int, list[Window]] = {}
    for unit in verdict.units:
        tenant = _tenant_id(unit)
        if tenant is None:
            reason = "known by name only (no readable tenantId): its recoverable window cannot be looked up"
            units.append(dataclasses.replace(unit, state="waiting", reason=reason) if _named_only(unit) else unit)
            continue
        found = checked[tenant] = sorted(windows.get(tenant, ()))
        position = restore_point_position(found, target_time)
        if position == "inside":
            units.append(unit)
            continue
        what = _NEVER.get(position) or _NOT_YET[position]
        reason = f"target_time {target} {what} (recoverable windows: {describe_windows(found)})"
        units.append(dataclasses.replace(unit, state="failed" if position in _NEVER else "waiting", reason=reason))
    failed = [f"{unit.label}: {unit.reason}" for unit in units if unit.state == "failed"]
    waiting = [f"{unit.label}: {unit.reason}" for unit in units if unit.state == "waiting"]
    state: GateState
    if failed:
        message = f"Log backup of {where} failed the gate: " + "; ".join(failed)
        message += "; that restore point can never become recoverable: choose one inside a recoverable window"
        state = "failed"
    elif waiting:
        message = f"Log backup of {where} has caught up, but target_time {target} is not recoverable yet: "
        message += "; ".join(waiting)
        state = "waiting"
    else:
        message = f"{verdict.message}; target_time {target} is recoverable for {len(checked)} tenant(s)"
        state = "caught_up"
    return dataclasses.replace(verdict, state=state, units=tuple(units), message=message, windows=checked)


def _tenant_id(unit: UnitReport) -> int | None:
    tenant = unit.task.get("tenantId")
    return tenant if isinstance(tenant, int) and not isinstance(tenant, bool) else None


def _named_only(unit: UnitReport) -> bool:
    return _tenant_id(unit) is None and unit.task.get("tenantName") is not None
