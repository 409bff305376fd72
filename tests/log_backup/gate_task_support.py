"""Task records and criteria for the unit tests of the log backup gate (tests/log_backup/test_gate_*.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from airflow_provider_ocp.log_backup.criteria import GateCriteria
from airflow_provider_ocp.log_backup.records import normalize_task

NOW = datetime(2024, 8, 6, 12, 0, 0, tzinfo=timezone.utc)


def task(
    tenant: int | None = 1,
    *,
    status: str = "RUNNING",
    delay: Any = 5.0,
    created: timedelta = timedelta(hours=1),
    checkpoint_age: float | None = None,
    error_msg: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """A normalised record as OCP would send it (Java timestamps, +0800), ``created`` before NOW."""
    age = checkpoint_age if checkpoint_age is not None else (float(delay) if delay is not None else 5.0)
    raw: dict[str, Any] = {
        "clusterId": 1000001,
        "obClusterId": 1,
        "status": status,
        "createTime": (NOW - created).astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%dT%H:%M:%S.000%z"),
        "checkpoint": (NOW - timedelta(seconds=age)).isoformat(),
    }
    if delay is not None:
        raw["delay"] = delay
    if tenant is not None:
        raw.update(tenantId=str(2000 + tenant), tenantName=name or f"t{tenant}", obTenantId=1000 + tenant)
    if error_msg is not None:
        raw["errorMsg"] = error_msg
    return normalize_task(raw)


def crit(**kwargs: Any) -> GateCriteria:
    kwargs.setdefault("max_delay", 20)
    return GateCriteria.build(**kwargs)
