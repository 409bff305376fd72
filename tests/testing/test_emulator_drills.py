"""The emulator's drill endpoints over real sockets: tenants, backup info/overview, data backup tasks, backupNow and
task instances. Expected values are written by hand from the emulator's documented defaults: history ending
2024-08-06T12:00Z, one task per hour per tenant (tenant_1 from 07:00Z, tenant_2 from 08:00Z), 30 s delay, a seeded
FULL backup 04:40Z-05:00Z per tenant (one hour before the first log task slot, 06:00Z), server zone +08:00."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
import requests

from airflow_provider_ocp.testing import DEFAULT_PASSWORD, DEFAULT_USERNAME, OCPEmulator

HISTORY_END = datetime(2024, 8, 6, 12, 0, tzinfo=timezone.utc)
NOW = datetime(2024, 8, 6, 12, 30, tzinfo=timezone.utc)
C1, C2 = 1000001, 1000002
T1, T2 = 2001001, 2001002
SEED_START, SEED_FINISH = "2024-08-06T12:40:00.000+0800", "2024-08-06T13:00:00.000+0800"
CHECKPOINT = "2024-08-06T20:29:30.000+0800"


@pytest.fixture
def emu() -> Iterator[OCPEmulator]:
    with OCPEmulator(clusters=2, history_end=HISTORY_END, restricted_users={"viewer": "pw"}) as emulator:
        emulator.clock.freeze(NOW)
        yield emulator


def session(user: tuple[str, str] = (DEFAULT_USERNAME, DEFAULT_PASSWORD)) -> requests.Session:
    s = requests.Session()
    s.auth = user
    return s


def get(emu: OCPEmulator, path: str, **params: Any) -> requests.Response:
    return session().get(f"{emu.api_url}{path}", params=params, timeout=10)


def data(response: requests.Response) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["successful"] is True
    return body["data"]


def error(response: requests.Response, status: int, code: int, target: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["successful"] is False and body["error"]["code"] == code
    if target is not None:
        assert body["error"]["target"] == target
    return dict(body["error"])


def items(info: dict[str, Any], tenant_name: str, key: str = "realRecoverableTimeInterval") -> list[tuple[str, ...]]:
    (tenant,) = [t for t in info["tenantBackupInfos"] if t["tenantName"] == tenant_name]
    section = tenant["obRecoverableInfoAggregation"]["latestSevenDaysAggregation"]["obRecoverableSectionItems"]
    return [(i["obRecoverableSectionItemType"], i[key]["startTime"], i[key]["endTime"]) for i in section]


def test_tenants_paged_and_filtered(emu: OCPEmulator) -> None:
    page = data(get(emu, f"/ob/clusters/{C1}/tenants", page=1, size=1))
    assert page["page"] == {"number": 1, "size": 1, "totalElements": 2, "totalPages": 2}
    assert page["contents"] == [
        {"id": T1, "name": "tenant_1", "clusterId": C1, "status": "NORMAL", "mode": "MYSQL", "obVersion": "4.2.1.0"}
    ]
    assert [t["id"] for t in data(get(emu, f"/ob/clusters/{C1}/tenants", name="ANT_2"))["contents"]] == [T2]
    error(get(emu, "/ob/clusters/42/tenants"), 404, 10002)


def test_backup_info_windows_match_the_log_backup_checkpoint(emu: OCPEmulator) -> None:
    info = data(get(emu, f"/ob/clusters/{C1}/backup/info"))
    assert [t["tenantId"] for t in info["tenantBackupInfos"]] == [T1, T2]
    assert items(info, "tenant_1") == [
        ("FULL_DATA_BACKUP", SEED_START, SEED_FINISH),
        ("LOG_BACKUP", "2024-08-06T15:00:00.000+0800", CHECKPOINT),
        ("RECOVERABLE", SEED_FINISH, CHECKPOINT),
    ]
    assert items(info, "tenant_2")[1] == ("LOG_BACKUP", "2024-08-06T16:00:00.000+0800", CHECKPOINT)
    # the window's end is the checkpoint the tenant's current log backup task reports, also after changes
    emu.set_current_task(C1, T1, delay=75.5)
    emu.clock.advance(10)
    tasks = data(get(emu, f"/ob/clusters/{C1}/tenants/{T1}/backup/task/logBackupTasks", page=1, size=1))
    assert tasks["contents"][0]["checkpoint"] == "2024-08-06T20:28:54.500+0800"
    recoverable = items(data(get(emu, f"/ob/clusters/{C1}/backup/info")), "tenant_1")[2]
    assert recoverable == ("RECOVERABLE", SEED_FINISH, "2024-08-06T20:28:54.500+0800")


def test_backup_info_key_option_and_query_window(emu: OCPEmulator) -> None:
    emu.recoverable_interval_key = "logRecoverableTimeInterval"
    info = data(get(emu, f"/ob/clusters/{C1}/backup/info"))
    assert items(info, "tenant_1", "logRecoverableTimeInterval")[0] == ("FULL_DATA_BACKUP", SEED_START, SEED_FINISH)
    narrowed = data(
        get(emu, f"/ob/clusters/{C1}/backup/info", startTime="2024-08-06T10:00:00Z", endTime="2024-08-06T12:30:00Z")
    )
    assert [kind for kind, *_ in items(narrowed, "tenant_1", "logRecoverableTimeInterval")] == [
        "LOG_BACKUP",
        "RECOVERABLE",
    ]
    error(get(emu, f"/ob/clusters/{C1}/backup/info", startTime="2024-08-06T10:00:00Z"), 500, 10006)


def test_recoverable_windows_override_none_and_reset(emu: OCPEmulator) -> None:
    a, b = datetime(2024, 8, 6, 1, tzinfo=timezone.utc), datetime(2024, 8, 6, 2, tzinfo=timezone.utc)
    c = datetime(2024, 8, 6, 3, 30, tzinfo=timezone.utc)
    emu.set_recoverable_windows(C1, T1, [(a, b), (c, NOW)])
    assert [
        i for i in items(data(get(emu, f"/ob/clusters/{C1}/backup/info")), "tenant_1") if i[0] == "RECOVERABLE"
    ] == [
        ("RECOVERABLE", "2024-08-06T09:00:00.000+0800", "2024-08-06T10:00:00.000+0800"),
        ("RECOVERABLE", "2024-08-06T11:30:00.000+0800", "2024-08-06T20:30:00.000+0800"),
    ]
    emu.set_recoverable_windows(C1, T1, [])
    assert "RECOVERABLE" not in [i[0] for i in items(data(get(emu, f"/ob/clusters/{C1}/backup/info")), "tenant_1")]
    emu.set_recoverable_windows(C1, T1, None)
    assert items(data(get(emu, f"/ob/clusters/{C1}/backup/info")), "tenant_1")[2][1] == SEED_FINISH
    with pytest.raises(ValueError, match="aware"):
        emu.set_recoverable_windows(C1, T1, [(b, a)])


def test_backup_overview(emu: OCPEmulator) -> None:
    emu.set_current_task(C1, T2, delay=120)
    assert data(get(emu, f"/ob/clusters/{C1}/backup/overview")) == {
        "obClusterBackupStatus": "RUNNING",
        "backupScheduleStatus": "NORMAL",
        "lastDataBackupTime": SEED_FINISH,
        "latestLogBackupCheckpoint": "2024-08-06T20:28:00.000+0800",
        "logBackupDelaySeconds": 120.0,
        "backupSize": 2147483648,
    }


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


def test_restricted_user_gets_403_on_backup_endpoints_only(emu: OCPEmulator) -> None:
    viewer = session(("viewer", "pw"))
    for path in ("backup/info", "backup/overview", "backup/task/dataBackupTasks?page=1&size=1"):
        error(viewer.get(f"{emu.api_url}/ob/clusters/{C1}/{path}"), 403, 30014)
    error(viewer.post(f"{emu.api_url}/ob/clusters/{C1}/backup/backupNow", json={"dataBackupMode": "FULL"}), 403, 30014)
    assert viewer.get(f"{emu.api_url}/ob/clusters/{C1}/tenants").status_code == 200
    assert viewer.get(f"{emu.api_url}/tasks/instances").status_code == 200
    assert [r.method for r in emu.requests].count("POST") == 1
