"""Unknown paths as OCP answers them: no handler inside the API, a redirect to the login page outside it, and the
HTML 200 fault."""

from __future__ import annotations

import pytest
import requests
from emulator_errors_support import BASIC, error_of, get, tasks_path

from airflow_provider_ocp.testing import OCPEmulator

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
