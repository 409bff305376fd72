"""The emulated clusters and their log backup tasks at run time, as plain lists behind one lock, and the page
queries that read them (records: :mod:`~airflow_provider_ocp.testing.records`)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from airflow_provider_ocp.testing.clock import DelayProfile, ServerClock, as_profile, whole_ms
from airflow_provider_ocp.testing.records import RenderOptions, render_cluster, render_task
from airflow_provider_ocp.testing.specs import ClusterSpec, TenantSpec

DEFAULT_HISTORY_LAG = timedelta(minutes=10)  # the newest history task was created this long before the emulator
T = TypeVar("T")


class UnknownClusterError(LookupError):
    """No emulated cluster has this id."""


class UnknownTenantError(LookupError):
    """The cluster has no such tenant (or is a cluster-level cluster without tenant-level tasks)."""


def one_page(items: Sequence[T], page: int, size: int) -> list[T]:
    """Page ``page`` (1-based) of ``items``, ``size`` a page, as every list endpoint serves it."""
    return list(items[(page - 1) * size : page * size])


@dataclass(frozen=True)
class TaskQuery:
    """One page (``page``, 1-based, of ``size``) of a task list, newest first: the tasks of a cluster (or one tenant)
    created in the inclusive window ``start``..``end`` (both None: every task)."""

    cluster_id: int
    tenant_id: int | None
    start: datetime | None
    end: datetime | None
    page: int
    size: int

    def covers(self, moment: datetime) -> bool:
        """Whether the window holds ``moment`` (a creation or start time), bounds included (a SQL ``BETWEEN``)."""
        return self.start is None or self.end is None or self.start <= moment <= self.end


@dataclass
class Unit:
    """One backup unit (a tenant, or the cluster for OCP 3.x) and what its current (newest) task reports."""

    tenant: TenantSpec | None
    profile: DelayProfile
    profile_since: float = 0.0
    status: str = "RUNNING"
    error_msg: str | None = None
    omit_delay: bool = False


class Cluster:
    """One cluster at run time: its units and tasks ``{"id": n, "unit": u, "created": datetime}``, oldest first."""

    def __init__(self, spec: ClusterSpec, history_end: datetime) -> None:
        self.spec = spec
        tenants: Sequence[TenantSpec | None] = [None] if spec.cluster_level or not spec.tenants else spec.tenants
        self.units = [Unit(t, spec.delay) for t in tenants]
        end = whole_ms((spec.history_end or history_end) - (spec.current_task_age or timedelta(0)))
        self.first_created = end - spec.tasks * spec.interval
        self.created = spec.tasks  # tasks ever created, numbering the next one
        self.tasks: list[dict[str, Any]] = [
            {"id": n, "unit": n % len(self.units), "created": end - (spec.tasks - 1 - n) * spec.interval}
            for n in range(spec.tasks)
        ]

    def unit_of_tenant(self, tenant_id: int) -> int:
        """The unit number of a tenant; UnknownTenantError when it has none (or the cluster is cluster-level)."""
        for number, unit in enumerate(self.units):
            if unit.tenant is not None and unit.tenant.tenant_id == tenant_id:
                return number
        raise UnknownTenantError(f"cluster {self.spec.cluster_id} has no tenant {tenant_id} with log backup tasks")

    def tasks_of(self, tenant_id: int | None) -> list[dict[str, Any]]:
        """The tasks of one tenant (None: every task), oldest first."""
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
    """Every emulated cluster behind one lock, dated by ``clock``: the API's queries and the tests' changes, each seen
    by the next request. :class:`~airflow_provider_ocp.testing.OCPEmulator` is a dataset: these are its methods."""

    def __init__(self, specs: Sequence[ClusterSpec], clock: ServerClock, options: RenderOptions) -> None:
        if len({s.cluster_id for s in specs}) != len(specs):
            raise ValueError("cluster ids must be unique")
        self.clock, self.options = clock, options
        self.lock = threading.RLock()
        history_end = clock.now() - DEFAULT_HISTORY_LAG
        self._clusters = {spec.cluster_id: Cluster(spec, history_end) for spec in specs}

    def cluster(self, cluster_id: int) -> Cluster:
        """A cluster's state; UnknownClusterError when there is no such cluster."""
        try:
            return self._clusters[cluster_id]
        except KeyError:
            raise UnknownClusterError(f"cluster {cluster_id} does not exist") from None

    @property
    def cluster_ids(self) -> list[int]:
        """The emulated clusters' ids, in configuration order."""
        return list(self._clusters)

    def tenant_ids(self, cluster_id: int) -> list[int]:
        """A cluster's tenant ids (empty for a cluster-level cluster), to address the tenant-level endpoint."""
        return [unit.tenant.tenant_id for unit in self.cluster(cluster_id).units if unit.tenant is not None]

    def list_clusters(self, name: str | None, page: int, size: int) -> tuple[list[dict[str, Any]], int]:
        """One page (1-based) of the clusters whose name holds ``name`` (any case; None: all), and how many match."""
        with self.lock:
            matching = [c for c in self._clusters.values() if not name or name.lower() in c.spec.name.lower()]
            chosen = one_page(matching, page, size)
            return [render_cluster(c, self.clock.tz, self.options) for c in chosen], len(matching)

    def query_tasks(self, query: TaskQuery) -> tuple[list[dict[str, Any]], int]:
        """One page of log backup task records, newest first, and how many tasks the query matches."""
        with self.lock:
            cluster = self.cluster(query.cluster_id)
            tasks = [task for task in cluster.tasks_of(query.tenant_id) if query.covers(task["created"])]
            current, now, elapsed = cluster.current_ids(), self.clock.now(), self.clock.elapsed()
            page = one_page(tasks[::-1], query.page, query.size)
            return [render_task(cluster, t, t["id"] in current, now, elapsed, self.options) for t in page], len(tasks)

    def expected_tasks(
        self, cluster_id: int, start: datetime | None = None, end: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Every record the API returns right now for a ``createTime`` window (inclusive; aware bounds, both None for
        every task), newest first."""
        if (start is not None and start.tzinfo is None) or (end is not None and end.tzinfo is None):
            raise ValueError("window bounds must be aware datetimes")
        return self.query_tasks(TaskQuery(cluster_id, None, start, end, 1, max(1, self.task_count(cluster_id))))[0]

    def task_count(self, cluster_id: int, tenant_id: int | None = None) -> int:
        """How many tasks exist for a cluster (or one tenant)."""
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
        """Change what current tasks report (one tenant's, or None: every unit's); arguments left None keep their value.
        ``delay``: seconds or a :class:`DelayProfile` whose time starts now; an empty ``error_msg`` removes it."""
        with self.lock:
            cluster = self.cluster(cluster_id)
            chosen = cluster.units if tenant_id is None else [cluster.units[cluster.unit_of_tenant(tenant_id)]]
            for unit in chosen:
                if status is not None:
                    unit.status = status
                if delay is not None:
                    unit.profile, unit.profile_since = (as_profile(delay), self.clock.elapsed())
                if error_msg is not None:
                    unit.error_msg = error_msg or None
                if omit_delay is not None:
                    unit.omit_delay = omit_delay

    def add_tasks(self, cluster_id: int, n: int = 1, *, tenant_id: int | None = None) -> None:
        """Add ``n`` tasks created now (for ``tenant_id``, or rotating over the tenants), each at least 1 ms after the
        newest, so the order of creation is that of ``createTime``; each becomes its unit's current task, RUNNING."""
        with self.lock:
            cluster = self.cluster(cluster_id)
            fixed = None if tenant_id is None else cluster.unit_of_tenant(tenant_id)
            created = whole_ms(self.clock.now())
            for _ in range(n):
                if cluster.tasks:
                    created = max(created, cluster.tasks[-1]["created"] + timedelta(milliseconds=1))
                unit = fixed if fixed is not None else cluster.created % len(cluster.units)
                cluster.tasks.append({"id": cluster.created, "unit": unit, "created": created})
                cluster.created += 1
                cluster.units[unit].status, cluster.units[unit].error_msg = "RUNNING", None

    def remove_tasks(self, cluster_id: int, n: int = 1, *, newest: bool = True) -> int:
        """Delete ``n`` tasks, the newest or the oldest, and say how many went."""
        with self.lock:
            cluster = self.cluster(cluster_id)
            gone = {task["id"] for task in (cluster.tasks[::-1] if newest else cluster.tasks)[: max(0, n)]}
            cluster.tasks = [task for task in cluster.tasks if task["id"] not in gone]
            return len(gone)
