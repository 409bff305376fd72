"""The emulated clusters and their log backup tasks, as plain lists: what exists at start and the tests' changes.

OCP reports a few log backup tasks per tenant a day, so each cluster keeps a list of small task dicts, oldest first;
a query filters it and slices a page. A hundred thousand tasks still answer a page in a few milliseconds.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from airflow_provider_ocp.testing.clock import DelayProfile, ServerClock, as_profile
from airflow_provider_ocp.testing.rendering import RenderOptions, render_cluster, render_task

DEFAULT_DELAY_SECONDS = 30.0
DEFAULT_TASK_INTERVAL = timedelta(hours=1)
DEFAULT_HISTORY_LAG = timedelta(minutes=10)
"""By default the newest history task was created this long before the emulator."""
_MILLISECOND = timedelta(milliseconds=1)
Bound = datetime | None
"""A ``createTime`` window bound; None on both sides for every task."""


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
    """One emulated OceanBase cluster and the log backup tasks it has at start.

    :param cluster_id: OCP's cluster id (``id`` in the URL, ``clusterId`` in records).
    :param name: ``clusterName``.
    :param ob_cluster_id: OceanBase's cluster id (``obClusterId``).
    :param tenants: the tenants; tasks rotate over them (task ``i`` belongs to tenant ``i % len(tenants)``).
    :param cluster_level: OCP 3.x style: one cluster-level backup unit whose tasks carry no tenant fields.
    :param tasks: how many tasks exist at start, for the whole cluster; each unit's newest is its current task,
        the older ones are STOPPED history.
    :param interval: time between consecutive tasks' ``createTime``.
    :param history_end: ``createTime`` of the newest task (``current_task_age`` before it, when set); None means
        10 minutes before the emulator was created.
    :param current_task_age: long-lived current tasks, as log archive tasks are (they run for weeks): every task is
        moved this far back from ``history_end``, so nothing was created in the recent past while the current
        tasks' checkpoint and delay still follow the clock.
    :param delay: the delay profile of current tasks (tenants may override it).
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

    def __post_init__(self) -> None:
        if self.tasks < 0 or self.interval < _MILLISECOND:
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
        """The ``number``-th default cluster: id ``1000000 + number``, name ``cluster_<number>``.

        Tenant ``t`` (1-based) gets ``tenantId`` ``2000000 + number * 1000 + t``, name ``tenant_<t>`` and
        ``obTenantId`` ``1000 + 2 * t``.

        :param number: 1-based cluster number.
        :param tenants: how many tenants (ignored for cluster-level clusters).
        :param tasks_per_tenant: tasks per unit (tenant, or the cluster-level unit).
        :param tasks: total tasks, overriding ``tasks_per_tenant``.
        :param options: any other :class:`ClusterSpec` field (``cluster_level``, ``interval``, ``delay`` as seconds
            or a profile...).
        """
        tenant_specs = tuple(
            TenantSpec(2_000_000 + number * 1000 + t, f"tenant_{t}", 1000 + 2 * t) for t in range(1, tenants + 1)
        )
        units = 1 if options.get("cluster_level") else max(1, tenants)
        if "delay" in options:
            options["delay"] = as_profile(options["delay"])
        total = tasks if tasks is not None else tasks_per_tenant * units
        return cls(1_000_000 + number, f"cluster_{number}", number, tenant_specs, tasks=total, **options)


@dataclass
class Unit:
    """One backup unit (a tenant, or the cluster for OCP 3.x) and what its current (newest) task reports.

    :param tenant: the tenant, None for a cluster-level cluster.
    :param profile: how the current task's ``delay`` moves with the server clock.
    :param profile_since: server-elapsed seconds when the profile took effect.
    :param status: ``status`` of the current task.
    :param error_msg: ``errorMsg``; None omits the field.
    :param omit_delay: leave ``delay`` out of the current record.
    """

    tenant: TenantSpec | None
    profile: DelayProfile
    profile_since: float = 0.0
    status: str = "RUNNING"
    error_msg: str | None = None
    omit_delay: bool = False


class Cluster:
    """One cluster at run time: its units and its tasks, oldest first.

    A task is ``{"id": n, "unit": u, "created": datetime}``: its number, its unit and its ``createTime``.

    :param spec: the cluster's description.
    :param history_end: ``createTime`` of the newest task when the spec does not set one.
    """

    def __init__(self, spec: ClusterSpec, history_end: datetime) -> None:
        self.spec = spec
        tenants: Sequence[TenantSpec | None] = [None] if spec.cluster_level or not spec.tenants else spec.tenants
        self.units = [Unit(t, t.delay if t and t.delay else spec.delay) for t in tenants]
        end = (spec.history_end or history_end) - (spec.current_task_age or timedelta(0))
        end -= timedelta(microseconds=end.microsecond % 1000)  # whole ms: what is printed is what is filtered on
        self.first_created = end - spec.tasks * spec.interval
        self.created = spec.tasks  # tasks ever created, numbering the next one
        self.tasks: list[dict[str, Any]] = [
            {"id": n, "unit": n % len(self.units), "created": end - (spec.tasks - 1 - n) * spec.interval}
            for n in range(spec.tasks)
        ]

    def unit_of_tenant(self, tenant_id: int) -> int:
        """The unit number of a tenant.

        :param tenant_id: OCP's tenant id.
        :raises UnknownTenantError: when the cluster has no such tenant or is cluster-level.
        """
        for number, unit in enumerate(self.units):
            if unit.tenant is not None and unit.tenant.tenant_id == tenant_id:
                return number
        raise UnknownTenantError(f"cluster {self.spec.cluster_id} has no tenant {tenant_id} with log backup tasks")

    def tasks_of(self, tenant_id: int | None) -> list[dict[str, Any]]:
        """The tasks of one tenant (None: every task), oldest first.

        :param tenant_id: OCP's tenant id or None.
        """
        if tenant_id is None:
            return self.tasks
        unit = self.unit_of_tenant(tenant_id)
        return [task for task in self.tasks if task["unit"] == unit]

    def current_ids(self) -> set[int]:
        """The ids of each unit's newest task: those report the live status, delay and checkpoint."""
        newest: dict[int, int] = {}
        for task in reversed(self.tasks):
            newest.setdefault(task["unit"], task["id"])
            if len(newest) == len(self.units):
                break
        return set(newest.values())


class Dataset:
    """Every emulated cluster, behind one lock: the API's queries and the tests' changes, each seen by the next request.

    :class:`~airflow_provider_ocp.testing.OCPEmulator` is a dataset, so these methods are the emulator's own.

    :param specs: the clusters.
    :param clock: the server clock (time of added tasks, current delays and checkpoints).
    :param options: how records are serialized.
    """

    def __init__(self, specs: Sequence[ClusterSpec], clock: ServerClock, options: RenderOptions) -> None:
        if len({s.cluster_id for s in specs}) != len(specs):
            raise ValueError("cluster ids must be unique")
        self.clock = clock
        self.options = options
        self.lock = threading.RLock()
        history_end = clock.now() - DEFAULT_HISTORY_LAG
        self._clusters = {spec.cluster_id: Cluster(spec, history_end) for spec in specs}

    def cluster(self, cluster_id: int) -> Cluster:
        """A cluster's state.

        :param cluster_id: OCP's cluster id.
        :raises UnknownClusterError: when there is no such cluster.
        """
        try:
            return self._clusters[cluster_id]
        except KeyError:
            raise UnknownClusterError(f"cluster {cluster_id} does not exist") from None

    @property
    def clusters(self) -> list[ClusterSpec]:
        """The emulated clusters' descriptions, in configuration order."""
        return [cluster.spec for cluster in self._clusters.values()]

    @property
    def cluster_ids(self) -> list[int]:
        """The emulated clusters' ids, in configuration order."""
        return list(self._clusters)

    def tenant_ids(self, cluster_id: int) -> list[int]:
        """A cluster's tenant ids (empty for a cluster-level cluster), to address the tenant-level endpoint.

        :param cluster_id: OCP's cluster id.
        """
        return [unit.tenant.tenant_id for unit in self.cluster(cluster_id).units if unit.tenant is not None]

    def list_clusters(self, name: str | None, page: int, size: int) -> tuple[list[dict[str, Any]], int]:
        """One page of the cluster list, filtered by a case-insensitive name substring, and the matching count.

        :param name: the ``name`` filter, None for all.
        :param page: 1-based page.
        :param size: page size.
        """
        with self.lock:
            matching = [c for c in self._clusters.values() if not name or name.lower() in c.spec.name.lower()]
            chosen = matching[(page - 1) * size : page * size]
            return [render_cluster(c.spec, c.first_created, self.clock.tz, self.options) for c in chosen], len(matching)

    def query_tasks(
        self, cluster_id: int, tenant_id: int | None, start: datetime | None, end: datetime | None, page: int, size: int
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of log backup task records, newest ``createTime`` first, and the number in the window.

        :param cluster_id: OCP's cluster id.
        :param tenant_id: restrict to one tenant (the tenant-level endpoint), None for the whole cluster.
        :param start: window start on ``createTime``, inclusive; None for unbounded (with ``end``).
        :param end: window end on ``createTime``, inclusive.
        :param page: 1-based page.
        :param size: page size.
        :raises UnknownClusterError: for an unknown cluster.
        :raises UnknownTenantError: for an unknown tenant.
        """
        with self.lock:
            cluster = self.cluster(cluster_id)
            tasks = cluster.tasks_of(tenant_id)
            if start is not None and end is not None:
                tasks = [task for task in tasks if start <= task["created"] <= end]
            chosen = tasks[::-1][(page - 1) * size : page * size]
            current, now, elapsed = cluster.current_ids(), self.clock.now(), self.clock.elapsed()
            records = [
                render_task(cluster.spec, cluster.units[t["unit"]], t, t["id"] in current, now, elapsed, self.options)
                for t in chosen
            ]
            return records, len(tasks)

    def expected_tasks(
        self, cluster_id: int, start: Bound = None, end: Bound = None, *, tenant_id: int | None = None
    ) -> list[dict[str, Any]]:
        """Every record the API returns right now for a ``createTime`` window (inclusive), newest first.

        :param cluster_id: OCP's cluster id.
        :param start: window start (inclusive), None with ``end`` None for every task.
        :param end: window end (inclusive).
        :param tenant_id: restrict to one tenant (the tenant-level endpoint).
        """
        if (start is not None and start.tzinfo is None) or (end is not None and end.tzinfo is None):
            raise ValueError("window bounds must be aware datetimes")
        return self.query_tasks(cluster_id, tenant_id, start, end, 1, max(1, self.task_count(cluster_id)))[0]

    def task_count(self, cluster_id: int, tenant_id: int | None = None) -> int:
        """How many tasks exist for a cluster (or one tenant).

        :param cluster_id: OCP's cluster id.
        :param tenant_id: restrict to one tenant.
        """
        with self.lock:
            return len(self.cluster(cluster_id).tasks_of(tenant_id))

    def set_current_task(
        self,
        cluster_id: int,
        tenant_id: int | None = None,
        *,
        status: str | None = None,
        delay: float | DelayProfile | None = None,
        error_msg: str | None = None,
        omit_delay: bool | None = None,
    ) -> None:
        """Change what current tasks report; arguments left as None keep their value.

        :param cluster_id: OCP's cluster id.
        :param tenant_id: one tenant, or None for every tenant (or the cluster-level unit).
        :param status: the new ``status``, e.g. ``"FAILED"``.
        :param delay: seconds (constant) or a :class:`DelayProfile`, whose time starts now.
        :param error_msg: ``errorMsg``; the empty string removes it.
        :param omit_delay: leave ``delay`` out of the current records.
        """
        with self.lock:
            cluster = self.cluster(cluster_id)
            chosen = cluster.units if tenant_id is None else [cluster.units[cluster.unit_of_tenant(tenant_id)]]
            for unit in chosen:
                if status is not None:
                    unit.status = status
                if delay is not None:
                    unit.profile, unit.profile_since = as_profile(delay), self.clock.elapsed()
                if error_msg is not None:
                    unit.error_msg = error_msg or None
                if omit_delay is not None:
                    unit.omit_delay = omit_delay

    def add_tasks(
        self, cluster_id: int, n: int = 1, *, tenant_id: int | None = None, created_at: datetime | None = None
    ) -> None:
        """Add ``n`` newest tasks; each becomes its unit's current task, its status reset to RUNNING.

        :param cluster_id: OCP's cluster id.
        :param n: how many tasks.
        :param tenant_id: the tenant they belong to; None rotates over the tenants.
        :param created_at: their ``createTime``; None is server now. Each is at least 1 ms after the newest task, so
            the order of creation is the order of ``createTime``.
        """
        with self.lock:
            cluster = self.cluster(cluster_id)
            fixed = None if tenant_id is None else cluster.unit_of_tenant(tenant_id)
            created = created_at or self.clock.now()
            created -= timedelta(microseconds=created.microsecond % 1000)
            for _ in range(n):
                if cluster.tasks:
                    created = max(created, cluster.tasks[-1]["created"] + _MILLISECOND)
                unit = fixed if fixed is not None else cluster.created % len(cluster.units)
                cluster.tasks.append({"id": cluster.created, "unit": unit, "created": created})
                cluster.created += 1
                cluster.units[unit].status, cluster.units[unit].error_msg = "RUNNING", None

    def remove_tasks(self, cluster_id: int, n: int = 1, *, newest: bool = True, tenant_id: int | None = None) -> int:
        """Delete ``n`` tasks, the newest or the oldest, and say how many went.

        :param cluster_id: OCP's cluster id.
        :param n: how many tasks.
        :param newest: remove the newest (True) or the oldest (False).
        :param tenant_id: only this tenant's tasks.
        """
        with self.lock:
            cluster = self.cluster(cluster_id)
            candidates = cluster.tasks_of(tenant_id)
            gone = {task["id"] for task in (candidates[::-1] if newest else candidates)[: max(0, n)]}
            cluster.tasks = [task for task in cluster.tasks if task["id"] not in gone]
            return len(gone)
