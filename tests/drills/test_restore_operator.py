"""OCPRestoreTenantOperator under dag.test() against the emulator: success (deferred and on the worker), the XCom
shape, a failing subtask, names resolved. Expected values are written by hand (see drill_support.py)."""

from __future__ import annotations

from typing import Any

import pytest
from drill_support import C1, C2, T1, Outcome, Runner, advance_per_task_read, posts

from airflow_provider_ocp.operators.restore import OCPRestoreTenantOperator
from airflow_provider_ocp.testing import OCPEmulator

pytestmark = pytest.mark.usefixtures("airflow_db")

FIRST_TASK = 5000001  # the emulator numbers task instances from 5,000,001


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
        **overrides,
    }
    return runner(OCPRestoreTenantOperator, **kwargs)


@pytest.mark.parametrize("deferrable", [True, False])
def test_restore_succeeds_with_the_documented_xcom(
    emu: OCPEmulator,
    runner: Runner,
    deferrable: bool,
) -> None:
    with advance_per_task_read(emu):
        outcome = restore(runner, deferrable=deferrable)
    assert outcome.state == "success", outcome.log
    url = f"{emu.url}/task/{FIRST_TASK}"
    assert outcome.value == {
        "ocp_task_id": FIRST_TASK,
        "status": "SUCCESSFUL",
        "restore_end_time": "2024-08-06T12:00:00Z",
        "restore_tenant_name": "drill_1",
        "restore_cluster_id": C2,
        "started_at": "2024-08-06T12:30:00Z",
        "finished_at": "2024-08-06T12:35:00Z",  # 5 subtasks of 60 s
        "url": url,
    }
    assert outcome.xcom["ocp_task_id"] == FIRST_TASK and outcome.xcom["ocp_task_url"] == url
    assert "user" not in url and "@" not in url
    assert len(posts(emu, "/backup/restore")) == 1
    assert "5 of 5 subtasks done" in outcome.log
    if deferrable:
        assert "running trigger in line" in outcome.log


def test_names_are_resolved(emu: OCPEmulator, runner: Runner) -> None:
    with advance_per_task_read(emu):
        outcome = restore(
            runner,
            cluster_id=None,
            cluster_name="cluster_1",
            backup_tenant_id=None,
            backup_tenant_name="tenant_1",
            restore_cluster_id=None,
            restore_cluster_name="cluster_2",
            deferrable=False,
        )
    assert outcome.state == "success", outcome.log
    (post,) = posts(emu, "/backup/restore")
    assert post.path.endswith(f"/ob/clusters/{C1}/backup/restore")
    assert b'"backupTenantId": 2001001' in post.body or b'"backupTenantId":2001001' in post.body
    assert outcome.value["restore_cluster_id"] == C2


def test_failure_names_the_subtask_and_its_log_tail(emu: OCPEmulator, runner: Runner) -> None:
    emu.fail_next_task("restore", at_subtask=2, log="ERROR: archive piece 42 is missing")
    with advance_per_task_read(emu):
        outcome = restore(runner)
    assert outcome.state == "failed"
    assert "OCPTaskFailedError" in outcome.log
    # subtask ids follow from 7,000,001: index 2 of the first task is 7000003
    assert f"OCP task {FIRST_TASK} (Restore tenant drill_1) ended FAILED at subtask 7000003 'Restore tenant data'" in (
        outcome.flat
    )
    assert "ERROR: archive piece 42 is missing" in outcome.log


def test_restore_point_after_the_window_fails_before_any_post(emu: OCPEmulator, runner: Runner) -> None:
    outcome = restore(runner, restore_end_time="2024-08-06T12:29:45Z")
    assert outcome.state == "failed"
    assert posts(emu) == []
    flat = outcome.flat
    assert "restore_end_time 2024-08-06T12:29:45Z is after the newest recoverable window" in flat
    assert "2024-08-06T05:00:00Z to 2024-08-06T12:29:30Z" in flat
    assert "OCPLogBackupDelaySensor(target_time=...)" in flat


def test_restore_point_before_the_window_fails_naming_the_windows(emu: OCPEmulator, runner: Runner) -> None:
    outcome = restore(runner, restore_end_time="2024-08-06T04:00:00+00:00")
    assert outcome.state == "failed"
    assert posts(emu) == []
    assert "is before the oldest recoverable window" in outcome.flat
    assert "windows: 2024-08-06T05:00:00Z to 2024-08-06T12:29:30Z" in outcome.flat


def test_no_window_at_all_fails(emu: OCPEmulator, runner: Runner) -> None:
    emu.set_recoverable_windows(C1, T1, [])
    outcome = restore(runner)
    assert outcome.state == "failed" and posts(emu) == []
    assert "the tenant has no recoverable window yet" in outcome.flat and "windows: none" in outcome.flat


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"restore_tenant_name": "1bad"}, "restore_tenant_name '1bad'"),
        ({"restore_end_time": "2024-08-06T12:00:00"}, "restore_end_time 2024-08-06T12:00:00 has no timezone"),
        ({"restore_end_time": "None"}, "restore_end_time must be"),
        ({"zones": []}, "zones must be a non-empty list"),
        ({"cluster_name": "cluster_1"}, "cluster_id or cluster_name"),
        ({"backup_tenant_id": None}, "backup_tenant_id or backup_tenant_name"),
        ({"poll_interval": 0}, "poll_interval must be a positive number"),
        ({"primary_zone": "zone9"}, "primary_zone 'zone9' is not one of zones"),
    ],
)
def test_bad_parameters_fail_before_any_request(
    emu: OCPEmulator,
    runner: Runner,
    overrides: dict[str, Any],
    named: str,
) -> None:
    outcome = restore(runner, retries=1, **overrides)
    assert outcome.state == "failed"
    assert named in outcome.flat
    assert emu.requests == []
