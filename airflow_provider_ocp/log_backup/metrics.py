"""Per-tenant log backup gauges through Airflow's ``Stats``: archive lag in an existing StatsD/OpenTelemetry
pipeline, without an exporter of its own (OCP's ``inc_backup_delay`` alarm never leaves OCP).

Two gauges per unit (tenant, or the cluster level of OCP 3.x), tagged ``cluster_id``, ``tenant_id`` and
``tenant_name`` (``tenant_id`` ``cluster`` and an empty name for the cluster level):

* ``ocp.log_backup.delay``: the effective delay in seconds (OCP's, or OCP's clock minus the checkpoint); not sent
  when it cannot be read, so a dashboard shows a gap rather than a made-up number.
* ``ocp.log_backup.running``: 1 when the unit's latest task is in a running status (RUNNING, INPROGRESS, DOING),
  else 0 (stopped, failed, starting, unknown): alert on 0 to learn that log backup stopped, before a gate looks.

Emitted by :class:`~airflow_provider_ocp.sensors.log_backup.OCPLogBackupDelaySensor` (each poke) and its trigger
(each poll) with ``emit_metrics=True``, and by event triggers; off by default. Where the metrics go is Airflow's
``[metrics]`` configuration of the process that polls (the worker for pokes, the triggerer for deferred polls).

**Tags and backends.** Airflow's plain StatsD client drops tags: every tenant then writes the same two gauges and the
last one wins. Use ``[metrics] statsd_datadog_enabled`` (DogStatsD tags), ``statsd_influxdb_enabled`` (tags appended
to the name, Telegraf's InfluxDB format) or ``otel_on`` (OpenTelemetry attributes) to tell tenants apart.
A metrics failure never fails a poll: it is logged and the gate goes on.

**Which Stats.** Airflow 3.0 and 3.1 have one ``Stats`` (``airflow.stats``). From 3.2 the Task SDK and Airflow core
each have their own (``airflow.sdk.observability.stats`` and ``airflow.observability.stats``) and each process
configures one: a worker's task runner the SDK's, the triggerer core's. A provider cannot tell which it runs in
without private state, so the gauges go to every distinct ``Stats`` that imports: an unconfigured one drops them,
and a gauge set twice to the same value is the same gauge.
"""

from __future__ import annotations

import functools
import importlib
import logging
from datetime import datetime
from typing import Any

from airflow_provider_ocp.log_backup.criteria import classify_status
from airflow_provider_ocp.log_backup.delay import effective_delay
from airflow_provider_ocp.log_backup.units import LatestTasks
from airflow_provider_ocp.log_backup.verdict import GateVerdict

DELAY_GAUGE = "ocp.log_backup.delay"
RUNNING_GAUGE = "ocp.log_backup.running"
log = logging.getLogger(__name__)

Row = tuple[dict[str, str], float | None, bool]


def _rows_of_verdict(verdict: GateVerdict, cluster_id: int) -> list[Row]:
    rows = []
    for report in verdict.units:
        tenant_id, name = report.task.get("tenantId"), report.task.get("tenantName")
        rows.append((_tags(cluster_id, tenant_id, name), report.delay, report.status_class == "healthy"))
    return rows


def _rows_of_table(table: LatestTasks, cluster_id: int) -> list[Row]:
    rows = []
    for unit in table.units():
        if not unit.latest:
            continue
        task = unit.latest[0]
        checkpoint = task.get("checkpoint") if isinstance(task.get("checkpoint"), datetime) else None
        delay = effective_delay(task.get("delay"), checkpoint, table.server_time)
        name = unit.names[0] if unit.names else None
        running = classify_status(task.get("status")) == "healthy"
        rows.append((_tags(cluster_id, unit.tenant_id, name), delay.seconds, running))
    return rows


def _tags(cluster_id: int, tenant_id: object, tenant_name: object) -> dict[str, str]:
    cluster_level = tenant_id is None and not tenant_name
    return {
        "cluster_id": str(cluster_id),
        "tenant_id": "cluster" if cluster_level else str(tenant_id if tenant_id is not None else ""),
        "tenant_name": str(tenant_name or ""),
    }


@functools.cache
def stats_facades() -> tuple[Any, ...]:
    """Every distinct Airflow ``Stats`` of this installation (see the module docstring): the SDK's and core's on 3.2+,
    ``airflow.stats`` before (imported only then: on 3.2+ it is a deprecated alias)."""
    found: list[Any] = []
    for module in ("airflow.sdk.observability.stats", "airflow.observability.stats"):
        try:
            stats = importlib.import_module(module).Stats
        except (ImportError, AttributeError):
            continue
        if all(stats is not other for other in found):
            found.append(stats)
    if not found:
        found.append(importlib.import_module("airflow.stats").Stats)
    return tuple(found)


def emit_delay_gauges(verdict_or_table: GateVerdict | LatestTasks, cluster_id: int) -> int:
    """Send the gauges of the module docstring for each unit; return how many gauges were sent (per ``Stats``).

    :param verdict_or_table: a gate's or event trigger's verdict (its selected units: what a gate waits for, the
        tenants an event trigger watches) or a cluster's whole :class:`LatestTasks` table (every unit). Only read.
    :param cluster_id: the OCP cluster id, the ``cluster_id`` tag.
    """
    try:
        facades = stats_facades()
        if isinstance(verdict_or_table, GateVerdict):
            rows = _rows_of_verdict(verdict_or_table, cluster_id)
        else:
            rows = _rows_of_table(verdict_or_table, cluster_id)
        sent = 0
        for tags, delay, running in rows:
            for stats in facades:
                if delay is not None:
                    stats.gauge(DELAY_GAUGE, delay, tags=tags)
                stats.gauge(RUNNING_GAUGE, 1 if running else 0, tags=tags)
            sent += 2 if delay is not None else 1
        return sent
    except Exception as error:  # metrics are a side channel: never fail the poll for them
        log.warning("Could not emit log backup metrics of cluster %s: %s: %s", cluster_id, type(error).__name__, error)
        return 0
