"""OCP task instances read as progress (issue 24): success only on SUCCESSFUL, the failing subtask named."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from hypothesis_support import json_documents

from airflow_provider_ocp.restores.tasks import log_tail, task_progress

UTC = timezone.utc
FAILED_RESTORE: dict[str, Any] = {  # written by hand in the shape of OCP's task instance
    "id": 42,
    "name": "Restore tenant",
    "status": "FAILED",
    "createTime": "2024-08-06T10:00:00.000+08:00",
    "startTime": "2024-08-06T10:00:01.000+08:00",
    "finishTime": "2024-08-06T10:07:00.000+08:00",
    "subtasks": [
        {"id": 1, "name": "Check restore prerequisites", "status": "SUCCESSFUL"},
        {"id": 2, "name": "Replay archived log", "status": "FAILED"},
        {"id": 3, "name": "Finish restore", "status": "PENDING"},
    ],
}


def test_a_failed_task_names_its_failed_subtask_and_times() -> None:
    progress = task_progress(42, FAILED_RESTORE)
    assert (progress.failed, progress.succeeded, progress.finished) == (True, False, True)
    assert progress.failed_subtask == {"id": 2, "name": "Replay archived log"}
    assert progress.times() == {"started_at": "2024-08-06T02:00:01Z", "finished_at": "2024-08-06T02:07:00Z"}
    assert progress.summary() == (
        "OCP task 42 (Restore tenant) FAILED: 1 of 3 subtasks done, failed at subtask 2 'Replay archived log'"
    )


def test_a_running_task_has_no_finish_time_even_if_ocp_sends_one() -> None:
    running = {**FAILED_RESTORE, "status": "RUNNING", "subtasks": [{"id": 1, "name": "a", "status": "RUNNING"}]}
    progress = task_progress(42, running)
    assert (progress.finished, progress.finished_at, progress.running_subtask) == (False, None, "a")
    assert progress.started_at == datetime(2024, 8, 6, 2, 0, 1, tzinfo=UTC)


def test_a_failed_task_without_a_failed_subtask_names_the_first_unfinished_one() -> None:
    data = {"status": "FAILED", "subtasks": [{"id": 1, "name": "a", "status": "SUCCESSFUL"}, {"id": "9", "name": "b"}]}
    assert task_progress(1, data).failed_subtask == {"id": 9, "name": "b"}


statuses = st.one_of(
    st.sampled_from(["SUCCESSFUL", "successful", "FAILED", "RUNNING", "CANCELED", "PENDING", "", "DONE", "SUCCESS"]),
    st.text(max_size=12),
    st.none(),
    st.integers(),
)
subtask = st.fixed_dictionaries({"id": st.integers(1, 99), "name": st.text(max_size=5), "status": statuses})


@given(status=statuses, subtasks=st.lists(st.one_of(subtask, st.none(), st.text(max_size=3)), max_size=6))
def test_only_ocps_successful_is_success_and_unknown_statuses_keep_waiting(status: Any, subtasks: list[Any]) -> None:
    progress = task_progress(5, {"status": status, "subtasks": subtasks})
    assert progress.succeeded is (str(status).upper() == "SUCCESSFUL")
    if str(status).upper() not in {"SUCCESSFUL", "FAILED", "CANCELED", "CANCELLED", "ABORTED"}:
        assert not progress.finished
    assert 0 <= progress.subtasks_done <= progress.subtasks_total <= len(subtasks)


TASK_FIELDS = st.sampled_from(["id", "name", "status", "subtasks", "createTime", "startTime", "finishTime"])
TASK_LEAVES = st.sampled_from(["SUCCESSFUL", "FAILED", "RUNNING", "2024-08-06T10:00:01.000+08:00", "9"])


@given(data=json_documents(TASK_FIELDS | st.text(max_size=4), TASK_LEAVES))
def test_anything_ocp_sends_reads_as_a_task_that_has_not_succeeded_unless_it_says_so(data: Any) -> None:
    """Any JSON, a number where the subtask list belongs included (``{"subtasks": 1}`` raised TypeError), reads as
    a task, succeeded only on OCP's own word, and its log line and times can be written."""
    progress = task_progress(3, data)
    said = str(data.get("status") or "").upper() if isinstance(data, dict) else ""
    assert progress.succeeded is (said == "SUCCESSFUL")
    assert 0 <= progress.subtasks_done <= progress.subtasks_total
    assert progress.summary().startswith("OCP task 3") and set(progress.times()) == {"started_at", "finished_at"}


def test_a_subtask_list_in_another_shape_lists_no_subtasks() -> None:
    for subtasks in (1, "abc", {"id": 1, "status": "FAILED"}, 2.5, True):
        progress = task_progress(3, {"status": "RUNNING", "subtasks": subtasks})
        assert (progress.subtasks_total, progress.running_subtask, progress.finished) == (0, None, False)


def test_log_tail_keeps_the_end_bounded() -> None:
    log = "\n".join(f"line {n}" for n in range(100))
    assert log_tail(log, max_lines=2) == "line 98\nline 99"
    assert log_tail("x" * 10_000, max_chars=10) == "x" * 10
    assert log_tail(None) == ""
