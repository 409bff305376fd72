"""The three example DAGs of the end-to-end scenario run side by side in a real Airflow: the extraction, the restore
gate and the restore drill (``extract_run``, ``restore_gate_run``, ``restore_drill_run``). No assertions.
"""

from __future__ import annotations

from pathlib import Path

from airflow_rest_client import AirflowClient
from extract_run import ExtractOutcome, finish_extract, trigger_extract
from restore_drill_run import DrillOutcome, finish_drill, trigger_drill
from restore_gate_run import GateOutcome, finish_gate, start_delay_fall, trigger_gate
from scenario import DRILL_DAG, EXTRACT_DAG, GATE_DAG, E2EScenario


def unpause_example_dags(client: AirflowClient) -> None:
    """Wait until the three example DAGs are parsed, then unpause them.

    :param client: the REST client.
    """
    for dag_id in (EXTRACT_DAG, GATE_DAG, DRILL_DAG):
        client.wait_for_dag(dag_id)
        client.set_paused(dag_id, False)


def run_all(
    scenario: E2EScenario, client: AirflowClient, logs: Path, timeout: float = 300.0
) -> tuple[ExtractOutcome, GateOutcome, DrillOutcome]:
    """Unpause the three example DAGs, trigger their runs, and wait for them.

    The drill is triggered once the gate run's first check has reached the emulator (the gate scenario counts
    the emulator's requests until then), so that it runs alongside the gate without being taken for it.

    :param scenario: the emulator and its cluster.
    :param client: the REST client.
    :param logs: Airflow's task log folder (``$AIRFLOW_HOME/logs``).
    :param timeout: seconds for each run.
    """
    unpause_example_dags(client)
    extract_run = trigger_extract(scenario, client)
    gate_run, run_after, requests_before = trigger_gate(scenario, client)
    falling_since = start_delay_fall(scenario, client, gate_run, requests_before)
    drill_run, drill_after, windows = trigger_drill(scenario, client)
    gate = finish_gate(client, gate_run, run_after, falling_since, logs, timeout)
    extract = finish_extract(scenario, client, extract_run, timeout)
    drill = finish_drill(scenario, client, drill_run, drill_after, windows, logs, timeout)
    return extract, gate, drill
