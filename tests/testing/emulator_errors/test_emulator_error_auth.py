"""Permission and signature errors as OCP's: 403 with code 30014, and an AccessKey signature that covers the
``x-ocp-*`` headers."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlsplit

import requests
from emulator_errors_support import error_of, get, tasks_path

from airflow_provider_ocp.client.auth import ACCESS_KEY_SCHEME, canonical_query, compute_signature, http_date
from airflow_provider_ocp.client.auth import string_to_sign as client_string_to_sign
from airflow_provider_ocp.testing import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, OCPEmulator

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
