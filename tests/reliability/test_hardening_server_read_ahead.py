"""Hostile servers (issue 12), 4: a fatal error ends a read-ahead walk at once, and a sibling failing afterwards
logs no retry."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler

import pytest
from hardening_server_support import CLUSTER, TASK
from hostile_server import Seen, hostile_server, page, send, use_server

from airflow_provider_ocp.exceptions import OCPRequestRejectedError
from airflow_provider_ocp.hooks.ocp import OCPHook

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)


# -- 4. a fatal error ends a read-ahead walk at once -----------------------------------------------------------------


def page_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("ocp-page")]


@pytest.mark.parametrize("fatal_page", [2, 3])
def test_a_fatal_page_stops_the_read_ahead_without_waiting_for_sibling_retries(
    monkeypatch: pytest.MonkeyPatch, fatal_page: int
) -> None:
    """Pages 2-5 are read ahead; one answers 400 while the others answer 503 with Retry-After: 30."""

    def respond(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        number = int(seen.query["page"][0])
        if number == 1:
            send(handler, 200, page([{**TASK, "tenantId": 1}], 1, 5, 5))
        elif number == fatal_page:
            error = {"successful": False, "status": 400, "error": {"code": 60018, "message": "bad page"}}
            send(handler, 400, json.dumps(error).encode())
        else:
            error = {"successful": False, "status": 503, "error": {"code": 0, "message": "busy"}}
            send(handler, 503, json.dumps(error).encode(), Retry_After="30")

    with hostile_server(respond) as server:
        use_server(monkeypatch, server.url, concurrency=4, max_retries=5, retry_max_wait=30, page_size=1)
        with pytest.raises(OCPRequestRejectedError, match="bad page") as info:
            list(OCPHook().iter_log_backup_tasks(CLUSTER))
        for thread in page_threads():
            thread.join(timeout=10)  # they wake from their 30 s waits as soon as the walk fails
        assert not page_threads(), "read-ahead threads still waiting on their retries"
        assert info.value.status == 400
        assert all(server.page_requests(number) <= 1 for number in range(2, 6)), server.seen
        assert server.page_requests(1) == 1


def test_a_sibling_failing_after_the_walk_ended_logs_no_retry(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Page 2 answers 400 at once; page 3 answers 503 only once the walk has failed: no retry follows, so its retry
    warning would only mislead (and, logged after the task's end, it wrote to closed streams)."""
    walk_failed = threading.Event()

    def respond(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        number = int(seen.query["page"][0])
        if number == 1:
            send(handler, 200, page([{**TASK, "tenantId": 1}], 1, 3, 3))
        elif number == 2:
            error = {"successful": False, "status": 400, "error": {"code": 60018, "message": "bad page"}}
            send(handler, 400, json.dumps(error).encode())
        else:
            walk_failed.wait(10)
            error = {"successful": False, "status": 503, "error": {"code": 0, "message": "busy"}}
            send(handler, 503, json.dumps(error).encode())

    with hostile_server(respond) as server:
        use_server(monkeypatch, server.url, concurrency=4, max_retries=5, page_size=1)
        with pytest.raises(OCPRequestRejectedError, match="bad page"):
            list(OCPHook().iter_log_backup_tasks(CLUSTER))
        walk_failed.set()
        for thread in page_threads():
            thread.join(timeout=10)
        assert server.page_requests(3) == 1
    printed = "".join(capsys.readouterr())  # Airflow's own (structlog) output, where the hook's warnings go
    assert "OCP request failed (retry" not in printed, printed
