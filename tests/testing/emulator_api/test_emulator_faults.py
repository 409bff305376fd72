"""The OCP emulator's injected faults: rate limiting, HTTP errors, HTML and unsuccessful 200s, truncated JSON,
dropped connections, slow answers and latency, tasks created or removed between pages, paging quirks, and how
faults are matched and validated."""

from __future__ import annotations

import json
import re
import socket
import time
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import pytest
import requests
from emulator_api_support import assert_error, contents, get_tasks, session, tasks_url

from airflow_provider_ocp.testing import DEFAULT_PASSWORD, DEFAULT_USERNAME, OCPEmulator

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)


# -- faults ---------------------------------------------------------------------------------------------------------


def test_rate_limited_with_seconds_then_recovers(emu: OCPEmulator) -> None:
    emu.faults.add("rate_limited", retry_after=2)
    limited = get_tasks(emu)
    assert_error(limited, 429)
    assert limited.headers["Retry-After"] == "2"
    assert get_tasks(emu).status_code == 200


def test_rate_limited_with_http_date(emu: OCPEmulator) -> None:
    emu.faults.add("rate_limited", retry_after=30, http_date=True)
    header = get_tasks(emu).headers["Retry-After"]
    wait = parsedate_to_datetime(header) - datetime.now(timezone.utc)
    assert timedelta(seconds=25) < wait <= timedelta(seconds=31)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_http_error_with_html_or_json(emu: OCPEmulator, status: int) -> None:
    emu.faults.add("http_error", status=status, body="html")
    emu.faults.add("http_error", status=status)
    html = get_tasks(emu)
    assert html.status_code == status and html.headers["Content-Type"].startswith("text/html")
    assert "<html>" in html.text
    error = assert_error(get_tasks(emu), status, code=10011 if status == 500 else 10010)["error"]
    assert ("subErrors" in error) == (status == 500)
    assert get_tasks(emu).status_code == 200


def test_html_200_and_unsuccessful_200(emu: OCPEmulator) -> None:
    emu.faults.add("html_200")
    emu.faults.add("unsuccessful", status=500, message="ob error")
    html = get_tasks(emu)
    assert html.status_code == 200 and html.headers["Content-Type"].startswith("text/html")
    unsuccessful = get_tasks(emu)
    assert unsuccessful.status_code == 200
    body = unsuccessful.json()
    assert body["successful"] is False and body["status"] == 500 and body["error"]["message"] == "ob error"


def test_truncated_json_has_matching_content_length(emu: OCPEmulator) -> None:
    emu.faults.add("truncated_json", fraction=0.3)
    response = get_tasks(emu)
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(response.content) > 0
    with pytest.raises(ValueError):
        json.loads(response.content)


def raw_get(emu: OCPEmulator, target: str) -> tuple[bytes, bytes]:
    """Send a GET on a raw socket; return the header block and the body bytes received until EOF."""
    auth = requests.auth._basic_auth_str(DEFAULT_USERNAME, DEFAULT_PASSWORD)
    request = f"GET {target} HTTP/1.1\r\nHost: {emu.host}:{emu.port}\r\nAuthorization: {auth}\r\n\r\n"
    with socket.create_connection((emu.host, emu.port), timeout=10) as sock:
        sock.sendall(request.encode())
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    return head, body


def test_drop_connection_mid_body(emu: OCPEmulator) -> None:
    emu.faults.add("drop_connection", fraction=0.5)
    target = urlsplit(tasks_url(emu)).path + "?page=1&size=10"
    head, body = raw_get(emu, target)
    announced = int(re.search(rb"Content-Length: (\d+)", head).group(1))  # type: ignore[union-attr]
    assert 0 < len(body) < announced
    emu.faults.add("drop_connection")
    with pytest.raises(requests.exceptions.RequestException):
        get_tasks(emu).json()


def test_slow_response_triggers_read_timeout(emu: OCPEmulator) -> None:
    emu.faults.add("slow", seconds=2)
    with pytest.raises(requests.exceptions.ReadTimeout):  # the server held the answer past the client's 0.3 s
        session().get(f"{tasks_url(emu)}?page=1&size=10", timeout=(5, 0.3))
    assert get_tasks(emu).status_code == 200


def test_latency_applies_to_every_request(emu: OCPEmulator) -> None:
    emu.latency = 0.2
    started = time.monotonic()
    get_tasks(emu)
    session().get(f"{emu.api_url}/ob/clusters", timeout=10)
    assert time.monotonic() - started >= 0.4
    emu.latency = 0


def test_insert_tasks_after_a_page_shifts_the_next_page(emu: OCPEmulator) -> None:
    emu.faults.add("insert_tasks", page=1, count=1)
    first = contents(get_tasks(emu, "page=1&size=3"))
    second = contents(get_tasks(emu, "page=2&size=3"))
    assert second[0] == first[-1]  # the page boundary moved by one: a duplicate
    assert emu.task_count(emu.cluster_ids[0]) == 7


def test_remove_tasks_after_a_page_skips_one(emu: OCPEmulator) -> None:
    before = emu.expected_tasks(emu.cluster_ids[0])
    emu.faults.add("remove_tasks", page=1, count=1)
    first = contents(get_tasks(emu, "page=1&size=3"))
    second = contents(get_tasks(emu, "page=2&size=3"))
    assert [r["createTime"] for r in first + second] == [r["createTime"] for r in before[:3] + before[4:]]


def test_every_matching_data_fault_applies_to_one_request(emu: OCPEmulator) -> None:
    """Unlike the other kinds (the earliest of a kind wins), data faults all apply: 6 tasks, +2, +1, -1."""
    emu.faults.add("insert_tasks", page=1, count=2)
    emu.faults.add("insert_tasks", page=1, count=1)
    emu.faults.add("remove_tasks", page=1, count=1)
    get_tasks(emu, "page=1&size=3")
    assert emu.task_count(emu.cluster_ids[0]) == 8
    assert emu.faults.active == []  # each used its one time


def test_ignore_page(emu: OCPEmulator) -> None:
    emu.faults.add("ignore_page", times=None)
    emu.clock.freeze()
    first = get_tasks(emu, "page=1&size=2").json()["data"]
    second = get_tasks(emu, "page=2&size=2").json()["data"]
    assert first["contents"] == second["contents"] and second["page"]["number"] == 1
    emu.faults.clear()
    assert get_tasks(emu, "page=2&size=2").json()["data"]["contents"] != first["contents"]
    emu.faults.add("ignore_page", echo_page=True)
    assert get_tasks(emu, "page=3&size=2").json()["data"] == {**first, "page": {**first["page"], "number": 3}}


def test_wrong_total_pages_and_clamp_size(emu: OCPEmulator) -> None:
    emu.faults.add("wrong_total_pages", delta=2)
    assert get_tasks(emu, "page=1&size=2").json()["data"]["page"]["totalPages"] == 5
    emu.faults.add("wrong_total_pages", value=1)
    assert get_tasks(emu, "page=1&size=2").json()["data"]["page"]["totalPages"] == 1
    emu.faults.add("clamp_size", max_size=4)
    data = get_tasks(emu, "page=1&size=10").json()["data"]
    assert data["page"]["size"] == 4 and len(data["contents"]) == 4 and data["page"]["totalPages"] == 2


def test_fault_matching_by_page_path_and_times(emu: OCPEmulator) -> None:
    emu.faults.add("http_error", page=2, times=2, status=503)
    assert get_tasks(emu, "page=1&size=2").status_code == 200
    assert get_tasks(emu, "page=2&size=2").status_code == 503
    assert session().get(f"{emu.api_url}/ob/clusters?page=2", timeout=10).status_code == 200
    assert get_tasks(emu, "page=2&size=2").status_code == 503
    assert get_tasks(emu, "page=2&size=2").status_code == 200
    assert emu.faults.active == []
    emu.faults.add("http_error", path_contains="/ob/clusters", times=None, status=500)
    assert session().get(f"{emu.api_url}/ob/clusters", timeout=10).status_code == 500
    assert session().get(f"{emu.api_url}/ob/clusters", timeout=10).status_code == 500
    emu.faults.clear()
    assert session().get(f"{emu.api_url}/ob/clusters", timeout=10).status_code == 200


def test_fault_validation(emu: OCPEmulator) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        emu.faults.add("explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="takes"):
        emu.faults.add("slow", secs=1)
    with pytest.raises(ValueError, match="times"):
        emu.faults.add("slow", times=0)
