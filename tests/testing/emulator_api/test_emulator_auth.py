"""The OCP emulator's authentication: Basic auth, a user without the backup permission, AccessKey signatures built
by hand as the OCP docs describe (over TLS and a path prefix too), the Date skew, and either mode switched off."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from access_key_requests import signed_get
from emulator_api_support import assert_error, contents, get_tasks, tasks_url
from tls_support import make_self_signed_cert

from airflow_provider_ocp.client.auth import (
    canonical_query,
)
from airflow_provider_ocp.testing import (
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    OCPEmulator,
)

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)


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
