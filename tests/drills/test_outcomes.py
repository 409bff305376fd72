"""Pure pieces of the drill: the outcome dict, the failure message, trigger events read back, restore point
problems (the gap case the emulator's single window cannot show). Expected values written by hand."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from airflow_provider_ocp.operators.task_wait import outcomes_of_event
from airflow_provider_ocp.restores.errors import OCPTaskFailedError, OCPTaskPollError
from airflow_provider_ocp.restores.outcome import failure_message, task_outcome
from airflow_provider_ocp.restores.tasks import task_progress
from airflow_provider_ocp.restores.windows import restore_point_problem

FAILED_TASK = {
    "id": 42,
    "name": "Restore tenant t",
    "status": "FAILED",
    "startTime": "2024-08-06T00:00:00Z",
    "finishTime": "2024-08-06T00:02:00Z",
    "subtasks": [
        {"id": 1, "name": "Prepare", "status": "SUCCESSFUL"},
        {"id": 2, "name": "Restore data", "status": "FAILED"},
        {"id": 3, "name": "Finish", "status": "PENDING"},
    ],
}


def test_failed_outcome_and_message() -> None:
    outcome = task_outcome(task_progress(42, FAILED_TASK), "a\nb")
    assert outcome == {
        "ocp_task_id": 42,
        "name": "Restore tenant t",
        "status": "FAILED",
        "subtasks_done": 1,
        "subtasks_total": 3,
        "running_subtask": None,
        "failed_subtask": {"id": 2, "name": "Restore data"},
        "log_tail": "a\nb",
        "started_at": "2024-08-06T00:00:00Z",
        "finished_at": "2024-08-06T00:02:00Z",
    }
    assert failure_message(outcome) == (
        "OCP task 42 (Restore tenant t) ended FAILED at subtask 2 'Restore data'. Last lines of its log:\na\nb"
    )


def test_running_outcome_has_no_tail() -> None:
    running = {**FAILED_TASK, "status": "RUNNING", "finishTime": None}
    assert task_outcome(task_progress(42, running), "ignored")["log_tail"] is None


def test_events_read_back() -> None:
    assert outcomes_of_event({"status": "success", "tasks": [{"ocp_task_id": 1}], "carry": {}}) == [{"ocp_task_id": 1}]
    with pytest.raises(OCPTaskFailedError, match=r"^boom$"):
        outcomes_of_event({"status": "failed", "message": "boom"})
    with pytest.raises(OCPTaskPollError, match=r"^gave up$"):
        outcomes_of_event({"status": "error", "message": "gave up"})
    with pytest.raises(OCPTaskPollError, match="without an event"):
        outcomes_of_event(None)


def at(hour: int) -> datetime:
    return datetime(2024, 8, 6, hour, tzinfo=timezone.utc)


def test_restore_point_problems() -> None:
    windows = [(at(1), at(3)), (at(5), at(7))]
    assert restore_point_problem(windows, at(2), "tenant 1") is None
    assert restore_point_problem(windows, at(7), "tenant 1") is None  # bounds are inside
    assert restore_point_problem(windows, at(4), "tenant 1") == (
        "restore_end_time 2024-08-06T04:00:00Z is between two recoverable windows of tenant 1; windows: "
        "2024-08-06T01:00:00Z to 2024-08-06T03:00:00Z; 2024-08-06T05:00:00Z to 2024-08-06T07:00:00Z. "
        "Pick a restore point inside a window"
    )
    after = restore_point_problem(windows, at(8), "tenant 1")
    assert after is not None and after.startswith(
        "restore_end_time 2024-08-06T08:00:00Z is after the newest recoverable window of tenant 1, "
        "2024-08-06T05:00:00Z to 2024-08-06T07:00:00Z"
    )
    assert "OCPLogBackupDelaySensor(target_time=...)" in after
