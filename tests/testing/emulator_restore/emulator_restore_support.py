"""Helpers of the tests of the emulator's restore drill over real sockets (tests/testing/emulator_restore/): POST
/backup/restore, its task instance and record, scripted failures, the restored tenant, every rejection, AccessKey-
signed POSTs and a dropped POST. Clock and data as in the drill endpoint tests (tests/testing/emulator_drills/):
tenant_1's RECOVERABLE window is [2024-08-06T05:00Z, 12:29:30Z] at the frozen 12:30Z. The ``emu`` fixture is in
conftest.py.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import requests

from airflow_provider_ocp.testing import DEFAULT_PASSWORD, DEFAULT_USERNAME, OCPEmulator

HISTORY_END = datetime(2024, 8, 6, 12, 0, tzinfo=timezone.utc)
NOW = datetime(2024, 8, 6, 12, 30, tzinfo=timezone.utc)
C1, C2 = 1000001, 1000002
T1 = 2001001
ROOT = "restoreOnlineTenantRequiredParam"
INFO = f"{ROOT}.restoreTenantInfoParam"


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
