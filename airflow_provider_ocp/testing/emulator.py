"""``OCPEmulator``: the public facade, an OCP-like HTTP server on loopback with a Python API to shape its data, faults,
clock and credentials (the server itself: :mod:`~airflow_provider_ocp.testing.server`)."""

from __future__ import annotations

import json
import os
import ssl
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any, Literal

from airflow_provider_ocp.testing.auth import Authenticator
from airflow_provider_ocp.testing.clock import DEFAULT_SERVER_TIMEZONE, DelayProfile, ServerClock
from airflow_provider_ocp.testing.drill_api import DrillApi
from airflow_provider_ocp.testing.drills import Drills
from airflow_provider_ocp.testing.faults import FaultSet
from airflow_provider_ocp.testing.records import CheckpointFormat, DelayFormat, RenderOptions
from airflow_provider_ocp.testing.server import EmulatorHTTPServer
from airflow_provider_ocp.testing.specs import DEFAULT_DELAY_SECONDS, DEFAULT_TASK_INTERVAL, ClusterSpec
from airflow_provider_ocp.testing.wire import RecordedRequest


def _forwarded(component: str, name: str, doc: str) -> Any:
    """A settable emulator attribute held by one of its parts (``emu.latency`` is ``emu.faults.latency``)."""
    return property(
        lambda emu: getattr(getattr(emu, component), name),
        lambda emu, value: setattr(getattr(emu, component), name, value),
        doc=doc,
    )


AuthType = Literal["basic", "access_key"]


class OCPEmulator(Drills):
    """An emulated OCP REST API (``/api/v2``) served over real HTTP on loopback: a context manager, or :meth:`start`
    and :meth:`stop`. Its data (the methods of :class:`~airflow_provider_ocp.testing.data.Dataset` and
    :class:`~airflow_provider_ocp.testing.drills.Drills`), faults, clock and credentials may change while it runs;
    each change is thread-safe and seen by the next request. Its clock (``emu.clock``) is frozen at creation and moves
    only when the test moves it (``emu.clock.advance(seconds)``, ``emu.clock.freeze(at)``); ``frozen_clock=False``
    runs it on the real clock, for a real Airflow (a demo).

    Where: ``host`` and ``port`` (0 picks a free one); ``path_prefix`` in front of ``/api/v2`` (e.g. ``/ocp``, as behind
    a proxy); ``certfile`` and ``keyfile`` (PEM) to serve HTTPS.

    Data: ``clusters`` default ones (:meth:`ClusterSpec.synthetic`; its fields: ``tenants``, ``tasks_per_tenant``,
    ``cluster_level``, ``delay``, ``task_interval``, ``history_end``, ``current_task_age``) or explicit
    :class:`ClusterSpec` s.

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
        if isinstance(clusters, int):
            options: dict[str, Any] = dict(tenants=tenants, tasks_per_tenant=tasks_per_tenant, delay=delay)
            options |= dict(cluster_level=cluster_level, history_end=history_end, current_task_age=current_task_age)
            clusters = [ClusterSpec.synthetic(n, interval=task_interval, **options) for n in range(1, clusters + 1)]
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
        """Bind and serve in a background thread, and return the emulator; delay profiles count from now. After
        :meth:`stop` it may be started again (on a new port when ``port`` was 0), with its data kept."""
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
        if server is not None:
            self._stopping.set()
            server.close()

    def __enter__(self) -> OCPEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
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

    clock_offset = _forwarded("clock", "offset", "Server clock skew against the real clock; settable at runtime.")
    latency = _forwarded("faults", "latency", "Seconds added to every request; settable at runtime.")

    @property
    def max_time_range(self) -> timedelta | None:
        """The longest ``endTime - startTime`` task queries accept (None: no limit); settable at runtime."""
        return self._max_time_range

    @max_time_range.setter
    def max_time_range(self, value: timedelta | None) -> None:
        if value is not None and value <= timedelta(0):
            raise ValueError("max_time_range must be positive, or None for no limit")
        self._max_time_range = value

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the requests received so far, oldest first."""
        return list(self._log)

    def clear_requests(self) -> None:
        self._log.clear()

    def airflow_connection(
        self, auth_type: AuthType = "basic", *, login: str | None = None, password: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """An Airflow connection (JSON form) pointing at this emulator, ``auth_type`` and ``extra`` in its extra:
        ``"basic"`` logs in as the first configured user (those with backup permission first), ``"access_key"`` with
        the first configured AccessKey, unless ``login`` and ``password`` (or AccessKey id and secret) are given."""
        tables = {"basic": self.auth.users or self.auth.restricted_users, "access_key": self.auth.access_keys}
        if auth_type not in tables:
            raise ValueError(f"auth_type must be 'basic' or 'access_key', not {auth_type!r}")
        default_login, default_password = next(iter(tables[auth_type].items()), (None, None))
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
