"""The listening server: threaded, optional TLS (handshake in the connection's thread), closable connections."""

from __future__ import annotations

import socket
import socketserver
import ssl
import sys
import threading
from http.server import ThreadingHTTPServer
from typing import Any

from airflow_provider_ocp.testing.handler import EmulatorRequestHandler, ServerContext

_HANDSHAKE_TIMEOUT = 10.0


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

    def untrack(self, connection: socket.socket) -> None:
        """Forget a closed connection.

        :param connection: the connection's socket.
        """
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        """Shut down every open connection (idle keep-alive ones included) so handler threads end."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
