"""Redirects through every driver of the fault matrix: never followed, so credentials never travel to another URL."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fault_matrix_support import DRIVERS, POLICY, leftovers, run

from airflow_provider_ocp.testing import OCPEmulator

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)


# -- redirects: never followed (credentials must not travel to another URL) --------------------------------------------


class _Redirector(BaseHTTPRequestHandler):
    status = 302
    location = ""
    hits: list[str] = []  # one class (and server) per test

    def do_GET(self) -> None:
        type(self).hits.append(self.headers.get("Authorization") or "")
        self.send_response(self.status)
        self.send_header("Location", self.location + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirects_are_not_followed(
    emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, status: int, driver: str
) -> None:
    handler = type("Redirect", (_Redirector,), {"status": status, "location": emu.url, "hits": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        conn = emu.airflow_connection("basic", **POLICY)
        conn["host"] = f"http://127.0.0.1:{server.server_address[1]}"
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", json.dumps(conn))
        result = run(driver, emu, tmp_path)
    finally:
        server.shutdown()
        server.server_close()
    assert result.error is not None
    assert f"redirected the request (HTTP {status}" in result.error
    assert "point the connection's host at OCP's final base URL" in result.error
    assert len(handler.hits) == 1  # no retry
    assert emu.requests == []  # the credentials never went to the Location
    if driver == "operator_storage":
        assert leftovers(tmp_path) == []
