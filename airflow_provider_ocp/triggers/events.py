"""OCPLogBackupEventTrigger: backup events for Airflow 3's event-driven scheduling (an ``AssetWatcher``'s trigger)."""

from __future__ import annotations

import asyncio
import copy
import random
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

try:
    from airflow.triggers.base import BaseEventTrigger, TriggerEvent
except ImportError as missing:  # pragma: no cover - every supported line (3.0.6 on) has it
    raise ImportError(
        "OCPLogBackupEventTrigger needs Airflow's BaseEventTrigger (Airflow 3.0 on, for AssetWatcher); "
        f"this Airflow has none ({missing}). Gate with OCPLogBackupDelaySensor instead."
    ) from missing

from airflow_provider_ocp.client.errors import OCPAPIError, OCPInputError
from airflow_provider_ocp.log_backup.clusters import cluster_choice
from airflow_provider_ocp.log_backup.criteria import event_criteria, validate_max_delay
from airflow_provider_ocp.log_backup.events import Watch, step
from airflow_provider_ocp.triggers import event_sources as sources
from airflow_provider_ocp.triggers.arguments import rebuild_arguments
from airflow_provider_ocp.triggers.event_memory import EventMemory, memory_key
from airflow_provider_ocp.triggers.metrics import emit_delay_gauges

if TYPE_CHECKING:
    from airflow_provider_ocp.hooks.ocp_async import OCPAsyncHook


class OCPLogBackupEventTrigger(BaseEventTrigger):
    """Watch log backup (and optionally data backups) of a cluster or a fleet; fire an event per change that matters.

    Use it in an ``AssetWatcher``; a DAG scheduled on the asset runs once per event, with the event's payload in
    ``triggering_asset_events`` (the asset event's ``extra["payload"]``). It never ends: OCP errors are logged
    (never a credential) and retried with backoff. What fires when is in :mod:`~airflow_provider_ocp.log_backup.
    events`; each payload is JSON with ``kind`` (``delay_above_threshold``, ``delay_recovered``,
    ``log_backup_stopped``, ``log_backup_running``, ``data_backup_finished``), ``event_key`` (stable: the same
    occurrence gives the same key), ``cluster_id``, ``cluster_name``, ``tenant_id``, ``tenant_name``, ``status``,
    ``delay``, ``checkpoint``, ``threshold``, ``observed_at`` (OCP's clock) and ``message``; a data backup's also
    ``task_id``, ``backup_type``, ``finished_at`` and ``error``. What it has reported is remembered in the asset
    state store (Airflow 3.3), so a triggerer restart does not fire it again: :mod:`~airflow_provider_ocp.triggers.
    event_memory`.

    **One request per cluster and interval.** Each poll reads a cluster's log backup tasks through the triggerer's
    coalesced fetch (:mod:`~airflow_provider_ocp.triggers.coalescing`): the deferred gates and event triggers of the
    same connection and cluster in one triggerer share one OCP request per interval (per triggerer: several
    triggerers each poll). The cluster list and data backups are this trigger's own reads.

    **Airflow lines.** ``BaseEventTrigger`` and ``AssetWatcher`` exist on every line this provider supports (3.0.6
    on); where ``airflow.triggers.base`` has no ``BaseEventTrigger`` importing this module raises an ImportError that
    says so. The memory of what was reported needs Airflow 3.3's asset state store: on 3.0 to 3.2 (or an asset whose
    store refuses) it is kept in the trigger only, a warning says so once, and a triggerer restart fires again the
    conditions still current (an alert twice rather than none). Airflow attaches a watcher's trigger to its asset
    when the dag-processor parses the file of an unpaused DAG: a DAG just unpaused starts watching at its next parse.

    Give exactly one of ``cluster_id``, ``cluster_name`` or ``cluster_name_pattern``.

    :param cluster_id: OCP's cluster id.
    :param cluster_name: the cluster's exact name (looked up in OCP's cluster list).
    :param cluster_name_pattern: a fleet: every cluster whose whole name matches this glob (``prod-*``), or this
        regular expression with ``cluster_name_regex``; OCP's cluster list is read again every ``relist_interval``.
    :param cluster_name_regex: read ``cluster_name_pattern`` as a regular expression.
    :param tenant_ids: only these tenants fire (by OCP tenant id); with ``tenant_names``, a tenant listed in either.
    :param tenant_names: only these tenants fire (by name).
    :param max_delay: the delay threshold, seconds (or a timedelta), as the gate's ``max_delay``.
    :param watch_data_backups: also fire ``data_backup_finished`` when a data backup is DONE or FAILED.
    :param ocp_conn_id: the Airflow connection of type ``ocp``.
    :param poll_interval: seconds between polls.
    :param relist_interval: seconds between two reads of OCP's cluster list (a fleet only).
    :param max_backoff: the longest wait after OCP errors, seconds (the wait doubles from ``poll_interval``).
    :param emit_metrics: at each poll, send each watched tenant's delay and running state as gauges
        (:mod:`~airflow_provider_ocp.triggers.metrics`; a metrics failure never stops the watching).
    """

    def __init__(
        self,
        *,
        cluster_id: int | None = None,
        cluster_name: str | None = None,
        cluster_name_pattern: str | None = None,
        cluster_name_regex: bool = False,
        tenant_ids: list[int] | None = None,
        tenant_names: list[str] | None = None,
        max_delay: float = 600.0,
        watch_data_backups: bool = False,
        ocp_conn_id: str = "ocp_default",
        poll_interval: float = 60.0,
        relist_interval: float = 600.0,
        max_backoff: float = 600.0,
        emit_metrics: bool = False,
    ) -> None:
        super().__init__()
        if (cluster_id is not None) + (cluster_name is not None) + (cluster_name_pattern is not None) != 1:
            raise OCPInputError("Give exactly one of cluster_id, cluster_name or cluster_name_pattern.")
        choice = None if cluster_name_pattern is not None else cluster_choice(cluster_id, cluster_name)
        self.cluster_id = choice if isinstance(choice, int) else None
        self.cluster_name = choice if isinstance(choice, str) else None
        self.cluster_name_pattern = cluster_name_pattern
        self.cluster_name_regex = bool(cluster_name_regex)
        self._matcher = (
            sources.name_matcher(cluster_name_pattern, self.cluster_name_regex) if cluster_name_pattern else None
        )
        self.max_delay = validate_max_delay(max_delay)
        criteria = event_criteria(self.max_delay, tenant_ids, tenant_names)  # validates the tenant filter
        self.tenant_ids = list(criteria.tenant_ids) if criteria.tenant_ids is not None else None
        self.tenant_names = list(criteria.tenant_names) if criteria.tenant_names is not None else None
        self._criteria = criteria
        self.watch_data_backups = bool(watch_data_backups)
        self.ocp_conn_id = ocp_conn_id
        self.poll_interval = _positive(poll_interval, "poll_interval")
        self.relist_interval = _positive(relist_interval, "relist_interval")
        self.max_backoff = max(self.poll_interval, _positive(max_backoff, "max_backoff"))
        self.emit_metrics = bool(emit_metrics)
        identity = {k: v for k, v in self.serialize()[1].items() if k not in _TIMING}
        self._memory = EventMemory(self, memory_key(identity), self.log)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """The class path and JSON-only keyword arguments (also what ``BaseEventTrigger.hash`` identifies it by)."""
        return rebuild_arguments(self)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll forever; yield each event the rules fire. Only cancellation (the triggerer) ends it."""
        state = await self._memory.load()
        saved = copy.deepcopy(state)
        clusters: list[sources.ClusterRef] = []
        listed_at, failures = -float("inf"), 0
        watch = Watch(_tuple(self.tenant_ids), _tuple(self.tenant_names))
        async with sources.SharedTables() as tables:  # each cluster's shared fetch, left on cancellation too
            while True:
                failed = 0
                try:
                    from airflow_provider_ocp.hooks.ocp_async import OCPAsyncHook  # the triggerer's, not the DAG's

                    async with OCPAsyncHook(self.ocp_conn_id) as hook:
                        if not clusters or asyncio.get_running_loop().time() - listed_at >= self.relist_interval:
                            clusters, listed_at = await self._clusters(hook), asyncio.get_running_loop().time()
                            await tables.keep_only(cluster_id for cluster_id, _ in clusters)
                        for cluster_id, name in clusters:
                            key = str(cluster_id)
                            try:
                                events, new = await self._poll(hook, tables, cluster_id, name, state, watch)
                            except Exception as error:  # one cluster's failure does not stop the others' events
                                failed += 1
                                self._log_failure(error, failures + 1, cluster_id)
                                continue
                            state["clusters"][key] = new
                            for event in events:
                                self.log.info("Backup event %s: %s", event["kind"], event["message"])
                                yield TriggerEvent(event)
                except Exception as error:  # the connection, OCP's cluster list, or a bug: log it, keep watching
                    failed += 1
                    self._log_failure(error, failures + 1, None)
                failures = failures + 1 if failed else 0
                if state != saved:  # after the events were handed over: a crash in between fires again, never loses
                    await self._memory.save(state)
                    saved = copy.deepcopy(state)
                await asyncio.sleep(self._wait(failures))

    async def _clusters(self, hook: OCPAsyncHook) -> list[sources.ClusterRef]:
        if self._matcher is not None:
            found = await sources.fleet(hook, self._matcher)
            if not found:
                self.log.warning("No OCP cluster's name matches %r (yet)", self.cluster_name_pattern)
            return found
        return await sources.one_cluster(hook, self.cluster_id, self.cluster_name)

    async def _poll(
        self,
        hook: OCPAsyncHook,
        tables: sources.SharedTables,
        cluster_id: int,
        name: str | None,
        state: dict[str, Any],
        watch: Watch,
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        from airflow_provider_ocp.log_backup.event_reading import observation, observe_log_backup

        table = await tables.latest(hook, cluster_id)  # one request per interval for the cluster's gates and watchers
        units, verdict = observe_log_backup(table, self._criteria, cluster_id)
        data = await sources.data_backups(hook, cluster_id) if self.watch_data_backups else None
        if self.emit_metrics:
            emit_delay_gauges(verdict, cluster_id)  # the watched tenants (the tenant filter's), never failing
        seen = observation(cluster_id, name, units, table.server_time or datetime.now(timezone.utc), data)
        return step(state["clusters"].get(str(cluster_id)), seen, watch, self.max_delay)

    def _wait(self, failures: int) -> float:
        if not failures:  # exact, as coalesced gates: shorter would mean two fetches an interval, longer a later event
            return self.poll_interval
        return min(self.max_backoff, self.poll_interval * 2 ** min(failures, 20)) * random.uniform(0.9, 1.1)

    def _log_failure(self, error: Exception, failures: int, cluster_id: int | None) -> None:
        # The provider's errors carry no credential (they are built for logs); anything else: its type only.
        what = str(error) if isinstance(error, OCPAPIError | OCPInputError) else type(error).__name__
        where = f"cluster {cluster_id}" if cluster_id is not None else "OCP"
        self.log.warning(
            "Backup events: polling %s failed (%s poll(s) in a row; next in about %.0fs): %s",
            where,
            failures,
            self._wait(failures),
            what,
        )


_TIMING = ("poll_interval", "relist_interval", "max_backoff", "emit_metrics")


def _positive(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise OCPInputError(f"{name} must be a positive number of seconds; got {value!r}.")
    return float(value)


def _tuple(values: list[Any] | None) -> tuple[Any, ...] | None:
    return None if values is None else tuple(values)
