"""OCPHook's and OCPAsyncHook's restore drill calls against the emulator (issue 24): windows, task lists, POSTs
(Basic and AccessKey-signed), task instances and subtask logs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from airflow_provider_ocp.exceptions import OCPInputError, OCPRequestRejectedError
from airflow_provider_ocp.hooks.ocp import OCPAsyncHook, OCPHook
from airflow_provider_ocp.restores.tasks import task_progress
from airflow_provider_ocp.testing import OCPEmulator

UTC = timezone.utc
CLUSTER, TENANT_1, TENANT_2 = 1000001, 2001001, 2001002
WINDOW = (datetime(2024, 8, 6, 0, 0, tzinfo=UTC), datetime(2024, 8, 6, 9, 30, tzinfo=UTC))


@pytest.fixture(params=["basic", "access_key"])
def emu(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[OCPEmulator]:
    with OCPEmulator(tenants=2, tasks_per_tenant=2) as emulator:
        connection = emulator.airflow_connection_json(auth_type=request.param, max_retries=0)
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", connection)
        emulator.set_recoverable_windows(CLUSTER, TENANT_1, [WINDOW])
        yield emulator


def posts(emu: OCPEmulator) -> list[str]:
    return [r.path for r in emu.requests if r.method == "POST"]


def test_recoverable_windows_per_tenant_by_id_or_name(emu: OCPEmulator) -> None:
    emu.set_recoverable_windows(CLUSTER, TENANT_2, [])
    hook = OCPHook()
    assert hook.get_recoverable_windows(CLUSTER) == {TENANT_1: [WINDOW], TENANT_2: []}
    assert hook.get_recoverable_windows(cluster_name="cluster_1", tenant_id=TENANT_1) == {TENANT_1: [WINDOW]}
    emu.recoverable_interval_key = "logRecoverableTimeInterval"  # OCP's reference names it both ways
    assert hook.get_recoverable_windows(CLUSTER, tenant_id=TENANT_1) == {TENANT_1: [WINDOW]}

    async def windows() -> dict[int, list[tuple[datetime, datetime]]]:
        async with OCPAsyncHook() as hook:
            return await hook.get_recoverable_windows(CLUSTER, [TENANT_1])

    assert asyncio.run(windows()) == {TENANT_1: [WINDOW]}


def test_tenants_by_name(emu: OCPEmulator) -> None:
    hook = OCPHook()
    assert hook.resolve_tenant_id(CLUSTER, tenant_name="tenant_2") == TENANT_2
    with pytest.raises(OCPInputError, match=r"'tenant_9' is not a tenant OCP knows in cluster 1000001.*tenant_1"):
        hook.resolve_tenant_id(CLUSTER, tenant_name="tenant_9")


def test_a_data_backup_runs_as_an_ocp_task_and_is_listed(emu: OCPEmulator) -> None:
    emu.subtask_seconds = {"restore": 60.0, "backup": 10.0}
    hook = OCPHook()
    [task_id] = hook.start_data_backup(CLUSTER, tenant_id=TENANT_1, backup_type="INCREMENTAL")
    assert posts(emu) == ["/api/v2/ob/clusters/1000001/tenants/2001001/backup/backupNow"]
    assert task_progress(task_id, hook.get_task(task_id)).status == "RUNNING"
    emu.clock.advance(31)  # three subtasks of 10 s
    progress = task_progress(task_id, hook.get_task(task_id))
    assert (progress.status, progress.subtasks_done, progress.subtasks_total) == ("SUCCESSFUL", 3, 3)
    [backup] = [t for t in hook.iter_data_backup_tasks(CLUSTER, tenant_id=TENANT_1) if t["status"] == "DONE"][:1]
    assert backup["dataBackupTaskType"] == "INCREMENTAL" and backup["tenantId"] == TENANT_1
    assert isinstance(backup["finishTime"], datetime) and backup["finishTime"].tzinfo is not None


def test_a_whole_cluster_backup_starts_one_task_per_tenant(emu: OCPEmulator) -> None:
    assert len(OCPHook().start_data_backup(CLUSTER)) == 2
    assert posts(emu) == ["/api/v2/ob/clusters/1000001/backup/backupNow"]


def test_a_restore_inside_the_window_starts_and_its_failure_has_a_log(emu: OCPEmulator) -> None:
    emu.fail_next_task("restore", at_subtask="Replay archived log", log="ERROR: archive piece 17 missing")
    emu.subtask_seconds = {"restore": 10.0, "backup": 10.0}
    hook = OCPHook()
    task_id = hook.start_restore(
        CLUSTER,
        backup_tenant_id=TENANT_1,
        restore_cluster_id=CLUSTER,
        restore_tenant_name="drill_1",
        restore_end_time="2024-08-06T17:00:00+08:00",
        zones=["zone1"],
        unit_spec_name="S1",
    )
    [record] = hook.get_restore_tasks(CLUSTER)
    assert (record["restoreTenantName"], record["ocpJobId"], record["status"]) == ("drill_1", task_id, "RESTORE_DOING")
    assert record["restoreEndTime"] == datetime(2024, 8, 6, 9, 0, tzinfo=UTC)
    emu.clock.advance(60)  # within OCP's 15 minutes of Date skew, for the AccessKey connection
    progress = task_progress(task_id, hook.get_task(task_id))
    assert progress.failed and progress.failed_subtask is not None
    assert progress.failed_subtask["name"] == "Replay archived log"
    assert (
        hook.get_subtask_log(task_id, progress.failed_subtask["id"])
        .rstrip()
        .endswith("ERROR: archive piece 17 missing")
    )

    async def log() -> str:
        async with OCPAsyncHook() as hook:
            task = await hook.get_task(task_id)
            return await hook.get_subtask_log(task_id, task_progress(task_id, task).failed_subtask["id"])  # type: ignore[index]

    assert asyncio.run(log()).rstrip().endswith("archive piece 17 missing")


def test_a_restore_point_outside_the_window_is_refused_by_ocp_and_not_repeated(emu: OCPEmulator) -> None:
    with pytest.raises(OCPRequestRejectedError, match="restoreEndTime"):
        OCPHook().start_restore(
            CLUSTER,
            backup_tenant_id=TENANT_1,
            restore_cluster_id=CLUSTER,
            restore_tenant_name="drill_2",
            restore_end_time=WINDOW[1] + timedelta(seconds=1),
            zones=["zone1"],
            unit_spec_name="S1",
        )
    assert len(posts(emu)) == 1


def test_bad_restore_input_fails_before_any_request(emu: OCPEmulator) -> None:
    with pytest.raises(OCPInputError, match="restore_tenant_name"):
        OCPHook().start_restore(
            CLUSTER,
            backup_tenant_id=TENANT_1,
            restore_cluster_id=CLUSTER,
            restore_tenant_name="drill-2",
            restore_end_time=WINDOW[1],
            zones=["zone1"],
            unit_spec_name="S1",
        )
    assert emu.requests == []


def test_backup_overview_is_ocps_record(emu: OCPEmulator) -> None:
    overview = OCPHook().get_backup_overview(CLUSTER)
    assert overview["backupScheduleStatus"] == "NORMAL" and "latestLogBackupCheckpoint" in overview
