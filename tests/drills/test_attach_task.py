"""The task of a restore record without ocpJobId (airflow_provider_ocp.restores.attach_task): examples written by
hand, task instances as GET /tasks/instances serves them (Java timestamps, ids possibly as text)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from airflow_provider_ocp.exceptions import OCPAPIError
from airflow_provider_ocp.restores.attach import FoundRestore
from airflow_provider_ocp.restores.attach_task import restore_task_of

C2 = 1000002
CREATED = datetime(2024, 8, 6, 12, 30, tzinfo=timezone.utc)
RUNNING = FoundRestore(1, None, "RESTORE_DOING", CREATED)
SUCCEEDED = FoundRestore(1, None, "RESTORE_SUCCESS", CREATED)


def task(id: Any, name: str, **fields: Any) -> dict[str, Any]:
    base = {
        "id": id,
        "name": name,
        "status": "RUNNING",
        "type": "RESTORE_TENANT",
        "clusterId": C2,
        "tenantName": "drill_1",
        "createTime": "2024-08-06T20:30:00.000+0800",  # CREATED
    }
    return {**base, **fields}


RESTORE = task(5000001, "Restore tenant drill_1")
MODIFY = task(5000002, "Modify tenant drill_1 parameters", type="MODIFY_TENANT")


def test_the_restore_task_is_taken_not_the_newer_task_of_another_kind() -> None:
    assert restore_task_of(RUNNING, [MODIFY, RESTORE], C2, "drill_1") == 5000001


def test_a_type_that_says_how_the_task_started_leaves_the_name_to_decide() -> None:
    manual = [task("5000003", "Restore tenant drill_1", type="MANUAL"), {**MODIFY, "type": "MANUAL"}]
    assert restore_task_of(RUNNING, manual, C2, "drill_1") == 5000003  # its id sent as text
    unnamed = task(5000004, "", type="RESTORE_TENANT")  # no name: the type says it
    assert restore_task_of(RUNNING, [unnamed, {**MODIFY, "type": None}], C2, "drill_1") == 5000004


def test_only_other_kinds_of_task_fail_naming_them() -> None:
    audit = {**MODIFY, "type": "DATA_BACKUP"}  # the newest task on the tenant, any kind: never taken
    with pytest.raises(OCPAPIError) as caught:
        restore_task_of(RUNNING, [audit], C2, "drill_1")
    message = " ".join(str(caught.value).split())
    assert "OCP's restore record 1 into tenant 'drill_1' (cluster 1000002, status 'RESTORE_DOING') names no" in message
    assert "none of OCP's tasks for that tenant can be its restore task: task 5000002" in message
    assert "'Modify tenant drill_1 parameters' (type 'DATA_BACKUP', status 'RUNNING'" in message
    assert "does not start a second restore" in message


def test_no_task_at_all_fails() -> None:
    with pytest.raises(OCPAPIError, match="OCP's task list shows no task for that tenant"):
        restore_task_of(RUNNING, [], C2, "drill_1")


def test_several_restore_tasks_that_could_be_it_fail_naming_them() -> None:
    twin = task(5000005, "Restore tenant drill_1", createTime="2024-08-06T12:31:00Z")
    with pytest.raises(OCPAPIError) as caught:
        restore_task_of(RUNNING, [RESTORE, twin, MODIFY], C2, "drill_1")
    message = str(caught.value)
    assert "several restore tasks could be its: task 5000001 'Restore tenant drill_1'" in message
    assert "task 5000005 'Restore tenant drill_1'" in message and "5000002" not in message


def test_state_time_cluster_and_tenant_narrow_the_restore_tasks() -> None:
    tasks = [
        task(5000010, "Restore tenant drill_1", status="SUCCESSFUL", createTime="2024-08-05T12:30:00Z"),  # a day ago
        task(5000011, "Restore tenant drill_1", status="FAILED"),  # not the state of a successful record
        task(5000012, "Restore tenant drill_1", status="SUCCESSFUL", clusterId=1000003),  # another cluster
        task(5000013, "Restore tenant drill_2", status="SUCCESSFUL", tenantName="drill_2"),  # another tenant
        task(5000014, "Restore tenant drill_1", status="SUCCESSFUL", createTime="2024-08-06T12:44:59Z"),  # in time
    ]
    assert restore_task_of(SUCCEEDED, tasks, C2, "drill_1") == 5000014
    # a running record is matched to a running task only
    assert restore_task_of(RUNNING, [*tasks, task(5000015, "RESTORE TENANT", status="READY")], C2, "DRILL_1") == 5000015


def test_what_ocp_leaves_out_does_not_exclude_a_task() -> None:
    bare = {"id": 5000020, "name": "Restore tenant drill_1", "status": "RUNNING"}  # no type, cluster, tenant, time
    assert restore_task_of(RUNNING, [bare, MODIFY], C2, "drill_1") == 5000020
    undated = FoundRestore(1, None, "RESTORE_DOING", None)
    long_ago = task(5000021, "Restore", createTime="2020-01-01T00:00:00Z")
    assert restore_task_of(undated, [long_ago], C2, "drill_1") == 5000021
