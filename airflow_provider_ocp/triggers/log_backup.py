"""OCPLogBackupDelayTrigger: the deferred half of the log backup delay sensor, polling OCP from the triggerer."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack
from datetime import datetime, timedelta, timezone
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_ocp.client.timestamps import isoformat_utc
from airflow_provider_ocp.exceptions import OCPAPIError
from airflow_provider_ocp.hooks.ocp import OCPAsyncHook
from airflow_provider_ocp.log_backup.gate import GateCriteria, GateVerdict, evaluate, log_verdict
from airflow_provider_ocp.log_backup.query import LogBackupQuery, log_backup_tasks_query
from airflow_provider_ocp.log_backup.recoverable import judge_recoverable, wants_windows, window_request_tenants
from airflow_provider_ocp.triggers.arguments import rebuild_arguments
from airflow_provider_ocp.triggers.coalescing import SharedPolls, latest_tasks, poll_stamp, shared_polls
from airflow_provider_ocp.triggers.metrics import emit_delay_gauges
from airflow_provider_ocp.validation import coerce_instant


class OCPLogBackupDelayTrigger(BaseTrigger):
    """Poll a cluster's log backup tasks until log backup has caught up, failed, timed out or OCP keeps failing.

    Every argument is JSON-serialisable, so :meth:`serialize` round-trips through the metadata database. It yields
    exactly one event, a dict with ``status`` and ``message``:

    * ``caught_up``: log backup has caught up (the gate passes); ``result`` holds the sensor's XCom value.
    * ``failed``: a selected unit is in a fail status; the message names tenant, status and ``errorMsg``. Or, with
      ``check_recoverable`` (carried in ``criteria``), ``target_time`` can never become recoverable for a tenant.
    * ``timeout``: ``deadline`` passed first (the triggerer also enforces the sensor's timeout; whichever comes
      first wins, with the same outcome).
    * ``error``: ``max_consecutive_failures`` polls in a row failed with transient API errors, or one failed with an
      error no retry can fix (bad credentials, unknown cluster, TLS); the message is the last error.

    :param cluster_id: the OCP cluster id.
    :param criteria: :meth:`GateCriteria.to_dict` output; re-validated when the trigger runs.
    :param ocp_conn_id: the Airflow connection of type ``ocp``; read asynchronously when the trigger runs.
    :param poke_interval: seconds between polls.
    :param deadline: ISO-8601 instant after which the trigger gives up with a ``timeout`` event; None for never.
    :param max_consecutive_failures: transient failures in a row tolerated before the ``error`` event.
    :param exponential_backoff: double the wait after each poll, like the sensor's option in poke mode.
    :param max_wait: cap on one wait with ``exponential_backoff``, in seconds.
    :param coalesce: share each poll's OCP request with the other gates of this connection and cluster in this
        triggerer (:mod:`~airflow_provider_ocp.triggers.coalescing`): OCP's load then grows with the clusters, not
        the waiting tasks. False polls alone, as before (each gate then fires within one interval, not two).
    :param emit_metrics: send per-tenant delay gauges at each poll
        (:mod:`~airflow_provider_ocp.triggers.metrics`).
    """

    def __init__(
        self,
        *,
        cluster_id: int,
        criteria: Mapping[str, Any],
        ocp_conn_id: str = "ocp_default",
        poke_interval: float = 60.0,
        deadline: str | None = None,
        max_consecutive_failures: int = 5,
        exponential_backoff: bool = False,
        max_wait: float | None = None,
        coalesce: bool = True,
        emit_metrics: bool = False,
    ) -> None:
        super().__init__()
        self.cluster_id = cluster_id
        self.criteria = dict(criteria)
        self.ocp_conn_id = ocp_conn_id
        self.poke_interval = float(poke_interval)
        self.deadline = deadline
        self.max_consecutive_failures = max(1, int(max_consecutive_failures))
        self.exponential_backoff = exponential_backoff
        self.max_wait = max_wait
        self.coalesce = coalesce
        self.emit_metrics = emit_metrics

    @classmethod
    def for_sensor(
        cls, sensor: Any, cluster_id: int, criteria: GateCriteria, remaining: float
    ) -> OCPLogBackupDelayTrigger:
        """The trigger that continues a sensor's wait for the ``remaining`` seconds of its timeout.

        :param sensor: the :class:`~airflow_provider_ocp.sensors.log_backup.OCPLogBackupDelaySensor` deferring.
        :param cluster_id: the validated cluster id.
        :param criteria: the sensor's criteria (``check_recoverable`` travels in them).
        :param remaining: seconds of the sensor's timeout left.
        """
        return cls(
            cluster_id=cluster_id,
            criteria=criteria.to_dict(),
            ocp_conn_id=sensor.ocp_conn_id,
            poke_interval=sensor.poke_interval,
            deadline=isoformat_utc(datetime.now(timezone.utc) + timedelta(seconds=remaining)),
            max_consecutive_failures=sensor.max_consecutive_failures,
            exponential_backoff=sensor.exponential_backoff,
            max_wait=sensor.max_wait.total_seconds() if sensor.max_wait else None,
            emit_metrics=sensor.emit_metrics,
        )

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """The class path and keyword arguments that rebuild this trigger (JSON-serialisable only)."""
        return rebuild_arguments(self)

    def _wait(self, polls: int) -> float:
        # Alone, 10 % jitter: triggers deferred together would otherwise poll OCP, and load the event loop, in
        # lockstep. Coalesced, none: the first polls are spread over one interval and exact waits keep them spread;
        # the gate that fetched last is the next to fetch, so a wait below the interval would mean more than one
        # request per interval, and one above it would stretch the two-interval bound of coalescing.py.
        jitter = random.uniform(0.9, 1.1) if not self.coalesce else 1.0
        if polls == 0:  # the sensor has just checked on the worker: spread first polls over one interval
            return self.poke_interval * random.random()
        if not self.exponential_backoff:
            return self.poke_interval * jitter
        wait = self.poke_interval * 2 ** min(polls - 1, 30)
        return (min(wait, self.max_wait) if self.max_wait else wait) * jitter

    def _bounded_wait(self, polls: int, deadline: datetime | None) -> float:
        wait = self._wait(polls)
        if deadline is not None:
            wait = max(0.0, min(wait, (deadline - datetime.now(timezone.utc)).total_seconds()))
        return wait

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll until caught up (``caught_up``), a fail status (``failed``), the deadline (``timeout``) or an API
        failure (``error``).

        Exactly one event, whatever happens: an unexpected exception becomes an ``error`` event too (a trigger that
        dies without one leaves the task deferred until its timeout). ``asyncio.CancelledError`` (the triggerer
        stopping or moving this trigger) is never caught.
        """
        async with AsyncExitStack() as resources:
            try:
                criteria = GateCriteria.from_dict(self.criteria)
                query = log_backup_tasks_query(self.cluster_id)  # checked once: every poll sends this query
                deadline = coerce_instant(self.deadline, "deadline") if self.deadline else None
                started = poll_stamp()  # the first poll may share any fetch started from now on
                # The first, spread-out wait comes before reading the connection and opening the client: triggers
                # deferred together then also do that set-up at different moments instead of all at once.
                await asyncio.sleep(self._bounded_wait(0, deadline))
                hook = await resources.enter_async_context(OCPAsyncHook(self.ocp_conn_id))
                joined = shared_polls(hook, self.cluster_id, since=started) if self.coalesce else None
                shared = await resources.enter_async_context(joined) if joined is not None else None
            except Exception as error:  # a bad connection or argument: nothing a retry fixes
                yield TriggerEvent({"status": "error", "message": f"Cannot start the log backup check: {error}"})
                return
            try:
                event = await self._watch(hook, query, criteria, deadline, shared)
            except Exception as error:  # a bug or a response nothing anticipated: still end with an event
                self.log.exception("Log backup check of cluster %s failed unexpectedly", self.cluster_id)
                event = {
                    "status": "error",
                    "message": f"Log backup check of cluster {self.cluster_id} failed unexpectedly: "
                    f"{type(error).__name__}: {error}",
                }
        yield TriggerEvent(event)

    async def _watch(
        self,
        hook: OCPAsyncHook,
        query: LogBackupQuery,
        criteria: GateCriteria,
        deadline: datetime | None,
        shared: SharedPolls | None,
    ) -> dict[str, Any]:
        """Poll OCP until the gate is decided; return the event."""
        failures, polls = 0, 0
        last: GateVerdict | None = None
        warned: set[str] = set()  # each warning once, not at every poll
        while True:
            if deadline is not None and datetime.now(timezone.utc) >= deadline:
                event = self._timeout_event(deadline, last)
                self.log.warning("%s", event["message"])
                return event
            polls += 1
            try:
                verdict = await self._check(hook, query, criteria, shared)
            except OCPAPIError as error:
                failures += 1
                if not error.retryable or failures >= self.max_consecutive_failures:
                    event = self._error_event(error, failures)
                    self.log.error("%s", event["message"])
                    return event
                self.log.warning(
                    "Log backup check of cluster %s failed (%s of %s consecutive failures allowed): %s",
                    self.cluster_id,
                    failures,
                    self.max_consecutive_failures,
                    error,
                )
            else:
                failures, last = 0, verdict
                log_verdict(self.log, last, warned)
                if last.caught_up:
                    return {"status": "caught_up", "message": last.message, "result": last.to_xcom()}
                if last.failed:
                    return {"status": "failed", "message": last.message}
            await asyncio.sleep(self._bounded_wait(polls, deadline))

    async def _check(
        self, hook: OCPAsyncHook, query: LogBackupQuery, criteria: GateCriteria, shared: SharedPolls | None
    ) -> GateVerdict:
        """One poll: the gate's verdict on the log backup tasks (shared with the cluster's other gates when
        coalescing) and, with ``check_recoverable`` once the delay rule holds, on the recoverable windows
        (:mod:`~airflow_provider_ocp.log_backup.recoverable`): one more GET, this gate's own."""
        # Shared with the cluster's other gates (evaluate only reads it), or this gate's own.
        table = await shared.poll() if shared is not None else await latest_tasks(hook, query)
        verdict = evaluate(table, criteria, cluster_id=self.cluster_id)
        if wants_windows(verdict, criteria) and criteria.target_time is not None:
            windows = await hook.get_recoverable_windows(self.cluster_id, window_request_tenants(verdict))
            verdict = judge_recoverable(verdict, windows, criteria.target_time)
        if self.emit_metrics:
            emit_delay_gauges(verdict, self.cluster_id)
        return verdict

    def _timeout_event(self, deadline: datetime, last: GateVerdict | None) -> dict[str, Any]:
        message = (
            f"Sensor has timed out: log backup of cluster {self.cluster_id} did not catch up by "
            f"{deadline.isoformat()} (the sensor's timeout)."
        )
        return {"status": "timeout", "message": f"{message} Last check: {last.message}" if last else message}

    def _error_event(self, error: OCPAPIError, failures: int) -> dict[str, Any]:
        why = "a non-retryable error" if not error.retryable else f"{failures} consecutive failed polls"
        return {
            "status": "error",
            "message": f"Log backup check of cluster {self.cluster_id} gave up after {why}: {error}",
            "failures": failures,
        }
