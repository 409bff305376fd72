"""Helpers of the tests of the OCP emulator itself, over real sockets on 127.0.0.1 (tests/testing/emulator_api/):
a Basic-auth session, the log backup task list's URL, and checks of OCP's envelopes. Their ``emu`` fixture is in
conftest.py.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

import requests

from airflow_provider_ocp.testing import DEFAULT_PASSWORD, DEFAULT_USERNAME, OCPEmulator

ISO_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?([+-]\d{2}:\d{2}|Z)$")
HISTORY_END = datetime(2024, 8, 6, 12, 0, tzinfo=timezone.utc)


def session() -> requests.Session:
    s = requests.Session()
    s.auth = (DEFAULT_USERNAME, DEFAULT_PASSWORD)
    return s


def tasks_url(emu: OCPEmulator, cluster_id: int | str | None = None, tenant_id: int | str | None = None) -> str:
    cluster = cluster_id if cluster_id is not None else emu.cluster_ids[0]
    tenant = f"/tenants/{tenant_id}" if tenant_id is not None else ""
    return f"{emu.api_url}/ob/clusters/{cluster}{tenant}/backup/task/logBackupTasks"


def get_tasks(emu: OCPEmulator, query: str = "page=1&size=10", **kwargs: Any) -> requests.Response:
    return session().get(f"{tasks_url(emu, **kwargs)}?{query}", timeout=10)


def contents(response: requests.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["successful"] is True
    return list(body["data"]["contents"])


def assert_error(
    response: requests.Response, status: int, target: str | None = None, *, code: int | None = None
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["successful"] is False
    assert body["status"] == status
    assert isinstance(body["error"]["code"], int)
    assert body["error"]["message"]
    if target is not None:
        assert body["error"]["target"] == target
    if code is not None:
        assert body["error"]["code"] == code
    return dict(body)
