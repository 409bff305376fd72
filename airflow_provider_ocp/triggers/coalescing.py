"""Coalesced polling: deferred gates of one connection and cluster share one OCP request per interval.

A triggerer runs every deferred gate in one event loop. Without sharing, N gates on one cluster send N identical
walks of its log backup tasks per interval, so OCP's load grows with the number of waiting tasks. Here the first
gate due fetches the cluster's tasks into a :class:`~airflow_provider_ocp.log_backup.units.LatestTasks` table, gates
due while that fetch runs await the same fetch, and each gate judges the shared table with its own criteria
(:func:`~airflow_provider_ocp.log_backup.gate.evaluate` reads a table and never changes it).

**The reuse rule.** A fetch is reusable by a gate when it *started after that gate's previous poll* (for the first
poll: after the gate joined, i.e. after the sensor's own check on the worker). So a gate never judges data older than
what it last looked at, and data that was current when a gate joined is never judged as new. A condition that holds
at time C is in every fetch that starts after C; a gate's next poll after C may still judge a fetch that started
before C, but the one after it cannot: every gate fires within two of its poke intervals (plus one fetch) of its
condition holding, against one interval when polling alone. With gates of one interval, one fetch per cluster per
interval results: the gate that fetched last is the first whose previous poll is not before that fetch.

**Failures** are outcomes like any other: a fetch that raises delivers the same exception to every gate that awaits
or reuses it, and each counts it as its own failed poll (a non-retryable error ends each gate as it would have ended
it alone). During an outage OCP still gets one request per interval per cluster, not one per gate.

**Leaving.** A fetch runs as a task of its own, awaited through :func:`asyncio.shield`: a gate that is cancelled,
fires or times out while others await the fetch does not cancel it. An entry (a connection and cluster's shared
state) lives while at least one gate uses it; the last gate to leave cancels a fetch still running and drops it.

**Scope.** Sharing is per event loop (so per triggerer process): nothing is shared across processes or loops, and
with several triggerers (Airflow's HA set-up) each triggerer polls each cluster on its own, so OCP sees one request
per interval per cluster *per triggerer*. Nothing is shared across connections either: the key is the connection id
and every field of its settings (address, credentials, TLS, proxies, timeouts, retries, page size), so gates with
different credentials never see each other's data. The ``/backup/info`` read of ``check_recoverable`` stays per gate:
it happens only once a gate's delay rule holds.

The API (used by :class:`~airflow_provider_ocp.triggers.log_backup.OCPLogBackupDelayTrigger` and event triggers)::

    async with shared_polls(hook, cluster_id) as polls:   # hook: an entered OCPAsyncHook
        table = await polls.poll()                        # a LatestTasks; read it, never change it
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, fields
from typing import Any

from airflow_provider_ocp.client.settings import OCPSettings
from airflow_provider_ocp.hooks.ocp import OCPAsyncHook
from airflow_provider_ocp.log_backup.query import LogBackupQuery, log_backup_tasks_query
from airflow_provider_ocp.log_backup.units import LatestTasks

_stamps = itertools.count(1)
"""Orders polls and fetches of one process exactly (a clock could tie two events of one loop iteration)."""


@dataclass
class _Fetch:
    stamp: int
    task: asyncio.Task[LatestTasks]


@dataclass
class _Entry:
    """What the gates of one connection and cluster share in one event loop."""

    ocp_conn_id: str
    settings: OCPSettings
    cluster_id: int
    users: int = 0
    latest: _Fetch | None = None  # the fetch started last (running or done)
    running: set[asyncio.Task[LatestTasks]] = field(default_factory=set)
    fetches: int = 0  # fetches started: for tests and diagnostics

    def fetch_for(self, previous: int) -> asyncio.Task[LatestTasks]:
        """The fetch a gate whose previous poll has stamp ``previous`` may judge, started if there is none."""
        if self.latest is None or self.latest.stamp <= previous:
            task = asyncio.get_running_loop().create_task(self._fetch(), name=f"ocp-fetch-{self.cluster_id}")
            self.latest, self.fetches = _Fetch(next(_stamps), task), self.fetches + 1
            self.running.add(task)
            task.add_done_callback(self._done)
        return self.latest.task

    def _done(self, task: asyncio.Task[LatestTasks]) -> None:
        self.running.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved here too: a failure no gate awaits is not "never retrieved"

    async def _fetch(self) -> LatestTasks:
        # A hook of its own (on the loop's shared client of the connection): the gate that started the fetch may
        # leave, and close its hook, while others await it.
        async with OCPAsyncHook(self.ocp_conn_id, settings=self.settings) as hook:
            return await latest_tasks(hook, log_backup_tasks_query(self.cluster_id))


async def latest_tasks(hook: OCPAsyncHook, query: LogBackupQuery) -> LatestTasks:
    """One walk of a cluster's log backup tasks (every status), keeping the latest task of each unit only, not the
    cluster's whole history: what a gate or a shared fetch judges.

    :param hook: an entered hook.
    :param query: the validated query of the cluster's tasks, without a window.
    """
    table = LatestTasks()
    async for page in hook.iter_query_pages(query, every_status=True):
        table.take(page)
    return table


_entries: dict[Hashable, _Entry] = {}


def _freeze(value: Any) -> Hashable:
    if isinstance(value, dict):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(_freeze(v) for v in value)
    return value if isinstance(value, Hashable) else repr(value)


def _key(ocp_conn_id: str, settings: OCPSettings, cluster_id: int) -> Hashable:
    """The event loop, the connection id and every settings field (credentials included), and the cluster."""
    settings_key = tuple((f.name, _freeze(getattr(settings, f.name))) for f in fields(settings))
    return asyncio.get_running_loop(), ocp_conn_id, settings_key, int(cluster_id)


def poll_stamp() -> int:
    """A stamp ordering this moment among polls and fetches: a gate's start, for :func:`shared_polls`'s ``since``."""
    return next(_stamps)


class SharedPolls:
    """One gate's view of its cluster's shared fetches: remembers the gate's previous poll for the reuse rule.

    :param entry: the shared state of the gate's connection and cluster.
    :param since: a :func:`poll_stamp` standing for the gate's previous look (see :func:`shared_polls`).
    """

    def __init__(self, entry: _Entry, since: int | None = None) -> None:
        self._entry = entry
        self._previous = next(_stamps) if since is None else since  # data from before that is never judged new

    async def poll(self) -> LatestTasks:
        """The cluster's latest tasks from a fetch that started after this gate's previous poll, or the exception
        that fetch raised. Read the table, never change it: other gates judge the same object."""
        task = self._entry.fetch_for(self._previous)
        self._previous = next(_stamps)
        return await asyncio.shield(task)  # this gate leaving does not cancel a fetch others await

    @property
    def fetches(self) -> int:
        """Fetches started for this gate's connection and cluster so far (all gates): for tests and diagnostics."""
        return self._entry.fetches


@asynccontextmanager
async def shared_polls(hook: OCPAsyncHook, cluster_id: int, *, since: int | None = None) -> AsyncIterator[SharedPolls]:
    """Join the gates polling ``cluster_id`` through ``hook``'s connection in this event loop; leave on exit.

    :param hook: an entered :class:`OCPAsyncHook`; its connection id and settings choose who shares.
    :param cluster_id: a validated cluster id.
    :param since: :func:`poll_stamp` taken when the gate started (before its first, spread-out wait), so its first
        poll may reuse any fetch started since; None: now (joining counts as the gate's previous look).
    """
    key = _key(hook.ocp_conn_id, hook.settings, cluster_id)
    entry = _entries.get(key)
    if entry is None:
        entry = _entries[key] = _Entry(hook.ocp_conn_id, hook.settings, int(cluster_id))
    entry.users += 1
    try:
        yield SharedPolls(entry, since)
    finally:
        entry.users -= 1
        if entry.users <= 0:
            if _entries.get(key) is entry:
                del _entries[key]
            for task in list(entry.running):  # nobody awaits it any more
                task.cancel()


def shared_entry_count() -> int:
    """How many connection-and-cluster entries are in use (in every event loop): for tests and diagnostics."""
    return len(_entries)
