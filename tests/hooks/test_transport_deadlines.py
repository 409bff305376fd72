"""Issue 21, point 10, through the sync hook (requests) and the async hook (httpx) alike, against scripted servers on
loopback (``tests/hostile_server.py``): the status line and headers trickling in cannot hold a request past
``request_deadline``, and a finished request's deadline never cuts the next one on its connection.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler

import pytest
from hostile_server import Seen, hostile_server, page, send, use_server
from transport_support import CLIENTS, TASK, read

from airflow_provider_ocp.exceptions import OCPAPIError

pytestmark = pytest.mark.waits  # on real deadlines: scheduled early under xdist (tests/conftest.py)


@pytest.mark.parametrize("client", CLIENTS)
def test_headers_trickling_in_hit_the_request_deadline(monkeypatch: pytest.MonkeyPatch, client: str) -> None:
    """The first answer's status line and headers come a byte every 50 ms (6 s in all, each read well within the
    read timeout); the request fails at the 1 s deadline, retryable, and the same hook's next request succeeds.

    The hook hung up early when the server could not finish sending the head: measured in bytes the server wrote,
    not on a clock (a loaded machine may be slow to set up the next request, never to cut this one)."""
    answer = page([TASK], 1, 1, 1)
    sent: list[int] = []

    def respond(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        if len(server.seen) > 1:
            send(handler, 200, answer)
            return
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Pad: {'x' * 100}\r\n".encode()
        handler.close_connection = True
        try:
            for count, byte in enumerate(head):
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                sent.append(count)
                time.sleep(0.05)
            handler.wfile.write(f"Content-Length: {len(answer)}\r\n\r\n".encode() + answer)
        except OSError:  # the client hung up
            return
        sent.append(len(head))

    with hostile_server(respond) as server:
        use_server(monkeypatch, server.url, request_deadline=1, timeout=30, max_retries=0)
        first, second = read(client, times=2)
    assert isinstance(first, OCPAPIError), first
    assert "request deadline of 1s" in str(first) and "'request_deadline'" in str(first) and first.retryable
    assert second == ["t1"]
    head_length = len(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Pad: {'x' * 100}\r\n")
    assert max(sent) < head_length, "the server sent its whole trickle: the hook did not hang up at the deadline"


@pytest.mark.parametrize("client", CLIENTS)
def test_a_finished_requests_deadline_never_cuts_the_next_request_on_its_connection(
    monkeypatch: pytest.MonkeyPatch, client: str
) -> None:
    """Deadline 1.5 s. The first request is answered at once; the second, sent 0.5 s later on the same keep-alive
    connection, is answered after 1.2 s: the first request's deadline passes while the second is in flight."""

    def respond(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        time.sleep(1.2 if len(server.seen) == 2 else 0)
        send(handler, 200, page([TASK], 1, 1, 1))

    with hostile_server(respond) as server:
        use_server(monkeypatch, server.url, request_deadline=1.5, max_retries=0)
        assert read(client, times=2, pause=0.5) == [["t1"], ["t1"]]
    assert len(server.seen) == 2
    for thread in threading.enumerate():
        if thread.name == "ocp-request-deadline":
            thread.join(timeout=1)  # a watchdog ends with its request
            assert not thread.is_alive()
