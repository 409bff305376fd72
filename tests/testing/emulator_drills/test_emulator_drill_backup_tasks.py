"""Data backups in the emulator: the data backup task lists, backupNow per tenant and per cluster with its progress,
a failed backup, and the task instances it creates."""

from __future__ import annotations

from emulator_drills_support import C1, C2, SEED_FINISH, SEED_START, T1, T2, data, error, get, items, session

from airflow_provider_ocp.testing import OCPEmulator


def test_data_backup_tasks_paging_window_and_tenant_variant(emu: OCPEmulator) -> None:
    url = f"/ob/clusters/{C1}/backup/task/dataBackupTasks"
    first = data(get(emu, url, page=1, size=1))
    assert first["page"] == {"number": 1, "size": 1, "totalElements": 2, "totalPages": 2}
    assert first["contents"] == [
        {
            "taskId": 9000002,
            "backupSetId": 2,
            "backupMode": "PHYSICAL_BACKUP",
            "dataBackupTaskType": "FULL",
            "status": "DONE",
            "startTime": SEED_START,
            "finishTime": SEED_FINISH,
            "backupUri": "file:///obbackup/cluster_1/tenant_2/data",
            "tenantId": T2,
            "tenantName": "tenant_2",
        }
    ]
    tenant = data(get(emu, f"/ob/clusters/{C1}/tenants/{T1}/backup/task/dataBackupTasks", page=1, size=10))
    assert [r["taskId"] for r in tenant["contents"]] == [9000001]
    empty = data(get(emu, url, page=1, size=10, startTime="2024-08-06T05:00:00Z", endTime="2024-08-06T06:00:00Z"))
    assert empty["contents"] == [] and empty["page"]["totalElements"] == 0
    inclusive = data(get(emu, url, page=1, size=10, startTime="2024-08-06T04:40:00Z", endTime="2024-08-06T04:40Z"))
    assert inclusive["page"]["totalElements"] == 2
    error(get(emu, url, size=10), 400, 0, "page")
    error(get(emu, f"/ob/clusters/{C1}/tenants/999/backup/task/dataBackupTasks", page=1, size=1), 404, 10002)


def test_backup_now_progress_and_window_start(emu: OCPEmulator) -> None:
    assert emu.remove_data_backups(C1, T1) == 1
    assert "RECOVERABLE" not in [i[0] for i in items(data(get(emu, f"/ob/clusters/{C1}/backup/info")), "tenant_1")]
    url = f"{emu.api_url}/ob/clusters/{C1}/tenants/{T1}/backup/backupNow"
    answer = data(session().post(url, json={"backupMode": "PHYSICAL_BACKUP", "dataBackupMode": "FULL_BACKUP"}))
    assert answer == {
        "obBackupTaskType": "DATA_BACKUP_NOW",
        "backupObjectOpsResultList": [{"beSuccessful": True, "taskIdList": [5000001], "tenantId": T1}],
    }
    tenant_tasks = f"/ob/clusters/{C1}/tenants/{T1}/backup/task/dataBackupTasks"
    (record,) = data(get(emu, tenant_tasks, page=1, size=10))["contents"]
    assert record["status"] == "DOING" and record["startTime"] == "2024-08-06T20:30:00.000+0800"
    assert "finishTime" not in record and record["dataBackupTaskType"] == "FULL"
    task = data(get(emu, "/tasks/instances/5000001"))
    assert (task["status"], task["type"], task["clusterId"], task["tenantName"]) == (
        "RUNNING",
        "DATA_BACKUP",
        C1,
        "tenant_1",
    )
    assert [s["status"] for s in task["subtasks"]] == ["RUNNING", "PENDING", "PENDING"]
    emu.clock.advance(30)
    task = data(get(emu, "/tasks/instances/5000001"))
    assert [s["status"] for s in task["subtasks"]] == ["SUCCESSFUL", "RUNNING", "PENDING"]
    assert task["subtasks"][1]["upstreams"] == [task["subtasks"][0]["id"]]
    emu.clock.advance(60)
    task = data(get(emu, "/tasks/instances/5000001"))
    assert task["status"] == "SUCCESSFUL" and task["finishTime"] == "2024-08-06T20:31:30.000+0800"
    (record,) = data(get(emu, tenant_tasks, page=1, size=10))["contents"]
    assert (record["status"], record["finishTime"]) == ("DONE", "2024-08-06T20:31:30.000+0800")
    # the finished FULL backup starts the window once the checkpoint (the clock minus 30 s) passes its end
    recoverable = items(data(get(emu, f"/ob/clusters/{C1}/backup/info")), "tenant_1")[-1]
    assert recoverable[0] == "LOG_BACKUP"  # the checkpoint (12:31:00Z) is still before the backup's end (12:31:30Z)
    emu.clock.advance(60)
    recoverable = items(data(get(emu, f"/ob/clusters/{C1}/backup/info")), "tenant_1")[-1]
    assert recoverable == ("RECOVERABLE", "2024-08-06T20:31:30.000+0800", "2024-08-06T20:32:00.000+0800")


def test_cluster_backup_now_one_per_tenant_and_busy_tenant(emu: OCPEmulator) -> None:
    url = f"{emu.api_url}/ob/clusters/{C1}/backup/backupNow"
    first = data(session().post(url, json={"dataBackupMode": "INCREMENTAL"}))["backupObjectOpsResultList"]
    assert first == [
        {"beSuccessful": True, "taskIdList": [5000001], "tenantId": T1},
        {"beSuccessful": True, "taskIdList": [5000002], "tenantId": T2},
    ]
    again = data(session().post(url, json={"dataBackupMode": "FULL"}))["backupObjectOpsResultList"]
    assert [(r["beSuccessful"], r["taskIdList"], r["errorCode"]) for r in again] == [
        (False, [], "BACKUP_TASK_ALREADY_RUNNING")
    ] * 2
    kinds = [
        r["dataBackupTaskType"]
        for r in data(get(emu, f"/ob/clusters/{C1}/backup/task/dataBackupTasks", page=1, size=9))["contents"]
    ]
    assert kinds == ["INCREMENTAL", "INCREMENTAL", "FULL", "FULL"]
    error(session().post(url, json={"dataBackupMode": "DIFFERENTIAL"}), 400, 0, "dataBackupMode")
    error(session().post(url, json={"backupMode": "PHYSICAL_BACKUP"}), 400, 0, "dataBackupMode")
    error(session().post(url, data=b"{not json", headers={"Content-Type": "application/json"}), 400, 0, "body")
    error(session().get(url), 405, 0)
    error(
        session().post(f"{emu.api_url}/ob/clusters/{C1}/tenants/9/backup/backupNow", json={"dataBackupMode": "FULL"}),
        404,
        10002,
    )


def test_failed_backup_reports_error(emu: OCPEmulator) -> None:
    emu.fail_next_task("backup", at_subtask="Back up tenant data", log="ERROR 9008: backup destination full")
    url = f"{emu.api_url}/ob/clusters/{C1}/tenants/{T2}/backup/backupNow"
    data(session().post(url, json={"dataBackupMode": "FULL_BACKUP"}))
    emu.clock.advance(60)
    (record, _) = data(get(emu, f"/ob/clusters/{C1}/tenants/{T2}/backup/task/dataBackupTasks", page=1, size=9))[
        "contents"
    ]
    assert (record["status"], record["errorMsg"]) == ("FAILED", "ERROR 9008: backup destination full")
    assert record["finishTime"] == "2024-08-06T20:31:00.000+0800"


def test_task_instances_list_filters_and_unknown_ids(emu: OCPEmulator) -> None:
    data(session().post(f"{emu.api_url}/ob/clusters/{C1}/backup/backupNow", json={"dataBackupMode": "FULL"}))
    data(session().post(f"{emu.api_url}/ob/clusters/{C2}/backup/backupNow", json={"dataBackupMode": "FULL"}))
    everything = data(get(emu, "/tasks/instances", page=1, size=3))
    assert everything["page"] == {"number": 1, "size": 3, "totalElements": 4, "totalPages": 2}
    assert [t["id"] for t in everything["contents"]] == [5000004, 5000003, 5000002]
    assert [t["id"] for t in data(get(emu, "/tasks/instances", clusterId=C1))["contents"]] == [5000002, 5000001]
    assert [t["id"] for t in data(get(emu, "/tasks/instances", tenantName="tenant_1", clusterId=C2))["contents"]] == [
        5000003
    ]
    assert data(get(emu, "/tasks/instances", status="SUCCESSFUL"))["contents"] == []
    emu.clock.advance(90)
    assert data(get(emu, "/tasks/instances", status="SUCCESSFUL", type="DATA_BACKUP"))["page"]["totalElements"] == 4
    assert data(get(emu, "/tasks/instances", name="full data backup of tenant_2"))["page"]["totalElements"] == 2
    error(get(emu, "/tasks/instances/123"), 404, 10002)
    error(get(emu, "/tasks/instances/5000001/subtasks/1/log"), 404, 10002)
    log = data(get(emu, "/tasks/instances/5000001/subtasks/7000002/log"))["log"]
    assert "Back up tenant data" in log and "succeeded" in log
