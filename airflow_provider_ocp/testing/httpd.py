"""The listening server: threaded, optionally TLS (handshake in the connection's thread), closable connections.

With a certificate (the tests make a self-signed one, ``tests/tls_support.py``) it serves HTTPS.
"""

from __future__ import annotations

import os
import socket
import socketserver
import ssl
import sys
import threading
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import Any

from airflow_provider_ocp.testing.api import EmulatorApi
from airflow_provider_ocp.testing.clock import ServerClock
from airflow_provider_ocp.testing.data import Dataset
from airflow_provider_ocp.testing.faults import FaultSet
from airflow_provider_ocp.testing.handler import EmulatorRequestHandler
from airflow_provider_ocp.testing.wire import RecordedRequest

_HANDSHAKE_TIMEOUT = 10.0


@dataclass
class ServerContext:
    """Everything a handler thread needs, shared by all of them.

    :param api: the emulated API.
    :param dataset: the data (faults mutate it).
    :param faults: the fault registry.
    :param log: the requests received, oldest first (append, copy and clear of a list are atomic).
    :param clock: the server clock.
    :param stopping: set when the emulator stops; wakes sleeping handlers.
    :param verbose: write an access log line per request to stderr.
    """

    api: EmulatorApi
    dataset: Dataset
    faults: FaultSet
    log: list[RecordedRequest]
    clock: ServerClock
    stopping: threading.Event
    verbose: bool = False


class EmulatorHTTPServer(ThreadingHTTPServer):
    """A :class:`ThreadingHTTPServer` with daemon threads that knows its open connections.

    :param address: ``(host, port)`` to bind; port 0 picks a free one.
    :param context: what handler threads share.
    :param ssl_context: a server-side TLS context, or None for plain HTTP.
    """

    daemon_threads = True
    # Many clients connect at once (a triggerer with hundreds of triggers); socketserver's default backlog is 5.
    request_queue_size = 512
    block_on_close = False

    def __init__(
        self,
        address: tuple[str, int],
        context: ServerContext,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.context = context
        self._ssl_context = ssl_context
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self.connections_accepted = 0
        self._thread: threading.Thread | None = None
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, EmulatorRequestHandler)

    def server_bind(self) -> None:
        """Bind without :func:`socket.getfqdn` (a reverse DNS lookup that can stall start-up)."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Run the handler; with TLS, wrap the socket first (in this connection's thread, not the accept loop).

        :param request: the accepted socket.
        :param client_address: the peer address.
        """
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

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that went away; report anything else.

        :param request: the connection.
        :param client_address: the peer address.
        """
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)

    def track(self, connection: socket.socket) -> None:
        """Remember an open connection.

        :param connection: the connection's socket.
        """
        with self._connections_lock:
            self._connections.add(connection)
            self.connections_accepted += 1

    def untrack(self, connection: socket.socket) -> None:
        """Forget a closed connection.

        :param connection: the connection's socket.
        """
        with self._connections_lock:
            self._connections.discard(connection)

    def serve_in_background(self) -> None:
        """Serve from a daemon thread, so the test (or command) that started the emulator keeps running."""
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.1}, name="ocp-emulator", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        """Stop serving, end open connections so handler threads finish, release the port, await the thread."""
        self.shutdown()
        self.close_connections()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def close_connections(self) -> None:
        """Shut down every open connection (idle keep-alive ones included) so handler threads end."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def server_ssl_context(certfile: str | os.PathLike[str], keyfile: str | os.PathLike[str] | None) -> ssl.SSLContext:
    """A server-side TLS context (TLS 1.2+) with the given certificate.

    :param certfile: PEM certificate (chain).
    :param keyfile: PEM private key; None when it is inside ``certfile``.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile, keyfile)
    return context
