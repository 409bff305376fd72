"""Bad input: a clear error naming the field and the fix, raised before any request."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from airflow_provider_ocp.client.settings import settings_from_connection
from airflow_provider_ocp.exceptions import OCPInputError
from airflow_provider_ocp.log_backup.query import log_backup_tasks_query
from airflow_provider_ocp.validation import validate_page_size

UTC = timezone.utc


def settings(**overrides: object):
    fields: dict = {
        "conn_id": "ocp_test",
        "host": "https://ocp.example.com:8080",
        "schema": None,
        "port": None,
        "login": "admin",
        "password": "pw",
        "extra": {},
    }
    fields.update(overrides)
    return settings_from_connection(**fields)


@pytest.mark.parametrize(
    "bad", ["1/../x", "1?page=9", "%2e%2e", "１２", "٣", True, False, 0, -3, "", " ", 1.5, None, "1 2"]
)
def test_cluster_id_must_be_a_positive_integer(bad: object) -> None:
    with pytest.raises(OCPInputError, match="cluster_id"):
        log_backup_tasks_query(bad)


def test_numeric_string_cluster_id_is_accepted() -> None:
    assert log_backup_tasks_query("1000005").path == "/ob/clusters/1000005/backup/task/logBackupTasks"
    assert log_backup_tasks_query(7, tenant_id="12").path == "/ob/clusters/7/tenants/12/backup/task/logBackupTasks"


def test_window_rules() -> None:
    start, end = datetime(2024, 8, 6, tzinfo=UTC), datetime(2024, 8, 7, tzinfo=UTC)
    with pytest.raises(OCPInputError, match="timezone"):
        log_backup_tasks_query(1, datetime(2024, 8, 6), end)
    with pytest.raises(OCPInputError, match="before start_time"):
        log_backup_tasks_query(1, end, start)
    with pytest.raises(OCPInputError, match="end_time is missing"):
        log_backup_tasks_query(1, start, None)
    with pytest.raises(OCPInputError, match="start_time is missing"):
        log_backup_tasks_query(1, None, end)
    with pytest.raises(OCPInputError, match="start_time"):
        log_backup_tasks_query(1, "not a time", end)
    query = log_backup_tasks_query(1, "2024-08-06T08:00:00+08:00", end)
    assert query.params == (("startTime", "2024-08-06T00:00:00Z"), ("endTime", "2024-08-07T00:00:00Z"))


def test_page_size_bounds(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(OCPInputError, match="page_size"):
        validate_page_size(0)
    with pytest.raises(OCPInputError, match="page_size"):
        validate_page_size("ten")
    assert validate_page_size(5000) == 2000
    assert "above OCP's maximum" in caplog.text


def test_base_url_from_host_with_scheme_keeps_prefix() -> None:
    s = settings(host="https://gw.example.com/ocp/")
    assert (s.base_url, s.host_header) == ("https://gw.example.com/ocp", "gw.example.com")


def test_base_url_from_schema_host_port() -> None:
    s = settings(host="ocp.internal", schema="http", port=8080)
    assert (s.base_url, s.host_header) == ("http://ocp.internal:8080", "ocp.internal:8080")
    assert settings(host="ocp.internal").base_url == "https://ocp.internal"


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"host": ""}, "no host"),
        ({"host": "ftp://x"}, "not an http"),
        ({"extra": {"auth_type": "kerberos"}}, "auth_type"),
        ({"password": None}, "login and password"),
        ({"extra": {"auth_type": "access_key"}, "login": ""}, "AccessKey ID"),
        ({"extra": {"timeout": "soon"}}, "'timeout'"),
        ({"extra": {"max_retries": -1}}, "'max_retries'"),
        ({"extra": {"page_size": 2.5}}, "'page_size'"),
        ({"extra": {"proxies": "x"}}, "'proxies'"),
        ({"host": "https://user:pw@ocp"}, "credentials"),
    ],
)
def test_connection_errors_name_the_field(overrides: dict, fragment: str) -> None:
    with pytest.raises(OCPInputError, match=fragment) as info:
        settings(**overrides)
    assert "ocp_test" in str(info.value)


def test_extras_are_read_tolerantly() -> None:
    s = settings(
        extra={"verify": "false", "timeout": "5", "max_retries": "2", "proxy": "http://p:3128", "page_size": 100}
    )
    assert (s.verify, s.read_timeout, s.max_retries, s.page_size) == (False, 5.0, 2, 100)
    assert s.proxies == {"http": "http://p:3128", "https": "http://p:3128"}
    assert settings(extra={"ca_bundle": "/ca.pem"}).verify == "/ca.pem"


def test_plain_http_basic_to_remote_host_warns(caplog: pytest.LogCaptureFixture) -> None:
    settings(host="http://ocp.example.com")
    assert "clear text" in caplog.text
    caplog.clear()
    settings(host="http://127.0.0.1:9")
    assert "clear text" not in caplog.text


def test_verify_off_warns(caplog: pytest.LogCaptureFixture) -> None:
    settings(extra={"verify": False})
    assert "verification is OFF" in caplog.text
