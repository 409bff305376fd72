"""A restore drill's life in the emulator: subtask by subtask to the restored tenant, a scripted failure, omitted
record fields, another task on the tenant, and a running clock with short subtasks."""

from __future__ import annotations

import time
from datetime import timedelta, timezone

import pytest
from emulator_restore_support import C1, C2, INFO, NOW, T1, body, error, get, post

from airflow_provider_ocp.testing import OCPEmulator


def tenant_names(emu: OCPEmulator, cluster_id: int) -> list[str]:
    return [t["name"] for t in get(emu, f"/ob/clusters/{cluster_id}/tenants")["contents"]]


def test_restore_runs_subtask_by_subtask_and_the_tenant_appears(emu: OCPEmulator) -> None:
    response = post(emu, body())
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"obBackupTaskType": "RESTORE", "taskIdList": [5000001]}
    (record,) = get(emu, f"/ob/clusters/{C2}/backup/task/restoreTasks", page=1, size=10)["contents"]
    assert record == {
        "id": 1,
        "ocpJobId": 5000001,
        "backupMode": "PHYSICAL_BACKUP",
        "createTime": "2024-08-06T20:30:00.000+0800",
        "backupClusterId": C1,
        "backupClusterName": "cluster_1",
        "backupTenantId": T1,
        "backupTenantName": "tenant_1",
        "restoreClusterId": C2,
        "restoreTenantName": "restored_1",
        "restoreEndTime": "2024-08-06T20:00:00.000+0800",
        "restoreUri": "file:///obbackup/cluster_1/tenant_1",
        "status": "RESTORE_DOING",
    }
    task = get(emu, "/tasks/instances/5000001")
    assert (task["status"], task["type"], task["clusterId"], task["tenantName"]) == (
        "RUNNING",
        "RESTORE_TENANT",
        C2,
        "restored_1",
    )
    assert [s["name"] for s in task["subtasks"]] == [
        "Check restore prerequisites",
        "Create resource pool",
        "Restore tenant data",
        "Replay archived log",
        "Finish restore",
    ]
    for seconds, states in (
        (0, ["RUNNING", "PENDING", "PENDING", "PENDING", "PENDING"]),
        (60, ["SUCCESSFUL", "RUNNING", "PENDING", "PENDING", "PENDING"]),
        (150, ["SUCCESSFUL", "SUCCESSFUL", "RUNNING", "PENDING", "PENDING"]),
        (299, ["SUCCESSFUL", "SUCCESSFUL", "SUCCESSFUL", "SUCCESSFUL", "RUNNING"]),
    ):
        emu.clock.freeze(NOW + timedelta(seconds=seconds))
        assert [s["status"] for s in get(emu, "/tasks/instances/5000001")["subtasks"]] == states, seconds
        assert "restored_1" not in tenant_names(emu, C2)
    emu.clock.advance(1)
    task = get(emu, "/tasks/instances/5000001")
    assert (task["status"], task["finishTime"]) == ("SUCCESSFUL", "2024-08-06T20:35:00.000+0800")
    assert tenant_names(emu, C2) == ["tenant_1", "tenant_2", "restored_1"]
    assert tenant_names(emu, C1) == ["tenant_1", "tenant_2"]
    (record,) = get(emu, f"/ob/clusters/{C1}/tenants/{T1}/backup/task/restoreTasks", page=1, size=10)["contents"]
    assert (record["status"], record["finishTime"]) == ("RESTORE_SUCCESS", "2024-08-06T20:35:00.000+0800")
    restored = get(emu, f"/ob/clusters/{C2}/tenants", name="restored")["contents"][0]
    assert restored["id"] == 3000001
    assert get(emu, f"/ob/clusters/{C2}/tenants/3000001/backup/task/restoreTasks", page=1, size=1)["contents"]
    # taken now: the same name is refused
    message = error(post(emu, body()), 400, 10001, f"{INFO}.name")
    assert "restored_1" in message


def test_scripted_failure_fails_the_subtask_task_and_restore(emu: OCPEmulator) -> None:
    log_text = "ORA-00600: internal error code, arguments: [restore_replay_log], [-4018]"
    emu.fail_next_task("restore", at_subtask="Replay archived log", log=log_text)
    assert post(emu, body()).status_code == 200
    emu.clock.advance(239)
    assert get(emu, "/tasks/instances/5000001")["status"] == "RUNNING"
    emu.clock.advance(1)
    task = get(emu, "/tasks/instances/5000001")
    assert task["status"] == "FAILED" and task["finishTime"] == "2024-08-06T20:34:00.000+0800"
    assert [s["status"] for s in task["subtasks"]] == ["SUCCESSFUL", "SUCCESSFUL", "SUCCESSFUL", "FAILED", "PENDING"]
    failed = task["subtasks"][3]
    assert log_text in get(emu, f"/tasks/instances/5000001/subtasks/{failed['id']}/log")["log"]
    assert get(emu, f"/tasks/instances/5000001/subtasks/{task['subtasks'][4]['id']}/log")["log"] == ""
    (record,) = get(emu, f"/ob/clusters/{C2}/backup/task/restoreTasks", page=1, size=10)["contents"]
    assert (record["status"], record["errorMsg"]) == ("RESTORE_FAIL", log_text)
    assert "restored_1" not in tenant_names(emu, C2)
    assert get(emu, "/tasks/instances", status="FAILED")["page"]["totalElements"] == 1
    # the name is free again once the restore failed
    assert post(emu, body()).status_code == 200
    with pytest.raises(ValueError, match="Replay archived log"):
        emu.fail_next_task("restore", at_subtask="Replay the log")


def test_omitted_restore_fields_and_a_tenant_task_of_another_kind(emu: OCPEmulator) -> None:
    assert post(emu, body()).status_code == 200
    emu.omitted_restore_fields = {"ocpJobId", "restoreClusterId"}
    (record,) = get(emu, f"/ob/clusters/{C2}/backup/task/restoreTasks", page=1, size=10)["contents"]
    assert "ocpJobId" not in record and "restoreClusterId" not in record and record["id"] == 1
    other = emu.start_tenant_task(C2, "restored_1", "Modify tenant restored_1 parameters")
    listed = get(emu, "/tasks/instances", clusterId=C2, tenantName="restored_1", page=1, size=10)["contents"]
    assert [(t["id"], t["name"], t["type"], t["status"]) for t in listed] == [
        (5000002, "Modify tenant restored_1 parameters", "MODIFY_TENANT", "RUNNING"),
        (5000001, "Restore tenant restored_1", "RESTORE_TENANT", "RUNNING"),
    ]
    emu.clock.advance(30)  # one subtask of 30 emulated seconds
    assert other.status(emu.clock.now()) == "SUCCESSFUL"


def test_real_time_clock_with_short_subtasks_finishes_quickly() -> None:
    with OCPEmulator(clusters=2, frozen_clock=False) as emu:
        emu.subtask_seconds["restore"] = 0.05
        (window,) = emu.recoverable_windows(C1, T1)
        end = window[1].astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        assert post(emu, body(end=end)).status_code == 200
        deadline = time.monotonic() + 5
        while get(emu, "/tasks/instances/5000001")["status"] == "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert get(emu, "/tasks/instances/5000001")["status"] == "SUCCESSFUL"
        assert "restored_1" in tenant_names(emu, C2)
