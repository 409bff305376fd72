"""The emulator's envelopes as OCP's: no null anywhere, integer error codes, sub-errors, the trace id echoed on every
kind of answer, and compact JSON error bodies."""

from __future__ import annotations

import json
from typing import Any

import pytest
from emulator_errors_support import ENVELOPE_KEYS, assert_no_nulls, error_of, get, tasks_path, window

from airflow_provider_ocp.testing import OCPEmulator

# -- envelope -------------------------------------------------------------------------------------------------------


def test_success_envelopes_and_records_omit_nulls(emu: OCPEmulator) -> None:
    cluster, tenant = emu.cluster_ids[0], emu.tenant_ids(emu.cluster_ids[0])[0]
    emu.set_current_task(cluster, tenant, status="FAILED", error_msg="", omit_delay=True)
    emu.options.include_agent_ip = False
    for path, query in [
        (tasks_path(emu), "page=1&size=10"),
        (tasks_path(emu, tenant=True), "page=1&size=10"),
        ("/ob/clusters", ""),
    ]:
        response = get(emu, path, query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == ENVELOPE_KEYS | {"data"} and body["successful"] is True
        assert_no_nulls(body)
        assert "null" not in response.text


@pytest.mark.parametrize(
    ("fault", "params", "status", "code"),
    [
        ("rate_limited", {}, 429, 0),
        ("http_error", {}, 500, 10011),
        ("http_error", {"status": 503}, 503, 10010),
        ("http_error", {"status": 500, "code": 10010, "message": "boom"}, 500, 10010),
    ],
)
def test_injected_errors_have_integer_codes(
    emu: OCPEmulator, fault: Any, params: dict[str, Any], status: int, code: int
) -> None:
    emu.faults.add(fault, **params)
    error = error_of(get(emu, tasks_path(emu), "page=1&size=1"), status, code)
    if code == 10011:  # an OceanBase failure names the database error, as OCP does
        assert error["subErrors"] == [{"code": 4012, "sqlState": "HY000", "message": error["subErrors"][0]["message"]}]
    else:
        assert "subErrors" not in error


def test_unsuccessful_200_carries_sub_errors_when_given(emu: OCPEmulator) -> None:
    sub = [{"code": 4030, "sqlState": "HY000", "message": "Over tenant memory limits"}]
    emu.faults.add("unsuccessful", sub_errors=sub)
    response = get(emu, tasks_path(emu), "page=1&size=1")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == 500 and body["error"] == {
        "code": 10011,
        "message": "Injected failure reported with HTTP 200",
        "subErrors": sub,
    }


def test_trace_id_is_echoed_on_every_kind_of_answer(emu: OCPEmulator) -> None:
    answers = [
        get(emu, tasks_path(emu), "page=1&size=1", headers={"x-trace-id": "t-ok"}),
        get(emu, tasks_path(emu), "page=1&size=1", headers={"x-trace-id": "t-401"}, auth=("admin", "wrong")),
        get(emu, tasks_path(emu), "page=1&size=1", headers={"x-trace-id": "t-403"}, auth=("viewer", "viewer-pw")),
        get(emu, "/nope", headers={"x-trace-id": "t-400"}),
        get(emu, tasks_path(emu), window("2024-08-06T00:00:00Z", None), headers={"x-trace-id": "t-500"}),
    ]
    assert [r.json()["traceId"] for r in answers] == ["t-ok", "t-401", "t-403", "t-400", "t-500"]
    assert [r.status_code for r in answers] == [200, 401, 403, 400, 500]


def test_error_bodies_are_compact_json(emu: OCPEmulator) -> None:
    raw = get(emu, tasks_path(emu), window("2024-08-06T00:00:00Z", None)).content
    assert json.loads(raw)["error"]["code"] == 10006 and b"null" not in raw
