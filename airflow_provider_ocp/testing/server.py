"""``OCPEmulator``: a real OCP-like HTTP server on loopback, with a Python API to shape its data, faults and clock."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from types import TracebackType
from typing import Any, Literal

from airflow_provider_ocp.testing.api import MAX_PAGE_SIZE, EmulatorApi
from airflow_provider_ocp.testing.clock import DEFAULT_SERVER_TIMEZONE, DelayProfile, ServerClock
from airflow_provider_ocp.testing.credentials import Authenticator, airflow_connection
from airflow_provider_ocp.testing.data import DEFAULT_DELAY_SECONDS, DEFAULT_TASK_INTERVAL, ClusterSpec, Dataset
from airflow_provider_ocp.testing.faults import FaultSet
from airflow_provider_ocp.testing.httpd import EmulatorHTTPServer, ServerContext, server_ssl_context
from airflow_provider_ocp.testing.rendering import CheckpointFormat, DelayFormat, RenderOptions
from airflow_provider_ocp.testing.wire import RecordedRequest

AuthType = Literal["basic", "access_key"]


class OCPEmulator(Dataset):
    """An emulated OCP REST API (``/api/v2``) served over real HTTP on loopback.

    Use it as a context manager (``with OCPEmulator() as emu:``) or call :meth:`start` and :meth:`stop`.
    Data (its :class:`~airflow_provider_ocp.testing.data.Dataset` methods), faults, clock and credentials can all be
    changed while it runs; every change is thread-safe and takes effect for the next request. Its clock is frozen
    at creation: tests move it with ``emu.clock.advance()`` or ``emu.clock.freeze(at)``.

    :param host: the address to listen on (loopback by default).
    :param port: the port; 0 picks a free one.
    :param path_prefix: a path in front of ``/api/v2``, as behind a reverse proxy (e.g. ``/ocp``).
    :param certfile: a PEM certificate to serve HTTPS (the tests make a self-signed one: tests/tls_support.py).
    :param keyfile: its PEM private key.
    :param clusters: how many default clusters (see :meth:`ClusterSpec.synthetic`), or explicit specs; with
        specs, ``tenants``, ``tasks_per_tenant``, ``cluster_level``, ``delay``, ``task_interval``,
        ``history_end`` and ``current_task_age`` are ignored.
    :param tenants: tenants per default cluster.
    :param tasks_per_tenant: history tasks per tenant (the newest is current, RUNNING; older ones STOPPED).
    :param cluster_level: default clusters use OCP 3.x cluster-level backup (records without tenant fields).
    :param delay: the current tasks' delay: seconds, or a :class:`DelayProfile` counted from :meth:`start`.
    :param task_interval: time between consecutive tasks' ``createTime``.
    :param history_end: ``createTime`` of the newest history task; None for 10 minutes before the emulator
        is created.
    :param current_task_age: long-lived current tasks, as real log archive tasks are (they run for weeks): each
        tenant's current task was created at least this long before ``history_end``, with its STOPPED history behind
        it, so a ``createTime`` window of the recent past holds none of them while their checkpoint and delay still
        move with the clock. None (default): the current task is the newest of the series, created at ``history_end``.
    :param users: Basic users with backup permission; None for ``{"admin": DEFAULT_PASSWORD}``.
    :param restricted_users: Basic users without backup permission (403 on backup endpoints).
    :param access_keys: AccessKeys ``{id: secret}``; None for the default pair.
    :param basic_auth: accept Basic authentication.
    :param access_key_auth: accept AccessKey signatures.
    :param clock_offset: server clock skew against the real clock.
    :param frozen_clock: start the clock frozen (default) or running with the real clock (a demo run by hand).
    :param server_timezone: the zone of every printed offset (``+08:00`` by default).
    :param checkpoint_format: ``"java"`` (``+0800``) or ``"iso"`` (``+08:00``).
    :param delay_format: ``"number"``, ``"string"`` or ``"omit"``.
    :param ids_as_strings: send ids as JSON strings.
    :param latency: seconds added to every request.
    :param max_page_size: the silent clamp on ``size``.
    :param max_time_range: the longest ``endTime - startTime`` task queries accept (more: HTTP 500, code 10007).
    :param verbose: print an access log line per request to stderr.
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
        max_page_size: int = MAX_PAGE_SIZE,
        max_time_range: timedelta | None = None,
        verbose: bool = False,
    ) -> None:
        if isinstance(clusters, int):
            specs: Sequence[ClusterSpec] = [
                ClusterSpec.synthetic(
                    number,
                    tenants=tenants,
                    tasks_per_tenant=tasks_per_tenant,
                    cluster_level=cluster_level,
                    delay=delay,
                    interval=task_interval,
                    history_end=history_end,
                    current_task_age=current_task_age,
                )
                for number in range(1, clusters + 1)
            ]
        else:
            specs = list(clusters)
        self._bind = (host, port)
        prefix = path_prefix.strip().rstrip("/")
        self.path_prefix = prefix if not prefix or prefix.startswith("/") else f"/{prefix}"
        self._tls = (certfile, keyfile) if certfile is not None else None
        clock = ServerClock(offset=clock_offset, tz=server_timezone, frozen=frozen_clock)
        super().__init__(specs, clock, RenderOptions(checkpoint_format, delay_format, ids_as_strings))
        self.auth = Authenticator(basic_enabled=basic_auth, access_key_enabled=access_key_auth)
        if users is not None:
            self.auth.users = dict(users)
        if restricted_users is not None:
            self.auth.restricted_users = dict(restricted_users)
        if access_keys is not None:
            self.auth.access_keys = dict(access_keys)
        self.faults = FaultSet(latency)
        self._log: list[RecordedRequest] = []
        self._stopping = threading.Event()
        api = EmulatorApi(self, self.auth, self.clock, path_prefix=self.path_prefix, max_page_size=max_page_size)
        self._context = ServerContext(api, self, self.faults, self._log, self.clock, self._stopping, verbose)
        self.max_time_range = max_time_range
        self._server: EmulatorHTTPServer | None = None

    # -- lifecycle ----------------------------------------------------------------------------------------------

    def start(self) -> OCPEmulator:
        """Bind and serve in a background thread; delay profiles count from now.

        After :meth:`stop` it may be started again (on a new port when ``port`` was 0), with its data kept.

        :returns: the emulator itself.
        """
        if self._server is not None:
            raise RuntimeError("the emulator is already started")
        ssl_context = server_ssl_context(*self._tls) if self._tls is not None else None
        self._stopping.clear()
        self._server = EmulatorHTTPServer(self._bind, self._context, ssl_context)
        self.clock.mark_started()
        self._server.serve_in_background()
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
        """Whether the emulator is serving."""
        return self._server is not None

    # -- addresses ----------------------------------------------------------------------------------------------

    def _bound(self) -> EmulatorHTTPServer:
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        return self._server

    @property
    def host(self) -> str:
        """The address listened on."""
        return str(self._bound().server_address[0])

    @property
    def port(self) -> int:
        """The port listened on (the real one when 0 was asked)."""
        return int(self._bound().server_address[1])

    @property
    def scheme(self) -> str:
        """``https`` with a certificate, else ``http``."""
        return "https" if self._tls is not None else "http"

    @property
    def url(self) -> str:
        """The base URL clients use, path prefix included (e.g. ``http://127.0.0.1:41234/ocp``)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}{self.path_prefix}"

    @property
    def api_url(self) -> str:
        """``url`` + ``/api/v2``."""
        return f"{self.url}/api/v2"

    @property
    def connections_accepted(self) -> int:
        """TCP connections accepted since the emulator started: how many a client opened (keep-alive reuses one)."""
        return self._bound().connections_accepted

    # -- clock, latency, time range, request log -------------------------------------------------------------------

    @property
    def clock_offset(self) -> timedelta:
        """Server clock skew against the real clock; settable at runtime."""
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
        return self._context.api.max_time_range

    @max_time_range.setter
    def max_time_range(self, value: timedelta | None) -> None:
        if value is not None and value <= timedelta(0):
            raise ValueError("max_time_range must be positive, or None for no limit")
        self._context.api.max_time_range = value

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the requests received so far, oldest first."""
        return list(self._log)

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        self._log.clear()

    # -- Airflow wiring -----------------------------------------------------------------------------------------

    def airflow_connection(
        self,
        auth_type: AuthType = "basic",
        *,
        login: str | None = None,
        password: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """An Airflow connection (JSON form) pointing at this emulator.

        :param auth_type: ``"basic"`` (first configured user) or ``"access_key"`` (first configured AccessKey).
        :param login: override the login (user name or AccessKey id).
        :param password: override the password (or AccessKey secret).
        :param extra: more ``extra`` fields (``auth_type`` is always set).
        """
        return airflow_connection(self.auth, self.url, auth_type, login, password, extra)

    def airflow_connection_json(self, auth_type: AuthType = "basic", **kwargs: Any) -> str:
        """:meth:`airflow_connection` as JSON, for ``AIRFLOW_CONN_<ID>`` environment variables.

        :param auth_type: ``"basic"`` or ``"access_key"``.
        :param kwargs: passed to :meth:`airflow_connection`.
        """
        return json.dumps(self.airflow_connection(auth_type, **kwargs))

    def __repr__(self) -> str:
        where = self.url if self.running else "not started"
        return f"<OCPEmulator {where}, clusters={self.cluster_ids}>"
