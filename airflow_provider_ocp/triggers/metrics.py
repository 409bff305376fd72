"""Send the per-tenant log backup gauges (:mod:`airflow_provider_ocp.log_backup.metrics`) through Airflow's
``Stats``.

Emitted by :class:`~airflow_provider_ocp.sensors.log_backup.OCPLogBackupDelaySensor` (each poke), its trigger (each
poll) and :class:`~airflow_provider_ocp.triggers.events.OCPLogBackupEventTrigger` with ``emit_metrics=True``; off by
default. Where the metrics go is Airflow's ``[metrics]`` configuration of the process that polls (the worker for
pokes, the triggerer for deferred polls and event triggers).

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
from typing import Any

from airflow_provider_ocp.log_backup.metrics import DELAY_GAUGE, RUNNING_GAUGE, gauge_rows
from airflow_provider_ocp.log_backup.verdict import GateVerdict

log = logging.getLogger(__name__)


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


def emit_delay_gauges(verdict: GateVerdict, cluster_id: int) -> int:
    """Send each judged unit's gauges; return how many were sent (per ``Stats``). Never raises.

    :param verdict: a gate's or an event trigger's verdict: its selected units (the tenant filter's). Only read.
    :param cluster_id: the OCP cluster id, the ``cluster_id`` tag.
    """
    try:
        facades = stats_facades()
        sent = 0
        for row in gauge_rows(verdict, cluster_id):
            for stats in facades:
                if row.delay is not None:
                    stats.gauge(DELAY_GAUGE, row.delay, tags=row.tags)
                stats.gauge(RUNNING_GAUGE, 1 if row.running else 0, tags=row.tags)
            sent += 2 if row.delay is not None else 1
        return sent
    except Exception as error:  # metrics are a side channel: never fail the poll for them
        log.warning("Could not emit log backup metrics of cluster %s: %s: %s", cluster_id, type(error).__name__, error)
        return 0
