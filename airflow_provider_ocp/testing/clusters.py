"""The emulated clusters: what exists at start (declarative specs) and each cluster's mutable runtime state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from airflow_provider_ocp.testing.clock import DelayProfile, as_profile, to_epoch_us
from airflow_provider_ocp.testing.timeline import Timeline, TimelineView

DEFAULT_DELAY_SECONDS = 30.0
DEFAULT_TASK_INTERVAL = timedelta(hours=1)
DEFAULT_HISTORY_LAG = timedelta(minutes=10)
"""By default the newest history task was created this long before the emulator."""
DEFAULT_CURRENT_STATUS = "RUNNING"
HISTORY_STATUS = "STOPPED"
_MICROSECOND = timedelta(microseconds=1)


class UnknownClusterError(LookupError):
    """No emulated cluster has this id."""


class UnknownTenantError(LookupError):
    """The cluster has no such tenant (or is a cluster-level cluster without tenant-level tasks)."""


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
    :param history_end: ``createTime`` of the newest history task (``current_task_age`` before it, when set); None
        means 10 minutes before the emulator was created.
    :param current_task_age: long-lived current tasks, as OceanBase log archive tasks are (they run for weeks): the
        whole history is moved this far back from ``history_end``, so each unit's current task was created at least
        this long before it, its STOPPED history behind it, and no task is created after it. None: the current task
        is simply the newest of the series, created at ``history_end``.
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
    current_task_age: timedelta | None = None
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
        if self.current_task_age is not None and self.current_task_age < timedelta(0):
            raise ValueError("current_task_age must not be negative")
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
        current_task_age: timedelta | None = None,
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
        :param current_task_age: long-lived current tasks, created at least this long before ``history_end``.
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
            current_task_age=current_task_age,
            delay=as_profile(delay),
        )


@dataclass
class UnitState:
    """What the current (newest) task of one unit (tenant or cluster-level unit) reports.

    :param status: ``status`` of the current task.
    :param profile: how its ``delay`` evolves.
    :param profile_since: server-elapsed seconds when the profile took effect.
    :param error_msg: ``errorMsg``; None omits the field.
    :param omit_delay: leave ``delay`` out of the record.
    """

    status: str
    profile: DelayProfile
    profile_since: float = 0.0
    error_msg: str | None = None
    omit_delay: bool = False

    def delay_at(self, elapsed: float) -> float:
        """The current delay in seconds, rounded to 4 decimals like OCP's samples.

        :param elapsed: server-elapsed seconds since the emulator started.
        """
        return round(self.profile.value_at(elapsed - self.profile_since), 4)


class ClusterState:
    """One cluster at runtime.

    :param spec: the cluster's description.
    :param default_history_end: ``createTime`` of the newest history task when the spec does not set one.
    """

    def __init__(self, spec: ClusterSpec, default_history_end: datetime) -> None:
        self.spec = spec
        end_us = to_epoch_us((spec.history_end or default_history_end) - (spec.current_task_age or timedelta(0)))
        end_us -= end_us % 1000  # whole milliseconds, so what is printed is exactly what is filtered on
        step_us = spec.interval // _MICROSECOND
        start_us = end_us - (spec.tasks - 1) * step_us if spec.tasks else end_us
        self.timeline = Timeline(base_count=spec.tasks, units=spec.units, base_start_us=start_us, step_us=step_us)
        self.units = [
            UnitState(status=DEFAULT_CURRENT_STATUS, profile=self._unit_profile(unit)) for unit in range(spec.units)
        ]

    def _unit_profile(self, unit: int) -> DelayProfile:
        tenant = self.tenant_of_unit(unit)
        return tenant.delay if tenant is not None and tenant.delay is not None else self.spec.delay

    def tenant_of_unit(self, unit: int) -> TenantSpec | None:
        """The tenant behind a unit, None for a cluster-level cluster.

        :param unit: a unit number.
        """
        if self.spec.cluster_level or not self.spec.tenants:
            return None
        return self.spec.tenants[unit]

    def unit_of_tenant(self, tenant_id: int) -> int:
        """The unit number of a tenant.

        :param tenant_id: OCP's tenant id.
        :raises UnknownTenantError: when the cluster has no such tenant or is cluster-level.
        """
        if not self.spec.cluster_level:
            for unit, tenant in enumerate(self.spec.tenants):
                if tenant.tenant_id == tenant_id:
                    return unit
        raise UnknownTenantError(f"cluster {self.spec.cluster_id} has no tenant {tenant_id} with log backup tasks")

    def view(self, tenant_id: int | None) -> TimelineView:
        """The tasks the tenant-level endpoint (or, for None, the cluster-level one) pages over.

        :param tenant_id: OCP's tenant id, or None for every task of the cluster.
        :raises UnknownTenantError: when the cluster has no such tenant or is cluster-level.
        """
        return self.timeline.view(None if tenant_id is None else self.unit_of_tenant(tenant_id))

    def units_for(self, tenant_id: int | None) -> list[int]:
        """The units addressed by an optional tenant id (None: every unit).

        :param tenant_id: OCP's tenant id or None.
        """
        return list(range(self.spec.units)) if tenant_id is None else [self.unit_of_tenant(tenant_id)]

    def current_index(self, unit: int) -> int | None:
        """The index of a unit's newest live task, None when it has none.

        :param unit: a unit number.
        """
        newest = self.timeline.view(unit).newest(1)
        return newest[0] if newest else None
