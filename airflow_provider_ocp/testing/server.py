"""The HTTP side of the emulator: a threaded server on loopback and the handler that serves each request (read it,
carry out the faults chosen for it, ask the API, write and record the answer)."""

from __future__ import annotations

import logging
import socket
import socketserver
import ssl
import sys
import threading
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from secrets import token_hex
from typing import TYPE_CHECKING, Any

from airflow_provider_ocp.client.auth import http_date
from airflow_provider_ocp.testing import wire
from airflow_provider_ocp.testing.faults import apply_after, fault_response, wire_payload
from airflow_provider_ocp.testing.wire import ApiError, RecordedRequest

if TYPE_CHECKING:
    from airflow_provider_ocp.testing.emulator import OCPEmulator

log = logging.getLogger(__name__)
_HANDSHAKE_TIMEOUT = 10.0


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    """Serves one connection (keep-alive: possibly many requests)."""

    protocol_version = "HTTP/1.1"
    # Small responses go out at once instead of waiting ~40 ms for the client's delayed ACK (Nagle).
    disable_nagle_algorithm = True
    server_version = "ocp-emulator"
    timeout = 60.0
    if TYPE_CHECKING:
        server: EmulatorHTTPServer

    def version_string(self) -> str:
        return self.server_version

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` response header, from the server clock (skew and freezing included)."""
        return http_date(self.server.emulator.clock.now())

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.emulator.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        """Serve a request of any method (API routes answer 405 envelopes for the methods they do not take)."""
        emu = self.server.emulator
        path, _, query = self.path.partition("?")
        trace_id = self.headers.get("x-trace-id") or token_hex(8)
        request = RecordedRequest(self.command, path, query, self.headers, b"", trace_id, emu.clock.now())
        body_length = (self.headers.get("Content-Length") or "0").strip()
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower() or not body_length.isdigit():
            self.close_connection = True  # chunked bodies are not supported (OCP clients never send them)
        else:
            request.body = self.rfile.read(int(body_length))  # b"" for 0, at once
        page: int | None = None
        with suppress(ValueError):
            page = int(request.params.get("page", ""))
        plan = emu.faults.take(path, page)
        if (wait := emu.faults.latency + plan.delay) > 0 and emu._stopping.wait(wait):
            self.close_connection = True
            return
        try:
            with emu.clock.one_reading():  # the records and the envelope's timestamp: one server time
                if plan.respond is not None:
                    response = fault_response(plan.respond, request, emu.clock)
                else:
                    response = emu.api.handle(request, plan.shape)
            for fault in plan.after:
                apply_after(fault, emu, response.cluster_id)
        except Exception:
            log.exception("OCP emulator failed to answer %s %s", self.command, path)
            response = wire.failure(request, emu.clock, ApiError(500, wire.CODE_UNEXPECTED, "Internal emulator error"))
        sent, length, drop = wire_payload(response.body, plan.transport)
        request.status, request.fault = response.status, plan.summary
        emu._log.append(request)
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(length))
            for name, value in response.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(sent)
            self.wfile.flush()
        except OSError:  # the client went away: end the connection too
            drop = True
        if drop:
            self.close_connection = True
            with suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET


class EmulatorHTTPServer(ThreadingHTTPServer):
    """A :class:`ThreadingHTTPServer` with daemon threads that knows its open connections, serving ``emulator``
    on ``address`` (port 0 picks a free one), over TLS when given a server-side ``ssl_context``."""

    daemon_threads = True
    # Many clients connect at once (a triggerer with hundreds of triggers); socketserver's default backlog is 5.
    request_queue_size = 512
    block_on_close = False

    def __init__(
        self, address: tuple[str, int], emulator: OCPEmulator, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self.emulator = emulator
        self._ssl_context = ssl_context
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self.connections_accepted = 0
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, EmulatorRequestHandler)
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.02}, name="ocp-emulator", daemon=True
        )
        self._thread.start()  # serve from a daemon thread, so the test (or command) that started it keeps running

    def server_bind(self) -> None:  # TCPServer's; HTTPServer's adds a reverse DNS lookup (for CGI) that can stall
        socketserver.TCPServer.server_bind(self)

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Run the handler, its connection known to :meth:`close` meanwhile; with TLS, wrap the socket first (in this
        connection's thread, not the accept loop)."""
        if self._ssl_context is not None:
            try:
                request.settimeout(_HANDSHAKE_TIMEOUT)
                request = self._ssl_context.wrap_socket(request, server_side=True)
            except OSError:  # includes ssl.SSLError: a failed handshake just ends the connection
                return
        with self._connections_lock:
            self._connections.add(request)
            self.connections_accepted += 1
        try:
            super().finish_request(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)
            if self._ssl_context is not None:
                request.close()  # socketserver closes the plain socket only, which the TLS one took over

    def handle_error(self, request: Any, client_address: Any) -> None:  # quiet about clients that went away
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def close(self) -> None:
        """Stop serving, end open connections (idle keep-alive ones included), release the port, await the thread."""
        self.shutdown()
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self.server_close()
        self._thread.join(timeout=5)
