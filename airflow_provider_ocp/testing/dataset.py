"""Every emulated cluster and its log backup tasks: the API's queries and the tests' mutations, thread-safe.

:class:`~airflow_provider_ocp.testing.OCPEmulator` offers the test-facing methods (``set_current_task``,
``add_tasks``, ``remove_tasks``, ``expected_tasks``, ``task_count``, ``tenant_ids``) as its own.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from airflow_provider_ocp.testing.clock import DelayProfile, ServerClock, as_profile, to_epoch_us
from airflow_provider_ocp.testing.clusters import (
    DEFAULT_CURRENT_STATUS,
    DEFAULT_HISTORY_LAG,
    ClusterSpec,
    ClusterState,
    UnknownClusterError,
)
from airflow_provider_ocp.testing.rendering import (
    RenderContext,
    Renderer,
    RenderOptions,
    render_cluster,
    render_overview,
    render_tasks,
)


def _epoch_us(bound: datetime | None) -> int | None:
    if bound is not None and bound.tzinfo is None:
        raise ValueError("window bounds must be aware datetimes")
    return None if bound is None else to_epoch_us(bound)


class Dataset:
    """Every emulated cluster, with one lock guarding reads and mutations; each takes effect for the next request.

    :param specs: the clusters.
    :param clock: the server clock (time of appended tasks, current delays and checkpoints).
    :param options: serialization options.
    :param seed: varies the synthetic per-task values (history delays, modify times, agent IPs).
    """

    def __init__(self, specs: Sequence[ClusterSpec], clock: ServerClock, options: RenderOptions, seed: int) -> None:
        if len({s.cluster_id for s in specs}) != len(specs):
            raise ValueError("cluster ids must be unique")
        self.clock = clock
        self.options = options
        self.seed = seed
        self.lock = threading.RLock()
        created = clock.now() - DEFAULT_HISTORY_LAG
        self._clusters = {spec.cluster_id: ClusterState(spec, created) for spec in specs}

    # -- reading ------------------------------------------------------------------------------------------------

    def _context(self) -> RenderContext:
        return RenderContext(
            now=self.clock.now(),
            elapsed=self.clock.elapsed(),
            tz=self.clock.tz,
            options=self.options,
            seed=self.seed,
        )

    def cluster(self, cluster_id: int) -> ClusterState:
        """A cluster's state.

        :param cluster_id: OCP's cluster id.
        :raises UnknownClusterError: when there is no such cluster.
        """
        try:
            return self._clusters[cluster_id]
        except KeyError:
            raise UnknownClusterError(f"cluster {cluster_id} does not exist") from None

    @property
    def cluster_specs(self) -> list[ClusterSpec]:
        """The clusters' descriptions, in configuration order."""
        return [state.spec for state in self._clusters.values()]

    def tenant_ids(self, cluster_id: int) -> list[int]:
        """A cluster's tenant ids (empty for a cluster-level cluster), to address the tenant-level endpoint.

        :param cluster_id: OCP's cluster id.
        """
        spec = self.cluster(cluster_id).spec
        return [] if spec.cluster_level else [t.tenant_id for t in spec.tenants]

    def list_clusters(self, name: str | None, page: int, size: int) -> tuple[list[dict[str, Any]], int]:
        """One page of the cluster list, filtered by a case-insensitive name substring.

        :param name: the ``name`` filter, None for all.
        :param page: 1-based page.
        :param size: page size.
        :returns: the items and the total count.
        """
        with self.lock:
            ctx = self._context()
            matching = [c for c in self._clusters.values() if not name or name.lower() in c.spec.name.lower()]
            chosen = matching[(page - 1) * size : page * size]
            return [render_cluster(c, ctx) for c in chosen], len(matching)

    def describe_cluster(self, cluster_id: int) -> dict[str, Any]:
        """The cluster as ``GET /ob/clusters/{id}`` shows it.

        :param cluster_id: OCP's cluster id.
        :raises UnknownClusterError: when there is no such cluster.
        """
        with self.lock:
            return render_cluster(self.cluster(cluster_id), self._context())

    def query_tasks(
        self,
        cluster_id: int,
        tenant_id: int | None,
        start: datetime | None,
        end: datetime | None,
        page: int,
        size: int,
        renderer: Renderer = render_tasks,
    ) -> tuple[list[Any], int]:
        """One page of log backup tasks, newest ``createTime`` first, window inclusive at both ends.

        :param cluster_id: OCP's cluster id.
        :param tenant_id: restrict to one tenant, None for the whole cluster.
        :param start: window start on ``createTime`` (inclusive), None for unbounded.
        :param end: window end on ``createTime`` (inclusive), None for unbounded.
        :param page: 1-based page.
        :param size: page size.
        :param renderer: dicts by default; the API's ``HistoryRecords.render`` reuses records (under the lock).
        :returns: the records and the number of tasks in the window.
        :raises UnknownClusterError: for an unknown cluster.
        :raises UnknownTenantError: for an unknown tenant.
        """
        start_us, end_us = _epoch_us(start), _epoch_us(end)
        with self.lock:
            cluster = self.cluster(cluster_id)
            indices, total = cluster.view(tenant_id).page(start_us, end_us, (page - 1) * size, size)
            ctx = self._context()
            return renderer(cluster, indices, ctx), total

    def expected_tasks(
        self,
        cluster_id: int,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        tenant_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """Every record the API returns for a ``createTime`` window right now (inclusive), newest first.

        :param cluster_id: OCP's cluster id.
        :param start: window start (inclusive), None for unbounded.
        :param end: window end (inclusive), None for unbounded.
        :param tenant_id: restrict to one tenant (the tenant-level endpoint).
        """
        with self.lock:
            count = self.cluster(cluster_id).timeline.live_total
            return self.query_tasks(cluster_id, tenant_id, start, end, 1, max(1, count))[0]

    def task_count(self, cluster_id: int, tenant_id: int | None = None) -> int:
        """How many tasks exist for a cluster (or one tenant).

        :param cluster_id: OCP's cluster id.
        :param tenant_id: restrict to one tenant.
        """
        with self.lock:
            return self.cluster(cluster_id).view(tenant_id).page(None, None, 0, 0)[1]

    def overview(self, cluster_id: int) -> dict[str, Any]:
        """The cluster as ``GET /ob/clusters/{id}/backup/overview`` shows it.

        :param cluster_id: OCP's cluster id.
        """
        with self.lock:
            return render_overview(self.cluster(cluster_id), self._context())

    # -- mutating -----------------------------------------------------------------------------------------------

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
            elapsed = self.clock.elapsed()
            for unit in cluster.units_for(tenant_id):
                state = cluster.units[unit]
                if status is not None:
                    state.status = status
                if delay is not None:
                    state.profile, state.profile_since = as_profile(delay), elapsed
                if error_msg is not None:
                    state.error_msg = error_msg or None
                if omit_delay is not None:
                    state.omit_delay = omit_delay

    def add_tasks(
        self,
        cluster_id: int,
        n: int = 1,
        *,
        tenant_id: int | None = None,
        created_at: datetime | None = None,
    ) -> None:
        """Append ``n`` newest tasks (each becomes its unit's current task, status reset to RUNNING).

        :param cluster_id: OCP's cluster id.
        :param n: how many tasks.
        :param tenant_id: the tenant they belong to; None rotates over the tenants.
        :param created_at: their ``createTime``; None is server now. Times are forced 1 ms apart, after the newest.
        """
        with self.lock:
            cluster = self.cluster(cluster_id)
            timeline = cluster.timeline
            fixed = None if tenant_id is None else cluster.unit_of_tenant(tenant_id)
            create_us = to_epoch_us(created_at or self.clock.now())
            for _ in range(n):
                unit = fixed if fixed is not None else timeline.total % timeline.units
                timeline.append(unit, create_us)
                cluster.units[unit].status = DEFAULT_CURRENT_STATUS
                cluster.units[unit].error_msg = None

    def remove_tasks(self, cluster_id: int, n: int = 1, *, newest: bool = True, tenant_id: int | None = None) -> int:
        """Delete ``n`` tasks, the newest or the oldest; paging skips them.

        :param cluster_id: OCP's cluster id.
        :param n: how many tasks.
        :param newest: remove the newest (True) or the oldest (False).
        :param tenant_id: only this tenant's tasks.
        :returns: how many were removed.
        """
        with self.lock:
            cluster = self.cluster(cluster_id)
            view = cluster.view(tenant_id)
            chosen = view.newest(n) if newest else view.oldest(n)
            return cluster.timeline.delete(chosen)
