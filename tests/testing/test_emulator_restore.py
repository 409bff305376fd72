"""The emulator's restore drill over real sockets: POST /backup/restore, its task instance and record, scripted
failures, the restored tenant, every rejection, AccessKey-signed POSTs and a dropped POST. Clock and data as in
test_emulator_drills.py: tenant_1's RECOVERABLE window is [2024-08-06T05:00Z, 12:29:30Z] at the frozen 12:30Z."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from airflow_provider_ocp.testing import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    OCPEmulator,
)

HISTORY_END = datetime(2024, 8, 6, 12, 0, tzinfo=timezone.utc)
NOW = datetime(2024, 8, 6, 12, 30, tzinfo=timezone.utc)
C1, C2 = 1000001, 1000002
T1 = 2001001
ROOT = "restoreOnlineTenantRequiredParam"
INFO = f"{ROOT}.restoreTenantInfoParam"


@pytest.fixture
def emu() -> Iterator[OCPEmulator]:
    with OCPEmulator(clusters=2, history_end=HISTORY_END) as emulator:
        emulator.clock.freeze(NOW)
        yield emulator


def body(name: str = "restored_1", end: str = "2024-08-06T12:00:00Z", target: int = C2) -> dict[str, Any]:
    return {
        "backupTenantStatus": "ONLINE",
        ROOT: {
            "backupClusterId": C1,
            "backupTenantId": T1,
            "restoreClusterId": target,
            "restoreEndTime": end,
            "restoreTenantInfoParam": {
                "name": name,
                "primaryZone": "zone1",
                "zones": [
                    {"name": "zone1", "replicaType": "FULL", "resourcePool": {"unitSpecName": "S1", "unitCount": 1}}
                ],
            },
        },
    }


def post(emu: OCPEmulator, payload: Any, cluster_id: int = C1) -> requests.Response:
    url = f"{emu.api_url}/ob/clusters/{cluster_id}/backup/restore"
    return requests.post(url, json=payload, auth=(DEFAULT_USERNAME, DEFAULT_PASSWORD), timeout=10)


def get(emu: OCPEmulator, path: str, **params: Any) -> Any:
    response = requests.get(
        f"{emu.api_url}{path}", params=params, auth=(DEFAULT_USERNAME, DEFAULT_PASSWORD), timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]


def error(response: requests.Response, status: int, code: int, target: str | None = None) -> str:
    assert response.status_code == status, response.text
    payload = response.json()
    assert payload["successful"] is False and payload["error"]["code"] == code, payload
    if target is not None:
        assert payload["error"]["target"] == target
    return str(payload["error"]["message"])


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


def test_window_bounds_are_inclusive_and_outside_is_refused(emu: OCPEmulator) -> None:
    for end in ("2024-08-06T04:59:59.999Z", "2024-08-06T12:29:30.001Z", "2024-08-06T21:00:00+08:00"):
        message = error(post(emu, body(end=end)), 400, 10001, f"{ROOT}.restoreEndTime")
        assert "[2024-08-06T13:00:00+08:00, 2024-08-06T20:29:30+08:00]" in message
    assert post(emu, body("at_start", "2024-08-06T13:00:00+08:00")).status_code == 200
    assert post(emu, body("at_end", "2024-08-06T12:29:30Z")).status_code == 200
    emu.set_recoverable_windows(C1, T1, [])
    assert "none" in error(post(emu, body("later")), 400, 10001, f"{ROOT}.restoreEndTime")


def test_unknown_clusters_and_tenants_are_404(emu: OCPEmulator) -> None:
    wrong_tenant = body()
    wrong_tenant[ROOT]["backupTenantId"] = 2009999
    error(post(emu, wrong_tenant), 404, 10002, f"{ROOT}.backupTenantId")
    error(post(emu, body(target=1000077)), 404, 10002, f"{ROOT}.restoreClusterId")
    error(post(emu, body(), cluster_id=1000077), 404, 10002)
    error(post(emu, body(), cluster_id=C2), 400, 10001, f"{ROOT}.backupClusterId")


def test_existing_or_running_target_names_are_refused(emu: OCPEmulator) -> None:
    error(post(emu, body("tenant_2")), 400, 10001, f"{INFO}.name")
    assert post(emu, body("tenant_2", target=C1)).status_code == 400  # tenant_2 exists in cluster 1 too
    assert post(emu, body("drill")).status_code == 200
    assert "running restore" in error(post(emu, body("drill")), 400, 10001, f"{INFO}.name")
    assert post(emu, body("drill", target=C1)).status_code == 200  # another cluster: free


def _mutate(path: list[Any], value: Any) -> dict[str, Any]:
    payload = copy.deepcopy(body())
    holder: Any = payload
    for key in path[:-1]:
        holder = holder[key]
    if value is KeyError:
        del holder[path[-1]]
    else:
        holder[path[-1]] = value
    return payload


@pytest.mark.parametrize(
    ("path", "value", "target"),
    [
        (["backupTenantStatus"], KeyError, "backupTenantStatus"),
        (["backupTenantStatus"], "SLEEPING", "backupTenantStatus"),
        ([ROOT], KeyError, ROOT),
        ([ROOT], [1], ROOT),
        ([ROOT, "backupTenantId"], "abc", f"{ROOT}.backupTenantId"),
        ([ROOT, "restoreClusterId"], True, f"{ROOT}.restoreClusterId"),
        ([ROOT, "restoreEndTime"], KeyError, f"{ROOT}.restoreEndTime"),
        ([ROOT, "restoreEndTime"], "2024-08-06T12:00:00+0800", f"{ROOT}.restoreEndTime"),
        ([ROOT, "restoreTenantInfoParam", "name"], 7, f"{INFO}.name"),
        ([ROOT, "restoreTenantInfoParam", "zones"], [], f"{INFO}.zones"),
        ([ROOT, "restoreTenantInfoParam", "zones", 0, "replicaType"], "MIRROR", f"{INFO}.zones[0].replicaType"),
        ([ROOT, "restoreTenantInfoParam", "zones", 0, "resourcePool"], KeyError, f"{INFO}.zones[0].resourcePool"),
        (
            [ROOT, "restoreTenantInfoParam", "zones", 0, "resourcePool", "unitCount"],
            "x",
            f"{INFO}.zones[0].resourcePool.unitCount",
        ),
    ],
)
def test_body_shape_errors_name_the_field(emu: OCPEmulator, path: list[Any], value: Any, target: str) -> None:
    message = error(post(emu, _mutate(path, value)), 400, 0, target)
    assert target.rsplit(".", 1)[-1].split("[")[0] in message
    assert emu.restores == []


def test_offline_restore_and_non_json_bodies_are_refused(emu: OCPEmulator) -> None:
    offline = body()
    offline["backupTenantStatus"] = "OFFLINE"
    error(post(emu, offline), 400, 0, "backupTenantStatus")
    error(post(emu, [body()]), 400, 0, "body")


def _signed_post(emu: OCPEmulator, raw: bytes, md5: str, content_md5: str | None = None) -> requests.Response:
    split = urlsplit(emu.api_url)
    path = f"{split.path}/ob/clusters/{C1}/backup/restore"
    date = format_datetime(emu.clock.now().astimezone(timezone.utc), usegmt=True)
    host = split.netloc
    to_sign = "\n".join(["POST", md5, "application/json", date, host, "x-ocp-origin:drill-test", path])
    digest = hmac.new(DEFAULT_ACCESS_KEY_SECRET.encode(), to_sign.encode(), hashlib.sha1).digest()
    headers = {
        "Authorization": f"OCP-ACCESS-KEY-HMACSHA1 {DEFAULT_ACCESS_KEY_ID}:{base64.b64encode(digest).decode()}",
        "Date": date,
        "Host": host,
        "Content-Type": "application/json",
        "x-ocp-origin": "drill-test",
    }
    if content_md5 is not None:
        headers["Content-MD5"] = content_md5
    return requests.post(f"{split.scheme}://{host}{path}", data=raw, headers=headers, timeout=10)


def test_access_key_post_accepts_either_md5_case_and_checks_content_md5(emu: OCPEmulator) -> None:
    raw = json.dumps(body("signed_upper")).encode()
    md5 = hashlib.md5(raw, usedforsecurity=False).hexdigest()
    assert _signed_post(emu, raw, md5.upper(), content_md5=md5.upper()).status_code == 200
    raw = json.dumps(body("signed_lower")).encode()
    md5 = hashlib.md5(raw, usedforsecurity=False).hexdigest()
    assert _signed_post(emu, raw, md5).status_code == 200
    raw = json.dumps(body("wrong_md5")).encode()
    md5 = hashlib.md5(raw, usedforsecurity=False).hexdigest()
    error(
        _signed_post(emu, raw, md5, content_md5=hashlib.md5(b"other", usedforsecurity=False).hexdigest()),
        400,
        0,
        "Content-MD5",
    )
    error(_signed_post(emu, raw, hashlib.md5(b"other", usedforsecurity=False).hexdigest()), 401, 0)
    assert [
        r["restoreTenantName"]
        for r in get(emu, f"/ob/clusters/{C2}/backup/task/restoreTasks", page=1, size=9)["contents"]
    ] == ["signed_lower", "signed_upper"]


def test_a_dropped_post_still_started_the_restore(emu: OCPEmulator) -> None:
    emu.faults.add("drop_connection", path_contains="/backup/restore", fraction=0)
    with pytest.raises((requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        post(emu, body("dropped"))  # the status line and headers went out, none of the body
    assert [(r.method, r.status, r.fault) for r in emu.requests] == [("POST", 200, "drop_connection")]
    (record,) = get(emu, f"/ob/clusters/{C2}/backup/task/restoreTasks", page=1, size=9)["contents"]
    assert (record["restoreTenantName"], record["status"]) == ("dropped", "RESTORE_DOING")
    # the client's retry is refused: the name is the target of the running restore
    error(post(emu, body("dropped")), 400, 10001, f"{INFO}.name")


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


def test_concurrent_restores_to_one_name_start_once(emu: OCPEmulator) -> None:
    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(lambda _: post(emu, body("race")).status_code, range(8)))
    assert statuses == [200] + [400] * 7
    assert len(emu.restores) == 1
