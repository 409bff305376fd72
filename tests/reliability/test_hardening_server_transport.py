"""Hostile servers (issue 12), 9 and 10: TLS failures each get their own hint, and a trickling body cannot hold a
request open past its deadline."""

from __future__ import annotations

import datetime as dt
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from hardening_server_support import CLIENTS, TASK, read
from hostile_server import Seen, hostile_server, page, send, use_server

from airflow_provider_ocp.exceptions import OCPAPIError

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)


# -- 9. TLS failures each get their own hint ------------------------------------------------------------------------


def certificate_for(directory: Path, hostname: str) -> tuple[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path)


@pytest.mark.parametrize("client", CLIENTS)
def test_https_to_a_plain_http_port_says_so(monkeypatch: pytest.MonkeyPatch, client: str) -> None:
    with hostile_server(lambda handler, seen: send(handler, 200, page([TASK], 1, 1, 1))) as server:
        use_server(monkeypatch, server.url.replace("http://", "https://"))
        with pytest.raises(OCPAPIError, match="speaks plain HTTP: use http://") as info:
            read(client)
    assert "ca_bundle" not in str(info.value) and not info.value.retryable


@pytest.mark.parametrize("client", CLIENTS)
def test_a_certificate_for_another_name_says_hostname_mismatch(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, client: str
) -> None:
    cert, key = certificate_for(tmp_path, "ocp.example.com")
    with hostile_server(lambda handler, seen: send(handler, 200, page([TASK], 1, 1, 1)), tls=(cert, key)) as server:
        use_server(monkeypatch, server.url, ca_bundle=cert)
        with pytest.raises(OCPAPIError, match=r"not valid for the host '127\.0\.0\.1'") as info:
            read(client)
    assert "hostname mismatch" in str(info.value)


# -- 10. a trickle cannot hold a request open -----------------------------------------------------------------------


@pytest.mark.parametrize("client", CLIENTS)
def test_a_trickling_body_hits_the_request_deadline(monkeypatch: pytest.MonkeyPatch, client: str) -> None:
    stop = threading.Event()

    def respond(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        while not stop.is_set():  # one byte every 50 ms: every read finishes well within the read timeout
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.05)

    with hostile_server(respond) as server:
        use_server(monkeypatch, server.url, request_deadline=1, timeout=30, max_retries=0)
        try:
            with pytest.raises(OCPAPIError, match="request deadline of 1s") as info:
                read(client)
        finally:
            stop.set()
    assert "request_deadline" in str(info.value) and info.value.retryable
