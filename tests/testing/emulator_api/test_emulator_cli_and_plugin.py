"""How users start and connect the OCP emulator: its Airflow connection helpers, the command line (serving until a
signal) and the pytest fixture."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from emulator_api_support import contents, session

from airflow_provider_ocp.testing import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    OCPEmulator,
)

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[3]


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
