"""The drill endpoints' permissions: a user without the backup permission gets 403 on the backup endpoints only."""

from __future__ import annotations

from emulator_drills_support import C1, error, session

from airflow_provider_ocp.testing import OCPEmulator


def test_restricted_user_gets_403_on_backup_endpoints_only(emu: OCPEmulator) -> None:
    viewer = session(("viewer", "pw"))
    for path in ("backup/info", "backup/overview", "backup/task/dataBackupTasks?page=1&size=1"):
        error(viewer.get(f"{emu.api_url}/ob/clusters/{C1}/{path}"), 403, 30014)
    error(viewer.post(f"{emu.api_url}/ob/clusters/{C1}/backup/backupNow", json={"dataBackupMode": "FULL"}), 403, 30014)
    assert viewer.get(f"{emu.api_url}/ob/clusters/{C1}/tenants").status_code == 200
    assert viewer.get(f"{emu.api_url}/tasks/instances").status_code == 200
    assert [r.method for r in emu.requests].count("POST") == 1
