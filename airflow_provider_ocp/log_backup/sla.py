"""Backup SLA figures from a history of snapshots: per tenant, how far behind log backup was and when it stopped.

Reads the records that ``OCPLogBackupTasksOperator(mode="snapshot")`` writes (JSON lines, or XCom), keeps each
snapshot's current task per tenant, and reports per tenant: the number of snapshots, the largest and the 95th
percentile delay, the time spent over a threshold (each snapshot stands for the interval it was taken in), and every
snapshot in which log backup was stopped or failed. Pure: it reads no file and sends no request.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from airflow_provider_ocp.log_backup.criteria import classify_status
from airflow_provider_ocp.validation import coerce_instant


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` 0.95 for p95) of non-empty ``values``.

    :param values: the delays.
    :param share: the fraction below, from 0 to 1.
    """
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def instant(value: object, name: str = "windowStart") -> datetime:
    """A record's time field as an aware datetime, whether it was read from JSON lines (text) or is one already.

    :param value: the field's value.
    :param name: the field's name, for the error message.
    """
    return value if isinstance(value, datetime) else coerce_instant(value, name)


def is_stop_or_failure(record: Mapping[str, Any]) -> bool:
    """Whether log backup was stopped or had failed in this snapshot (the report lists it, the chart marks it).

    :param record: a snapshot record.
    """
    return classify_status(record.get("status")) in ("stopped", "failed")


def current_by_tenant(snapshots: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Per tenant (by ``tenantName``, ``cluster-level`` for OCP 3.x, in name order), the current task of each
    snapshot, oldest snapshot first: the history the report and the chart both read.

    :param snapshots: snapshot records (``current``, ``tenantName``, ``windowStart`` ...).
    """
    by_tenant: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for record in snapshots:
        if record.get("current"):
            by_tenant[str(record.get("tenantName") or "cluster-level")].append(record)
    return {
        tenant: sorted(records, key=lambda r: instant(r["windowStart"]))
        for tenant, records in sorted(by_tenant.items())
    }


def delay_report(snapshots: Iterable[Mapping[str, Any]], threshold: float) -> dict[str, dict[str, Any]]:
    """Per tenant (by ``tenantName``, ``cluster-level`` for OCP 3.x), the SLA figures of a snapshot history.

    :param snapshots: snapshot records (``current``, ``delay``, ``status``, ``windowStart``, ``windowEnd`` ...).
    :param threshold: the delay, in seconds, above which a tenant counts as behind.
    """
    report = {}
    for tenant, records in current_by_tenant(snapshots).items():
        delays = [float(r["delay"]) for r in records if isinstance(r.get("delay"), int | float)]
        behind = sum(
            (instant(r["windowEnd"], "windowEnd") - instant(r["windowStart"])).total_seconds()
            for r in records
            if not isinstance(r.get("delay"), int | float) or float(r["delay"]) > threshold
        )
        incidents = [
            {"at": r.get("snapshotTime"), "status": r.get("status"), "errorMsg": r.get("errorMsg")}
            for r in records
            if is_stop_or_failure(r)
        ]
        report[tenant] = {
            "snapshots": len(records),
            "max_delay": max(delays) if delays else None,
            "p95_delay": percentile(delays, 0.95) if delays else None,
            "seconds_over_threshold": behind,
            "stops_and_failures": incidents,
        }
    return report
