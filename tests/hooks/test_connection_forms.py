"""The connection forms the README documents (JSON and URI environment variables) mean what it says."""

from __future__ import annotations

import pytest

from airflow_provider_ocp.hooks.ocp import OCPHook

CASES = {
    "json": (
        '{"conn_type": "ocp", "host": "https://ocp.example.com:8080/ocp", "login": "backup_reader", '
        '"password": "p@ss:word", "extra": {"auth_type": "basic", "max_retries": 2, "verify": true}}',
        ("https://ocp.example.com:8080/ocp", "ocp.example.com:8080", "basic", "backup_reader", "p@ss:word"),
    ),
    "uri_extra_json": (
        "ocp://AKID123:SECRET%2Fwith%2Fslashes@ocp.example.com:8080/"
        "?__extra__=%7B%22auth_type%22%3A%22access_key%22%7D",
        ("https://ocp.example.com:8080", "ocp.example.com:8080", "access_key", "AKID123", "SECRET/with/slashes"),
    ),
    "uri_query_extras": (
        "ocp://backup_reader:pass@ocp.example.com:8443?auth_type=basic&timeout=30",
        ("https://ocp.example.com:8443", "ocp.example.com:8443", "basic", "backup_reader", "pass"),
    ),
    "uri_schema_path": (
        "ocp://reader:pw@127.0.0.1:8080/http",
        ("http://127.0.0.1:8080", "127.0.0.1:8080", "basic", "reader", "pw"),
    ),
}


@pytest.mark.parametrize("form", sorted(CASES))
def test_documented_connection_forms(form: str, monkeypatch: pytest.MonkeyPatch) -> None:
    value, expected = CASES[form]
    monkeypatch.setenv("AIRFLOW_CONN_OCP_FORM", value)
    settings = OCPHook("ocp_form").settings
    assert (settings.base_url, settings.host_header, settings.auth_type, settings.login, settings.secret) == expected
    if form == "uri_query_extras":
        assert settings.read_timeout == 30
    if form == "json":
        assert settings.max_retries == 2 and settings.verify is True
