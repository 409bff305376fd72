"""What an emulator is configured with: its clusters (:class:`ClusterSpec`), their tenants and their task history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from airflow_provider_ocp.testing.clock import DelayProfile, as_profile

DEFAULT_DELAY_SECONDS = 30.0
DEFAULT_TASK_INTERVAL = timedelta(hours=1)


@dataclass(frozen=True)
class TenantSpec:
    """One OceanBase tenant: OCP's ``tenant_id`` (in tenant-level URLs), ``tenantName``, OceanBase's ``obTenantId``."""

    tenant_id: int
    name: str
    ob_tenant_id: int


@dataclass(frozen=True)
class ClusterSpec:
    """One emulated OceanBase cluster (OCP's ``cluster_id``, ``clusterName``, OceanBase's ``obClusterId``) and the
    ``tasks`` it has at start, rotating over its ``tenants``, ``interval`` apart; each unit's newest is its current
    task, RUNNING, the older ones STOPPED. ``cluster_level``: OCP 3.x, one cluster-level unit whose tasks carry no
    tenant fields. ``history_end``: the newest task's ``createTime`` (None: 10 minutes before the emulator's creation).
    ``current_task_age``: long-lived current tasks, as real log archive tasks: each unit's current task created at least
    this long before ``history_end``, its STOPPED history behind it, so a recent ``createTime`` window holds none while
    their checkpoint and delay still move with the clock. ``delay``: the current tasks' :class:`DelayProfile`."""

    cluster_id: int
    name: str
    ob_cluster_id: int
    tenants: tuple[TenantSpec, ...] = ()
    cluster_level: bool = False
    tasks: int = 0
    interval: timedelta = DEFAULT_TASK_INTERVAL
    history_end: datetime | None = None
    current_task_age: timedelta | None = None
    delay: DelayProfile = field(default_factory=lambda: DelayProfile.constant(DEFAULT_DELAY_SECONDS))

    def __post_init__(self) -> None:
        if self.tasks < 0 or self.interval < timedelta(milliseconds=1):
            raise ValueError("tasks must be >= 0 and interval at least 1 ms")
        if not self.cluster_level and not self.tenants and self.tasks:
            raise ValueError(f"cluster {self.cluster_id} has tasks but no tenants; add tenants or cluster_level")
        if self.history_end is not None and self.history_end.tzinfo is None:
            raise ValueError("history_end must be an aware datetime")
        if self.current_task_age is not None and self.current_task_age < timedelta(0):
            raise ValueError("current_task_age must not be negative")
        if len({t.tenant_id for t in self.tenants}) != len(self.tenants):
            raise ValueError(f"cluster {self.cluster_id} has duplicate tenant ids")

    @classmethod
    def synthetic(
        cls, number: int, *, tenants: int = 2, tasks_per_tenant: int = 3, tasks: int | None = None, **options: Any
    ) -> ClusterSpec:
        """The ``number``-th (1-based) default cluster: id ``1000000 + number``, name ``cluster_<number>``; tenant ``t``
        gets ``tenantId`` ``2000000 + number * 1000 + t``, ``tenant_<t>``, ``obTenantId`` ``1000 + 2 * t``. ``tasks``
        (total) overrides ``tasks_per_tenant``; ``options`` are other fields (``delay`` may be seconds)."""
        tenant_specs = tuple(
            TenantSpec(2_000_000 + number * 1000 + t, f"tenant_{t}", 1000 + 2 * t) for t in range(1, tenants + 1)
        )
        units = 1 if options.get("cluster_level") else max(1, tenants)
        if "delay" in options:
            options["delay"] = as_profile(options["delay"])
        total = tasks if tasks is not None else tasks_per_tenant * units
        return cls(1_000_000 + number, f"cluster_{number}", number, tenant_specs, tasks=total, **options)
