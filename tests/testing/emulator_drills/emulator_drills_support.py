"""Helpers of the tests of the emulator's drill endpoints over real sockets (tests/testing/emulator_drills/): tenants,
backup info/overview, data backup tasks, backupNow and task instances. Expected values are written by hand from the
emulator's documented defaults: history ending 2024-08-06T12:00Z, one task per hour per tenant (tenant_1 from
07:00Z, tenant_2 from 08:00Z), 30 s delay, a seeded FULL backup 04:40Z-05:00Z per tenant (one hour before the first
log task slot, 06:00Z), server zone +08:00. The ``emu`` fixture is in conftest.py.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import requests

from airflow_provider_ocp.testing import DEFAULT_PASSWORD, DEFAULT_USERNAME, OCPEmulator

HISTORY_END = datetime(2024, 8, 6, 12, 0, tzinfo=timezone.utc)
NOW = datetime(2024, 8, 6, 12, 30, tzinfo=timezone.utc)
C1, C2 = 1000001, 1000002
T1, T2 = 2001001, 2001002
SEED_START, SEED_FINISH = "2024-08-06T12:40:00.000+0800", "2024-08-06T13:00:00.000+0800"
CHECKPOINT = "2024-08-06T20:29:30.000+0800"


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
