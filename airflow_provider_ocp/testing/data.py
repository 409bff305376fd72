"""The emulated clusters and their log backup tasks, as plain lists, and their records as OCP serializes them.

Null fields are omitted; ``createTime``/``modifyTime`` use Java's no-colon form (``2021-09-23T14:33:17.357+0800``),
``checkpoint`` too unless configured otherwise. A STOPPED task's values follow from its number alone.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Literal

from airflow_provider_ocp.testing.clock import DelayProfile, ServerClock, as_profile, iso_timestamp, java_timestamp

DEFAULT_DELAY_SECONDS = 30.0
DEFAULT_TASK_INTERVAL = timedelta(hours=1)
DEFAULT_HISTORY_LAG = timedelta(minutes=10)  # the newest history task was created this long before the emulator
_MILLISECOND = timedelta(milliseconds=1)
CheckpointFormat = Literal["java", "iso"]
DelayFormat = Literal["number", "string", "omit"]


class UnknownClusterError(LookupError):
    """No emulated cluster has this id."""


class UnknownTenantError(LookupError):
    """The cluster has no such tenant (or is a cluster-level cluster without tenant-level tasks)."""


@dataclass
class RenderOptions:
    """How records are serialized; mutable at run time (``emu.options.delay_format = "string"``): ``checkpoint`` as
    ``"java"`` (``+0800``) or ``"iso"`` (``+08:00``), ``delay`` as a ``"number"``, a ``"string"`` or ``"omit"``-ted,
    ids as JSON strings (as OCP may send large ids), and the undocumented ``agentServerIp`` of OCP's sample."""

    checkpoint_format: CheckpointFormat = "java"
    delay_format: DelayFormat = "number"
    ids_as_strings: bool = False
    include_agent_ip: bool = True

    def id(self, value: int) -> int | str:
        """An id as configured: a JSON number or string."""
        return str(value) if self.ids_as_strings else value


@dataclass(frozen=True)
class TenantSpec:
    """One OceanBase tenant: OCP's ``tenant_id`` (in the tenant-level URL), ``tenantName``, OceanBase's
    ``obTenantId``."""

    tenant_id: int
    name: str
    ob_tenant_id: int


@dataclass(frozen=True)
class ClusterSpec:
    """One emulated OceanBase cluster (OCP's ``cluster_id``, ``clusterName``, OceanBase's ``obClusterId``) and the
    ``tasks`` it has at start, rotating over its tenants, ``interval`` apart; each unit's newest is its current task,
    the older ones STOPPED. ``cluster_level``: OCP 3.x, one cluster-level unit whose tasks carry no tenant fields.
    ``history_end``, ``current_task_age`` and ``delay``: as :class:`~airflow_provider_ocp.testing.OCPEmulator`'s.
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
        end = (spec.history_end or history_end) - (spec.current_task_age or timedelta(0))
        end -= timedelta(microseconds=end.microsecond % 1000)  # whole ms: what is printed is what is filtered on
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


def live_checkpoint(unit: Unit, now: datetime, elapsed: float) -> tuple[float | None, datetime]:
    """A unit's current delay (its profile ``elapsed`` s after start) and checkpoint (``now`` minus the delay)."""
    delay = round(unit.profile.value_at(elapsed - unit.profile_since), 4)
    return delay, now - timedelta(seconds=delay)


def render_task(
    spec: ClusterSpec,
    unit: Unit,
    task: dict[str, Any],
    current: bool,
    now: datetime,
    elapsed: float,
    opts: RenderOptions,
) -> dict[str, Any]:
    """One LogBackupWrapperTask record, fields in OCP's order; a ``current`` task (its unit's newest) reports the
    unit's live status and delay (its profile ``elapsed`` s after start), with checkpoint ``now`` minus the delay."""
    tz, created, number = now.tzinfo or timezone.utc, task["created"], task["id"]
    if current:
        delay, checkpoint = live_checkpoint(unit, now, elapsed)
        modified = max(created, checkpoint - timedelta(microseconds=checkpoint.microsecond % 1000))
        status, error = unit.status, unit.error_msg
        delay = None if unit.omit_delay else delay
    else:  # a stopped task: modified some time after creation, its delay between 0.5 and 120 s
        delay = round(0.5 + number * 7.3 % 119.5, 4)
        modified = created + spec.interval / 2
        checkpoint = modified - timedelta(seconds=delay)
        status, error = "STOPPED", None
    tenant = unit.tenant
    record: dict[str, Any] = {}
    if opts.include_agent_ip:
        record["agentServerIp"] = f"10.{spec.cluster_id % 250}.{task['unit'] % 250}.{spec.ob_cluster_id % 250 + 1}"
    record["backupMode"] = "PHYSICAL_BACKUP"
    record["backupUri"] = f"file:///obbackup/{spec.name}" + (f"/{tenant.name}" if tenant else "")
    record["checkpoint"] = (java_timestamp if opts.checkpoint_format == "java" else iso_timestamp)(checkpoint, tz)
    record["clusterId"] = opts.id(spec.cluster_id)
    record["clusterName"] = spec.name
    record["clusterType"] = "PRIMARY"
    record["createTime"] = java_timestamp(created, tz)
    if delay is not None and opts.delay_format != "omit":
        record["delay"] = repr(delay) if opts.delay_format == "string" else delay
    if error:
        record["errorMsg"] = error
    record["modifyTime"] = java_timestamp(modified, tz)
    record["obClusterId"] = opts.id(spec.ob_cluster_id)
    if tenant is not None:
        record["obTenantId"] = opts.id(tenant.ob_tenant_id)
    record["status"] = status
    if tenant is not None:
        record["tenantId"] = opts.id(tenant.tenant_id)
        record["tenantName"] = tenant.name
    return record


def render_cluster(cluster: Cluster, tz: tzinfo, opts: RenderOptions) -> dict[str, Any]:
    """One item of ``GET /ob/clusters``, created just before its first task."""
    spec = cluster.spec
    item: dict[str, Any] = {
        "id": opts.id(spec.cluster_id),
        "name": spec.name,
        "obClusterId": opts.id(spec.ob_cluster_id),
        "type": "PRIMARY",
        "status": "RUNNING",
        "obVersion": "4.2.1.0",
        "createTime": java_timestamp(cluster.first_created, tz),
    }
    if not spec.cluster_level:
        item["tenants"] = [
            {"id": opts.id(t.tenant_id), "name": t.name, "obTenantId": opts.id(t.ob_tenant_id)} for t in spec.tenants
        ]
    return item


class Dataset:
    """Every emulated cluster behind one lock, dated by ``clock``: the API's queries and the tests' changes, each seen
    by the next request. :class:`~airflow_provider_ocp.testing.OCPEmulator` is a dataset: these are its methods."""

    def __init__(self, specs: Sequence[ClusterSpec], clock: ServerClock, options: RenderOptions) -> None:
        if len({s.cluster_id for s in specs}) != len(specs):
            raise ValueError("cluster ids must be unique")
        self.clock = clock
        self.options = options
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
            chosen = matching[(page - 1) * size : page * size]
            return [render_cluster(c, self.clock.tz, self.options) for c in chosen], len(matching)

    def query_tasks(
        self, cluster_id: int, tenant_id: int | None, start: datetime | None, end: datetime | None, page: int, size: int
    ) -> tuple[list[dict[str, Any]], int]:
        """One page (1-based) of task records, newest first, and how many are in the inclusive ``createTime`` window
        (both bounds None: every task) of the cluster (``tenant_id`` None) or tenant."""
        with self.lock:
            cluster = self.cluster(cluster_id)
            tasks = cluster.tasks_of(tenant_id)
            if start is not None and end is not None:
                tasks = [task for task in tasks if start <= task["created"] <= end]
            chosen = tasks[::-1][(page - 1) * size : page * size]
            current, now, elapsed = (cluster.current_ids(), self.clock.now(), self.clock.elapsed())
            records = [
                render_task(cluster.spec, cluster.units[t["unit"]], t, t["id"] in current, now, elapsed, self.options)
                for t in chosen
            ]
            return records, len(tasks)

    def expected_tasks(
        self, cluster_id: int, start: datetime | None = None, end: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Every record the API returns right now for a ``createTime`` window (inclusive; aware bounds, both None for
        every task), newest first."""
        if (start is not None and start.tzinfo is None) or (end is not None and end.tzinfo is None):
            raise ValueError("window bounds must be aware datetimes")
        return self.query_tasks(cluster_id, None, start, end, 1, max(1, self.task_count(cluster_id)))[0]

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
            created = self.clock.now()
            created -= timedelta(microseconds=created.microsecond % 1000)
            for _ in range(n):
                if cluster.tasks:
                    created = max(created, cluster.tasks[-1]["created"] + _MILLISECOND)
                unit = fixed if fixed is not None else cluster.created % len(cluster.units)
                cluster.tasks.append({"id": cluster.created, "unit": unit, "created": created})
                cluster.created += 1
                cluster.units[unit].status, cluster.units[unit].error_msg = "RUNNING", None

    def remove_tasks(self, cluster_id: int, n: int = 1, *, newest: bool = True) -> int:
        """Delete ``n`` tasks, the newest or the oldest, and say how many went."""
        with self.lock:
            cluster = self.cluster(cluster_id)
            candidates = cluster.tasks
            gone = {task["id"] for task in (candidates[::-1] if newest else candidates)[: max(0, n)]}
            cluster.tasks = [task for task in cluster.tasks if task["id"] not in gone]
            return len(gone)
