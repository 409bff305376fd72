"""One request's life: read it, carry out the faults chosen for it, ask the API, write and record the answer.

:mod:`airflow_provider_ocp.testing.faults` decides which faults apply; the functions here are what each one does:
a replacement response, a mangled body on the wire, or a data change once the page is rendered.
"""

from __future__ import annotations

import logging
import math
import socket
import time
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from secrets import token_hex
from typing import TYPE_CHECKING, Any

from airflow_provider_ocp.client.auth import http_date
from airflow_provider_ocp.testing.clock import ServerClock
from airflow_provider_ocp.testing.data import Dataset, UnknownClusterError, UnknownTenantError
from airflow_provider_ocp.testing.envelope import (
    CODE_FRAMEWORK,
    CODE_UNEXPECTED,
    ApiError,
    console_page,
    error_body,
    failure,
    injected_error,
    proxy_page,
)
from airflow_provider_ocp.testing.faults import Fault
from airflow_provider_ocp.testing.wire import IncomingRequest, RecordedRequest, Response, query_params

if TYPE_CHECKING:
    from airflow_provider_ocp.testing.httpd import EmulatorHTTPServer

log = logging.getLogger(__name__)


def fault_response(fault: Fault, request: IncomingRequest, clock: ServerClock) -> Response:
    """The response a response-replacing fault answers with.

    :param fault: a ``rate_limited``, ``http_error``, ``html_200`` or ``unsuccessful`` fault.
    :param request: the request answered (its trace id goes into error envelopes).
    :param clock: the server clock, for envelopes and an HTTP-date ``Retry-After``.
    """
    params = fault.params
    if fault.kind == "rate_limited":
        response = failure(request, clock, ApiError(429, CODE_FRAMEWORK, "Too many requests, slow down"))
        retry_after = params["retry_after"]
        if retry_after is not None:
            if params["http_date"]:
                value = http_date(clock.now() + timedelta(seconds=float(retry_after)))
            else:
                value = str(math.ceil(float(retry_after)))
            response.headers.append(("Retry-After", value))
        return response
    if fault.kind == "html_200":
        return console_page(200)
    if fault.kind not in ("http_error", "unsuccessful"):
        raise ValueError(f"fault {fault.kind!r} does not replace responses")
    status = int(params["status"])
    if params.get("body") == "html":
        return proxy_page(status)
    if fault.kind == "http_error":
        return failure(request, clock, injected_error(status, params, f"Injected server error (HTTP {status})"))
    error = injected_error(status, params, "Injected failure reported with HTTP 200")
    return Response(status=200, body=error_body(request, clock, error))


@dataclass(frozen=True)
class WirePayload:
    """The bytes to write and the Content-Length to announce.

    :param body: the bytes actually written.
    :param content_length: the announced Content-Length.
    :param drop: close the socket after writing ``body``.
    """

    body: bytes
    content_length: int
    drop: bool = False


def wire_payload(body: bytes, fault: Fault | None) -> WirePayload:
    """Apply a body-mangling fault (or none).

    :param body: the full response body.
    :param fault: a ``truncated_json`` or ``drop_connection`` fault, or None.
    """
    if fault is None:
        return WirePayload(body, len(body))
    cut = max(0, min(len(body) - 1, int(len(body) * float(fault.params["fraction"]))))
    if fault.kind == "truncated_json":
        return WirePayload(body[:cut], cut)
    if fault.kind == "drop_connection":
        return WirePayload(body[:cut], len(body), drop=True)
    raise ValueError(f"fault {fault.kind!r} does not mangle bodies")


def apply_after(fault: Fault, dataset: Dataset, cluster_id: int | None) -> None:
    """Mutate the data after a page was rendered (pagination drift).

    :param fault: an ``insert_tasks`` or ``remove_tasks`` fault.
    :param dataset: the data.
    :param cluster_id: the cluster the request addressed; nothing happens without one.
    """
    if cluster_id is None:
        return
    params = fault.params
    try:
        if fault.kind == "insert_tasks":
            dataset.add_tasks(cluster_id, int(params["count"]), tenant_id=params["tenant_id"])
        elif fault.kind == "remove_tasks":
            dataset.remove_tasks(cluster_id, int(params["count"]), newest=bool(params["newest"]))
    except (UnknownClusterError, UnknownTenantError):
        return


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
        started, received_at = time.monotonic(), ctx.clock.now()
        body = self._read_body()
        raw_path, _, raw_query = self.path.partition("?")
        headers = self.headers
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
            response = failure(request, ctx.clock, ApiError(500, CODE_UNEXPECTED, "Internal emulator error"))
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
