"""Which tasks decide the gate: each task's unit (a tenant, or the cluster level) and each unit's latest task.

:class:`LatestTasks` is fed a walk's pages one at a time and keeps, per unit, only the tasks that can still be the
latest: a gate's poll holds one task per tenant (plus ties), not the cluster's whole history.

**Identity.** ``tenantId`` (an integer) identifies a tenant; a ``tenantName`` is one of its names, learnt from tasks
that carry both. A task with only a ``tenantName`` belongs to the tenant that carries that name (its own unit when no
task with an id carries it; ambiguous for every tenant that does, when several do). A task with only a ``tenantId``
belongs to that tenant. A task with neither belongs to the cluster-level unit (OCP 3.x). A field that is present but
unreadable (a ``tenantId`` that is not an integer, a ``tenantName`` that is not text) is a *doubt*: the task belongs to
the unit of its readable field and casts a doubt on it; with no readable field it casts a doubt on every unit.

**Order.** Tasks are ordered by ``createTime`` as an instant (offsets compared, not text). A task without a readable
``createTime`` has no place in that order, so it can never be a unit's latest task; but it might be the current one,
so it casts a doubt on its unit. Tasks with the same ``createTime`` (at the precision OCP sends) are all latest.

**Doubts** matter only where they could change the answer: a doubt about a task created strictly before a unit's
latest task cannot, any other doubt keeps the unit from passing (see :attr:`Unit.doubt`). A tenant known by
``tenantId`` only and one known by ``tenantName`` only might be one tenant: when a tenant filter leaves one of them
out, its tasks cast a doubt on the other (:meth:`Unit.doubted_by`), so a gate filtered on the id never misses the
tenant's newer task sent with its name only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from airflow_provider_ocp.client.page import PageResult
from airflow_provider_ocp.log_backup.doubts import Doubt, stronger_doubt

MAX_TIED = 16
"""Tasks kept per unit at its latest ``createTime``. More tasks at one instant is a broken server: the unit is then
in doubt, so memory stays bounded by the number of units."""

UnitKey = tuple[Any, ...]
CLUSTER_UNIT: UnitKey = ("cluster",)


@dataclass
class _Bucket:
    latest: datetime | None = None
    tasks: list[Mapping[str, Any]] = field(default_factory=list)
    doubt: Doubt | None = None

    def offer(self, created: datetime, task: Mapping[str, Any]) -> None:
        if self.latest is None or created > self.latest:
            self.latest, self.tasks = created, [task]
        elif created == self.latest:
            if len(self.tasks) < MAX_TIED:
                self.tasks.append(task)
            else:
                self.add_doubt(Doubt(f"more than {MAX_TIED} tasks share the latest createTime", None))

    def add_doubt(self, doubt: Doubt) -> None:
        self.doubt = stronger_doubt(self.doubt, doubt)

    def merge(self, other: _Bucket) -> None:
        for task in other.tasks:
            self.offer(other.latest, task)  # type: ignore[arg-type]  # tasks imply a latest
        if other.doubt is not None:
            self.add_doubt(other.doubt)


@dataclass(frozen=True)
class Unit:
    """One tenant (or the cluster level) and its latest task(s).

    :param tenant_id: the tenant's id; None for a tenant known by name only, and for the cluster level.
    :param names: the tenant names its tasks carry.
    :param latest: the tasks with the latest readable ``createTime`` (several when tied); may be empty when every
        task of the unit lacks a readable ``createTime``.
    :param doubt: why the latest task seen may not be the current one, if such a doubt applies.
    """

    tenant_id: int | None
    names: tuple[str, ...]
    latest: tuple[Mapping[str, Any], ...]
    doubt: Doubt | None

    @property
    def cluster_level(self) -> bool:
        """Whether this is the cluster-level unit (tasks without tenant fields)."""
        return self.tenant_id is None and not self.names

    @property
    def label(self) -> str:
        """How logs and messages name the unit."""
        if self.cluster_level:
            return "cluster-level log backup"
        return f"tenant {'/'.join(self.names) or None} (tenantId {self.tenant_id})"

    @property
    def latest_created(self) -> datetime | None:
        """The unit's latest readable ``createTime``; None when it has none."""
        created = self.latest[0].get("createTime") if self.latest else None
        return created if isinstance(created, datetime) else None

    def might_be(self, other: Unit) -> bool:
        """Whether ``other``, another unit, might be this tenant: one is known by ``tenantId`` only and the other by
        ``tenantName`` only, and no task ties that name to an id (otherwise the two would be one unit).

        :param other: another unit of the same cluster.
        """
        if self.cluster_level or other.cluster_level:
            return False
        return (self.tenant_id is None) != (other.tenant_id is None) and not (self.names and other.names)

    def doubted_by(self, suspects: Iterable[Unit]) -> Unit:
        """This unit, in doubt when one of ``suspects`` (units that :meth:`might_be` it) has a task that could be
        newer than its latest: that task might be this tenant's current one.

        :param suspects: units the gate does not judge (a tenant filter leaves them out) that might be this one.
        """
        doubt = self.doubt
        for suspect in suspects:
            times = [suspect.latest_created] + ([suspect.doubt.created] if suspect.doubt else [])
            created = None if None in times else max(times)  # type: ignore[type-var]  # None excluded
            field_lacking = "tenantId" if suspect.tenant_id is None else "tenantName"
            candidate = Doubt(f"a task of {suspect.label} without {field_lacking}", created)
            if candidate.could_be_after(self.latest_created):
                doubt = stronger_doubt(doubt, candidate)
        return self if doubt is self.doubt else replace(self, doubt=doubt)


def _readable_id(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _readable_name(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


class LatestTasks:
    """The latest task of each unit of one cluster, built page by page (see the module docstring for the rules)."""

    def __init__(self) -> None:
        self.server_time: datetime | None = None
        self._buckets: dict[UnitKey, _Bucket] = {}
        self._names_of: dict[int, set[str]] = {}
        self._ids_named: dict[str, set[int]] = {}
        self._everywhere: Doubt | None = None

    @classmethod
    def of(cls, tasks: Iterable[Mapping[str, Any]], server_time: datetime | None = None) -> LatestTasks:
        """A table of ``tasks``, with OCP's clock.

        :param tasks: normalised records of one cluster.
        :param server_time: OCP's clock at the response.
        """
        table = cls()
        for task in tasks:
            table.add(task)
        table.server_time = server_time
        return table

    def take(self, page: PageResult) -> None:
        """Add a page's records; OCP's clock becomes the page's, when it sent one.

        :param page: one page of a walk, normalised.
        """
        for task in page.records:
            self.add(task)
        self.server_time = page.server_time or self.server_time

    def add(self, task: Mapping[str, Any]) -> None:
        """Add one normalised task.

        :param task: a normalised record.
        """
        raw_id, raw_name = task.get("tenantId"), task.get("tenantName")
        tenant_id, name = _readable_id(raw_id), _readable_name(raw_name)
        created = task.get("createTime")
        rank = created if isinstance(created, datetime) and created.utcoffset() is not None else None
        problems = [f"tenantId {raw_id!r} is not a tenant id"] if raw_id is not None and tenant_id is None else []
        problems += [f"tenantName {raw_name!r} is not a name"] if raw_name is not None and name is None else []
        problems += (
            []
            if rank is not None
            else ["createTime missing" if created is None else f"createTime {created!r} that cannot be read"]
        )
        if tenant_id is not None:
            key: UnitKey | None = ("tenant", tenant_id)
            if name is not None:
                self._names_of.setdefault(tenant_id, set()).add(name)
                self._ids_named.setdefault(name, set()).add(tenant_id)
        elif name is not None:
            key = ("name", name)
        else:
            key = CLUSTER_UNIT if raw_id is None and raw_name is None else None
        doubt = Doubt(f"a task with {', '.join(problems)}", rank) if problems else None
        if key is None:
            self._everywhere = stronger_doubt(self._everywhere, doubt)  # type: ignore[arg-type]  # problems imply one
            return
        bucket = self._buckets.setdefault(key, _Bucket())
        if doubt is not None:
            bucket.add_doubt(doubt)
        if rank is not None:
            bucket.offer(rank, task)

    def units(self) -> list[Unit]:
        """Every unit with its latest task(s) and the doubt that applies to it, if any."""
        merged: dict[UnitKey, _Bucket] = {}
        for key, bucket in self._buckets.items():
            if key[0] != "name":
                merged.setdefault(key, _Bucket()).merge(bucket)
                continue
            owners = sorted(self._ids_named.get(key[1], ()))
            if len(owners) == 1:
                merged.setdefault(("tenant", owners[0]), _Bucket()).merge(bucket)
            elif owners:
                unranked = bucket.doubt is not None and bucket.doubt.created is None
                doubt = Doubt(
                    f"a task naming tenant {key[1]!r} without tenantId, a name tenants {owners} all carry",
                    None if unranked else bucket.latest,
                )
                for owner in owners:
                    merged.setdefault(("tenant", owner), _Bucket()).add_doubt(doubt)
            else:
                merged.setdefault(key, _Bucket()).merge(bucket)
        return [self._unit(key, bucket) for key, bucket in merged.items()]

    def _unit(self, key: UnitKey, bucket: _Bucket) -> Unit:
        doubts = [d for d in (bucket.doubt, self._everywhere) if d is not None and d.could_be_after(bucket.latest)]
        if key[0] == "tenant":
            tenant_id, names = key[1], tuple(sorted(self._names_of.get(key[1], ())))
        else:
            tenant_id, names = None, (key[1],) if key[0] == "name" else ()
        return Unit(tenant_id, names, tuple(bucket.tasks), doubts[0] if doubts else None)

    @property
    def doubt_everywhere(self) -> Doubt | None:
        """A doubt no unit can be cleared of: a task that names no readable tenant, maybe any tenant's current one."""
        return self._everywhere
