"""The emulator answers errors as OCP does: envelope, codes, time-range rules, unknown paths, permissions, signing.

Real HTTP requests against an emulator on 127.0.0.1; see ``/api/v2`` error semantics in the OCP API notes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from airflow_provider_ocp.client.auth import ACCESS_KEY_SCHEME, canonical_query, compute_signature, http_date
from airflow_provider_ocp.client.auth import string_to_sign as client_string_to_sign
from airflow_provider_ocp.testing import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, DEFAULT_PASSWORD, OCPEmulator
from airflow_provider_ocp.testing.__main__ import main as cli_main

HISTORY_END = datetime(2024, 8, 6, 12, 0, tzinfo=timezone.utc)
ENVELOPE_KEYS = {"successful", "status", "timestamp", "traceId", "duration", "server"}
BASIC = ("admin", DEFAULT_PASSWORD)


@pytest.fixture
def emu() -> Iterator[OCPEmulator]:
    with OCPEmulator(history_end=HISTORY_END, restricted_users={"viewer": "viewer-pw"}) as emulator:
        yield emulator


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


# -- time-range rules -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tenant", [False, True], ids=["cluster", "tenant"])
def test_time_range_rules(emu: OCPEmulator, tenant: bool) -> None:
    path = tasks_path(emu, tenant)
    for start, end in [("2024-08-06T00:00:00Z", None), (None, "2024-08-06T00:00:00Z")]:
        error = error_of(get(emu, path, window(start, end)), 500, 10006)
        assert "target" not in error
    error_of(get(emu, path, window("2024-08-07T00:00:00Z", "2024-08-06T23:59:59Z")), 400, 10005)
    # a bound that does not convert is a 400 before any range rule, even alone
    assert error_of(get(emu, path, window("2024-08-06T00:00:00+0800", None)), 400, 0)["target"] == "startTime"
    assert get(emu, path, window("2024-08-01T00:00:00Z", "2024-08-07T00:00:00Z")).status_code == 200
    assert get(emu, path, "page=1&size=10&startTime=&endTime=").status_code == 200  # empty values: no bound


@pytest.mark.parametrize("tenant", [False, True], ids=["cluster", "tenant"])
def test_maximum_time_range(tenant: bool) -> None:
    with OCPEmulator(history_end=HISTORY_END, max_time_range=timedelta(days=1)) as emu:
        assert emu.max_time_range == timedelta(days=1)
        path = tasks_path(emu, tenant)
        assert get(emu, path, window("2024-08-05T00:00:00Z", "2024-08-06T00:00:00Z")).status_code == 200
        error = error_of(get(emu, path, window("2024-08-05T00:00:00Z", "2024-08-06T00:00:00.001Z")), 500, 10007)
        assert "too large" in error["message"]
        error_of(get(emu, path, window("2024-08-07T00:00:00Z", "2024-08-01T00:00:00Z")), 400, 10005)
        assert get(emu, path, "page=1&size=10").status_code == 200  # no window: no range to check
        emu.max_time_range = timedelta(hours=1)
        error_of(get(emu, path, window("2024-08-05T00:00:00Z", "2024-08-05T02:00:00Z")), 500, 10007)
        emu.max_time_range = None
        assert get(emu, path, window("2000-01-01T00:00:00Z", "2024-08-06T00:00:00Z")).status_code == 200


def test_maximum_time_range_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        OCPEmulator(max_time_range=timedelta(0))
    emulator = OCPEmulator()
    with pytest.raises(ValueError, match="positive"):
        emulator.max_time_range = timedelta(seconds=-1)
    assert emulator.max_time_range is None


def test_cli_rejects_a_non_positive_maximum_range(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli_main(["--port", "0", "--max-time-range-hours", "0"])
    assert info.value.code == 2 and "--max-time-range-hours" in capsys.readouterr().err


# -- unknown paths --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/ocp"])
def test_unknown_paths_as_ocp(prefix: str) -> None:
    with OCPEmulator(path_prefix=prefix) as emu:
        error = error_of(get(emu, "/xyz"), 400, 0)
        assert error["message"] == "No handler found for GET /api/v2/xyz"
        posted = requests.post(f"{emu.api_url}/xyz", auth=BASIC, timeout=10)
        assert error_of(posted, 400, 0)["message"] == "No handler found for POST /api/v2/xyz"
        error_of(get(emu, "/xyz", auth=None), 401, 0)  # the security filter runs before the handler lookup
        root = f"{emu.scheme}://{emu.host}:{emu.port}"
        for outside in [f"{emu.url}/", f"{emu.url}/console/backup", f"{root}/elsewhere/api/v2/ob/clusters"]:
            moved = requests.get(outside, auth=BASIC, timeout=10, allow_redirects=False)
            assert moved.status_code == 302 and moved.headers["Location"] == f"{prefix}/login"
            assert len(moved.content) < 200 and "json" not in moved.headers["Content-Type"]
        login = requests.get(f"{emu.url}/login", timeout=10, allow_redirects=False)
        assert login.status_code == 200 and login.headers["Content-Type"].startswith("text/html")


def test_html_200_fault_still_answers_html(emu: OCPEmulator) -> None:
    emu.faults.add("html_200")
    response = get(emu, tasks_path(emu), "page=1&size=1")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")


# -- permissions ----------------------------------------------------------------------------------------------------


def test_forbidden_is_403_code_30014(emu: OCPEmulator) -> None:
    viewer = ("viewer", "viewer-pw")
    for path in (tasks_path(emu), tasks_path(emu, tenant=True)):
        error_of(get(emu, path, "page=1&size=1", auth=viewer), 403, 30014)
    assert get(emu, "/ob/clusters", auth=viewer).status_code == 200  # the user itself is valid
    emu.auth.restricted_users.clear()
    error_of(get(emu, tasks_path(emu), "page=1&size=1", auth=viewer), 401, 0)


# -- AccessKey signature over x-ocp-* headers -----------------------------------------------------------------------


def signed(emu: OCPEmulator, signed_headers: dict[str, str], sent_headers: dict[str, str]) -> requests.Response:
    """A GET signed over ``signed_headers``' ``x-ocp-*`` values, sending ``sent_headers`` instead."""
    path = urlsplit(emu.api_url).path + tasks_path(emu)
    query = canonical_query([("page", "1"), ("size", "1")])
    date, host = http_date(datetime.now(timezone.utc)), f"{emu.host}:{emu.port}"
    message = client_string_to_sign(
        method="GET",
        body_md5="",
        content_type="application/json",
        date=date,
        host=host,
        ocp_headers=signed_headers,
        path=path,
        query=query,
    )
    signature = compute_signature(DEFAULT_ACCESS_KEY_SECRET, message)
    headers = {
        "Authorization": f"{ACCESS_KEY_SCHEME} {DEFAULT_ACCESS_KEY_ID}:{signature}",
        "Date": date,
        "Content-Type": "application/json",
        **sent_headers,
    }
    return requests.get(f"http://{host}{path}?{query}", headers=headers, timeout=10)


def test_access_key_signature_covers_x_ocp_headers(emu: OCPEmulator) -> None:
    origin = {"x-ocp-origin": "airflow-provider-ocp"}
    assert signed(emu, origin, origin).status_code == 200
    assert signed(emu, origin, {"X-OCP-Origin": "airflow-provider-ocp"}).status_code == 200  # names: any case
    assert emu.requests[-1].header("x-ocp-origin") == "airflow-provider-ocp"
    two = {**origin, "x-ocp-request-id": "r-1"}
    assert signed(emu, two, two).status_code == 200
    for sent in (
        {"x-ocp-origin": "someone-else"},  # value tampered
        {},  # signed header dropped
        {**origin, "x-ocp-extra": "unsigned"},  # header added after signing
    ):
        error = error_of(signed(emu, origin, sent), 401, 0)
        assert "signature" in error["message"].lower()
    assert signed(emu, {}, {}).status_code == 200  # no x-ocp-* header: the empty-line form


def test_error_bodies_are_compact_json(emu: OCPEmulator) -> None:
    raw = get(emu, tasks_path(emu), window("2024-08-06T00:00:00Z", None)).content
    assert json.loads(raw)["error"]["code"] == 10006 and b"null" not in raw
