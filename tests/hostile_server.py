"""A scripted HTTP(S) server on 127.0.0.1 that answers as a broken or hostile OCP (or proxy) would.

Independent of the emulator on purpose: each test writes the exact bytes a server sends back, including ones no OCP
sends (echoed credentials, huge or inflating bodies, a trickle). It stops by itself when the ``with`` block ends.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

LOGIN, PASSWORD = "reader", "S3cr+t/P@ss word="
ACCESS_KEY_ID, ACCESS_KEY_SECRET = "AKID-hostile", "hOst1le+Secret/Key=="


@dataclass
class Seen:
    """One request as the server received it."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    target: str = ""  # the request line's target as sent: absolute (http://host/path) when asked as a proxy
    method: str = "GET"
    body: bytes = b""


@dataclass
class HostileServer:
    """Serves ``respond(handler, seen)`` for every GET and POST; records what it received.

    :param respond: writes the whole response through the handler (status, headers, body).
    """

    respond: Callable[[BaseHTTPRequestHandler, Seen], None]
    seen: list[Seen] = field(default_factory=list)
    url: str = ""

    def page_requests(self, page: int) -> int:
        return sum(1 for s in self.seen if s.query.get("page") == [str(page)])


def envelope(data: Any, **extra: Any) -> bytes:
    return json.dumps({"successful": True, "status": 200, "data": data, "traceId": "t-ok", **extra}).encode()


def page(records: list[Any], number: int, total_pages: int, total: int) -> bytes:
    info = {"number": number, "size": len(records) or 1, "totalElements": total, "totalPages": total_pages}
    return envelope({"contents": records, "page": info})


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes, **headers: str) -> None:
    handler.send_response(status)
    headers.setdefault("Content-Type", "application/json")
    headers.setdefault("Content-Length", str(len(body)))
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()
    handler.wfile.write(body)


@contextmanager
def hostile_server(
    respond: Callable[[BaseHTTPRequestHandler, Seen], None], tls: tuple[str, str] | None = None
) -> Iterator[HostileServer]:
    """Start the server on a free loopback port; ``tls`` is ``(cert, key)`` for HTTPS.

    :param respond: the response script.
    :param tls: certificate and key files, for an HTTPS server.
    """
    server = HostileServer(respond)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            seen = Seen(parts.path, parse_qs(parts.query), dict(self.headers), self.path, self.command, body)
            server.seen.append(seen)
            try:
                server.respond(self, seen)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up: expected in these tests
                pass

        do_POST = do_GET

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    scheme = "http"
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        scheme = "https"
    server.url = f"{scheme}://127.0.0.1:{httpd.server_address[1]}"
    # poll_interval: shutdown() waits for the loop to look at its flag, 0.5 s by default, on every test's teardown
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def use_server(
    monkeypatch: pytest.MonkeyPatch, url: str, auth_type: str = "basic", conn_id: str = "ocp_default", **extra: Any
) -> dict[str, Any]:
    """Point an ``ocp`` connection at ``url`` (fast retries unless overridden) and return it.

    :param monkeypatch: pytest's monkeypatch.
    :param url: the server's URL.
    :param auth_type: ``basic`` or ``access_key``.
    :param conn_id: the connection id.
    :param extra: connection extras.
    """
    login, password = (LOGIN, PASSWORD) if auth_type == "basic" else (ACCESS_KEY_ID, ACCESS_KEY_SECRET)
    extras = {"auth_type": auth_type, "max_retries": 1, "retry_backoff": 0.01, "retry_max_wait": 0.05, **extra}
    conn = {"conn_type": "ocp", "host": url, "login": login, "password": password, "extra": extras}
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
    return conn


def raw_header(handler: BaseHTTPRequestHandler, line: str | bytes) -> None:
    """Queue a header line exactly as given, sent with the next ``end_headers()``: without a colon, parsers refuse it
    quoting it; as bytes, it may hold what ``send_header`` cannot encode (UTF-8).

    :param handler: the request's handler, between ``send_response()`` and ``end_headers()``.
    :param line: the line, without its CRLF.
    """
    buffer: list[bytes] = getattr(handler, "_headers_buffer")  # noqa: B009 - http.server's own queue of header lines
    buffer.append((line if isinstance(line, bytes) else line.encode("latin-1")) + b"\r\n")
