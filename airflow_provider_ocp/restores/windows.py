"""Recoverable windows: the times OCP says a tenant can be restored to, from ``GET /ob/clusters/{id}/backup/info``.

OCP reports, per tenant, items of several types (full and incremental data backups, log backup, recoverable); only
the ``RECOVERABLE`` items are windows. OCP's reference names an item's interval ``logRecoverableTimeInterval`` in
its field table and ``realRecoverableTimeInterval`` in its sample: both are read.

Rules (each proven in ``tests/restores/test_windows.py``):

- A tenant's windows come from that tenant's own items only: never from another tenant's, nor from the cluster's
  aggregate.
- Windows are aware datetimes, oldest first. An interval that cannot be read (a missing or unreadable bound, an end
  before its start), or a tenant's items in another shape than OCP's (a number where the list belongs), is an
  :class:`~airflow_provider_ocp.exceptions.OCPAPIError` naming the tenant and the field: silently skipping it could
  make a restore point look outside every window, or guessing could make it look inside.
- A restore point is judged against the windows with :func:`restore_point_position`: ``inside`` a window,
  ``after`` the newest end (log backup may still catch up: wait), ``before`` the oldest start or in a ``gap`` between
  windows (it can never become recoverable: fail), or ``none`` when the tenant has no window yet.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, Literal

from airflow_provider_ocp.client.errors import OCPAPIError
from airflow_provider_ocp.client.timestamps import isoformat_utc
from airflow_provider_ocp.log_backup.records import parse_id, parse_time_field
from airflow_provider_ocp.validation import short_repr

RECOVERABLE = "RECOVERABLE"
INTERVAL_KEYS = ("realRecoverableTimeInterval", "logRecoverableTimeInterval")
Window = tuple[datetime, datetime]
Position = Literal["inside", "after", "before", "gap", "none"]


def recoverable_windows(data: Any, tenant_ids: Collection[int] | None = None) -> dict[int, list[Window]]:
    """``{tenant_id: [(start, end), ...]}`` from ``/backup/info``'s ``data``, per the module's rules.

    :param data: the envelope's ``data``.
    :param tenant_ids: keep only these tenants (the others are not read, so their oddities cannot fail the call);
        None keeps every tenant.
    """
    infos = data.get("tenantBackupInfos") if isinstance(data, Mapping) else None
    if not isinstance(infos, list):
        raise OCPAPIError("OCP's backup info has no tenantBackupInfos list: is this OCP's /backup/info endpoint?")
    windows: dict[int, list[Window]] = {}
    for info in infos:
        tenant = parse_id(info.get("tenantId")) if isinstance(info, Mapping) else None
        if not isinstance(tenant, int) or (tenant_ids is not None and tenant not in tenant_ids):
            continue
        items = _section_items(tenant, info)
        found = [_interval(tenant, item) for item in items if item.get("obRecoverableSectionItemType") == RECOVERABLE]
        windows.setdefault(tenant, []).extend(found)
    return {tenant: sorted(found) for tenant, found in windows.items()}


_ITEMS_PATH = (  # where a tenant's items sit in its backup info, and the shape each level must have
    ("obRecoverableInfoAggregation", Mapping),
    ("latestSevenDaysAggregation", Mapping),
    ("obRecoverableSectionItems", list),
)


def _section_items(tenant: int, info: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The tenant's items: none while a level is absent (no window yet); a level of another shape (a number where
    a list or an object belongs) is an :class:`OCPAPIError` naming the tenant and the field, as an unreadable
    interval is."""
    level: Any = info
    for name, shape in _ITEMS_PATH:
        level = level.get(name)
        if level is None:
            return []
        if not isinstance(level, shape):
            raise OCPAPIError(
                f"OCP's backup info for tenant {tenant} has a {name} that is not "
                f"{'a list' if shape is list else 'an object'} but a {type(level).__name__} (its value is not shown: "
                "a server may echo a request's credentials): the recoverable windows cannot be read"
            )
    return [item for item in level if isinstance(item, Mapping)]


def _interval(tenant: int, item: Mapping[str, Any]) -> Window:
    interval = next((item[key] for key in INTERVAL_KEYS if isinstance(item.get(key), Mapping)), None)
    if interval is None:
        raise OCPAPIError(
            f"OCP's backup info for tenant {tenant} has a RECOVERABLE item without an interval "
            f"({' or '.join(INTERVAL_KEYS)}): the recoverable window cannot be read"
        )
    bounds = [parse_time_field(name, interval.get(name)) for name in ("startTime", "endTime")]
    start, end = bounds
    if not all(isinstance(bound, datetime) and bound.tzinfo is not None for bound in bounds) or start > end:
        raise OCPAPIError(
            f"OCP's backup info for tenant {tenant} has a RECOVERABLE interval that cannot be read as a window: "
            f"startTime {short_repr(interval.get('startTime'))}, endTime {short_repr(interval.get('endTime'))}"
        )
    return start, end


def restore_point_position(windows: list[Window], restore_point: datetime) -> Position:
    """Where a restore point lies against a tenant's windows (see the module docstring).

    :param windows: the tenant's windows, oldest first (:func:`recoverable_windows`).
    :param restore_point: an aware instant.
    """
    if not windows:
        return "none"
    if any(start <= restore_point <= end for start, end in windows):
        return "inside"
    if restore_point > windows[-1][1]:
        return "after"
    return "before" if restore_point < windows[0][0] else "gap"


def describe_windows(windows: list[Window]) -> str:
    """The windows for a message: ``2024-08-06T00:00:00Z to 2024-08-07T10:00:00Z`` joined by ``; ``, or "none".

    :param windows: a tenant's windows.
    """
    return "; ".join(f"{isoformat_utc(start)} to {isoformat_utc(end)}" for start, end in windows) or "none"


def restore_point_problem(windows: list[Window], restore_point: datetime, what: str) -> str | None:
    """Why a restore point cannot be restored to now, for an error message; None when it lies inside a window.

    After the newest window's end, the message points at waiting for log backup with the gate
    (``OCPLogBackupDelaySensor(target_time=...)``); before, in a gap or without any window, it lists the windows.

    :param windows: the tenant's windows, oldest first.
    :param restore_point: an aware instant.
    :param what: the tenant, for the message (``backup tenant 2001001``).
    """
    position = restore_point_position(windows, restore_point)
    point = f"restore_end_time {isoformat_utc(restore_point)}"
    if position == "inside":
        return None
    if position == "after":
        return (
            f"{point} is after the newest recoverable window of {what}, {describe_windows(windows[-1:])}: log backup "
            "has not archived that far yet. Wait for it before restoring with OCPLogBackupDelaySensor(target_time=...) "
            "set to the restore point"
        )
    reason = {"before": "before the oldest recoverable window", "gap": "between two recoverable windows"}.get(
        position, "not restorable: the tenant has no recoverable window yet (no finished full backup)"
    )
    return f"{point} is {reason} of {what}; windows: {describe_windows(windows)}. Pick a restore point inside a window"
