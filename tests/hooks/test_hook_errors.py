"""OCPHook against the OCP emulator over real sockets: errors that are not retried (credentials, permissions, unknown
clusters and paths, answers that are no envelope) and bad input or connections that send nothing."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from hook_emulator_support import FAST, api_requests

from airflow_provider_ocp.exceptions import OCPAPIError, OCPInputError
from airflow_provider_ocp.hooks.ocp import OCPHook
from airflow_provider_ocp.testing import DEFAULT_ACCESS_KEY_SECRET, DEFAULT_PASSWORD, OCPEmulator

UTC = timezone.utc


@pytest.mark.parametrize(
    ("auth_type", "extra", "fragment"),
    [
        ("basic", {"password": "wrong"}, "check the connection's login and password"),
        ("access_key", {"password": "wrong-secret"}, "clock skew"),
    ],
)
def test_wrong_credentials_fail_once_with_hint(
    ocp_emulator: OCPEmulator, monkeypatch: pytest.MonkeyPatch, auth_type: str, extra: dict, fragment: str
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", ocp_emulator.airflow_connection_json(auth_type, **extra, **FAST))
    with pytest.raises(OCPAPIError) as info:
        list(OCPHook().iter_log_backup_tasks(ocp_emulator.cluster_ids[0]))
    assert info.value.status == 401 and fragment in str(info.value)
    assert info.value.trace_id
    assert len(api_requests(ocp_emulator)) == 1
    for secret in ("wrong", "wrong-secret", DEFAULT_PASSWORD, DEFAULT_ACCESS_KEY_SECRET):
        assert secret not in str(info.value)


@pytest.mark.ocp_emulator(clock_offset=timedelta(minutes=20))
def test_access_key_clock_skew_is_named(ocp_emulator: OCPEmulator, connect) -> None:
    with pytest.raises(OCPAPIError, match="clock") as info:
        list(connect(ocp_emulator, "access_key").iter_log_backup_tasks(ocp_emulator.cluster_ids[0]))
    assert info.value.status == 401


@pytest.mark.ocp_emulator(restricted_users={"viewer": "viewer-pw"})
def test_forbidden_names_the_permission(ocp_emulator: OCPEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = ocp_emulator.airflow_connection("basic", login="viewer", password="viewer-pw", **FAST)
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", json.dumps(conn))
    with pytest.raises(OCPAPIError, match="Read-only permission on cluster backup and recovery"):
        list(OCPHook().iter_log_backup_tasks(ocp_emulator.cluster_ids[0]))
    assert len(api_requests(ocp_emulator)) == 1


def test_unknown_cluster_is_404_without_retry(ocp_emulator: OCPEmulator, connect) -> None:
    with pytest.raises(OCPAPIError, match="OCP has no cluster with id 987654321") as info:
        list(connect(ocp_emulator).iter_log_backup_tasks(987654321))
    # The 404 is not retried; OCP's cluster list is read once, to name the clusters it knows.
    assert info.value.status == 404
    assert [r.path for r in api_requests(ocp_emulator)] == [
        "/api/v2/ob/clusters/987654321/backup/task/logBackupTasks",
        "/api/v2/ob/clusters",
    ]


@pytest.mark.parametrize(
    ("kind", "params", "fragment"),
    [("html_200", {}, "HTML page"), ("unsuccessful", {"status": 400, "message": "bad"}, "bad")],
)
def test_non_envelope_and_unsuccessful_are_errors(ocp_emulator: OCPEmulator, connect, kind, params, fragment) -> None:
    ocp_emulator.faults.add(kind, times=5, **params)
    with pytest.raises(OCPAPIError, match=fragment):
        list(connect(ocp_emulator).iter_log_backup_tasks(ocp_emulator.cluster_ids[0]))
    assert len(api_requests(ocp_emulator)) == 1


def test_unknown_path_is_not_data(ocp_emulator: OCPEmulator, monkeypatch: pytest.MonkeyPatch, connect) -> None:
    """As OCP: an unknown path under /api is HTTP 400 ("no handler"), one outside /api a redirect to the login page."""
    with pytest.raises(OCPAPIError, match="No handler found") as info:
        connect(ocp_emulator).get_envelope("/no/such/endpoint")
    assert info.value.status == 400 and len(api_requests(ocp_emulator)) == 1
    ocp_emulator.clear_requests()
    conn = {**ocp_emulator.airflow_connection(**FAST), "host": f"{ocp_emulator.url}/wrong-prefix"}
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", json.dumps(conn))
    with pytest.raises(OCPAPIError, match="OCP redirected the request"):
        list(OCPHook().iter_log_backup_tasks(ocp_emulator.cluster_ids[0]))
    assert [r.status for r in api_requests(ocp_emulator)] == [302]


def test_bad_input_sends_nothing(ocp_emulator: OCPEmulator, connect) -> None:
    hook = connect(ocp_emulator)
    for call in (
        lambda: list(hook.iter_log_backup_tasks("1/../x")),
        lambda: list(hook.iter_log_backup_tasks(1, datetime(2024, 1, 1), datetime(2024, 1, 2))),
        lambda: list(hook.iter_log_backup_tasks(1, datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC))),
        lambda: list(hook.iter_log_backup_tasks(1, datetime(2024, 1, 2, tzinfo=UTC))),
        lambda: list(hook.iter_log_backup_tasks(1, page_size=0)),
    ):
        with pytest.raises(OCPInputError):
            call()
    assert ocp_emulator.requests == []


def test_bad_auth_type_and_missing_host_fail_before_requests(
    ocp_emulator: OCPEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = ocp_emulator.airflow_connection("basic")
    conn["extra"]["auth_type"] = "ldap"
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", json.dumps(conn))
    with pytest.raises(OCPInputError, match="auth_type"):
        list(OCPHook().iter_log_backup_tasks(1))
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", '{"conn_type": "ocp", "login": "a", "password": "b"}')
    with pytest.raises(OCPInputError, match="no host"):
        list(OCPHook().iter_log_backup_tasks(1))
    assert ocp_emulator.requests == []


def test_test_connection(ocp_emulator: OCPEmulator, connect, monkeypatch: pytest.MonkeyPatch) -> None:
    ok, message = connect(ocp_emulator).test_connection()
    assert ok and "Connected" in message
    assert api_requests(ocp_emulator)[-1].path.endswith("/ob/clusters")
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", ocp_emulator.airflow_connection_json("basic", password="nope"))
    ok, message = OCPHook().test_connection()
    assert not ok and "401" in message and "nope" not in message


def test_hook_init_reads_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_OCP_DEFAULT", raising=False)
    hook = OCPHook(ocp_conn_id="does_not_exist")  # must not raise: no connection read at construction
    assert "does_not_exist" in repr(hook)
