"""The listening server: threaded, optionally TLS (handshake in the connection's thread), closable connections.

It also makes the TLS material: a self-signed certificate for loopback and the server-side SSL context.
``cryptography`` is imported only when a certificate is generated, so the emulator starts without it.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import socketserver
import ssl
import sys
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from airflow_provider_ocp.testing.api import EmulatorApi
from airflow_provider_ocp.testing.clock import ServerClock
from airflow_provider_ocp.testing.dataset import Dataset
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


def make_self_signed_cert(directory: str | os.PathLike[str], *, days: int = 30) -> tuple[str, str]:
    """Write a self-signed certificate and its private key for ``127.0.0.1``, ``::1`` and ``localhost``.

    Clients trust it by using the certificate file as their CA bundle (``requests``: ``verify=cert_path``).

    :param directory: where to write ``ocp-emulator-cert.pem`` and ``ocp-emulator-key.pem``.
    :param days: validity in days (it also starts one day in the past, to tolerate skew).
    :returns: ``(cert_path, key_path)``.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "OCP emulator (localhost)")])
    now = datetime.now(timezone.utc)
    san = x509.SubjectAlternativeName(
        [
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("::1")),
        ]
    )
    # An ECDHE-ECDSA server key signs and agrees on keys; every other usage stays off.
    off = ("content_commitment", "key_encipherment", "data_encipherment", "key_cert_sign", "crl_sign")
    usage = x509.KeyUsage(
        digital_signature=True,
        key_agreement=True,
        encipher_only=False,
        decipher_only=False,
        **dict.fromkeys(off, False),
    )
    public_key = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(san, critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "ocp-emulator-cert.pem", folder / "ocp-emulator-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key_bytes)
    return str(cert_path), str(key_path)


def server_ssl_context(certfile: str | os.PathLike[str], keyfile: str | os.PathLike[str] | None) -> ssl.SSLContext:
    """A server-side TLS context (TLS 1.2+) with the given certificate.

    :param certfile: PEM certificate (chain).
    :param keyfile: PEM private key; None when it is inside ``certfile``.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile, keyfile)
    return context
