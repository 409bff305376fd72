"""Tests of the OCP emulator itself, over real sockets on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from tls_support import make_self_signed_cert

from airflow_provider_ocp.client.auth import (
    ACCESS_KEY_SCHEME,
    canonical_query,
    compute_signature,
    http_date,
    string_to_sign,
)
from airflow_provider_ocp.client.timestamps import parse_ocp_timestamp
from airflow_provider_ocp.testing import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    DelayProfile,
    OCPEmulator,
    ServerClock,
)

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[2]
JAVA_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$")
ISO_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?([+-]\d{2}:\d{2}|Z)$")
HISTORY_END = datetime(2024, 8, 6, 12, 0, tzinfo=timezone.utc)
TENANT_FIELDS = {"tenantId", "tenantName", "obTenantId"}


@pytest.fixture
def emu() -> Iterator[OCPEmulator]:
    with OCPEmulator(history_end=HISTORY_END) as emulator:
        yield emulator


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


def utc_z(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


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


# -- pagination and windows ----------------------------------------------------------------------------------------


def test_pagination_clamps_size_to_2000() -> None:
    with OCPEmulator(tenants=3, tasks_per_tenant=1500, history_end=HISTORY_END) as emu:
        emu.clock.freeze()
        pages = [get_tasks(emu, f"page={n}&size=5000").json()["data"] for n in (1, 2, 3, 4)]
        assert [p["page"]["size"] for p in pages] == [2000] * 4
        assert [len(p["contents"]) for p in pages] == [2000, 2000, 500, 0]
        assert {p["page"]["totalElements"] for p in pages} == {4500}
        assert {p["page"]["totalPages"] for p in pages} == {3}
        assert [p["page"]["number"] for p in pages] == [1, 2, 3, 4]
        records = [r for p in pages for r in p["contents"]]
        assert records == emu.expected_tasks(emu.cluster_ids[0])
        created = [parse_ocp_timestamp(r["createTime"]) for r in records]
        assert created == sorted(created, reverse=True)
        assert len(set(created)) == 4500


@pytest.mark.parametrize("query", ["size=10", "page=1", "page=x&size=10", "page=1&size=1.5", "page=0&size=10"])
def test_bad_paging_parameters_are_400(emu: OCPEmulator, query: str) -> None:
    assert_error(get_tasks(emu, query), 400)


def test_window_filter_is_inclusive_on_create_time() -> None:
    with OCPEmulator(tenants=2, tasks_per_tenant=10, history_end=HISTORY_END) as emu:
        emu.clock.freeze()
        everything = emu.expected_tasks(emu.cluster_ids[0])
        start = parse_ocp_timestamp(everything[12]["createTime"])
        end = parse_ocp_timestamp(everything[3]["createTime"])
        query = canonical_query([("page", "1"), ("size", "100"), ("startTime", utc_z(start)), ("endTime", utc_z(end))])
        got = contents(get_tasks(emu, query))
        assert got == everything[3:13]
        assert got == emu.expected_tasks(emu.cluster_ids[0], start, end)
        local = canonical_query(
            [
                ("page", "1"),
                ("size", "100"),
                ("startTime", start.astimezone(timezone(timedelta(hours=8))).isoformat()),
                ("endTime", (end - timedelta(microseconds=1)).isoformat()),
            ]
        )
        assert contents(get_tasks(emu, local)) == everything[4:13]


@pytest.mark.parametrize(
    "start",
    [
        "2024-08-06T00:00:00%2B0800",  # no colon
        "2024-08-06T00:00:00%2B08",  # hours only
        "2024-08-06T00:00:00",  # no offset
        "2024-08-06T00:00:00+08:00",  # raw '+' decodes to a space
        "yesterday",
    ],
)
def test_bad_time_formats_are_400(emu: OCPEmulator, start: str) -> None:
    end = "2024-08-07T00:00:00Z"
    assert_error(get_tasks(emu, f"page=1&size=10&startTime={start}&endTime={end}"), 400, target="startTime")


def test_one_bound_is_500_and_reversed_window_is_400(emu: OCPEmulator) -> None:
    assert_error(get_tasks(emu, "page=1&size=10&startTime=2024-08-06T00:00:00Z"), 500, code=10006)
    assert_error(get_tasks(emu, "page=1&size=10&endTime=2024-08-06T00:00:00Z"), 500, code=10006)
    reversed_window = "page=1&size=10&startTime=2024-08-07T00:00:00Z&endTime=2024-08-06T00:00:00Z"
    assert_error(get_tasks(emu, reversed_window), 400, code=10005)
    equal = "page=1&size=10&startTime=2024-08-07T00:00:00Z&endTime=2024-08-07T00:00:00Z"
    assert get_tasks(emu, equal).status_code == 200


def test_unknown_and_malformed_ids(emu: OCPEmulator) -> None:
    assert_error(get_tasks(emu, cluster_id=424242), 404, code=10002)
    assert_error(get_tasks(emu, cluster_id="abc"), 400)
    assert_error(get_tasks(emu, tenant_id=1), 404, code=10002)
    assert_error(get_tasks(emu, tenant_id="x"), 400)


def test_tenant_endpoint_returns_only_that_tenant(emu: OCPEmulator) -> None:
    tenant = emu.tenant_ids(emu.cluster_ids[0])[1]
    records = contents(get_tasks(emu, tenant_id=tenant))
    assert len(records) == 3 and {r["tenantId"] for r in records} == {tenant}
    assert [r["status"] for r in records] == ["RUNNING", "STOPPED", "STOPPED"]


@pytest.mark.parametrize("path", ["/api/v2/nope", "/api/v2/ob/clusters/1000001/backup/task/logBackupTasks/", "/api"])
def test_unknown_api_path_is_400_no_handler(emu: OCPEmulator, path: str) -> None:
    body = assert_error(session().get(f"{emu.url}{path}", timeout=10), 400, code=0)
    assert body["error"]["message"] == f"No handler found for GET {path}"


@pytest.mark.parametrize("path", ["/", "/index.html", "/v2/ob/clusters", "/apiv2/ob/clusters"])
def test_path_outside_api_redirects_to_login(emu: OCPEmulator, path: str) -> None:
    response = session().get(f"{emu.url}{path}", timeout=10, allow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert response.headers["Content-Type"].startswith("text/html") and len(response.content) < 200
    login = requests.get(f"{emu.url}{path}", timeout=10)  # a client following redirects lands on the login page
    assert login.status_code == 200 and login.headers["Content-Type"].startswith("text/html")
    assert login.text.lstrip().lower().startswith("<!doctype html>") and login.url == f"{emu.url}/login"


def test_non_get_is_405(emu: OCPEmulator) -> None:
    assert_error(session().post(f"{tasks_url(emu)}?page=1&size=1", json={}, timeout=10), 405)


def test_path_prefix() -> None:
    with OCPEmulator(path_prefix="ocp/") as emu:
        assert urlsplit(emu.url).path == "/ocp"
        assert get_tasks(emu).status_code == 200
        bare = session().get(f"http://{emu.host}:{emu.port}/api/v2/ob/clusters", timeout=10, allow_redirects=False)
        assert bare.status_code == 302 and bare.headers["Location"] == "/ocp/login"
        assert_error(session().get(f"{emu.api_url}/nope", timeout=10), 400, code=0)


# -- authentication --------------------------------------------------------------------------------------------------


def test_basic_auth(emu: OCPEmulator) -> None:
    url = f"{tasks_url(emu)}?page=1&size=1"
    assert requests.get(url, auth=(DEFAULT_USERNAME, DEFAULT_PASSWORD), timeout=10).status_code == 200
    body = assert_error(requests.get(url, auth=(DEFAULT_USERNAME, "wrong"), timeout=10), 401)
    assert body["error"]["code"] == 0
    assert_error(requests.get(url, auth=("nobody", DEFAULT_PASSWORD), timeout=10), 401)
    assert_error(requests.get(url, timeout=10), 401)
    assert_error(requests.get(url, headers={"Authorization": "Basic !!!"}, timeout=10), 401)


def test_user_without_backup_permission_is_403() -> None:
    with OCPEmulator(restricted_users={"viewer": "pw"}) as emu:
        assert_error(
            requests.get(f"{tasks_url(emu)}?page=1&size=1", auth=("viewer", "pw"), timeout=10), 403, code=30014
        )
        clusters = requests.get(f"{emu.api_url}/ob/clusters", auth=("viewer", "pw"), timeout=10)
        assert clusters.status_code == 200


def signed_get(
    emu: OCPEmulator,
    path: str,
    params: list[tuple[str, str]],
    *,
    secret: str = DEFAULT_ACCESS_KEY_SECRET,
    date: str | None = None,
    sent_query: str | None = None,
    headers: dict[str, str] | None = None,
    verify: str | bool = True,
) -> requests.Response:
    """A request signed as the OCP docs describe, built by hand."""
    query = canonical_query(params)
    host = f"{emu.host}:{emu.port}"
    full_path = urlsplit(emu.api_url).path + path
    date = date or http_date(datetime.now(timezone.utc))
    extra = headers or {}
    message = string_to_sign(
        method="GET",
        body_md5="",
        content_type="application/json",
        date=date,
        host=host,
        ocp_headers={k: v for k, v in extra.items() if k.lower().startswith("x-ocp-")},
        path=full_path,
        query=query,
    )
    signature = compute_signature(secret, message)
    headers_out = {
        "Authorization": f"{ACCESS_KEY_SCHEME} {DEFAULT_ACCESS_KEY_ID}:{signature}",
        "Date": date,
        "Content-Type": "application/json",
        **extra,
    }
    query_out = query if sent_query is None else sent_query
    url = f"{emu.scheme}://{host}{full_path}" + (f"?{query_out}" if query_out else "")
    return requests.get(url, headers=headers_out, timeout=10, verify=verify)


def task_params(emu: OCPEmulator) -> tuple[str, list[tuple[str, str]]]:
    params = [
        ("size", "10"),
        ("page", "1"),
        ("startTime", "2024-08-01T00:00:00+08:00"),
        ("endTime", "2024-08-07T00:00:00.5Z"),
    ]
    return f"/ob/clusters/{emu.cluster_ids[0]}/backup/task/logBackupTasks", params


def test_access_key_signature_ok(emu: OCPEmulator) -> None:
    path, params = task_params(emu)
    response = signed_get(emu, path, params, headers={"x-ocp-Request-Id": "r1"})
    assert len(contents(response)) == 6
    assert emu.requests[-1].query == canonical_query(params)
    assert "%2B08%3A00" in emu.requests[-1].query
    assert signed_get(emu, "/ob/clusters", []).status_code == 200


def test_access_key_signature_with_prefix_and_tls(tmp_path: Path) -> None:
    cert, key = make_self_signed_cert(tmp_path)
    with OCPEmulator(path_prefix="/ocp", certfile=cert, keyfile=key) as emu:
        assert emu.url.startswith("https://127.0.0.1:") and emu.url.endswith("/ocp")
        path, params = task_params(emu)
        assert signed_get(emu, path, params, verify=cert).status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(emu.url, timeout=10, verify=True)


def test_access_key_bad_signature_is_401(emu: OCPEmulator) -> None:
    path, params = task_params(emu)
    body = assert_error(signed_get(emu, path, params, secret="not-the-secret"), 401)
    assert "signature" in body["error"]["message"].lower()
    unsorted = "size=10&page=1&startTime=2024-08-01T00%3A00%3A00%2B08%3A00&endTime=2024-08-07T00%3A00%3A00.5Z"
    assert_error(signed_get(emu, path, params, sent_query=unsorted), 401)
    tampered = canonical_query([*params[:1], ("page", "2"), *params[2:]])
    assert_error(signed_get(emu, path, params, sent_query=tampered), 401)


def test_access_key_date_skew_is_401(emu: OCPEmulator) -> None:
    path, params = task_params(emu)
    emu.clock_offset = timedelta(minutes=14)
    assert signed_get(emu, path, params).status_code == 200
    emu.clock_offset = timedelta(minutes=-16)
    message = assert_error(signed_get(emu, path, params), 401)["error"]["message"]
    assert "Date" in message and "clock" in message
    emu.clock_offset = timedelta(0)
    assert_error(signed_get(emu, path, params, date="2024-08-06T00:00:00Z"), 401)
    local = datetime.now(timezone(timedelta(hours=8))).strftime("%a, %d %b %Y %H:%M:%S +0800")
    assert_error(signed_get(emu, path, params, date=local), 401)


def test_auth_modes_can_be_disabled() -> None:
    with OCPEmulator(basic_auth=False) as emu:
        path, params = task_params(emu)
        assert_error(get_tasks(emu), 401)
        assert signed_get(emu, path, params).status_code == 200
        emu.auth.access_key_enabled = False
        assert_error(signed_get(emu, path, params), 401)


# -- records --------------------------------------------------------------------------------------------------------


def test_record_timestamp_formats(emu: OCPEmulator) -> None:
    for record in contents(get_tasks(emu)):
        for name in ("createTime", "modifyTime", "checkpoint"):
            assert JAVA_TS.match(record[name]), record[name]
            assert record[name].endswith("+0800")
            parse_ocp_timestamp(record[name])
    emu.options.checkpoint_format = "iso"
    for record in contents(get_tasks(emu)):
        assert ISO_TS.match(record["checkpoint"]) and JAVA_TS.match(record["createTime"])


def test_utc_server_zone() -> None:
    with OCPEmulator(server_timezone=timezone.utc, checkpoint_format="iso") as emu:
        body = get_tasks(emu).json()
        assert body["timestamp"].endswith("Z")
        record = body["data"]["contents"][0]
        assert record["createTime"].endswith("+0000") and record["checkpoint"].endswith("Z")


def test_record_fields_and_omitted_nulls(emu: OCPEmulator) -> None:
    response = get_tasks(emu)
    assert "null" not in response.text
    for record in contents(response):
        assert record["agentServerIp"].startswith("10.")  # undocumented extra field
        assert record["clusterType"] == "PRIMARY" and record["backupMode"] == "PHYSICAL_BACKUP"
        assert isinstance(record["delay"], float)
        assert "errorMsg" not in record
        assert TENANT_FIELDS <= set(record)
        assert isinstance(record["clusterId"], int) and isinstance(record["tenantId"], int)
    cluster, tenant = emu.cluster_ids[0], emu.tenant_ids(emu.cluster_ids[0])[0]
    emu.set_current_task(cluster, tenant, status="FAILED", error_msg="archive device full", omit_delay=True)
    records = contents(get_tasks(emu))
    failed = [r for r in records if "errorMsg" in r]
    assert len(failed) == 1 and failed[0]["status"] == "FAILED" and failed[0]["tenantId"] == tenant
    assert "delay" not in failed[0]
    emu.set_current_task(cluster, tenant, error_msg="")
    assert all("errorMsg" not in r for r in contents(get_tasks(emu)))


def test_render_options() -> None:
    with OCPEmulator(ids_as_strings=True, delay_format="string", delay=77.6421) as emu:
        record = contents(get_tasks(emu))[0]
        assert record["clusterId"] == str(emu.cluster_ids[0]) and isinstance(record["obTenantId"], str)
        assert record["delay"] == "77.6421"
        emu.options.delay_format = "omit"
        assert all("delay" not in r for r in contents(get_tasks(emu)))


def test_cluster_level_tasks_have_no_tenant_fields() -> None:
    with OCPEmulator(cluster_level=True, tasks_per_tenant=4) as emu:
        records = contents(get_tasks(emu))
        assert len(records) == 4 and all(not TENANT_FIELDS & set(r) for r in records)
        assert [r["status"] for r in records] == ["RUNNING", "STOPPED", "STOPPED", "STOPPED"]
        assert records[0]["backupUri"] == "file:///obbackup/cluster_1"
        assert_error(get_tasks(emu, tenant_id=2001001001), 404)


def test_delay_falls_over_time() -> None:
    with OCPEmulator(delay=DelayProfile.linear(600, 5, 1.5)) as emu:
        assert contents(get_tasks(emu))[0]["delay"] == 600.0  # the clock is frozen until the test moves it
        emu.clock.advance(0.75)
        assert contents(get_tasks(emu))[0]["delay"] == 302.5
        emu.clock.advance(1.0)
        body = get_tasks(emu).json()
        record = body["data"]["contents"][0]
        assert record["delay"] == 5.0
        lag = parse_ocp_timestamp(body["timestamp"]) - parse_ocp_timestamp(record["checkpoint"])
        assert lag == timedelta(seconds=5)
        emu.set_current_task(emu.cluster_ids[0], delay=DelayProfile.linear(100, 0, 60))
        assert contents(get_tasks(emu))[0]["delay"] == 100.0


def test_a_response_is_rendered_at_one_reading_of_a_running_clock() -> None:
    # a checkpoint is rendered as now minus the delay; the envelope's timestamp must be that same now, or a client
    # computing timestamp - checkpoint sees a delay longer than the record's by however long rendering took
    with OCPEmulator(frozen_clock=False, delay=600) as emu:
        for _ in range(40):
            body = get_tasks(emu).json()
            record = body["data"]["contents"][0]
            lag = parse_ocp_timestamp(body["timestamp"]) - parse_ocp_timestamp(record["checkpoint"])
            assert (record["delay"], lag) == (600.0, timedelta(seconds=600))


def test_one_reading_pins_a_running_clock_for_its_thread_only() -> None:
    clock = ServerClock(frozen=False)
    seen: list[datetime] = []
    with clock.one_reading() as moment:
        time.sleep(0.002)
        other = threading.Thread(target=lambda: seen.append(clock.now()))
        other.start()
        other.join()
        assert clock.now() == moment
        assert seen[0] > moment  # another thread (another request) reads the running clock
    time.sleep(0.002)
    assert clock.now() > moment


def test_add_and_remove_tasks(emu: OCPEmulator) -> None:
    cluster = emu.cluster_ids[0]
    tenant = emu.tenant_ids(cluster)[0]
    emu.set_current_task(cluster, tenant, status="FAILED", error_msg="boom")
    emu.add_tasks(cluster, 1, tenant_id=tenant)
    records = contents(get_tasks(emu, tenant_id=tenant))
    assert [r["status"] for r in records] == ["RUNNING", "STOPPED", "STOPPED", "STOPPED"]
    assert "errorMsg" not in records[0]
    created = parse_ocp_timestamp(records[0]["createTime"])
    assert abs(created - emu.clock.now()) < timedelta(seconds=5)
    assert emu.remove_tasks(cluster, 2) == 2
    assert emu.task_count(cluster) == 5
    assert emu.remove_tasks(cluster, 1, newest=False) == 1
    assert len(contents(get_tasks(emu))) == 4


# -- faults ---------------------------------------------------------------------------------------------------------


def test_rate_limited_with_seconds_then_recovers(emu: OCPEmulator) -> None:
    emu.faults.add("rate_limited", retry_after=2)
    limited = get_tasks(emu)
    assert_error(limited, 429)
    assert limited.headers["Retry-After"] == "2"
    assert get_tasks(emu).status_code == 200


def test_rate_limited_with_http_date(emu: OCPEmulator) -> None:
    emu.faults.add("rate_limited", retry_after=30, http_date=True)
    header = get_tasks(emu).headers["Retry-After"]
    wait = parsedate_to_datetime(header) - datetime.now(timezone.utc)
    assert timedelta(seconds=25) < wait <= timedelta(seconds=31)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_http_error_with_html_or_json(emu: OCPEmulator, status: int) -> None:
    emu.faults.add("http_error", status=status, body="html")
    emu.faults.add("http_error", status=status)
    html = get_tasks(emu)
    assert html.status_code == status and html.headers["Content-Type"].startswith("text/html")
    assert "<html>" in html.text
    error = assert_error(get_tasks(emu), status, code=10011 if status == 500 else 10010)["error"]
    assert ("subErrors" in error) == (status == 500)
    assert get_tasks(emu).status_code == 200


def test_html_200_and_unsuccessful_200(emu: OCPEmulator) -> None:
    emu.faults.add("html_200")
    emu.faults.add("unsuccessful", status=500, message="ob error")
    html = get_tasks(emu)
    assert html.status_code == 200 and html.headers["Content-Type"].startswith("text/html")
    unsuccessful = get_tasks(emu)
    assert unsuccessful.status_code == 200
    body = unsuccessful.json()
    assert body["successful"] is False and body["status"] == 500 and body["error"]["message"] == "ob error"


def test_truncated_json_has_matching_content_length(emu: OCPEmulator) -> None:
    emu.faults.add("truncated_json", fraction=0.3)
    response = get_tasks(emu)
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(response.content) > 0
    with pytest.raises(ValueError):
        json.loads(response.content)


def raw_get(emu: OCPEmulator, target: str) -> tuple[bytes, bytes]:
    """Send a GET on a raw socket; return the header block and the body bytes received until EOF."""
    auth = requests.auth._basic_auth_str(DEFAULT_USERNAME, DEFAULT_PASSWORD)
    request = f"GET {target} HTTP/1.1\r\nHost: {emu.host}:{emu.port}\r\nAuthorization: {auth}\r\n\r\n"
    with socket.create_connection((emu.host, emu.port), timeout=10) as sock:
        sock.sendall(request.encode())
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    return head, body


def test_drop_connection_mid_body(emu: OCPEmulator) -> None:
    emu.faults.add("drop_connection", fraction=0.5)
    target = urlsplit(tasks_url(emu)).path + "?page=1&size=10"
    head, body = raw_get(emu, target)
    announced = int(re.search(rb"Content-Length: (\d+)", head).group(1))  # type: ignore[union-attr]
    assert 0 < len(body) < announced
    emu.faults.add("drop_connection")
    with pytest.raises(requests.exceptions.RequestException):
        get_tasks(emu).json()


def test_slow_response_triggers_read_timeout(emu: OCPEmulator) -> None:
    emu.faults.add("slow", seconds=2)
    with pytest.raises(requests.exceptions.ReadTimeout):  # the server held the answer past the client's 0.3 s
        session().get(f"{tasks_url(emu)}?page=1&size=10", timeout=(5, 0.3))
    assert get_tasks(emu).status_code == 200


def test_latency_applies_to_every_request(emu: OCPEmulator) -> None:
    emu.latency = 0.2
    started = time.monotonic()
    get_tasks(emu)
    session().get(f"{emu.api_url}/ob/clusters", timeout=10)
    assert time.monotonic() - started >= 0.4
    emu.latency = 0


def test_insert_tasks_after_a_page_shifts_the_next_page(emu: OCPEmulator) -> None:
    emu.faults.add("insert_tasks", page=1, count=1)
    first = contents(get_tasks(emu, "page=1&size=3"))
    second = contents(get_tasks(emu, "page=2&size=3"))
    assert second[0] == first[-1]  # the page boundary moved by one: a duplicate
    assert emu.task_count(emu.cluster_ids[0]) == 7


def test_remove_tasks_after_a_page_skips_one(emu: OCPEmulator) -> None:
    before = emu.expected_tasks(emu.cluster_ids[0])
    emu.faults.add("remove_tasks", page=1, count=1)
    first = contents(get_tasks(emu, "page=1&size=3"))
    second = contents(get_tasks(emu, "page=2&size=3"))
    assert [r["createTime"] for r in first + second] == [r["createTime"] for r in before[:3] + before[4:]]


def test_ignore_page(emu: OCPEmulator) -> None:
    emu.faults.add("ignore_page", times=None)
    emu.clock.freeze()
    first = get_tasks(emu, "page=1&size=2").json()["data"]
    second = get_tasks(emu, "page=2&size=2").json()["data"]
    assert first["contents"] == second["contents"] and second["page"]["number"] == 1
    emu.faults.clear()
    assert get_tasks(emu, "page=2&size=2").json()["data"]["contents"] != first["contents"]
    emu.faults.add("ignore_page", echo_page=True)
    assert get_tasks(emu, "page=3&size=2").json()["data"] == {**first, "page": {**first["page"], "number": 3}}


def test_wrong_total_pages_and_clamp_size(emu: OCPEmulator) -> None:
    emu.faults.add("wrong_total_pages", delta=2)
    assert get_tasks(emu, "page=1&size=2").json()["data"]["page"]["totalPages"] == 5
    emu.faults.add("wrong_total_pages", value=1)
    assert get_tasks(emu, "page=1&size=2").json()["data"]["page"]["totalPages"] == 1
    emu.faults.add("clamp_size", max_size=4)
    data = get_tasks(emu, "page=1&size=10").json()["data"]
    assert data["page"]["size"] == 4 and len(data["contents"]) == 4 and data["page"]["totalPages"] == 2


def test_fault_matching_by_page_path_and_times(emu: OCPEmulator) -> None:
    emu.faults.add("http_error", page=2, times=2, status=503)
    assert get_tasks(emu, "page=1&size=2").status_code == 200
    assert get_tasks(emu, "page=2&size=2").status_code == 503
    assert session().get(f"{emu.api_url}/ob/clusters?page=2", timeout=10).status_code == 200
    assert get_tasks(emu, "page=2&size=2").status_code == 503
    assert get_tasks(emu, "page=2&size=2").status_code == 200
    assert emu.faults.active == []
    emu.faults.add("http_error", path_contains="/ob/clusters", times=None, status=500)
    assert session().get(f"{emu.api_url}/ob/clusters", timeout=10).status_code == 500
    assert session().get(f"{emu.api_url}/ob/clusters", timeout=10).status_code == 500
    emu.faults.clear()
    assert session().get(f"{emu.api_url}/ob/clusters", timeout=10).status_code == 200


def test_fault_validation(emu: OCPEmulator) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        emu.faults.add("explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="takes"):
        emu.faults.add("slow", secs=1)
    with pytest.raises(ValueError, match="times"):
        emu.faults.add("slow", times=0)


# -- request log, connections -----------------------------------------------------------------------------------------


def test_request_log(emu: OCPEmulator) -> None:
    emu.faults.add("http_error", status=502, body="html")
    get_tasks(emu, "page=1&size=5&x=a%2Bb")
    get_tasks(emu, "page=2&size=5")
    log = emu.requests
    assert len(log) == 2
    assert log[0].query == "page=1&size=5&x=a%2Bb" and log[0].params["x"] == "a+b"
    assert log[0].status == 502 and log[0].fault == "http_error" and log[1].status == 200
    assert log[0].method == "GET" and log[0].path.endswith("/logBackupTasks")
    assert (log[0].header("authorization") or "").startswith("Basic ")
    emu.clear_requests()
    assert emu.requests == []


def test_keep_alive_and_content_length(emu: OCPEmulator) -> None:
    connection = http.client.HTTPConnection(emu.host, emu.port, timeout=10)
    auth = {"Authorization": requests.auth._basic_auth_str(DEFAULT_USERNAME, DEFAULT_PASSWORD)}
    sockets = []
    try:
        for page in (1, 2, 3):
            connection.request("GET", urlsplit(tasks_url(emu)).path + f"?page={page}&size=2", headers=auth)
            response = connection.getresponse()
            body = response.read()
            assert response.status == 200 and int(response.headers["Content-Length"]) == len(body)
            assert len(json.loads(body)["data"]["contents"]) == 2
            sockets.append(connection.sock)
        assert sockets[0] is not None and sockets.count(sockets[0]) == 3  # one connection served all three
    finally:
        connection.close()


def test_stop_is_quick_with_idle_and_sleeping_connections() -> None:
    emu = OCPEmulator().start()
    idle = session()
    idle.get(f"{emu.api_url}/ob/clusters", timeout=10)  # leaves a pooled keep-alive connection
    emu.faults.add("slow", seconds=30)
    outcome: list[object] = []
    sleeper = threading.Thread(target=lambda: outcome.append(_request_or_error(f"{tasks_url(emu)}?page=1&size=1")))
    sleeper.start()
    while emu.faults.active:  # the sleeping request consumed the fault
        time.sleep(0.01)
    emu.stop()
    emu.stop()
    sleeper.join(timeout=5)
    assert not sleeper.is_alive()  # its 30 s fault was cut short by stop()
    assert isinstance(outcome[0], requests.exceptions.ConnectionError)
    assert not emu.running
    with pytest.raises(RuntimeError):
        _ = emu.url


def _request_or_error(url: str) -> object:
    try:
        return session().get(url, timeout=20)
    except requests.exceptions.RequestException as error:
        return error


def test_airflow_connection_helpers(emu: OCPEmulator) -> None:
    basic = emu.airflow_connection()
    assert basic == {
        "conn_type": "ocp",
        "host": emu.url,
        "login": DEFAULT_USERNAME,
        "password": DEFAULT_PASSWORD,
        "extra": {"auth_type": "basic"},
    }
    access = json.loads(emu.airflow_connection_json("access_key", timeout=5))
    assert access["login"] == DEFAULT_ACCESS_KEY_ID and access["password"] == DEFAULT_ACCESS_KEY_SECRET
    assert access["extra"] == {"auth_type": "access_key", "timeout": 5}


# -- CLI and pytest plugin --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_cli_serves_until_signal(tmp_path: Path, signum: signal.Signals) -> None:
    ready = tmp_path / "ready"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "airflow_provider_ocp.testing", "--port", "0", "--ready-file", str(ready)),
            *("--clusters", "2", "--tenants", "3", "--tasks-per-tenant", "2"),
            *("--delay-from", "600", "--delay-to", "5", "--delay-over", "20"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the emulator did not become ready"
            time.sleep(0.05)
        url = ready.read_text().strip()
        response = session().get(f"{url}/api/v2/ob/clusters/1000002/backup/task/logBackupTasks?page=1&size=100")
        assert len(contents(response)) == 6
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert f"listening on {url}" in stdout
    line = next(line for line in stdout.splitlines() if line.startswith("export AIRFLOW_CONN_OCP_DEFAULT="))
    pasted = subprocess.run(
        ["bash", "-c", f"{line}\nprintenv AIRFLOW_CONN_OCP_DEFAULT"], capture_output=True, text=True, check=True
    )  # the line pastes into a shell as is
    connection = json.loads(pasted.stdout)
    assert connection["host"] == url and connection["extra"]["auth_type"] == "basic"
    assert not ready.exists()


def test_pytest_fixture(tmp_path: Path) -> None:
    (tmp_path / "test_uses_fixture.py").write_text(
        textwrap.dedent(
            """
            import pytest
            import requests

            @pytest.mark.ocp_emulator(clusters=2, tenants=1)
            def test_it(ocp_emulator):
                assert ocp_emulator.running and ocp_emulator.cluster_ids == [1000001, 1000002]
                conn = ocp_emulator.airflow_connection()
                r = requests.get(ocp_emulator.api_url + "/ob/clusters", auth=(conn["login"], conn["password"]))
                assert r.json()["data"]["page"]["totalElements"] == 2
            """
        )
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    plugin = "airflow_provider_ocp.testing.pytest_plugin"
    registered = any(ep.value.split(":")[0] == plugin for ep in entry_points(group="pytest11"))
    autoload = not os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)]
    if not (registered and autoload):  # loading an entry-point plugin twice is an error
        args[3:3] = ["-p", plugin]
    result = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, timeout=120, env=dict(os.environ))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
