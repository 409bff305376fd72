"""The no-second-backup rule (airflow_provider_ocp.restores.backup_attach): examples written by hand."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from airflow_provider_ocp.restores.backup_attach import FoundBackup, backup_scope, find_backups
from airflow_provider_ocp.restores.errors import BackupConflict

SINCE = datetime(2024, 8, 6, 12, 45, tzinfo=timezone.utc)
AFTER = datetime(2024, 8, 6, 12, 50, tzinfo=timezone.utc)
BEFORE = datetime(2024, 8, 6, 12, 40, tzinfo=timezone.utc)


def record(task: int, tenant: int | None, kind: str | None = "FULL", status: str = "DOING", **more: Any) -> dict:
    base = {"taskId": task, "tenantId": tenant, "tenantName": f"t{tenant}", "status": status, "startTime": AFTER}
    return {**base, "dataBackupTaskType": kind, **more}


def test_scope_of_a_cluster_is_its_listed_tenants_that_have_backups() -> None:
    records = [record(1, 11, status="DONE"), record(2, 12, status="DONE"), record(3, 99, status="DONE")]
    listed = [{"id": 11}, {"id": "12"}, {"id": 13}]  # 13 never backed up (sys, say); 99 was dropped
    assert backup_scope(records, None, listed) == {11, 12}
    assert backup_scope(records, 13, []) == {13}


def test_a_running_backup_of_every_tenant_is_attached_running_first() -> None:
    records = [record(1, 11), record(2, 12, kind="FULL_BACKUP"), record(3, 12, status="DONE")]
    assert find_backups(records, {11, 12}, "FULL", SINCE) == [
        FoundBackup(11, "t11", 1, True),
        FoundBackup(12, "t12", 2, True),
    ]


def test_one_tenants_backup_is_not_a_cluster_backup() -> None:
    with pytest.raises(BackupConflict, match=r"tenant\(s\) \[11, 12\] is running: data backup task 2 of tenant 't12'"):
        find_backups([record(2, 12)], {11, 12}, "FULL", None)


@pytest.mark.parametrize("kind", ["INCREMENTAL", None, "DIFFERENTIAL"])
def test_another_or_unknown_type_running_is_a_conflict(kind: str | None) -> None:
    with pytest.raises(BackupConflict, match="data backup task 1 of tenant 't11' "):
        find_backups([record(1, 11, kind=kind)], {11}, "FULL", None)


def test_an_unreadable_tenant_running_is_a_conflict_another_tenant_is_not() -> None:
    with pytest.raises(BackupConflict):
        find_backups([record(1, None)], {11}, "FULL", None)
    assert find_backups([record(1, 12, kind="INCREMENTAL")], {11}, "FULL", None) == []


def test_finished_backups_count_only_on_a_retry_only_done_and_recent_and_newest() -> None:
    done = record(1, 11, status="DONE")
    assert find_backups([done], {11}, "FULL", None) == []  # a first try
    assert find_backups([done], {11}, "FULL", SINCE) == [FoundBackup(11, "t11", 1, False)]
    assert find_backups([record(1, 11, status="DONE", startTime=BEFORE)], {11}, "FULL", SINCE) == []
    assert find_backups([record(1, 11, status="FAILED")], {11}, "FULL", SINCE) == []
    newer = record(
        2, 11, kind="INCREMENTAL", status="DONE", startTime=datetime(2024, 8, 6, 12, 55, tzinfo=timezone.utc)
    )
    assert find_backups([done, newer], {11}, "FULL", SINCE) == []  # its task is no longer the newest: start anew
