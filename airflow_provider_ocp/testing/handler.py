"""The HTTP/1.1 request handler: reads a request, applies faults, asks the API, writes and records the answer."""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from secrets import token_hex
from typing import TYPE_CHECKING, Any

from airflow_provider_ocp.client.auth import http_date
from airflow_provider_ocp.testing.api import EmulatorApi
from airflow_provider_ocp.testing.clock import ServerClock
from airflow_provider_ocp.testing.dataset import Dataset
from airflow_provider_ocp.testing.envelope import CODE_INTERNAL, failure
from airflow_provider_ocp.testing.fault_effects import WirePayload, apply_after, fault_response, wire_payload
from airflow_provider_ocp.testing.faults import FaultSet
from airflow_provider_ocp.testing.messages import Headers, IncomingRequest, Response, query_params
from airflow_provider_ocp.testing.requests_log import RecordedRequest, RequestLog

if TYPE_CHECKING:
    from airflow_provider_ocp.testing.httpd import EmulatorHTTPServer

log = logging.getLogger(__name__)


@dataclass
class ServerContext:
    """Everything a handler thread needs, shared by all of them.

    :param api: the emulated API.
    :param dataset: the data (faults mutate it).
    :param faults: the fault registry.
    :param log: the request log.
    :param clock: the server clock.
    :param stopping: set when the emulator stops; wakes sleeping handlers.
    :param verbose: write an access log line per request to stderr.
    """

    api: EmulatorApi
    dataset: Dataset
    faults: FaultSet
    log: RequestLog
    clock: ServerClock
    stopping: threading.Event
    verbose: bool = False


def _page_of(raw_query: str) -> int | None:
    try:
        return int(query_params(raw_query).get("page", ""))
    except ValueError:
        return None


class EmulatorRequestHandler(BaseHTTPRequestHandler):
    """Serves one connection (keep-alive: possibly many requests)."""

    protocol_version = "HTTP/1.1"
    # Small responses go out at once instead of waiting ~40 ms for the client's delayed ACK (Nagle).
    disable_nagle_algorithm = True
    server_version = "ocp-emulator"
    sys_version = ""
    timeout = 60.0
    if TYPE_CHECKING:
        server: EmulatorHTTPServer

    def version_string(self) -> str:
        """The ``Server`` response header."""
        return self.server_version

    def setup(self) -> None:
        """Register the connection so :meth:`EmulatorHTTPServer.close_connections` can end it at stop."""
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        """Unregister the connection."""
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def do_GET(self) -> None:
        """Serve a GET."""
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET  # API routes answer 405 envelopes for these

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` response header, from the server clock (skew and freezing included).

        :param timestamp: a POSIX time; None for the server's now.
        """
        if timestamp is None:
            return http_date(self.server.context.clock.now())
        return super().date_time_string(timestamp)

    def log_message(self, format: str, *args: Any) -> None:
        """Write an access log line to stderr when the emulator is verbose.

        :param format: a %-format string.
        :param args: its arguments.
        """
        if self.server.context.verbose:
            super().log_message(format, *args)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True  # not supported; never sent by OCP clients
            return b""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            return b""
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        ctx = self.server.context
        started, received_at = ctx.clock.monotonic(), ctx.clock.now()
        body = self._read_body()
        raw_path, _, raw_query = self.path.partition("?")
        headers = Headers(self.headers.items())
        plan = ctx.faults.take(raw_path, _page_of(raw_query))
        wait = ctx.faults.latency + plan.delay
        if wait > 0 and ctx.stopping.wait(wait):
            self.close_connection = True
            return
        request = IncomingRequest(
            method=self.command,
            raw_path=raw_path,
            raw_query=raw_query,
            headers=headers,
            body=body,
            trace_id=headers.get("x-trace-id") or token_hex(8),
            started=started,
        )
        try:
            if plan.respond is not None:
                response = fault_response(plan.respond, request, ctx.clock)
            else:
                response = ctx.api.handle(request, plan.tweaks)
            for fault in plan.after:
                apply_after(fault, ctx.dataset, response.cluster_id)
        except Exception:
            log.exception("OCP emulator failed to answer %s %s", self.command, raw_path)
            response = failure(request, ctx.clock, 500, CODE_INTERNAL, "Internal emulator error")
        wire = wire_payload(response.body, plan.transport)
        ctx.log.append(
            RecordedRequest(
                method=self.command,
                path=raw_path,
                query=raw_query,
                headers=headers,
                body=body,
                status=response.status,
                fault=plan.summary,
                received_at=received_at,
            )
        )
        self._write(response, wire)

    def _write(self, response: Response, wire: WirePayload) -> None:
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(wire.content_length))
            for name, value in response.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(wire.body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True
            return
        if wire.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
