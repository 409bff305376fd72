"""Helpers of the tests that the emulator answers errors as OCP does: envelope, codes, time-range rules, unknown paths,
permissions, signing (tests/testing/emulator_errors/). The ``emu`` fixture is in conftest.py.

Real HTTP requests against an emulator on 127.0.0.1; see ``/api/v2`` error semantics in the OCP API notes.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import requests

from airflow_provider_ocp.client.auth import canonical_query
from airflow_provider_ocp.testing import DEFAULT_PASSWORD, OCPEmulator

HISTORY_END = datetime(2024, 8, 6, 12, 0, tzinfo=timezone.utc)
ENVELOPE_KEYS = {"successful", "status", "timestamp", "traceId", "duration", "server"}
BASIC = ("admin", DEFAULT_PASSWORD)


def tasks_path(emu: OCPEmulator, tenant: bool = False) -> str:
    cluster = emu.cluster_ids[0]
    middle = f"/tenants/{emu.tenant_ids(cluster)[0]}" if tenant else ""
    return f"/ob/clusters/{cluster}{middle}/backup/task/logBackupTasks"


def get(emu: OCPEmulator, path: str, query: str = "", **kwargs: Any) -> requests.Response:
    kwargs.setdefault("auth", BASIC)
    return requests.get(f"{emu.api_url}{path}" + (f"?{query}" if query else ""), timeout=10, **kwargs)


def window(start: str | None, end: str | None) -> str:
    params = [("page", "1"), ("size", "10")]
    params += [("startTime", start)] if start else []
    params += [("endTime", end)] if end else []
    return canonical_query(params)


def error_of(response: requests.Response, status: int, code: int) -> dict[str, Any]:
    """The ``error`` member, after checking the envelope exactly: integer code, no null anywhere."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == ENVELOPE_KEYS | {"error"}
    assert body["successful"] is False and body["status"] == status
    error = body["error"]
    assert type(error["code"]) is int and error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert set(error) <= {"code", "message", "target", "subErrors"}
    assert_no_nulls(body)
    return dict(error)


def assert_no_nulls(value: Any) -> None:
    """Null fields are omitted, never sent as ``null``, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert item is not None, f"{key} is null"
            assert_no_nulls(item)
    elif isinstance(value, list):
        for item in value:
            assert item is not None
            assert_no_nulls(item)
