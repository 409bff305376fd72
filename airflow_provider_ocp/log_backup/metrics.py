"""What the per-tenant log backup gauges say: archive lag for an existing StatsD/OpenTelemetry pipeline, without an
exporter of its own (OCP's ``inc_backup_delay`` alarm never leaves OCP). Sending them through Airflow's ``Stats`` is
the adapters' job: :mod:`airflow_provider_ocp.triggers.metrics`.

Two gauges per selected unit of a gate's verdict (tenant, or the cluster level of OCP 3.x), tagged ``cluster_id``,
``tenant_id`` and ``tenant_name`` (``tenant_id`` ``cluster`` and an empty name for the cluster level):

* ``ocp.log_backup.delay``: the effective delay in seconds (OCP's, or OCP's clock minus the checkpoint); not sent
  when it cannot be read, so a dashboard shows a gap rather than a made-up number.
* ``ocp.log_backup.running``: 1 when the unit's latest task is in a running status (RUNNING, INPROGRESS, DOING),
  else 0 (stopped, failed, starting, unknown): alert on 0 to learn that log backup stopped, before a gate looks.
"""

from __future__ import annotations

from dataclasses import dataclass

from airflow_provider_ocp.log_backup.verdict import GateVerdict

DELAY_GAUGE = "ocp.log_backup.delay"
RUNNING_GAUGE = "ocp.log_backup.running"


@dataclass(frozen=True)
class GaugeRow:
    """One unit's gauges: its tags, its delay (None: unreadable, not sent) and whether it runs."""

    tags: dict[str, str]
    delay: float | None
    running: bool


def gauge_rows(verdict: GateVerdict, cluster_id: int) -> list[GaugeRow]:
    """The gauges of each unit a gate (or an event trigger) judged, in the verdict's order.

    :param verdict: a gate's verdict: its selected units, what the gate waits for. Only read.
    :param cluster_id: the OCP cluster id, the ``cluster_id`` tag.
    """
    rows = []
    for report in verdict.units:
        tenant_id, name = report.task.get("tenantId"), report.task.get("tenantName")
        cluster_level = tenant_id is None and not name
        tags = {
            "cluster_id": str(cluster_id),
            "tenant_id": "cluster" if cluster_level else str(tenant_id if tenant_id is not None else ""),
            "tenant_name": str(name or ""),
        }
        rows.append(GaugeRow(tags, report.delay, report.status_class == "healthy"))
    return rows
