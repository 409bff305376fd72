"""What the backup event trigger reads from OCP: the clusters it watches and, per poll, each one's latest tasks.

Log backup tasks come from the triggerer's coalesced fetch (:class:`SharedTables`), shared with the gates and event
triggers of the same connection and cluster; the cluster list and data backups are this trigger's own reads.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

from airflow_provider_ocp.client.errors import OCPInputError
from airflow_provider_ocp.log_backup.units import LatestTasks

if TYPE_CHECKING:  # a DAG file builds the trigger; only the triggerer polls: no HTTP client at parse time
    from airflow_provider_ocp.hooks.ocp_async import OCPAsyncHook
    from airflow_provider_ocp.log_backup.events import DataBackupObservation
    from airflow_provider_ocp.triggers.coalescing import SharedPolls

ClusterRef = tuple[int, str | None]


class SharedTables:
    """Each watched cluster's latest log backup tasks through the triggerer's coalesced fetch: one OCP request per
    interval for every gate and event trigger of the connection and cluster in this triggerer
    (:mod:`~airflow_provider_ocp.triggers.coalescing`).

    The coalescing reuse rule needs one :class:`~airflow_provider_ocp.triggers.coalescing.SharedPolls` per cluster
    for the whole watching (it remembers the trigger's previous poll), so each cluster is joined at its first poll
    and stays joined across polls; it is left when it drops out of a fleet (:meth:`keep_only`), when the connection's
    settings change (it is joined again with the new ones: a rotated password takes effect), and on exit, cancellation
    included. Use it as ``async with SharedTables() as tables:`` for the lifetime of the trigger's run.
    """

    def __init__(self) -> None:
        self._joined: dict[int, tuple[AsyncExitStack, SharedPolls, Hashable]] = {}

    async def __aenter__(self) -> SharedTables:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.keep_only(())

    async def latest(self, hook: OCPAsyncHook, cluster_id: int) -> LatestTasks:
        """The cluster's latest log backup task of each unit, from a fetch started after this trigger's previous
        poll of it (shared with the cluster's other triggers; read it, never change it).

        :param hook: an entered hook (its connection id and settings choose who shares).
        :param cluster_id: a validated cluster id.
        """
        from airflow_provider_ocp.triggers.coalescing import shared_polls  # the triggerer's, not the DAG file's

        connection = (hook.ocp_conn_id, hook.settings)
        joined = self._joined.get(cluster_id)
        if joined is not None and joined[2] != connection:
            await self._leave(cluster_id)
            joined = None
        if joined is None:
            stack = AsyncExitStack()
            polls = await stack.enter_async_context(shared_polls(hook, cluster_id))
            joined = self._joined[cluster_id] = (stack, polls, connection)
        return await joined[1].poll()

    async def keep_only(self, cluster_ids: Iterable[int]) -> None:
        """Leave the shared fetches of every joined cluster not in ``cluster_ids``.

        :param cluster_ids: the clusters still watched.
        """
        keep = set(cluster_ids)
        for cluster_id in [joined for joined in self._joined if joined not in keep]:
            await self._leave(cluster_id)

    async def _leave(self, cluster_id: int) -> None:
        stack = self._joined.pop(cluster_id)[0]
        await stack.aclose()

    @property
    def joined(self) -> list[int]:
        """The clusters whose shared fetches this trigger uses now: for tests and diagnostics."""
        return sorted(self._joined)


async def data_backups(hook: OCPAsyncHook, cluster_id: int) -> tuple[DataBackupObservation, ...]:
    """A cluster's data backup tasks now, as observations.

    :param hook: an entered hook.
    :param cluster_id: a validated cluster id.
    """
    from airflow_provider_ocp.log_backup.event_reading import observe_data_backups

    return observe_data_backups(await hook.get_data_backup_tasks(cluster_id))


def name_matcher(pattern: str, regex: bool) -> re.Pattern[str]:
    """The compiled cluster name pattern: a shell glob (``prod-*``), or a regular expression with ``regex``; both
    match the whole name, case-sensitively. A bad expression is an error naming the parameter.

    :param pattern: ``cluster_name_pattern``.
    :param regex: ``cluster_name_regex``.
    """
    if not isinstance(pattern, str) or not pattern:
        raise OCPInputError(f"cluster_name_pattern must be a non-empty glob or regex; got {pattern!r}.")
    try:
        return re.compile(pattern if regex else fnmatch.translate(pattern))
    except re.error as error:
        raise OCPInputError(f"cluster_name_pattern {pattern!r} is not a regular expression: {error}") from None


def matching_clusters(clusters: Sequence[Mapping[str, Any]], matcher: re.Pattern[str]) -> list[ClusterRef]:
    """The listed clusters whose name matches, by id (records without a readable id or name are skipped).

    :param clusters: OCP's ``GET /ob/clusters`` records.
    :param matcher: :func:`name_matcher`.
    """
    found: dict[int, str] = {}
    for cluster in clusters:
        cluster_id, name = _id(cluster.get("id")), cluster.get("name")
        if cluster_id is not None and isinstance(name, str) and matcher.fullmatch(name):
            found[cluster_id] = name
    return sorted(found.items())


async def fleet(hook: OCPAsyncHook, matcher: re.Pattern[str]) -> list[ClusterRef]:
    """The clusters OCP lists now whose name matches.

    :param hook: an entered hook.
    :param matcher: :func:`name_matcher`.
    """
    return matching_clusters(await hook.list_clusters(), matcher)


async def one_cluster(hook: OCPAsyncHook, cluster_id: int | None, cluster_name: str | None) -> list[ClusterRef]:
    """The one watched cluster, its name looked up when given by name.

    :param hook: an entered hook.
    :param cluster_id: the id, or None with ``cluster_name``.
    :param cluster_name: the exact name.
    """
    if cluster_id is not None:
        return [(cluster_id, None)]
    return [(await hook.resolve_cluster_id(None, cluster_name), cluster_name)]


def _id(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return value
    if isinstance(value, str) and value.isdigit() and int(value) > 0:
        return int(value)
    return None
