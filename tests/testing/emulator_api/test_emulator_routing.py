"""How the OCP emulator routes requests: unknown API paths, paths outside the API (redirected to its login page),
methods other than GET and a path prefix."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests
from emulator_api_support import assert_error, get_tasks, session, tasks_url

from airflow_provider_ocp.testing import OCPEmulator

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)


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
