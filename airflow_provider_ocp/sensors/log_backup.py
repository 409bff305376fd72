"""OCPLogBackupDelaySensor: wait until OCP log backup has caught up, and fail at once when it has stopped or failed."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import (
    AirflowFailException,
    AirflowSensorTimeout,
    BaseSensorOperator,
    Context,
    PokeReturnValue,
    conf,
)

from airflow_provider_ocp.hooks.failures import failing_at_once
from airflow_provider_ocp.hooks.lazy_hook import LazyOCPHookMixin
from airflow_provider_ocp.log_backup.criteria import DEFAULT_FAIL_ON_STATUS, GateCriteria, resolve_check_recoverable
from airflow_provider_ocp.sensors import timing

# The gate itself (and the hook, and the trigger) is imported by the methods that use it: this module is imported by
# every DAG file that uses the sensor, each time the file is parsed.
if TYPE_CHECKING:
    from airflow_provider_ocp.log_backup.query import LogBackupQuery
    from airflow_provider_ocp.log_backup.verdict import GateVerdict


class OCPLogBackupDelaySensor(LazyOCPHookMixin, BaseSensorOperator):
    """Wait until OCP's log backup of a cluster is running and its checkpoint delay is at most ``max_delay``.

    The gate before a point-in-time restore, a failover drill or an export. Only the latest log backup task of each
    tenant (or the cluster-level task) counts. Log backup has caught up (the sensor is done) only when, for every
    selected unit, the latest task is known without doubt (no task with a missing or unreadable ``createTime`` or
    tenant, no tie with different statuses), is in a running status (RUNNING, INPROGRESS, DOING), has a checkpoint
    not after OCP's clock (5 minutes of clock skew allowed), a delay that is a number at most ``max_delay`` and, with
    ``target_time``, a checkpoint at or after ``target_time`` (and, with ``check_recoverable``, ``target_time`` inside
    every watched tenant's recoverable window). A unit in a ``fail_on_status`` status fails the task at
    once (skipped with ``soft_fail``) with a message naming the tenant, the status and OCP's ``errorMsg``. The rule,
    stated in full, lives in :mod:`airflow_provider_ocp.log_backup.gate`, shared with the deferrable trigger.

    The return value (XCom ``return_value``) is a dict::

        {
            "cluster_id": 1000001,
            "checkpoint": "2024-08-06T00:00:00.123Z",  # earliest checkpoint of all selected units: restore point
            "delay": 3.5,                               # largest delay of all selected units, seconds
            "server_time": "2024-08-06T00:00:03.623Z",  # OCP's clock at the check that found it caught up
            "units": [                                  # one entry per selected unit, sorted by tenant name
                {"tenant_id": 2001001, "tenant_name": "tenant_1", "status": "RUNNING", "delay": 3.5,
                 "delay_source": "ocp",  # or "computed": OCP's clock minus checkpoint, when OCP left delay out
                 "checkpoint": "2024-08-06T00:00:00.123Z", "clusterId": 1000001, "obClusterId": 1,
                 "tenantId": 2001001, "obTenantId": 1002, "createTime": "2024-08-05T23:00:00Z",
                 # with check_recoverable only: the tenant's windows checked, ISO UTC, oldest first
                 "recoverable_windows": [{"start": "2024-08-05T00:00:00Z", "end": "2024-08-06T00:00:01Z"}]},
            ],
        }

    A cluster-level unit (OCP 3.x) has ``tenant_id``/``tenant_name`` None.

    :param cluster_id: the OCP cluster id (templated); validated before any request.
    :param cluster_name: the cluster's name as OCP shows it (templated), instead of ``cluster_id``; resolved through
        OCP's cluster list at the first check (an unknown or ambiguous name fails, listing the clusters OCP knows).
    :param max_delay: the largest acceptable checkpoint delay, in seconds or as a timedelta (templated; numeric text
        is accepted because templates render text). Negative or non-numeric values fail the task before any request.
    :param ocp_conn_id: the Airflow connection of type ``ocp``.
    :param tenant_ids: OCP tenant ids to wait for; None waits for every tenant. An empty list is an error (it would
        make the gate pass vacuously). A selected tenant OCP has no log backup task for fails the task at once, the
        message listing the tenants OCP knows (see ``wait_for_missing_tenants``).
    :param tenant_names: tenant names to wait for, as an alternative to ids; a tenant listed by id or by name is
        selected.
    :param target_time: the restore point (templated): also wait until every checkpoint is at or after it. An aware
        datetime or ISO-8601 text with an offset; a naive time is refused because OCP works with instants.
    :param check_recoverable: also wait until ``target_time`` is inside the recoverable window (OCP's
        ``/backup/info``) of every watched tenant, and fail at once when it is before the oldest window or in a gap
        between windows: such a restore point can never become recoverable. None (the default) means True when
        ``target_time`` is given (after rendering), else False; True without ``target_time`` fails when the DAG is
        parsed. The rule, stated in full, lives in :mod:`airflow_provider_ocp.log_backup.recoverable`.
    :param fail_on_status: statuses that fail the task at once rather than keep waiting. Defaults to FAILED,
        INTERRUPTED, STOPPED and STOPPING, because a stopped log backup never catches up on its own.
    :param wait_for_missing_tenants: keep waiting for a selected tenant that OCP has no log backup task for (a
        tenant being created, whose log backup starts later) instead of failing at once, as a mistyped name should.
    :param deferrable: check once on the worker, then wait in the triggerer without holding a worker slot.
    :param max_consecutive_failures: in deferrable mode, how many polls in a row may fail with a transient API error
        (after the connection's own per-request retries) before the task fails with the last error.
    :param emit_metrics: at each check (poke, or poll in the triggerer), send the selected tenants' delay and running
        state as Airflow ``Stats`` gauges ``ocp.log_backup.delay`` and ``ocp.log_backup.running``, tagged
        ``cluster_id``, ``tenant_id``, ``tenant_name`` (:mod:`~airflow_provider_ocp.triggers.metrics`: which
        metrics backends keep the tags). Off by default.
    :param kwargs: standard sensor arguments (``poke_interval``, ``timeout``, ``mode``, ``soft_fail``,
        ``exponential_backoff``, ``max_wait``...), with their usual meaning in every mode, except that no wait
        outlasts ``timeout``: with ``timeout`` shorter than ``poke_interval`` (a warning when the DAG is parsed), the
        sensor checks at the start and again when the timeout is up, then fails naming both values (Airflow's
        BaseSensorOperator would sleep the whole ``poke_interval`` first). One log line per check; each warning
        once per worker run (a try in poke mode, a poke in reschedule mode) and once in the triggerer.
    """

    template_fields: Sequence[str] = ("cluster_id", "cluster_name", "max_delay", "target_time")
    ui_color = "#d7ecf9"

    def __init__(
        self,
        *,
        cluster_id: int | str | None = None,
        cluster_name: str | None = None,
        max_delay: float | timedelta | str,
        ocp_conn_id: str = "ocp_default",
        tenant_ids: Sequence[int | str] | None = None,
        tenant_names: Sequence[str] | None = None,
        target_time: datetime | str | None = None,
        fail_on_status: Sequence[str] = DEFAULT_FAIL_ON_STATUS,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        max_consecutive_failures: int = 5,
        wait_for_missing_tenants: bool = False,
        check_recoverable: bool | None = None,
        emit_metrics: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        resolve_check_recoverable(check_recoverable, target_time)  # True without target_time: a DAG bug, fail now
        self.check_recoverable = check_recoverable
        self.cluster_id = cluster_id
        self.cluster_name = cluster_name
        self.max_delay = max_delay
        self.ocp_conn_id = ocp_conn_id
        self.tenant_ids = tenant_ids
        self.tenant_names = tenant_names
        self.target_time = target_time
        self.fail_on_status = fail_on_status
        self.deferrable = deferrable
        self.max_consecutive_failures = timing.checked_max_failures(max_consecutive_failures)
        timing.warn_at_parse(self)  # timeout < poke_interval
        self.wait_for_missing_tenants = wait_for_missing_tenants
        self.emit_metrics = emit_metrics
        # What one run learns, in the order it learns it: set by validate(), the first check, and the checks.
        self._criteria: GateCriteria | None = None
        self._cluster: int | str | None = None  # the validated id, or the cleaned name still to look up
        self._query: LogBackupQuery | None = None
        self._started: float | None = None
        self._last_verdict: GateVerdict | None = None
        self._warned: set[str] = set()  # each warning once per task try, not at every check
        self._rescheduled = False  # a later poke of a reschedule-mode try (a new process each)

    @failing_at_once()  # a DAG bug: fails the task at once, and execute calls it outside soft_fail
    def validate(self) -> GateCriteria:
        """Check the rendered parameters once, before any request (outside ``soft_fail``); an error names the
        parameter."""
        from airflow_provider_ocp.log_backup.clusters import cluster_choice
        from airflow_provider_ocp.validation import rendered_or_none

        self._cluster = cluster_choice(rendered_or_none(self.cluster_id), rendered_or_none(self.cluster_name))
        self._criteria = GateCriteria.build(
            max_delay=self.max_delay,
            tenant_ids=self.tenant_ids,
            tenant_names=self.tenant_names,
            target_time=rendered_or_none(self.target_time),
            fail_on_status=self.fail_on_status,
            wait_for_missing_tenants=self.wait_for_missing_tenants,
            check_recoverable=self.check_recoverable,
        )
        return self._criteria

    def _gate(self) -> tuple[GateCriteria, LogBackupQuery]:
        """The criteria and the query every check sends: a ``cluster_name`` is looked up once, at the first check
        (inside the sensor's loop, like any request). A :meth:`poke` called directly validates first."""
        from airflow_provider_ocp.log_backup.query import validated_query

        criteria = self._criteria if self._criteria is not None else self.validate()
        if self._query is None:
            cluster = self._cluster
            assert cluster is not None  # set by validate()
            self._query = validated_query(self.hook.cluster_id_of(cluster))
        return criteria, self._query

    @failing_at_once()  # in the poke loop, a cluster_name OCP does not know fails as the hook's own errors do
    def check(self) -> GateVerdict:
        """Read the cluster's log backup tasks once and judge them, logging one line per unit
        (:func:`~airflow_provider_ocp.sensors.gate_check.read_verdict`)."""
        from airflow_provider_ocp.log_backup.gate import log_verdict
        from airflow_provider_ocp.sensors.gate_check import read_verdict

        criteria, query = self._gate()
        verdict = read_verdict(self.hook, query, criteria)
        if self._rescheduled and not self._warned:  # an earlier poke of this try, another process, warned already
            self._warned.update(verdict.warnings)
        log_verdict(self.log, verdict, self._warned)
        if self.emit_metrics:
            from airflow_provider_ocp.triggers.metrics import emit_delay_gauges

            emit_delay_gauges(verdict, query.cluster_id)
        self._last_verdict = verdict  # the timeout error says what the gate was still waiting for
        return verdict

    def execute(self, context: Context) -> Any:
        """Validate the input, then run BaseSensorOperator's loop in every mode.

        A bad value fails the task whatever ``soft_fail`` says (it is a DAG bug, not the gate failing). In deferrable
        mode the first check runs on the worker, inside that loop, so ``soft_fail``, ``silent_fail`` and
        ``never_fail`` treat it exactly as in poke mode; if log backup has not caught up yet, :meth:`poke` defers.
        """
        self.validate()
        self._started = time.monotonic()
        try:
            return super().execute(context)
        except AirflowSensorTimeout as timeout:
            last = self._last_verdict.message if self._last_verdict else None
            message = timing.timed_out_message(str(timeout), self.timeout, self.poke_interval, last)
            raise AirflowSensorTimeout(message) from None  # one message, not Airflow's then ours

    def _get_next_poke_interval(self, started_at: Any, run_duration: Any, poke_count: int) -> float:
        """BaseSensorOperator's interval, capped at the time left of ``timeout`` (see the class docstring)."""
        interval = super()._get_next_poke_interval(started_at, run_duration, poke_count)
        return timing.bounded_wait(interval, self.timeout, run_duration())

    def poke(self, context: Context) -> bool | PokeReturnValue:
        """One check: caught up (done, with the XCom value), a fail status (AirflowFailException), or not yet.

        Not yet, in deferrable mode, hands the wait to :class:`OCPLogBackupDelayTrigger` (the task resumes in
        :meth:`execute_complete`).
        """
        self._rescheduled = bool(context.get("task_reschedule_count"))  # reschedule mode: not this try's first poke
        verdict = self.check()
        if verdict.failed:
            raise AirflowFailException(verdict.message)
        if verdict.caught_up:
            if self.deferrable:  # deferrable mode pokes once on the worker: this was the first check
                self.log.info("Caught up on the first check; not deferring.")
            return PokeReturnValue(is_done=True, xcom_value=verdict.to_xcom())
        if self.deferrable:
            self._defer()
        return False

    def _defer(self) -> None:
        from airflow_provider_ocp.triggers.log_backup import OCPLogBackupDelayTrigger  # lazy: see the imports

        remaining = timing.time_left(self.timeout, self._started)
        criteria, query = self._gate()  # known: the first check has run
        trigger = OCPLogBackupDelayTrigger.for_sensor(self, query.cluster_id, criteria, remaining)
        self.defer(trigger=trigger, method_name="execute_complete", timeout=timedelta(seconds=remaining))

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> Any:
        """Turn the trigger's event into the outcome poke mode would have had
        (:func:`~airflow_provider_ocp.sensors.outcomes.event_outcome`)."""
        from airflow_provider_ocp.sensors.outcomes import event_outcome

        return event_outcome(event, never_fail=self.never_fail, log=self.log)
