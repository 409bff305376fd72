"""What the backup event trigger reads from OCP: the clusters it watches and, per poll, each one's latest tasks.

Each read is one small function so another fetch can take its place (a fetch shared by every waiting trigger of a
connection and cluster, for instance) without touching the trigger or the rules.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_ocp.client.errors import OCPInputError
from airflow_provider_ocp.log_backup.units import LatestTasks

if TYPE_CHECKING:  # a DAG file builds the trigger; only the triggerer polls: no HTTP client at parse time
    from airflow_provider_ocp.hooks.ocp_async import OCPAsyncHook
    from airflow_provider_ocp.log_backup.events import DataBackupObservation

ClusterRef = tuple[int, str | None]


async def latest_log_backup_tasks(hook: OCPAsyncHook, cluster_id: int) -> LatestTasks:
    """The latest log backup task of each unit of a cluster now, as the gate's trigger reads them.

    :param hook: an entered hook.
    :param cluster_id: a validated cluster id.
    """
    from airflow_provider_ocp.log_backup.query import validated_query

    table = LatestTasks()
    async for page in hook.iter_query_pages(validated_query(cluster_id), every_status=True):
        table.take(page)
    return table


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
