"""Permission and signature errors as OCP's: 403 with code 30014, and an AccessKey signature that covers the
``x-ocp-*`` headers."""

from __future__ import annotations

import requests
from access_key_requests import signed_get
from emulator_errors_support import error_of, get, tasks_path

from airflow_provider_ocp.testing import OCPEmulator

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
    params = [("page", "1"), ("size", "1")]
    return signed_get(emu, tasks_path(emu), params, headers=signed_headers, sent_headers=sent_headers)


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
