"""What the restore and back-up-now POSTs send (issue 24): checked input, OCP's documented body."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from airflow_provider_ocp.client.errors import OCPAPIError, OCPInputError, OCPRequestRejectedError
from airflow_provider_ocp.restores.submissions import (
    RestoreRequest,
    backup_now_request,
    backup_task_ids,
    restore_task_id,
)

GOOD: dict[str, Any] = {
    "backup_cluster_id": 1,
    "backup_tenant_id": 1002,
    "restore_cluster_id": 2,
    "tenant_name": "drill_20240806",
    "restore_end_time": "2024-08-06T10:00:00.5+08:00",
    "zones": ["zone1", "zone2"],
    "unit_spec_name": "S1",
    "unit_count": 2,
    "primary_zone": "zone1",
}


def test_the_restore_body_is_ocps_documented_shape() -> None:
    request = RestoreRequest.check(**GOOD)
    assert request.path == "/ob/clusters/1/backup/restore"
    pool = {"unitSpecName": "S1", "unitCount": 2}
    assert request.body() == {
        "backupTenantStatus": "ONLINE",
        "restoreOnlineTenantRequiredParam": {
            "backupClusterId": 1,
            "backupTenantId": 1002,
            "restoreClusterId": 2,
            "restoreEndTime": "2024-08-06T02:00:00.500000Z",
            "restoreTenantInfoParam": {
                "name": "drill_20240806",
                "primaryZone": "zone1",
                "zones": [
                    {"name": "zone1", "replicaType": "FULL", "resourcePool": pool},
                    {"name": "zone2", "replicaType": "FULL", "resourcePool": pool},
                ],
            },
        },
    }
    assert request.restore_end_time == datetime(2024, 8, 6, 2, 0, 0, 500000, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"tenant_name": "1drill"}, "restore_tenant_name"),
        ({"tenant_name": "drill-1"}, "restore_tenant_name"),
        ({"tenant_name": None}, "restore_tenant_name"),
        ({"zones": []}, "zones"),
        ({"zones": ["zone1", "zone1"]}, "zones"),
        ({"zones": [""]}, "zones"),
        ({"unit_count": 0}, "unit_count"),
        ({"unit_count": "two"}, "unit_count"),
        ({"unit_spec_name": " "}, "unit_spec_name"),
        ({"primary_zone": "zone9"}, "primary_zone"),
        ({"restore_end_time": "2024-08-06T10:00:00"}, "restore_end_time"),
        ({"restore_end_time": "soon"}, "restore_end_time"),
        ({"backup_tenant_id": -1}, "backup_tenant_id"),
        ({"restore_cluster_id": "x"}, "restore_cluster_id"),
        ({"backup_cluster_id": 0}, "cluster_id"),
    ],
)
def test_bad_input_names_the_parameter(change: dict[str, Any], named: str) -> None:
    with pytest.raises(OCPInputError, match=named):
        RestoreRequest.check(**{**GOOD, **change})


def test_one_zone_may_be_given_as_text() -> None:
    assert RestoreRequest.check(**{**GOOD, "zones": "zone1", "primary_zone": None}).zones == ("zone1",)


@pytest.mark.parametrize(
    ("tenant", "backup_type", "path", "mode"),
    [
        (None, "FULL", "/ob/clusters/3/backup/backupNow", "FULL_BACKUP"),
        (1002, "incremental", "/ob/clusters/3/tenants/1002/backup/backupNow", "INCREMENTAL_BACKUP"),
    ],
)
def test_backup_now(tenant: int | None, backup_type: str, path: str, mode: str) -> None:
    assert backup_now_request(3, tenant, backup_type) == (path, {"dataBackupMode": mode})


@pytest.mark.parametrize("backup_type", ["DIFFERENTIAL", None, 1])
def test_backup_type_is_checked(backup_type: Any) -> None:
    with pytest.raises(OCPInputError, match="backup_type"):
        backup_now_request(3, None, backup_type)


def test_task_ids_of_the_answers() -> None:
    assert restore_task_id({"obBackupTaskType": "RESTORE", "taskIdList": ["77"]}, "/p") == 77
    ok = {"beSuccessful": True, "taskIdList": [5, 6]}
    assert backup_task_ids({"backupObjectOpsResultList": [ok, {"beSuccessful": True, "taskIdList": [7]}]}, "/p") == [
        5,
        6,
        7,
    ]


@pytest.mark.parametrize("data", [{"taskIdList": []}, {"taskIdList": [1, 2]}, None, {"taskIdList": ["x"]}])
def test_a_restore_answer_without_exactly_one_task_id_is_an_error(data: Any) -> None:
    with pytest.raises(OCPAPIError, match="task ids"):
        restore_task_id(data, "/p")


def test_a_refused_backup_part_is_an_error_with_ocps_hint_and_the_tasks_that_did_start() -> None:
    data = {
        "backupObjectOpsResultList": [
            {"beSuccessful": True, "taskIdList": [5]},
            {"beSuccessful": False, "errorCode": 60018, "hint": "a backup is already running"},
        ]
    }
    with pytest.raises(OCPRequestRejectedError, match=r"60018: a backup is already running \(it started tasks \[5\]"):
        backup_task_ids(data, "/p")
