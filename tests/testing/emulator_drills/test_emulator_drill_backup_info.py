"""What a drill reads from the emulator before it acts: tenants, backup info with its recoverable windows (and their
overrides), and the backup overview."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from emulator_drills_support import C1, CHECKPOINT, NOW, SEED_FINISH, SEED_START, T1, T2, data, error, get, items

from airflow_provider_ocp.testing import OCPEmulator


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
