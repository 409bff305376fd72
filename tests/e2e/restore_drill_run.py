"""The restore drill run of the end-to-end scenario: ``example_ocp_restore_drill`` restoring tenant_1 and writing its
evidence report, driven through Airflow's REST API. No assertions.

The run (triggered once the gate run's first check has reached the emulator, so that its own checks cannot be taken
for the gate's) restores tenant_1 to the DAG's default restore point, 15 minutes (``rpo_minutes``) before the run
was triggered: inside tenant_1's recoverable window, which runs from its seeded FULL backup (2024-08-05) to its
checkpoint (now minus at most 120 s, whatever the gate run does to the delay). The gate passes on its first check;
the restore defers while OCP's task runs (5 subtasks of ``RESTORE_SUBTASK_SECONDS``, polled every
``OCP_DRILL_POLL_SECONDS``), then the evidence task writes its report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from airflow_logs import read_json_logs, trigger_log_files
from airflow_rest_client import AirflowClient, RunResult
from scenario import (
    DRILL_DAG,
    DRILL_EVIDENCE,
    DRILL_GATE,
    DRILL_RESTORE,
    DRILL_RPO_MINUTES,
    DRILL_TENANT,
    E2EScenario,
    parse_api_time,
)
from standalone_error import StandaloneError

Windows = list[tuple[datetime, datetime]]


@dataclass
class DrillOutcome:
    """The restore drill run: how it ended, its XComs, the evidence file and the restore's logs.

    :param run: the run as seen through the REST API (task states seen, DEFERRED included).
    :param run_id: the run id.
    :param run_after: when the run was triggered, from the API.
    :param restore_point: the restore point the DAG derives (``run_after`` minus ``rpo_minutes``).
    :param windows: tenant_1's recoverable windows when the run was triggered (the restore point lies in one).
    :param gate_xcom: the gate's XCom ``return_value``.
    :param restore_xcom: the restore task's XCom ``return_value``.
    :param evidence_xcom: the evidence task's XCom ``return_value`` (the report).
    :param evidence_file: where the evidence task was to write the report.
    :param restore_log: the restore try's task log (worker and trigger parts).
    :param restore_tries: the restore task's tries.
    :param restore_trigger_log_files: the restore trigger's own log files, written by the triggerer.
    """

    run: RunResult
    run_id: str
    run_after: datetime
    restore_point: datetime
    windows: Windows
    gate_xcom: Any
    restore_xcom: Any
    evidence_xcom: Any
    evidence_file: Path
    restore_log: str
    restore_tries: list[dict[str, Any]]
    restore_trigger_log_files: list[Path]

    def restore_trigger_events(self) -> list[dict[str, Any]]:
        """The entries of the restore trigger's log files, in order."""
        return read_json_logs(self.restore_trigger_log_files)

    def evidence(self) -> dict[str, Any] | None:
        """The evidence file's report, or None if it was not written."""
        if not self.evidence_file.exists():
            return None
        return dict(json.loads(self.evidence_file.read_text()))


def drill_restore_point(run_after: datetime) -> datetime:
    """The restore point the drill DAG derives by default: ``rpo_minutes`` before the run was triggered.

    :param run_after: when the run was triggered.
    """
    return run_after - timedelta(minutes=DRILL_RPO_MINUTES)


def trigger_drill(
    scenario: E2EScenario, client: AirflowClient, run_id: str = "e2e_restore_drill"
) -> tuple[str, datetime, Windows]:
    """Trigger the restore drill run (default restore point) and check that its restore point is restorable.

    Returns the run id, ``run_after`` and tenant_1's recoverable windows at that moment; raises StandaloneError if
    the restore point lies in none of them (the drill could only fail or wait).

    :param scenario: the emulator and its cluster.
    :param client: the REST client.
    :param run_id: the run id.
    """
    run = client.trigger(DRILL_DAG, run_id, None, {"cluster_id": scenario.cluster_id})
    run_after = parse_api_time(run["run_after"])
    tenant_id = scenario.emulator.tenant_ids(scenario.cluster_id)[0]
    windows = list(scenario.emulator.recoverable_windows(scenario.cluster_id, tenant_id))
    restore_point = drill_restore_point(run_after)
    if not any(start <= restore_point <= end for start, end in windows):
        raise StandaloneError(f"the drill's restore point {restore_point} is outside {DRILL_TENANT}'s {windows}")
    return run_id, run_after, windows


def finish_drill(
    scenario: E2EScenario,
    client: AirflowClient,
    run_id: str,
    run_after: datetime,
    windows: Windows,
    logs: Path,
    timeout: float = 240.0,
) -> DrillOutcome:
    """Wait for the restore drill run; collect its XComs, the restore's log, tries and trigger log files.

    :param scenario: where the evidence goes.
    :param client: the REST client.
    :param run_id: the run id.
    :param run_after: when the run was triggered.
    :param windows: tenant_1's recoverable windows when it was triggered.
    :param logs: Airflow's task log folder (``$AIRFLOW_HOME/logs``).
    :param timeout: seconds.
    """
    result = client.wait_for_run(DRILL_DAG, run_id, timeout=timeout)

    def xcom(task_id: str) -> Any:
        if result.task_instances.get(task_id, {}).get("state") != "success":
            return None
        return client.xcom(DRILL_DAG, run_id, task_id)

    restore_try = result.try_number(DRILL_RESTORE, default=0)
    return DrillOutcome(
        run=result,
        run_id=run_id,
        run_after=run_after,
        restore_point=drill_restore_point(run_after),
        windows=windows,
        gate_xcom=xcom(DRILL_GATE),
        restore_xcom=xcom(DRILL_RESTORE),
        evidence_xcom=xcom(DRILL_EVIDENCE),
        evidence_file=scenario.evidence_dir / f"{run_id}.json",
        restore_log=client.task_log(DRILL_DAG, run_id, DRILL_RESTORE, restore_try) if restore_try else "",
        restore_tries=client.tries(DRILL_DAG, run_id, DRILL_RESTORE) if restore_try else [],
        restore_trigger_log_files=trigger_log_files(logs, DRILL_DAG, run_id, DRILL_RESTORE, restore_try),
    )


def run_drill(scenario: E2EScenario, client: AirflowClient, logs: Path, timeout: float = 240.0) -> DrillOutcome:
    """Unpause the restore drill DAG, trigger a run and wait for it.

    :param scenario: the emulator and its cluster.
    :param client: the REST client.
    :param logs: Airflow's task log folder (``$AIRFLOW_HOME/logs``).
    :param timeout: seconds.
    """
    client.wait_for_dag(DRILL_DAG)
    client.set_paused(DRILL_DAG, False)
    run_id, run_after, windows = trigger_drill(scenario, client)
    return finish_drill(scenario, client, run_id, run_after, windows, logs, timeout)
