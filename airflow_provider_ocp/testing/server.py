"""``OCPEmulator``: a real OCP-like HTTP server on loopback, with a Python API to shape its data, faults and clock.

The server is threaded, optionally TLS (the handshake in the connection's thread), and closes its open connections
at stop. Per request: read it, carry out the faults chosen for it, ask the API, write and record the answer.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import socketserver
import ssl
import sys
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from secrets import token_hex
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from airflow_provider_ocp.client.auth import http_date
from airflow_provider_ocp.testing import wire
from airflow_provider_ocp.testing.api import Authenticator
from airflow_provider_ocp.testing.clock import DEFAULT_SERVER_TIMEZONE, DelayProfile, ServerClock
from airflow_provider_ocp.testing.data import (
    DEFAULT_DELAY_SECONDS,
    DEFAULT_TASK_INTERVAL,
    CheckpointFormat,
    ClusterSpec,
    DelayFormat,
    RenderOptions,
)
from airflow_provider_ocp.testing.drill_api import DrillApi
from airflow_provider_ocp.testing.drills import Drills
from airflow_provider_ocp.testing.faults import FaultSet, apply_after, fault_response, wire_payload
from airflow_provider_ocp.testing.wire import ApiError, RecordedRequest

log = logging.getLogger(__name__)
_HANDSHAKE_TIMEOUT = 10.0


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
        return self.server_version

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def do_GET(self) -> None:
        """Serve a request (API routes answer 405 envelopes for other methods than GET)."""
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` response header, from the server clock (skew and freezing included)."""
        return http_date(self.server.emulator.clock.now())

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.emulator.verbose:
            super().log_message(format, *args)

    def _read_body(self) -> bytes:
        length = (self.headers.get("Content-Length") or "0").strip()
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower() or not length.isdigit():
            self.close_connection = True  # chunked bodies are not supported (OCP clients never send them)
            return b""
        return self.rfile.read(int(length)) if int(length) > 0 else b""

    def _serve(self) -> None:
        emu = self.server.emulator
        path, _, query = self.path.partition("?")
        trace_id = self.headers.get("x-trace-id") or token_hex(8)
        request = RecordedRequest(self.command, path, query, self.headers, b"", trace_id, emu.clock.now())
        request.body = self._read_body()
        try:
            page: int | None = int(request.params.get("page", ""))
        except ValueError:
            page = None
        plan = emu.faults.take(path, page)
        wait = emu.faults.latency + plan.delay
        if wait > 0 and emu._stopping.wait(wait):
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
        except OSError:
            self.close_connection = True
            return
        if drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


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

    def server_bind(self) -> None:  # without socket.getfqdn(): a reverse DNS lookup can stall start-up
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Run the handler; with TLS, wrap the socket first (in this connection's thread, not the accept loop)."""
        if self._ssl_context is None:
            super().finish_request(request, client_address)
            return
        try:
            request.settimeout(_HANDSHAKE_TIMEOUT)
            tls = self._ssl_context.wrap_socket(request, server_side=True)
        except OSError:  # includes ssl.SSLError: a failed handshake just ends the connection
            return
        try:
            super().finish_request(tls, client_address)
        finally:
            tls.close()

    def handle_error(self, request: Any, client_address: Any) -> None:  # quiet about clients that went away
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)

    def track(self, connection: socket.socket, *, add: bool) -> None:
        with self._connections_lock:
            if add:
                self._connections.add(connection)
                self.connections_accepted += 1
            else:
                self._connections.discard(connection)

    def close(self) -> None:
        """Stop serving, end open connections (idle keep-alive ones included), release the port, await the thread."""
        self.shutdown()
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.server_close()
        self._thread.join(timeout=5)


AuthType = Literal["basic", "access_key"]


class OCPEmulator(Drills):
    """An emulated OCP REST API (``/api/v2``) served over real HTTP on loopback.

    Use it as a context manager (``with OCPEmulator() as emu:``) or call :meth:`start` and :meth:`stop`.
    Data (its :class:`~airflow_provider_ocp.testing.data.Dataset` and
    :class:`~airflow_provider_ocp.testing.drills.Drills` methods), faults, clock and credentials can all be changed
    while it runs; every change is thread-safe and takes effect for the next request.

    Its clock (``emu.clock``) is frozen at creation, so answers depend only on what the test did: tests move it with
    ``emu.clock.advance(seconds)`` or ``emu.clock.freeze(at)``. A sensor that waits for the checkpoint (server time
    minus the delay) to reach the run's own time, as ``target_time="{{ dag_run.run_after }}"`` does, needs OCP's
    clock past that time: freeze it a few minutes ahead (within the 15 minutes of ``Date`` skew AccessKey allows), or
    create the emulator with ``frozen_clock=False`` where a real Airflow runs on the real clock (a demo).

    Where: ``host`` and ``port`` (0 picks a free one); ``path_prefix`` in front of ``/api/v2`` (e.g. ``/ocp``, as behind
    a proxy); ``certfile`` and ``keyfile`` (PEM) to serve HTTPS (tests make one in tests/tls_support.py).

    Data: ``clusters`` default ones (:meth:`ClusterSpec.synthetic`) of ``tenants`` with ``tasks_per_tenant`` tasks each
    (the newest RUNNING, the others STOPPED) ``task_interval`` apart, OCP 3.x records without tenant fields if
    ``cluster_level``; or explicit :class:`ClusterSpec` s. ``delay``: the current tasks' delay, seconds or a
    :class:`DelayProfile` counted from :meth:`start`. ``history_end``: ``createTime`` of the newest task (None: 10
    minutes before creation). ``current_task_age``: long-lived current tasks, as real log archive tasks: each tenant's
    current task created at least this long before ``history_end``, its STOPPED history behind it, so a recent
    ``createTime`` window holds none while their checkpoint and delay still move with the clock.

    Credentials: Basic ``users`` (None: ``{"admin": DEFAULT_PASSWORD}``), ``restricted_users`` (403 on backup
    endpoints), ``access_keys`` ``{id: secret}`` (None: the default pair); ``basic_auth``, ``access_key_auth`` on/off.

    Behaviour: ``clock_offset`` (skew), ``frozen_clock``, ``server_timezone`` (``+08:00``), ``checkpoint_format``,
    ``delay_format``, ``ids_as_strings`` (:class:`RenderOptions`), ``latency`` (seconds added to every request),
    ``max_time_range`` (longest ``endTime - startTime``; more: 500, code 10007), ``verbose`` (an access log).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        path_prefix: str = "",
        certfile: str | os.PathLike[str] | None = None,
        keyfile: str | os.PathLike[str] | None = None,
        clusters: int | Sequence[ClusterSpec] = 1,
        tenants: int = 2,
        tasks_per_tenant: int = 3,
        cluster_level: bool = False,
        delay: float | DelayProfile = DEFAULT_DELAY_SECONDS,
        task_interval: timedelta = DEFAULT_TASK_INTERVAL,
        history_end: datetime | None = None,
        current_task_age: timedelta | None = None,
        users: Mapping[str, str] | None = None,
        restricted_users: Mapping[str, str] | None = None,
        access_keys: Mapping[str, str] | None = None,
        basic_auth: bool = True,
        access_key_auth: bool = True,
        clock_offset: timedelta = timedelta(0),
        frozen_clock: bool = True,
        server_timezone: tzinfo = DEFAULT_SERVER_TIMEZONE,
        checkpoint_format: CheckpointFormat = "java",
        delay_format: DelayFormat = "number",
        ids_as_strings: bool = False,
        latency: float = 0.0,
        max_time_range: timedelta | None = None,
        verbose: bool = False,
    ) -> None:
        options: dict[str, Any] = {"tenants": tenants, "tasks_per_tenant": tasks_per_tenant, "delay": delay}
        options |= {"cluster_level": cluster_level, "interval": task_interval, "history_end": history_end}
        options["current_task_age"] = current_task_age
        if isinstance(clusters, int):
            clusters = [ClusterSpec.synthetic(number, **options) for number in range(1, clusters + 1)]
        self._bind = (host, port)
        prefix = path_prefix.strip().rstrip("/")
        self.path_prefix = prefix if not prefix or prefix.startswith("/") else f"/{prefix}"
        self._tls = (certfile, keyfile) if certfile is not None else None
        clock = ServerClock(offset=clock_offset, tz=server_timezone, frozen=frozen_clock)
        super().__init__(list(clusters), clock, RenderOptions(checkpoint_format, delay_format, ids_as_strings))
        self.auth = Authenticator(basic_enabled=basic_auth, access_key_enabled=access_key_auth)
        for name, table in (("users", users), ("restricted_users", restricted_users), ("access_keys", access_keys)):
            if table is not None:
                setattr(self.auth, name, dict(table))
        self.faults = FaultSet(latency)
        self.verbose = verbose
        self._log: list[RecordedRequest] = []  # append, copy and clear of a list are atomic
        self._stopping = threading.Event()  # set at stop: wakes sleeping handlers
        self.api = DrillApi(self)
        self.max_time_range = max_time_range
        self._server: EmulatorHTTPServer | None = None

    def start(self) -> OCPEmulator:
        """Bind and serve in a background thread, and return the emulator; delay profiles count from now.

        After :meth:`stop` it may be started again (on a new port when ``port`` was 0), with its data kept.
        """
        if self._server is not None:
            raise RuntimeError("the emulator is already started")
        ssl_context = None
        if self._tls is not None:
            ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ssl_context.minimum_version = ssl.TLSVersion.TLSv1_2
            ssl_context.load_cert_chain(*self._tls)
        self._stopping.clear()
        self.clock.started = self.clock.now()
        self._server = EmulatorHTTPServer(self._bind, self, ssl_context)
        return self

    def stop(self) -> None:
        """Stop serving, end open connections and wake sleeping handlers; safe to call twice."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.close()

    def __enter__(self) -> OCPEmulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    def _bound(self) -> EmulatorHTTPServer:
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        return self._server

    @property
    def host(self) -> str:
        return str(self._bound().server_address[0])

    @property
    def port(self) -> int:
        return int(self._bound().server_address[1])

    @property
    def scheme(self) -> str:
        return "https" if self._tls is not None else "http"

    @property
    def url(self) -> str:
        """The base URL clients use, path prefix included (e.g. ``http://127.0.0.1:41234/ocp``)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}{self.path_prefix}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/v2"

    @property
    def connections_accepted(self) -> int:
        """TCP connections accepted since the emulator started: how many a client opened (keep-alive reuses one)."""
        return self._bound().connections_accepted

    @property
    def clock_offset(self) -> timedelta:
        """Server clock skew against the real clock (``clock.offset``); settable at runtime."""
        return self.clock.offset

    @clock_offset.setter
    def clock_offset(self, value: timedelta) -> None:
        self.clock.offset = value

    @property
    def latency(self) -> float:
        """Seconds added to every request; settable at runtime."""
        return self.faults.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self.faults.latency = seconds

    @property
    def max_time_range(self) -> timedelta | None:
        """The longest ``endTime - startTime`` task queries accept (None: no limit); settable at runtime."""
        return self.api.max_time_range

    @max_time_range.setter
    def max_time_range(self, value: timedelta | None) -> None:
        if value is not None and value <= timedelta(0):
            raise ValueError("max_time_range must be positive, or None for no limit")
        self.api.max_time_range = value

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the requests received so far, oldest first."""
        return list(self._log)

    def clear_requests(self) -> None:
        self._log.clear()

    def airflow_connection(
        self, auth_type: AuthType = "basic", *, login: str | None = None, password: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """An Airflow connection (JSON form) pointing at this emulator.

        :param auth_type: ``"basic"`` (first configured user, with backup permission first) or ``"access_key"``
            (first configured AccessKey).
        :param login: override the login (user name or AccessKey id).
        :param password: override the password (or AccessKey secret).
        :param extra: more ``extra`` fields (``auth_type`` is always set).
        """
        if auth_type == "basic":
            table = self.auth.users or self.auth.restricted_users
        elif auth_type == "access_key":
            table = self.auth.access_keys
        else:
            raise ValueError(f"auth_type must be 'basic' or 'access_key', not {auth_type!r}")
        default_login, default_password = next(iter(table.items()), (None, None))
        login = login if login is not None else default_login
        password = password if password is not None else default_password
        if login is None or password is None:
            raise ValueError(f"no {auth_type} credentials configured; pass login and password")
        extra = {"auth_type": auth_type, **extra}
        return {"conn_type": "ocp", "host": self.url, "login": login, "password": password, "extra": extra}

    def airflow_connection_json(self, auth_type: AuthType = "basic", **kwargs: Any) -> str:
        """:meth:`airflow_connection` as JSON, for ``AIRFLOW_CONN_<ID>`` environment variables."""
        return json.dumps(self.airflow_connection(auth_type, **kwargs))

    def __repr__(self) -> str:
        where = self.url if self.running else "not started"
        return f"<OCPEmulator {where}, clusters={self.cluster_ids}>"
