"""``request_deadline`` for the sync hook: one watchdog per request, from connecting to the body's last byte.

requests (urllib3) has per-read timeouts only: a server or proxy sending its status line, its headers or its body a
byte every few seconds never trips them, and holds a worker for hours. :class:`DeadlineWatchdog` shuts the request's
socket down once the deadline has passed, so the blocked read ends at once, and the hook reports the deadline (see
:attr:`DeadlineWatchdog.expired`) whatever that read ends in: an error, or headers or a body cut short. The async
hook needs none of this: its ``asyncio.timeout`` cancels the request.

The watchdog learns which connection its request uses from the pools of :class:`DeadlineAdapter`: a pool hands each
connection it gives out to the watchdog of the calling thread (a hook's page walk sends from several threads).
"""

from __future__ import annotations

import contextlib
import functools
import socket
import threading
from typing import TYPE_CHECKING, Any

from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, PoolManager
from urllib3.connection import HTTPConnection

if TYPE_CHECKING:
    from urllib3._base_connection import BaseHTTPConnection

CUT_INTERVAL = 0.1
"""After the deadline, how often the watchdog cuts again: a connection still being opened has no socket yet."""

_current = threading.local()


class DeadlineWatchdog:
    """Cuts the connection of the request sent inside ``with DeadlineWatchdog(seconds):`` when it outlives them.

    Leaving the ``with`` block disarms it: close the response only after that, since a response that is closed
    returns its connection to the pool, where another request may be using it when the deadline passes.

    :param seconds: the connection's ``request_deadline``, counted from entering the ``with`` block.
    """

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._connections: list[HTTPConnection] = []
        self.expired = False

    def __enter__(self) -> DeadlineWatchdog:
        _current.watchdog = self
        threading.Thread(target=self._watch, name="ocp-request-deadline", daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        _current.watchdog = None
        with self._lock:
            self._done.set()
            self._connections.clear()

    def attach(self, connection: HTTPConnection) -> None:
        """Watch the connection the request was given.

        :param connection: a urllib3 connection, connected or not.
        """
        with self._lock:
            if not self._done.is_set():
                self._connections.append(connection)

    def _watch(self) -> None:
        wait = self._seconds
        while not self._done.wait(wait):
            self._cut()
            wait = CUT_INTERVAL

    def _cut(self) -> None:
        with self._lock:
            if self._done.is_set():
                return
            self.expired = True
            for connection in self._connections:
                if connection.sock is not None:
                    with contextlib.suppress(OSError):  # already shut down, or closed meanwhile
                        connection.sock.shutdown(socket.SHUT_RDWR)


class _WatchedPool(HTTPConnectionPool):
    """A pool that hands every connection it gives out to the calling thread's :class:`DeadlineWatchdog`."""

    def _get_conn(self, timeout: float | None = None) -> BaseHTTPConnection:
        connection = super()._get_conn(timeout)
        watchdog: DeadlineWatchdog | None = getattr(_current, "watchdog", None)
        if watchdog is not None and isinstance(connection, HTTPConnection):  # every urllib3 connection is one
            watchdog.attach(connection)
        return connection


@functools.cache
def _watched(pool_class: type[HTTPConnectionPool]) -> type[HTTPConnectionPool]:
    if issubclass(pool_class, _WatchedPool):
        return pool_class
    return type(f"Watched{pool_class.__name__}", (_WatchedPool, pool_class), {})


def _watch_pools(manager: PoolManager) -> None:
    manager.pool_classes_by_scheme = {
        scheme: _watched(pool_class) for scheme, pool_class in manager.pool_classes_by_scheme.items()
    }


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter, with pools (direct and through a proxy) that :class:`DeadlineWatchdog` can watch."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """Create the direct pool manager, as requests does, with watched pools.

        :param args: requests' positional arguments.
        :param kwargs: requests' keyword arguments.
        """
        super().init_poolmanager(*args, **kwargs)
        _watch_pools(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        """The pool manager for ``proxy``, as requests builds it, with watched pools.

        :param proxy: the proxy URL.
        :param proxy_kwargs: requests' keyword arguments.
        """
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        _watch_pools(manager)
        return manager
