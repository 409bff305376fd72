"""The restore gate run of the end-to-end scenario: ``example_ocp_restore_gate`` waiting for tenant_1 through the
triggerer, driven through Airflow's REST API and the emulator's delay. No assertions.

The run waits for tenant_1 with the DAG's defaults (restore point: when the run was triggered). The current tasks'
delay stays at 120 s until the sensor's first check has reached the emulator, then falls to 5 s over 20 s: the first
check always fails, whatever the machine's load, so the sensor defers; the trigger's first poll fails too, and its
next poll (the DAG's poke_interval, 60 s later) finds the checkpoint past the restore point and fires.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from airflow_logs import read_json_logs, trigger_log_files
from airflow_rest_client import AirflowClient, RunResult
from scenario import (
    DELAY_FROM,
    DELAY_OVER,
    DELAY_TO,
    GATE_DAG,
    GATE_RESTORE,
    GATE_SENSOR,
    E2EScenario,
    parse_api_time,
)
from standalone_error import StandaloneError

from airflow_provider_ocp.testing import DelayProfile


@dataclass
class GateOutcome:
    """The restore gate run: how it ended, the XComs, the sensor's log and tries.

    :param run: the run as seen through the REST API (task states seen, DEFERRED included).
    :param run_after: when the run was triggered (the default restore point), from the API.
    :param falling_since: when the emulator's delay started to fall (the sensor's first check had arrived).
    :param sensor_xcom: the sensor's XCom ``return_value``.
    :param restore_xcom: the ``restore`` task's XCom ``return_value``.
    :param sensor_log: the sensor try's task log (worker and trigger parts).
    :param sensor_tries: the sensor's tries (task instance history).
    :param restore_log: the ``restore`` task's log.
    :param trigger_log_files: the trigger's own log files, written by the triggerer next to the task's log.
    """

    run: RunResult
    run_after: datetime
    falling_since: datetime | None
    sensor_xcom: Any
    restore_xcom: Any
    sensor_log: str
    sensor_tries: list[dict[str, Any]]
    restore_log: str
    trigger_log_files: list[Path]

    def trigger_events(self) -> list[dict[str, Any]]:
        """The entries of the trigger's log files, in order."""
        return read_json_logs(self.trigger_log_files)


def trigger_gate(
    scenario: E2EScenario, client: AirflowClient, run_id: str = "e2e_restore_gate"
) -> tuple[str, datetime, int]:
    """Hold the delay at 120 s, trigger the restore gate run, and return its id, ``run_after`` and the number of
    requests the emulator had received before (for :func:`start_delay_fall`).

    :param scenario: the emulator and its cluster.
    :param client: the REST client.
    :param run_id: the run id.
    """
    requests_before = len(scenario.emulator.requests)
    scenario.emulator.set_current_task(scenario.cluster_id, delay=DELAY_FROM)
    run = client.trigger(GATE_DAG, run_id, None, {"cluster_id": scenario.cluster_id})
    return run_id, parse_api_time(run["run_after"]), requests_before


def start_delay_fall(
    scenario: E2EScenario, client: AirflowClient, run_id: str, requests_before: int, timeout: float = 180.0
) -> datetime:
    """Wait for the sensor's first check to reach the emulator, then let the delay fall (120 s -> 5 s in 20 s).

    :param scenario: the emulator and its cluster.
    :param client: the REST client (to notice a run that fails before checking).
    :param run_id: the gate run id.
    :param requests_before: the emulator's request count when the run was triggered (earlier checks are not its).
    :param timeout: seconds.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if scenario.snapshot_checks(requests_before):
            profile = DelayProfile.linear(DELAY_FROM, DELAY_TO, DELAY_OVER)
            scenario.emulator.set_current_task(scenario.cluster_id, delay=profile)
            return datetime.now(timezone.utc)
        run = client.dag_run(GATE_DAG, run_id)
        if run.get("state") == "failed":
            raise StandaloneError(f"the restore gate run failed before checking OCP: {run}")
        time.sleep(0.2)
    raise StandaloneError(f"the sensor did not call the emulator within {timeout:.0f}s")


def finish_gate(
    client: AirflowClient, run_id: str, run_after: datetime, falling_since: datetime | None, logs: Path, timeout: float
) -> GateOutcome:
    """Wait for the restore gate run; collect XComs, the sensor's log, tries and trigger log files.

    :param client: the REST client.
    :param run_id: the run id.
    :param run_after: when the run was triggered.
    :param falling_since: when the delay started to fall.
    :param logs: Airflow's task log folder (``$AIRFLOW_HOME/logs``).
    :param timeout: seconds.
    """
    result = client.wait_for_run(GATE_DAG, run_id, timeout=timeout)
    ok = result.state == "success"
    sensor_try = result.try_number(GATE_SENSOR, default=1)
    restore_try = result.try_number(GATE_RESTORE, default=1)
    return GateOutcome(
        run=result,
        run_after=run_after,
        falling_since=falling_since,
        sensor_xcom=client.xcom(GATE_DAG, run_id, GATE_SENSOR) if ok else None,
        restore_xcom=client.xcom(GATE_DAG, run_id, GATE_RESTORE) if ok else None,
        sensor_log=client.task_log(GATE_DAG, run_id, GATE_SENSOR, sensor_try),
        sensor_tries=client.tries(GATE_DAG, run_id, GATE_SENSOR),
        restore_log=client.task_log(GATE_DAG, run_id, GATE_RESTORE, restore_try) if restore_try else "",
        trigger_log_files=trigger_log_files(logs, GATE_DAG, run_id, GATE_SENSOR, sensor_try),
    )
