"""The Jinja variables OCPLogBackupTasksOperator adds to its ``output_path`` template: the window it extracts and the
cluster.

``output_path`` must name what a run extracts on every kind of run: ``data_interval_start`` is undefined on runs
without a logical date (CLI or REST triggers without one, asset-triggered runs), and a mapped operator
(``.expand(cluster_id=...)``) needs its own cluster in its path. The operator renders ``output_path`` itself, once it
knows both, with these variables added to the task context.
"""

from __future__ import annotations

from typing import Any

import pendulum

from airflow_provider_ocp.log_backup.window import ExtractionWindow
from airflow_provider_ocp.validation import is_unset

WINDOW_START, WINDOW_END = "ocp_window_start", "ocp_window_end"
CLUSTER_ID, CLUSTER_NAME = "ocp_cluster_id", "ocp_cluster_name"


def extraction_variables(window: ExtractionWindow, cluster_id: int, cluster_name: object) -> dict[str, Any]:
    """``ocp_window_start``/``ocp_window_end`` (pendulum datetimes, so ``| ds`` and ``.strftime`` work),
    ``ocp_cluster_id``, and ``ocp_cluster_name`` when the task was given a name.

    :param window: the window the run extracts.
    :param cluster_id: the cluster's id (resolved from its name if need be).
    :param cluster_name: the rendered ``cluster_name``, if any.
    """
    variables: dict[str, Any] = {
        WINDOW_START: pendulum.instance(window.start),
        WINDOW_END: pendulum.instance(window.end),
        CLUSTER_ID: cluster_id,
    }
    if not is_unset(cluster_name):
        variables[CLUSTER_NAME] = str(cluster_name).strip()
    return variables
