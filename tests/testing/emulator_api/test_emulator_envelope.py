"""The OCP emulator's response envelopes over real sockets: success and error shapes, the echoed trace id and the
cluster list."""

from __future__ import annotations

import re

import pytest
from emulator_api_support import ISO_TS, assert_error, get_tasks, session, tasks_url

from airflow_provider_ocp.testing import OCPEmulator

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)


# -- envelope ----------------------------------------------------------------------------------------------------


def test_success_envelope_shape(emu: OCPEmulator) -> None:
    response = get_tasks(emu)
    body = response.json()
    assert response.headers["Content-Type"].startswith("application/json")
    assert set(body) == {"data", "successful", "timestamp", "duration", "status", "traceId", "server"}
    assert body["successful"] is True and body["status"] == 200 and body["server"] == "ocp-emulator"
    assert re.fullmatch(r"[0-9a-f]{16}", body["traceId"])
    assert ISO_TS.match(body["timestamp"]) and body["timestamp"].endswith("+08:00")
    assert isinstance(body["duration"], int)
    assert set(body["data"]) == {"contents", "page"}
    assert body["data"]["page"] == {"number": 1, "size": 10, "totalElements": 6, "totalPages": 1}


def test_trace_id_is_echoed(emu: OCPEmulator) -> None:
    response = session().get(f"{tasks_url(emu)}?page=1&size=1", headers={"x-trace-id": "abc123"}, timeout=10)
    assert response.json()["traceId"] == "abc123"
    error = session().get(tasks_url(emu), headers={"x-trace-id": "def456"}, timeout=10)
    assert error.json()["traceId"] == "def456"


def test_error_envelope_shape(emu: OCPEmulator) -> None:
    body = assert_error(get_tasks(emu, "size=10"), 400, target="page", code=0)  # a framework error: code 0
    assert set(body) == {"successful", "status", "timestamp", "traceId", "duration", "server", "error"}
    assert set(body["error"]) == {"code", "message", "target"}


def test_cluster_list_and_name_filter(emu: OCPEmulator) -> None:
    with OCPEmulator(clusters=3) as multi:
        data = session().get(f"{multi.api_url}/ob/clusters", params={"page": 1, "size": 2}, timeout=10).json()
        assert [c["id"] for c in data["data"]["contents"]] == multi.cluster_ids[:2]
        assert data["data"]["page"] == {"number": 1, "size": 2, "totalElements": 3, "totalPages": 2}
        item = data["data"]["contents"][0]
        assert {"id", "name", "obClusterId", "type", "status"} <= set(item)
        named = session().get(f"{multi.api_url}/ob/clusters", params={"name": "CLUSTER_2"}, timeout=10).json()
        assert [c["name"] for c in named["data"]["contents"]] == ["cluster_2"]
