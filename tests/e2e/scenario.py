"""The end-to-end scenario shared by ``tests/e2e`` and ``scripts/demo``: the emulator, the Airflow environment, and
runs of the example DAGs through Airflow's REST API. No pytest, no assertions: callers check or print the outcome.

- The emulator serves one cluster with 2 tenants and a log backup task every 30 minutes (tenants alternating) up to
  2024-08-07T00:30Z, so the extraction run for logical date 2024-08-07 (data interval [2024-08-06, 2024-08-07))
  holds 48 finished tasks; each tenant's current (RUNNING) task, whose delay and checkpoint move with the clock, is
  created on 2024-08-07, outside that window.
- The restore gate run waits for tenant_1 with the DAG's defaults (restore point: when the run was triggered). The
  current tasks' delay stays at 120 s until the sensor's first check has reached the emulator, then falls to 5 s
  over 20 s: the first check always fails, whatever the machine's load, so the sensor defers; the trigger's first
  poll fails too, and its next poll (the DAG's poke_interval, 60 s later) finds the checkpoint past the restore point
  and fires.
- The restore drill run (``example_ocp_restore_drill``, triggered once the gate run's first check has reached the
  emulator, so that its own checks cannot be taken for the gate's) restores tenant_1 to the DAG's default restore
  point, 15 minutes (``rpo_minutes``) before the run was triggered: inside tenant_1's recoverable window, which runs
  from its seeded FULL backup (2024-08-05) to its checkpoint (now minus at most 120 s, whatever the gate run does to
  the delay). The gate passes on its first check; the restore defers while OCP's task runs (5 subtasks of
  ``RESTORE_SUBTASK_SECONDS``, polled every ``OCP_DRILL_POLL_SECONDS``), then the evidence task writes its report.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

from airflow_standalone import AirflowClient, RunResult, StandaloneError, iter_jsonl, read_json_log

from airflow_provider_ocp.log_backup.json_values import to_json_safe
from airflow_provider_ocp.log_backup.records import normalize_task
from airflow_provider_ocp.testing import DelayProfile, OCPEmulator

EXTRACT_DAG = "example_ocp_log_backup_extract"
EXTRACT_TASK = "extract_log_backup_tasks"
GATE_DAG = "example_ocp_restore_gate"
GATE_SENSOR = "wait_for_log_backup"
GATE_RESTORE = "restore"
GATE_TENANT = "tenant_1"
TRIGGER_CLASSPATH = "airflow_provider_ocp.triggers.log_backup.OCPLogBackupDelayTrigger"
DRILL_DAG = "example_ocp_restore_drill"
DRILL_GATE = "wait_for_log_backup"
DRILL_RESTORE = "restore"
DRILL_EVIDENCE = "evidence"
DRILL_TENANT = "tenant_1"
DRILL_RPO_MINUTES = 15  # the DAG's default rpo_minutes
RESTORE_SUBTASK_SECONDS = 1.0
DRILL_POLL_SECONDS = 2

DAY_START = datetime(2024, 8, 6, tzinfo=timezone.utc)
DAY_END = DAY_START + timedelta(days=1)
TASK_INTERVAL = timedelta(minutes=30)
TENANTS = 2
TASKS_PER_TENANT = 32
HISTORY_END = DAY_END + TASK_INTERVAL

DELAY_FROM, DELAY_TO, DELAY_OVER = 120.0, 5.0, 20.0
EVENTS_DAG = "example_ocp_backup_events"
EVENTS_POLL_SECONDS = 2
EVENTS_MAX_DELAY = 60.0


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
        return [entry for path in self.trigger_log_files for entry in read_json_log(path)]


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
    windows: list[tuple[datetime, datetime]]
    gate_xcom: Any
    restore_xcom: Any
    evidence_xcom: Any
    evidence_file: Path
    restore_log: str
    restore_tries: list[dict[str, Any]]
    restore_trigger_log_files: list[Path]

    def restore_trigger_events(self) -> list[dict[str, Any]]:
        """The entries of the restore trigger's log files, in order."""
        return [entry for path in self.restore_trigger_log_files for entry in read_json_log(path)]

    def evidence(self) -> dict[str, Any] | None:
        """The evidence file's report, or None if it was not written."""
        if not self.evidence_file.exists():
            return None
        return dict(json.loads(self.evidence_file.read_text()))


class E2EScenario:
    """The emulator and the files of one end-to-end run; a context manager that starts and stops the emulator.

    :param output_dir: where the extraction DAG writes its partitions (``OCP_EXTRACT_BASE_URL``).
    :param evidence_dir: where the restore drill writes its evidence (``OCP_DRILL_EVIDENCE_URL``); None: the folder
        ``ocp-drill-evidence`` next to ``output_dir``.
    """

    def __init__(self, output_dir: Path, evidence_dir: Path | None = None) -> None:
        self.output_dir = output_dir
        self.evidence_dir = evidence_dir or output_dir.parent / "ocp-drill-evidence"
        self.emulator = OCPEmulator(
            tenants=TENANTS,
            tasks_per_tenant=TASKS_PER_TENANT,
            task_interval=TASK_INTERVAL,
            history_end=HISTORY_END,
            frozen_clock=False,  # a real Airflow runs on the real clock: so does OCP here
        )
        # A restore's OCP task: 5 subtasks of this many (real) seconds.
        self.emulator.subtask_seconds = {"restore": RESTORE_SUBTASK_SECONDS, "backup": RESTORE_SUBTASK_SECONDS}
        self._requests_before_gate = 0

    def __enter__(self) -> E2EScenario:
        self.emulator.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.emulator.stop()

    @property
    def cluster_id(self) -> int:
        """The emulated cluster."""
        return self.emulator.cluster_ids[0]

    def airflow_env(self) -> dict[str, str]:
        """Environment for Airflow: the ``ocp_default`` connection and the example DAGs' configuration."""
        return {
            "AIRFLOW_CONN_OCP_DEFAULT": self.emulator.airflow_connection_json(),
            "OCP_EXTRACT_BASE_URL": f"file://{self.output_dir}",
            "OCP_EXTRACT_CLUSTER_ID": str(self.cluster_id),
            "OCP_GATE_POKE_INTERVAL": "3",
            "OCP_DRILL_EVIDENCE_URL": self.evidence_dir.as_uri(),
            "OCP_DRILL_TENANT": DRILL_TENANT,
            "OCP_DRILL_POLL_SECONDS": str(DRILL_POLL_SECONDS),
            # example_ocp_backup_events: paused until test_standalone_events unpauses it (its watcher runs only then).
            "OCP_EVENTS_POLL_SECONDS": str(EVENTS_POLL_SECONDS),
            "OCP_EVENTS_MAX_DELAY_SECONDS": str(EVENTS_MAX_DELAY),
        }

    def expected_records(self) -> list[dict[str, Any]]:
        """What the extraction of [DAY_START, DAY_END) must hold: the emulator's tasks, normalised, half-open."""
        raw = self.emulator.expected_tasks(self.cluster_id, DAY_START, DAY_END)
        records = [normalize_task(task) for task in raw]
        return [to_json_safe(r) for r in records if DAY_START <= r["createTime"] < DAY_END]

    def extract_file(self) -> Path:
        """The partition the extraction run for DAY_START writes."""
        return self.output_dir / f"cluster_id={self.cluster_id}" / "date=2024-08-06" / "log_backup_tasks.jsonl"

    # -- runs ---------------------------------------------------------------------------------------------------

    def prepare(self, client: AirflowClient) -> None:
        """Wait until the three example DAGs are parsed, then unpause them."""
        for dag_id in (EXTRACT_DAG, GATE_DAG, DRILL_DAG):
            client.wait_for_dag(dag_id)
            client.set_paused(dag_id, False)

    def trigger_extract(self, client: AirflowClient, run_id: str = "e2e_extract") -> str:
        """Trigger the extraction run covering DAY_START (logical date DAY_END).

        :param client: the REST client.
        :param run_id: the run id.
        """
        client.trigger(EXTRACT_DAG, run_id, DAY_END.isoformat(), {"cluster_id": self.cluster_id})
        return run_id

    def finish_extract(self, client: AirflowClient, run_id: str, timeout: float = 240.0) -> ExtractOutcome:
        """Wait for the extraction run and read its XCom.

        :param client: the REST client.
        :param run_id: the run id.
        :param timeout: seconds.
        """
        result = client.wait_for_run(EXTRACT_DAG, run_id, timeout=timeout)
        summary = client.xcom(EXTRACT_DAG, run_id, EXTRACT_TASK) if result.state == "success" else None
        return ExtractOutcome(result, summary, self.extract_file())

    def trigger_gate(self, client: AirflowClient, run_id: str = "e2e_restore_gate") -> tuple[str, datetime]:
        """Hold the delay at 120 s, trigger the restore gate run, and return its id and ``run_after``.

        :param client: the REST client.
        :param run_id: the run id.
        """
        self._requests_before_gate = len(self.emulator.requests)
        self.emulator.set_current_task(self.cluster_id, delay=DELAY_FROM)
        run = client.trigger(GATE_DAG, run_id, None, {"cluster_id": self.cluster_id})
        return run_id, _parse_time(run["run_after"])

    def start_delay_fall(self, client: AirflowClient, run_id: str, timeout: float = 180.0) -> datetime:
        """Wait for the sensor's first check to reach the emulator, then let the delay fall (120 s -> 5 s in 20 s).

        :param client: the REST client (to notice a run that fails before checking).
        :param run_id: the gate run id.
        :param timeout: seconds.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(_is_snapshot(request.path, request.query) for request in self._gate_requests()):
                self.emulator.set_current_task(
                    self.cluster_id, delay=DelayProfile.linear(DELAY_FROM, DELAY_TO, DELAY_OVER)
                )
                return datetime.now(timezone.utc)
            run = client.request("GET", f"/dags/{GATE_DAG}/dagRuns/{run_id}")
            if run.get("state") == "failed":
                raise StandaloneError(f"the restore gate run failed before checking OCP: {run}")
            time.sleep(0.2)
        raise StandaloneError(f"the sensor did not call the emulator within {timeout:.0f}s")

    def _gate_requests(self) -> list[Any]:
        return self.emulator.requests[self._requests_before_gate :]

    def finish_gate(
        self,
        client: AirflowClient,
        run_id: str,
        run_after: datetime,
        falling_since: datetime | None,
        logs: Path,
        timeout: float,
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
        sensor_xcom = client.xcom(GATE_DAG, run_id, GATE_SENSOR) if ok else None
        restore_xcom = client.xcom(GATE_DAG, run_id, GATE_RESTORE) if ok else None
        sensor_try = int(result.task_instances.get(GATE_SENSOR, {}).get("try_number") or 1)
        restore_try = int(result.task_instances.get(GATE_RESTORE, {}).get("try_number") or 1)
        return GateOutcome(
            run=result,
            run_after=run_after,
            falling_since=falling_since,
            sensor_xcom=sensor_xcom,
            restore_xcom=restore_xcom,
            sensor_log=client.task_log(GATE_DAG, run_id, GATE_SENSOR, sensor_try),
            sensor_tries=client.tries(GATE_DAG, run_id, GATE_SENSOR),
            restore_log=client.task_log(GATE_DAG, run_id, GATE_RESTORE, restore_try) if restore_try else "",
            trigger_log_files=sorted(
                (logs / f"dag_id={GATE_DAG}" / f"run_id={run_id}" / f"task_id={GATE_SENSOR}").glob(
                    f"attempt={sensor_try}.log.trigger.*.log"
                )
            ),
        )

    def restore_posts(self) -> list[Any]:
        """The restore POSTs the emulator received."""
        return [r for r in self.emulator.requests if r.method == "POST" and r.path.endswith("/backup/restore")]

    def trigger_drill(
        self, client: AirflowClient, run_id: str = "e2e_restore_drill"
    ) -> tuple[str, datetime, list[tuple[datetime, datetime]]]:
        """Trigger the restore drill run (default restore point) and check that its restore point is restorable.

        Returns the run id, ``run_after`` and tenant_1's recoverable windows at that moment; raises StandaloneError if
        the restore point lies in none of them (the drill could only fail or wait).

        :param client: the REST client.
        :param run_id: the run id.
        """
        run = client.trigger(DRILL_DAG, run_id, None, {"cluster_id": self.cluster_id})
        run_after = _parse_time(run["run_after"])
        tenant_id = self.emulator.tenant_ids(self.cluster_id)[0]
        windows = list(self.emulator.recoverable_windows(self.cluster_id, tenant_id))
        restore_point = run_after - timedelta(minutes=DRILL_RPO_MINUTES)
        if not any(start <= restore_point <= end for start, end in windows):
            raise StandaloneError(f"the drill's restore point {restore_point} is outside {DRILL_TENANT}'s {windows}")
        return run_id, run_after, windows

    def finish_drill(
        self,
        client: AirflowClient,
        run_id: str,
        run_after: datetime,
        windows: list[tuple[datetime, datetime]],
        logs: Path,
        timeout: float = 240.0,
    ) -> DrillOutcome:
        """Wait for the restore drill run; collect its XComs, the restore's log, tries and trigger log files.

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

        restore_try = int(result.task_instances.get(DRILL_RESTORE, {}).get("try_number") or 0)
        folder = logs / f"dag_id={DRILL_DAG}" / f"run_id={run_id}" / f"task_id={DRILL_RESTORE}"
        return DrillOutcome(
            run=result,
            run_id=run_id,
            run_after=run_after,
            restore_point=run_after - timedelta(minutes=DRILL_RPO_MINUTES),
            windows=windows,
            gate_xcom=xcom(DRILL_GATE),
            restore_xcom=xcom(DRILL_RESTORE),
            evidence_xcom=xcom(DRILL_EVIDENCE),
            evidence_file=self.evidence_dir / f"{run_id}.json",
            restore_log=client.task_log(DRILL_DAG, run_id, DRILL_RESTORE, restore_try) if restore_try else "",
            restore_tries=client.tries(DRILL_DAG, run_id, DRILL_RESTORE) if restore_try else [],
            restore_trigger_log_files=sorted(folder.glob(f"attempt={restore_try}.log.trigger.*.log")),
        )

    def run_drill(self, client: AirflowClient, logs: Path, timeout: float = 240.0) -> DrillOutcome:
        """Unpause the restore drill DAG, trigger a run and wait for it.

        :param client: the REST client.
        :param logs: Airflow's task log folder (``$AIRFLOW_HOME/logs``).
        :param timeout: seconds.
        """
        client.wait_for_dag(DRILL_DAG)
        client.set_paused(DRILL_DAG, False)
        run_id, run_after, windows = self.trigger_drill(client)
        return self.finish_drill(client, run_id, run_after, windows, logs, timeout)

    def run_all(
        self, client: AirflowClient, logs: Path, timeout: float = 300.0
    ) -> tuple[ExtractOutcome, GateOutcome, DrillOutcome]:
        """Unpause the three example DAGs, trigger their runs, and wait for them.

        The drill is triggered once the gate run's first check has reached the emulator (the gate scenario counts
        the emulator's requests until then), so that it runs alongside the gate without being taken for it.

        :param client: the REST client.
        :param logs: Airflow's task log folder (``$AIRFLOW_HOME/logs``).
        :param timeout: seconds for each run.
        """
        self.prepare(client)
        extract_run = self.trigger_extract(client)
        gate_run, run_after = self.trigger_gate(client)
        falling_since = self.start_delay_fall(client, gate_run)
        drill_run, drill_after, windows = self.trigger_drill(client)
        gate = self.finish_gate(client, gate_run, run_after, falling_since, logs, timeout)
        extract = self.finish_extract(client, extract_run, timeout)
        drill = self.finish_drill(client, drill_run, drill_after, windows, logs, timeout)
        return extract, gate, drill


def _is_snapshot(path: str, query: str) -> bool:
    """A log backup task listing without a time window: the sensor's (or trigger's) check, not an extraction."""
    return path.endswith("/backup/task/logBackupTasks") and "startTime" not in query


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
