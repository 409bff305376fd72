"""Declarative description of the emulated clusters and tenants (what exists at start)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from airflow_provider_ocp.testing.profiles import DelayProfile, as_profile

DEFAULT_DELAY_SECONDS = 30.0
DEFAULT_TASK_INTERVAL = timedelta(hours=1)
DEFAULT_HISTORY_LAG = timedelta(minutes=10)
"""By default the newest history task was created this long before the emulator."""


@dataclass(frozen=True)
class TenantSpec:
    """One OceanBase tenant of an emulated cluster.

    :param tenant_id: OCP's tenant id (``tenantId``), used in the tenant-level URL.
    :param name: ``tenantName``.
    :param ob_tenant_id: OceanBase's own tenant id (``obTenantId``).
    :param delay: this tenant's delay profile; None uses the cluster's.
    """

    tenant_id: int
    name: str
    ob_tenant_id: int
    delay: DelayProfile | None = None


@dataclass(frozen=True)
class ClusterSpec:
    """One emulated OceanBase cluster and its synthetic log backup task history.

    :param cluster_id: OCP's cluster id (``id`` in the URL, ``clusterId`` in records).
    :param name: ``clusterName``.
    :param ob_cluster_id: OceanBase's cluster id (``obClusterId``).
    :param tenants: the tenants; tasks rotate over them (task ``i`` belongs to tenant ``i % len(tenants)``).
    :param cluster_level: OCP 3.x style: one cluster-level backup unit whose tasks carry no tenant fields.
    :param tasks: how many history tasks exist at start, in total for the cluster. For each tenant (or the
        cluster-level unit) the newest is the current task, the older ones are STOPPED history.
    :param interval: time between consecutive tasks' ``createTime`` (whole milliseconds).
    :param history_end: ``createTime`` of the newest history task; None means 10 minutes before the emulator
        was created.
    :param delay: the delay profile of current tasks (tenants may override it).
    :param cluster_type: ``clusterType`` (``type`` in the cluster list).
    :param status: the cluster's ``status`` in the cluster list.
    :param backup_uri: base of ``backupUri``; the cluster and tenant names are appended as path segments.
    :param backup_mode: ``backupMode``.
    :param ob_version: ``obVersion`` in the cluster list.
    """

    cluster_id: int
    name: str
    ob_cluster_id: int
    tenants: tuple[TenantSpec, ...] = ()
    cluster_level: bool = False
    tasks: int = 0
    interval: timedelta = DEFAULT_TASK_INTERVAL
    history_end: datetime | None = None
    delay: DelayProfile = field(default_factory=lambda: DelayProfile.constant(DEFAULT_DELAY_SECONDS))
    cluster_type: str = "PRIMARY"
    status: str = "RUNNING"
    backup_uri: str = "file:///obbackup"
    backup_mode: str = "PHYSICAL_BACKUP"
    ob_version: str = "4.2.1.0"

    def __post_init__(self) -> None:
        if self.tasks < 0:
            raise ValueError("tasks must be >= 0")
        if not self.cluster_level and not self.tenants and self.tasks:
            raise ValueError(f"cluster {self.cluster_id} has tasks but no tenants; add tenants or cluster_level")
        if self.interval < timedelta(milliseconds=1) or self.interval % timedelta(milliseconds=1):
            raise ValueError("interval must be a positive whole number of milliseconds")
        if self.history_end is not None and self.history_end.tzinfo is None:
            raise ValueError("history_end must be an aware datetime")
        if len({t.tenant_id for t in self.tenants}) != len(self.tenants):
            raise ValueError(f"cluster {self.cluster_id} has duplicate tenant ids")

    @property
    def units(self) -> int:
        """How many backup units the tasks rotate over: the tenants, or 1 for a cluster-level cluster."""
        return 1 if self.cluster_level else max(1, len(self.tenants))

    @classmethod
    def synthetic(
        cls,
        number: int,
        *,
        tenants: int = 2,
        tasks_per_tenant: int = 3,
        tasks: int | None = None,
        cluster_level: bool = False,
        delay: float | DelayProfile = DEFAULT_DELAY_SECONDS,
        interval: timedelta = DEFAULT_TASK_INTERVAL,
        history_end: datetime | None = None,
    ) -> ClusterSpec:
        """The ``number``-th default cluster: id ``1000000 + number``, name ``cluster_<number>``.

        Tenant ``t`` (1-based) gets ``tenantId`` ``2000000 + number * 1000 + t``, name ``tenant_<t>`` and
        ``obTenantId`` ``1000 + 2 * t``.

        :param number: 1-based cluster number.
        :param tenants: how many tenants (ignored for cluster-level clusters).
        :param tasks_per_tenant: history tasks per unit (tenant, or the cluster-level unit).
        :param tasks: total history tasks, overriding ``tasks_per_tenant``.
        :param cluster_level: OCP 3.x cluster-level backup (records without tenant fields).
        :param delay: the current tasks' delay, seconds or a profile.
        :param interval: time between consecutive tasks.
        :param history_end: ``createTime`` of the newest history task; None for 10 minutes before the
            emulator was created.
        """
        tenant_specs = tuple(
            TenantSpec(tenant_id=2_000_000 + number * 1000 + t, name=f"tenant_{t}", ob_tenant_id=1000 + 2 * t)
            for t in range(1, tenants + 1)
        )
        units = 1 if cluster_level else max(1, tenants)
        return cls(
            cluster_id=1_000_000 + number,
            name=f"cluster_{number}",
            ob_cluster_id=number,
            tenants=tenant_specs,
            cluster_level=cluster_level,
            tasks=tasks if tasks is not None else tasks_per_tenant * units,
            interval=interval,
            history_end=history_end,
            delay=as_profile(delay),
        )
