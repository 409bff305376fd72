"""The OCP emulator as a server: its request log, keep-alive connections with exact Content-Length, and a stop() that
does not wait for idle or sleeping connections."""

from __future__ import annotations

import http.client
import json
import threading
import time
from urllib.parse import urlsplit

import pytest
import requests
from emulator_api_support import get_tasks, session, tasks_url

from airflow_provider_ocp.testing import DEFAULT_PASSWORD, DEFAULT_USERNAME, OCPEmulator

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)


# -- request log, connections -----------------------------------------------------------------------------------------


def test_request_log(emu: OCPEmulator) -> None:
    emu.faults.add("http_error", status=502, body="html")
    get_tasks(emu, "page=1&size=5&x=a%2Bb")
    get_tasks(emu, "page=2&size=5")
    log = emu.requests
    assert len(log) == 2
    assert log[0].query == "page=1&size=5&x=a%2Bb" and log[0].params["x"] == "a+b"
    assert log[0].status == 502 and log[0].fault == "http_error" and log[1].status == 200
    assert log[0].method == "GET" and log[0].path.endswith("/logBackupTasks")
    assert (log[0].header("authorization") or "").startswith("Basic ")
    emu.clear_requests()
    assert emu.requests == []


def test_keep_alive_and_content_length(emu: OCPEmulator) -> None:
    connection = http.client.HTTPConnection(emu.host, emu.port, timeout=10)
    auth = {"Authorization": requests.auth._basic_auth_str(DEFAULT_USERNAME, DEFAULT_PASSWORD)}
    sockets = []
    try:
        for page in (1, 2, 3):
            connection.request("GET", urlsplit(tasks_url(emu)).path + f"?page={page}&size=2", headers=auth)
            response = connection.getresponse()
            body = response.read()
            assert response.status == 200 and int(response.headers["Content-Length"]) == len(body)
            assert len(json.loads(body)["data"]["contents"]) == 2
            sockets.append(connection.sock)
        assert sockets[0] is not None and sockets.count(sockets[0]) == 3  # one connection served all three
    finally:
        connection.close()


def test_stop_is_quick_with_idle_and_sleeping_connections() -> None:
    emu = OCPEmulator().start()
    idle = session()
    idle.get(f"{emu.api_url}/ob/clusters", timeout=10)  # leaves a pooled keep-alive connection
    emu.faults.add("slow", seconds=30)
    outcome: list[object] = []
    sleeper = threading.Thread(target=lambda: outcome.append(_request_or_error(f"{tasks_url(emu)}?page=1&size=1")))
    sleeper.start()
    while emu.faults.active:  # the sleeping request consumed the fault
        time.sleep(0.01)
    emu.stop()
    emu.stop()
    sleeper.join(timeout=5)
    assert not sleeper.is_alive()  # its 30 s fault was cut short by stop()
    assert isinstance(outcome[0], requests.exceptions.ConnectionError)
    assert not emu.running
    with pytest.raises(RuntimeError):
        _ = emu.url


def _request_or_error(url: str) -> object:
    try:
        return session().get(url, timeout=20)
    except requests.exceptions.RequestException as error:
        return error
