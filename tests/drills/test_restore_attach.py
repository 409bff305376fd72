"""The no-second-restore rule under dag.test(): a POST whose answer is lost is looked up, not sent again, and an
Airflow retry attaches to the restore it started; a different running restore into the same name is a conflict."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Any

import pytest
from drill_support import C1, C2, T1, Outcome, Runner, advance_per_task_read, posts

from airflow_provider_ocp.operators.restore import OCPRestoreTenantOperator
from airflow_provider_ocp.testing import OCPEmulator

pytestmark = pytest.mark.usefixtures("airflow_db")


def restore(runner: Runner, **overrides: Any) -> Outcome:
    kwargs: dict[str, Any] = {
        "cluster_id": C1,
        "backup_tenant_id": T1,
        "restore_cluster_id": C2,
        "restore_tenant_name": "drill_1",
        "restore_end_time": "2024-08-06T12:00:00Z",
        "zones": ["zone1"],
        "unit_spec_name": "S1",
        "poll_interval": 0.01,
        "deferrable": False,
        **overrides,
    }
    return runner(OCPRestoreTenantOperator, **kwargs)


def test_lost_answer_is_looked_up_and_attached_in_the_same_try(emu: OCPEmulator, runner: Runner) -> None:
    emu.faults.add("drop_connection", path_contains="/backup/restore")
    with advance_per_task_read(emu):
        outcome = restore(runner)
    assert outcome.state == "success", outcome.log
    assert len(posts(emu, "/backup/restore")) == 1
    assert outcome.value["ocp_task_id"] == 5000001 and outcome.value["status"] == "SUCCESSFUL"
    assert "answer was lost" in outcome.log and "Attaching to OCP's restore record 1" in outcome.log


def test_retry_after_a_lost_answer_attaches_without_a_second_post(emu: OCPEmulator, runner: Runner) -> None:
    """The POST reaches OCP (the restore starts), its answer is lost, and looking for it fails too: the first try
    fails saying it may have started; the Airflow retry finds the running restore and attaches."""
    slow = emu.faults.add("slow", path_contains="/backup/restore", seconds=0.5)
    emu.faults.add("drop_connection", path_contains="/backup/restore")

    def fail_lookups_once_posted() -> None:  # the POST is held 0.5 s: add the fault before its answer is lost
        deadline = time.monotonic() + 60
        while slow.times and time.monotonic() < deadline:
            time.sleep(0.005)
        emu.faults.add("http_error", times=2, path_contains="restoreTasks", status=503)  # 2 tries: max_retries=1

    threading.Thread(target=fail_lookups_once_posted, daemon=True).start()
    with advance_per_task_read(emu):
        outcome = restore(runner, retries=1)
    assert outcome.state == "success", outcome.log
    assert len(posts(emu, "/backup/restore")) == 1  # the retry did not POST again
    assert len(emu.restores) == 1
    assert "may have started in OCP" in outcome.flat and "A retry of this task looks for it first" in outcome.flat
    assert outcome.value["ocp_task_id"] == 5000001


def test_a_different_running_restore_into_the_name_is_a_conflict(emu: OCPEmulator, runner: Runner) -> None:
    emu.start_restore(C1, T1, C2, "drill_1", datetime(2024, 8, 6, 11, 0, tzinfo=timezone.utc), {})
    outcome = restore(runner, retries=1)
    assert outcome.state == "failed"
    assert posts(emu) == []
    flat = outcome.flat
    assert "A different restore into tenant 'drill_1' (cluster 1000002) is running" in flat
    assert "OCP task 5000001" in flat and "2024-08-06T11:00:00Z" in flat and "2024-08-06T12:00:00Z" in flat


def test_the_same_running_restore_is_attached(emu: OCPEmulator, runner: Runner) -> None:
    emu.start_restore(C1, T1, C2, "drill_1", datetime(2024, 8, 6, 12, 0, tzinfo=timezone.utc), {})
    with advance_per_task_read(emu):
        outcome = restore(runner, deferrable=True)
    assert outcome.state == "success", outcome.log
    assert posts(emu) == []
    assert outcome.value["ocp_task_id"] == 5000001


def test_a_running_restore_whose_record_gives_no_restore_cluster_is_a_conflict(
    emu: OCPEmulator, runner: Runner
) -> None:
    """OCP leaves null fields out: a running restore into the name, the same request but without restoreClusterId,
    may be an earlier try of this task or a restore into another cluster. Neither attached to nor POSTed past."""
    emu.start_restore(C1, T1, C2, "drill_1", datetime(2024, 8, 6, 12, 0, tzinfo=timezone.utc), {})
    emu.omitted_restore_fields = {"restoreClusterId"}
    outcome = restore(runner, retries=1)
    assert outcome.state == "failed"
    assert posts(emu) == []  # no second POST, in either try
    assert len(emu.restores) == 1
    assert (
        "A restore into tenant 'drill_1' whose record gives no readable restore cluster (restoreClusterId) is "
        "running: OCP restore record 1 (OCP task 5000001, status 'RESTORE_DOING') restoring backup tenant 2001001 to "
        "2024-08-06T12:00:00Z. It may be an earlier try of this task or a restore into another cluster"
    ) in outcome.flat
    assert "nothing was submitted" in outcome.flat


def test_a_record_without_its_task_id_is_matched_to_the_restore_task_only(emu: OCPEmulator, runner: Runner) -> None:
    """The record names no task (no ocpJobId) and a newer OCP task of another kind runs on the tenant: the attach
    waits on the restore's task 5000001, not on the tenant's newest task 5000002."""
    emu.start_restore(C1, T1, C2, "drill_1", datetime(2024, 8, 6, 12, 0, tzinfo=timezone.utc), {})
    other = emu.start_tenant_task(C2, "drill_1", "Modify tenant drill_1 parameters")
    assert other.id == 5000002
    emu.omitted_restore_fields = {"ocpJobId"}
    with advance_per_task_read(emu):
        outcome = restore(runner)
    assert outcome.state == "success", outcome.log
    assert posts(emu) == []
    assert outcome.value["ocp_task_id"] == 5000001 and outcome.value["status"] == "SUCCESSFUL"
