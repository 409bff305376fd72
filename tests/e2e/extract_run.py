"""The extraction run of the end-to-end scenario: ``example_ocp_log_backup_extract`` for the data interval
[2024-08-06, 2024-08-07), triggered and awaited through Airflow's REST API, and what it wrote. No assertions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airflow_logs import iter_jsonl
from airflow_rest_client import AirflowClient, RunResult
from scenario import DAY_END, EXTRACT_DAG, EXTRACT_TASK, E2EScenario


@dataclass
class ExtractOutcome:
    """The extraction run: how it ended, its XCom summary and the file it wrote.

    :param run: the run as seen through the REST API.
    :param summary: the task's XCom ``return_value``.
    :param file: the local file the summary points to.
    """

    run: RunResult
    summary: Any
    file: Path

    def records(self) -> list[dict[str, Any]]:
        """The records in the written file."""
        return list(iter_jsonl(self.file))


def trigger_extract(scenario: E2EScenario, client: AirflowClient, run_id: str = "e2e_extract") -> str:
    """Trigger the extraction run covering DAY_START (logical date DAY_END).

    :param scenario: the emulator and its cluster.
    :param client: the REST client.
    :param run_id: the run id.
    """
    client.trigger(EXTRACT_DAG, run_id, DAY_END.isoformat(), {"cluster_id": scenario.cluster_id})
    return run_id


def finish_extract(scenario: E2EScenario, client: AirflowClient, run_id: str, timeout: float = 240.0) -> ExtractOutcome:
    """Wait for the extraction run and read its XCom.

    :param scenario: the emulator and its cluster.
    :param client: the REST client.
    :param run_id: the run id.
    :param timeout: seconds.
    """
    result = client.wait_for_run(EXTRACT_DAG, run_id, timeout=timeout)
    summary = client.xcom(EXTRACT_DAG, run_id, EXTRACT_TASK) if result.state == "success" else None
    return ExtractOutcome(result, summary, scenario.extract_file())
