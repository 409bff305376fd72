"""The Jinja variables OCPLogBackupTasksOperator adds to its ``output_path`` template: the window it extracts, the
partition it belongs to, and the cluster; and the check that the rendered path stays below its fixed base.

``output_path`` must name what a run extracts on every kind of run: ``data_interval_start`` is undefined on runs
without a logical date (CLI or REST triggers without one, asset-triggered runs), and a mapped operator
(``.expand(cluster_id=...)``) needs its own cluster in its path. The operator renders ``output_path`` itself, once it
knows both, with these variables added to the task context.

A run without a data interval extracts ``[end - lookback, end)``, a window of its own: formatted like a scheduled
run's (``date={{ ocp_window_start | ds }}``) it would name a scheduled day's file with another window.
``{{ ocp_partition }}`` keeps them apart: the data interval's partition for a run that has one, ``run_id=<run id>``
for any other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pendulum

from airflow_provider_ocp.exceptions import OCPInputError
from airflow_provider_ocp.log_backup.window import ExtractionWindow
from airflow_provider_ocp.operators.storage import fixed_base
from airflow_provider_ocp.validation import rendered_or_none

WINDOW_START, WINDOW_END = "ocp_window_start", "ocp_window_end"
CLUSTER_ID, CLUSTER_NAME = "ocp_cluster_id", "ocp_cluster_name"
PARTITION = "ocp_partition"
DEFAULT_LAYOUT = "date=%Y-%m-%d"
_NOT_IN_RUN_IDS = re.compile(r"[^A-Za-z0-9_.~:+=-]")  # Airflow's default run id characters (and "="), no "/"


@dataclass(frozen=True)
class Partition:
    """``{{ ocp_partition }}``: ``date=YYYY-MM-DD`` of the run's data interval start; ``{{ ocp_partition(layout) }}``
    formats it with another ``strftime`` layout (``'date=%Y-%m-%d/hour=%H'``). A run without a data interval (or with
    a zero-width one) gets ``run_id=<its run id>`` whatever the layout, so it never names a scheduled run's file.

    :param interval_start: the start of the run's real data interval, or None.
    :param run_id: the run's id.
    """

    interval_start: datetime | None
    run_id: str | None

    def __call__(self, layout: str = DEFAULT_LAYOUT) -> str:
        if self.interval_start is not None:
            return self.interval_start.strftime(layout)
        if not self.run_id:
            raise OCPInputError(
                "ocp_partition needs the run's data interval or its run id, and this run has neither; use "
                "{{ ocp_window_start }} in output_path instead."
            )
        return f"run_id={_NOT_IN_RUN_IDS.sub('_', self.run_id)}"

    def __str__(self) -> str:
        return self()


def extraction_variables(
    window: ExtractionWindow, cluster_id: int, cluster_name: object, context: Mapping[str, Any]
) -> dict[str, Any]:
    """``ocp_window_start``/``ocp_window_end`` (pendulum datetimes, so ``| ds`` and ``.strftime`` work),
    ``ocp_partition`` (:class:`Partition`), ``ocp_cluster_id``, and ``ocp_cluster_name`` when the task was given a
    name.

    :param window: the window the run extracts.
    :param cluster_id: the cluster's id (resolved from its name if need be).
    :param cluster_name: the rendered ``cluster_name``, if any.
    :param context: the task context, for the run id (the partition of a run without a data interval).
    """
    run_id = context.get("run_id") or getattr(context.get("dag_run"), "run_id", None)
    variables: dict[str, Any] = {
        WINDOW_START: pendulum.instance(window.start),
        WINDOW_END: pendulum.instance(window.end),
        PARTITION: Partition(window.interval[0] if window.interval else None, str(run_id) if run_id else None),
        CLUSTER_ID: cluster_id,
    }
    if rendered_or_none(cluster_name) is not None:
        variables[CLUSTER_NAME] = str(cluster_name).strip()
    return variables


def check_below_base(output_path: str, rendered: str, variables: Mapping[str, Any]) -> None:
    """Fail if the rendered path climbs out of ``output_path``'s fixed base (:func:`fixed_base`) through a ``..``
    segment: names from OCP (a cluster's) or from a run are data, and must never choose where a file goes.

    :param output_path: the unrendered ``output_path``.
    :param rendered: what it rendered to.
    :param variables: the variables added to the template; those holding a ``..`` segment are named in the message.
    """
    base = fixed_base(output_path)
    rest = rendered.strip()
    rest = rest[len(base) :] if rest.startswith(base) else rest.partition("://")[2] or rest
    if ".." not in rest.split("/"):
        return
    texts = {name: value for name, value in variables.items() if isinstance(value, str)}  # names, not datetimes
    suspects = [f"{name} is {value!r}" for name, value in texts.items() if ".." in value.split("/")]
    raise OCPInputError(
        f"output_path rendered to {rendered!r}, which leaves {base or 'its base'!r} through a '..' segment"
        + (f" ({'; '.join(suspects)})" if suspects else "")
        + ". A value used as a path segment must not climb out of the output path: use {{ ocp_cluster_id }} "
        "instead of a name, or a path that does not take this value."
    )
