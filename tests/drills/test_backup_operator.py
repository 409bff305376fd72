"""OCPDataBackupOperator under dag.test() against the emulator: a tenant's full backup, a whole cluster's incremental
one, attaching to the same running backup (and not to another: a conflict), a retry reporting the backup its first
try started, a failing subtask. A backup runs 3 subtasks of 30 emulated seconds."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from drill_support import C1, T1, T2, Outcome, Runner, advance_per_task_read, posts

from airflow_provider_ocp.operators.backup import OCPDataBackupOperator
from airflow_provider_ocp.testing import OCPEmulator

pytestmark = pytest.mark.usefixtures("airflow_db")


def backup(runner: Runner, **overrides: Any) -> Outcome:
    kwargs: dict[str, Any] = {"cluster_id": C1, "poll_interval": 0.01, **overrides}
    return runner(OCPDataBackupOperator, **kwargs)


@pytest.mark.parametrize("deferrable", [True, False])
def test_full_backup_of_one_tenant(emu: OCPEmulator, runner: Runner, deferrable: bool) -> None:
    with advance_per_task_read(emu, 30):
        outcome = backup(runner, tenant_name="tenant_1", deferrable=deferrable)
    assert outcome.state == "success", outcome.log
    (post,) = posts(emu, "backupNow")
    assert post.path.endswith(f"/ob/clusters/{C1}/tenants/{T1}/backup/backupNow")
    assert json.loads(post.body) == {"dataBackupMode": "FULL_BACKUP"}
    assert outcome.value == {
        "cluster_id": C1,
        "tenant_id": T1,
        "backup_type": "FULL",
        "attached": False,
        "ocp_task_ids": [5000001],
        "tasks": [
            {
                "ocp_task_id": 5000001,
                "status": "SUCCESSFUL",
                "started_at": "2024-08-06T12:30:00Z",
                "finished_at": "2024-08-06T12:31:30Z",
            }
        ],
        "url": f"{emu.url}/task/5000001",
    }


def test_incremental_backup_of_the_whole_cluster(emu: OCPEmulator, runner: Runner) -> None:
    with advance_per_task_read(emu, 30):
        outcome = backup(runner, cluster_id=None, cluster_name="cluster_1", backup_type="incremental")
    assert outcome.state == "success", outcome.log
    (post,) = posts(emu, "backupNow")
    assert post.path.endswith(f"/ob/clusters/{C1}/backup/backupNow")
    assert json.loads(post.body) == {"dataBackupMode": "INCREMENTAL_BACKUP"}
    assert outcome.value["backup_type"] == "INCREMENTAL" and outcome.value["tenant_id"] is None
    assert outcome.value["ocp_task_ids"] == [5000001, 5000002]  # one per tenant
    assert [task["status"] for task in outcome.value["tasks"]] == ["SUCCESSFUL", "SUCCESSFUL"]
    assert outcome.xcom["ocp_task_id"] == [5000001, 5000002]
    assert outcome.xcom["ocp_task_url"] == f"{emu.url}/task/5000001"


def test_a_running_backup_is_attached_not_started_again(emu: OCPEmulator, runner: Runner) -> None:
    emu.backup_now(C1, T2, True)
    with advance_per_task_read(emu, 30):
        outcome = backup(runner, tenant_id=T2, deferrable=False)
    assert outcome.state == "success", outcome.log
    assert posts(emu) == []
    assert outcome.value["attached"] is True and outcome.value["ocp_task_ids"] == [5000001]


def test_a_lost_answer_is_looked_up_and_attached_in_the_same_try(emu: OCPEmulator, runner: Runner) -> None:
    """The back-up-now POST reaches OCP but its answer is lost: the backup is found in OCP's records, not POSTed
    again (the rule the restore operator follows too: OCPSubmitOperator.found_after_lost_answer)."""
    emu.faults.add("drop_connection", path_contains="backupNow")
    with advance_per_task_read(emu, 30):
        outcome = backup(runner, tenant_id=T1, deferrable=False)
    assert outcome.state == "success", outcome.log
    assert len(posts(emu, "backupNow")) == 1
    assert outcome.value["ocp_task_ids"] == [5000001] and outcome.value["tasks"][0]["status"] == "SUCCESSFUL"
    assert "answer was lost" in outcome.log and "Attaching to the data backup(s)" in outcome.log


def test_failed_backup_names_the_subtask(emu: OCPEmulator, runner: Runner) -> None:
    emu.fail_next_task("backup", at_subtask="Back up tenant data", log="ERROR: backup destination is full")
    with advance_per_task_read(emu, 30):
        outcome = backup(runner, tenant_id=T1)
    assert outcome.state == "failed"
    assert "ended FAILED at subtask 7000002 'Back up tenant data'" in outcome.flat
    assert "ERROR: backup destination is full" in outcome.log


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"backup_type": "DIFFERENTIAL"}, "backup_type must be 'FULL' or 'INCREMENTAL'"),
        ({"tenant_id": 1, "tenant_name": "tenant_1"}, "Give tenant_id or tenant_name"),
        ({"cluster_id": "abc"}, "cluster_id must be a positive integer OCP id"),
    ],
)
def test_bad_parameters_fail_before_any_request(
    emu: OCPEmulator, runner: Runner, overrides: dict[str, Any], named: str
) -> None:
    outcome = backup(runner, retries=1, **overrides)
    assert outcome.state == "failed" and named in outcome.flat
    assert emu.requests == []


@pytest.mark.parametrize("scope", [{}, {"tenant_id": T2}], ids=["whole-cluster", "tenant"])
def test_another_running_backup_is_a_conflict_not_attached(emu: OCPEmulator, runner: Runner, scope: Any) -> None:
    """Someone's INCREMENTAL backup of tenant_2 runs: a FULL backup of the cluster, or of tenant_2, is not it."""
    emu.backup_now(C1, T2, False)
    with advance_per_task_read(emu, 30):  # were it attached to, it would end (not hang) and the test fail
        outcome = backup(runner, deferrable=False, **scope)
    assert outcome.state == "failed"
    assert posts(emu) == []
    assert (
        "is running: data backup task 9000005 of tenant 'tenant_2' (2001002), INCREMENTAL, status 'DOING', "
        "started 2024-08-06T12:30:00Z. OCP runs one data backup of a tenant at a time; nothing was submitted."
    ) in outcome.flat


def test_a_cluster_backup_running_on_every_tenant_is_attached(emu: OCPEmulator, runner: Runner) -> None:
    emu.backup_now(C1, None, False)
    with advance_per_task_read(emu, 30):
        outcome = backup(runner, backup_type="INCREMENTAL", deferrable=False)
    assert outcome.state == "success", outcome.log
    assert posts(emu) == []
    assert outcome.value["attached"] is True and outcome.value["ocp_task_ids"] == [5000001, 5000002]


def test_a_retry_after_the_backup_finished_reports_it_without_a_second_post(emu: OCPEmulator, runner: Runner) -> None:
    """The first try POSTs, then loses OCP while the backup finishes (each failed task read moves the clock 90 s, a
    backup takes 3 x 30 s); the retry finds the finished backup, started since the DAG run began, and reports it.
    The server clock is set to the real time: the DAG run starts now."""
    started = datetime.now(timezone.utc).replace(microsecond=0)
    emu.clock.freeze(started)
    emu.faults.add("http_error", times=2, path_contains="/tasks/instances/5000001", status=503)  # 2 tries: retries=1
    with advance_per_task_read(emu, 90):
        outcome = backup(runner, tenant_id=T1, deferrable=False, retries=1)
    assert outcome.state == "success", outcome.log
    assert len(posts(emu, "backupNow")) == 1
    assert outcome.value == {
        "cluster_id": C1,
        "tenant_id": T1,
        "backup_type": "FULL",
        "attached": True,
        "ocp_task_ids": [5000001],
        "tasks": [
            {
                "ocp_task_id": 5000001,
                "status": "SUCCESSFUL",
                "started_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "finished_at": (started + timedelta(seconds=90)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        ],
        "url": f"{emu.url}/task/5000001",
    }
