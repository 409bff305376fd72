"""The end-to-end scenario shared by ``tests/e2e`` and ``scripts/demo``: the OCP emulator, the Airflow environment
pointing at it, and the identifiers and timings the example DAGs' runs rely on. No pytest, no assertions.

The runs themselves are ``extract_run``, ``restore_gate_run`` and ``restore_drill_run``, all three together
``example_dag_runs``; the backup-events run is ``events_scenario``.

The emulator serves one cluster with 2 tenants and a log backup task every 30 minutes (tenants alternating) up to
2024-08-07T00:30Z, so the extraction run for logical date 2024-08-07 (data interval [2024-08-06, 2024-08-07)) holds
48 finished tasks; each tenant's current (RUNNING) task, whose delay and checkpoint move with the clock, is created on
2024-08-07, outside that window.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

from airflow_provider_ocp.testing import OCPEmulator

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

    def extract_file(self) -> Path:
        """The partition the extraction run for DAY_START writes."""
        return self.output_dir / f"cluster_id={self.cluster_id}" / "date=2024-08-06" / "log_backup_tasks.jsonl"

    def restore_posts(self) -> list[Any]:
        """The restore POSTs the emulator received."""
        return [r for r in self.emulator.requests if r.method == "POST" and r.path.endswith("/backup/restore")]

    def snapshot_checks(self, since: int) -> list[Any]:
        """The log backup listings without a time window (a sensor's, trigger's or watcher's check, not an
        extraction) among the emulator's requests from index ``since``.

        :param since: how many requests to skip (``len(emulator.requests)`` at some earlier point).
        """
        return [
            request
            for request in self.emulator.requests[since:]
            if request.path.endswith("/backup/task/logBackupTasks") and "startTime" not in request.query
        ]


def parse_api_time(text: str) -> datetime:
    """A timestamp of Airflow's REST API (ISO 8601, maybe with ``Z``) as an aware datetime.

    :param text: the timestamp.
    """
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
