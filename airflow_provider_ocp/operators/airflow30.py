"""Airflow 3.0's refusal of outlet Assets that the DAG processor has not registered, said with its fix.

On Airflow 3.0 a task with outlets fails before it starts when its DAG was never parsed into the metadata DB by the
DAG processor, as under ``airflow dags test`` (apache/airflow#51644, fixed in 3.1): Airflow raises
``AirflowInactiveAssetInInletOrOutletException`` between rendering the task's templates and running it, so no
operator code sees it. The extraction operator asks the same question one step earlier, right after rendering, and
fails with the fix (``airflow dags reserialize``) instead. Elsewhere (other Airflow lines, rendering outside a task
run, any error while asking) it does nothing and Airflow's own check follows.
"""

from __future__ import annotations

from typing import Any

import airflow

AIRFLOW_3_0 = airflow.__version__.startswith("3.0.")


def refuse_unregistered_outlets(task: Any, context: Any) -> None:
    """Fail, naming ``airflow dags reserialize``, when Airflow 3.0 is about to refuse the task's outlet Assets.

    :param task: the operator being run (after its templates were rendered).
    :param context: the task context.
    """
    if not AIRFLOW_3_0 or not getattr(task, "outlets", None):
        return
    try:
        from airflow.sdk.execution_time import task_runner
        from airflow.sdk.execution_time.comms import ValidateInletsAndOutlets

        comms = getattr(task_runner, "SUPERVISOR_COMMS", None)
        if comms is None:  # rendering outside a task run (airflow tasks render, the UI)
            return
        answer = comms.send(msg=ValidateInletsAndOutlets(ti_id=context["ti"].id))
        inactive = [profile.name or profile.uri for profile in getattr(answer, "inactive_assets", None) or []]
    except Exception:  # Airflow's own check runs next and says what it says
        return
    if inactive:
        from airflow.exceptions import AirflowFailException

        raise AirflowFailException(
            f"Airflow 3.0 does not know this task's outlet Asset(s) {', '.join(map(str, inactive))} yet: its DAG "
            f"{task.dag_id} has not been parsed into the metadata DB by the DAG processor (apache/airflow#51644, "
            "fixed in Airflow 3.1). Run `airflow dags reserialize` (again after changing the DAG file), then "
            "`airflow dags test` again; under `airflow standalone` or a running DAG processor it is not needed."
        )
