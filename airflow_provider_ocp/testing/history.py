"""History records kept across requests, so a page of them costs lookups instead of rendering.

A history (STOPPED) record depends only on its index, the rendering options, the zone and the seed, never on the
clock, so the API keeps the records it rendered and encodes a page of them at once (msgspec, in the envelope): a page
read again costs about a millisecond. Current tasks, whose delay and checkpoint follow the clock, are rendered on
every request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow_provider_ocp.testing.clusters import ClusterState
from airflow_provider_ocp.testing.rendering import RenderContext, render_tasks

MAX_KEPT_RECORDS = 150_000
"""Beyond this many kept records (~1 KiB each) the store starts over: a walk over millions of tasks renders as it
goes, and every record is still rendered exactly as :func:`render_tasks` renders it."""


class HistoryRecords:
    """History records by cluster and index, dropped whenever what they depend on changes.

    Used under the dataset's lock (:meth:`~airflow_provider_ocp.testing.dataset.Dataset.query_tasks` calls
    :meth:`render` as its renderer), so it needs no lock of its own. The records it returns are shared between
    responses: the envelope only reads them.
    """

    def __init__(self) -> None:
        self._records: dict[tuple[int, int], dict[str, Any]] = {}
        self._depends_on: tuple[Any, ...] = ()

    def render(self, cluster: ClusterState, indices: Sequence[int], ctx: RenderContext) -> list[dict[str, Any]]:
        """The records at ``indices``, as :func:`render_tasks` gives them, history records from the store.

        :param cluster: the cluster state.
        :param indices: task indices in the cluster's timeline.
        :param ctx: the rendering context.
        """
        options = ctx.options
        depends_on = (
            options.checkpoint_format,
            options.delay_format,
            options.ids_as_strings,
            options.include_agent_ip,
            ctx.tz,
            ctx.seed,
        )
        if depends_on != self._depends_on or len(self._records) >= MAX_KEPT_RECORDS:
            self._records.clear()
            self._depends_on = depends_on
        cluster_id, kept = cluster.spec.cluster_id, self._records
        current = {cluster.current_index(unit) for unit in range(cluster.spec.units)}
        missing = [index for index in indices if index in current or (cluster_id, index) not in kept]
        fresh = dict(zip(missing, render_tasks(cluster, missing, ctx), strict=True))
        for index, record in fresh.items():
            if index not in current:
                kept[cluster_id, index] = record
        return [fresh[index] if index in fresh else kept[cluster_id, index] for index in indices]
