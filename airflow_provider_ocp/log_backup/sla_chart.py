"""The backup SLA history as a picture: log backup delay per tenant over time, a PNG drawn with matplotlib.

A table gives the worst figures of a day; a chart shows when a tenant fell behind, for how long, and when it stopped.
It reads the same per-tenant history as :func:`~airflow_provider_ocp.log_backup.sla.delay_report` (each snapshot's
current task) and draws the delays as the snapshots recorded them: nothing is computed again here. matplotlib is an
optional dependency (the provider's ``chart`` extra), imported only when a chart is drawn, with the Agg canvas (no
display, no global pyplot state); without it :func:`delay_chart_png` logs how to install it and returns None, so a
report task still writes its text report.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Mapping
from datetime import timezone
from typing import Any

from airflow_provider_ocp.log_backup.sla import current_by_tenant, instant, is_stop_or_failure

log = logging.getLogger(__name__)

CHART_INSTALL = "pip install 'airflow-provider-ocp[chart]'"
CHART_SIZE = (800, 400)
"""Width and height of the PNG, in pixels."""
_DPI = 100


def delay_chart_png(snapshots: Iterable[Mapping[str, Any]], threshold: float, title: str) -> bytes | None:
    """A PNG of each tenant's log backup delay at every snapshot, the threshold, and every stop or failure marked.

    :param snapshots: snapshot records (``current``, ``tenantName``, ``snapshotTime``, ``delay``, ``status``,
        ``windowStart`` ...), as ``OCPLogBackupTasksOperator(mode="snapshot")`` writes them.
    :param threshold: the delay, in seconds, above which a tenant counts as behind: drawn as a dashed line, so the
        time spent over it reads at a glance.
    :param title: the chart's title (say, the cluster and the day).
    :returns: the PNG's bytes; None when matplotlib is not installed (logged, with the command that installs it).
    """
    try:
        import matplotlib  # noqa: F401 - first, so a blocked or missing package fails here, not half-way
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.dates import DateFormatter
        from matplotlib.figure import Figure
    except ImportError:
        log.warning(
            "No delay chart: it needs matplotlib, which is not installed (%s). Writing the report without it.",
            CHART_INSTALL,
        )
        return None
    figure = Figure(figsize=(CHART_SIZE[0] / _DPI, CHART_SIZE[1] / _DPI), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for tenant, records in current_by_tenant(snapshots).items():
        points = [(instant(r["snapshotTime"], "snapshotTime"), _delay(r)) for r in records]
        measured = [(at, delay) for at, delay in points if delay is not None]
        if measured:
            axes.plot(*zip(*measured, strict=True), marker="o", markersize=3, linewidth=1.5, label=tenant)
        stops = [(at, delay or 0.0) for (at, delay), r in zip(points, records, strict=True) if is_stop_or_failure(r)]
        if stops:
            axes.plot(
                *zip(*stops, strict=True),
                linestyle="none",
                marker="x",
                markersize=9,
                color="red",
                label=f"{tenant}: stopped or failed",
            )
    axes.axhline(threshold, color="grey", linestyle="--", linewidth=1, label=f"threshold {threshold:g} s")
    axes.set_title(title)
    axes.set_xlabel("snapshot time (UTC)")
    axes.set_ylabel("log backup delay (s)")
    axes.xaxis.set_major_formatter(DateFormatter("%H:%M", tz=timezone.utc))
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small", loc="upper left")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})  # no version stamp: same data, same bytes
    return buffer.getvalue()


def _delay(record: Mapping[str, Any]) -> float | None:
    delay = record.get("delay")
    return float(delay) if isinstance(delay, int | float) else None
