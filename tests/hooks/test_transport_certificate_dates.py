"""Issue 21, point 16, through the sync hook (requests) and the async hook (httpx) alike, against scripted HTTPS
servers on loopback (``tests/hostile_server.py``): a certificate outside its dates is reported with its date, not as
"set ca_bundle".
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hostile_server import hostile_server, page, send, use_server
from transport_support import CLIENTS, TASK, read

from airflow_provider_ocp.exceptions import OCPAPIError

pytestmark = pytest.mark.waits  # on real deadlines: scheduled early under xdist (tests/conftest.py)


def write_certificate(
    folder: Path,
    name: str,
    *,
    days: tuple[int, int],
    host: str = "127.0.0.1",
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None = None,
) -> tuple[str, str, x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A certificate for ``host``, valid from ``days[0]`` to ``days[1]`` days from now (negative: in the past),
    self-signed as a CA unless ``issuer`` (a CA and its key) signs it; written as ``name``.crt and ``name``.key."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} {host}")])
    alternative: x509.GeneralName
    try:
        alternative = x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        alternative = x509.DNSName(host)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    signer_name, signer_key = (issuer[0].subject, issuer[1]) if issuer else (subject, key)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(signer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=days[0]))
        .not_valid_after(now + dt.timedelta(days=days[1]))
        .add_extension(x509.SubjectAlternativeName([alternative]), critical=False)
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
        .sign(signer_key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{name}.crt", folder / f"{name}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path), certificate, key


def utc(moment: dt.datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def tls_failure(monkeypatch: pytest.MonkeyPatch, client: str, served: tuple[str, str], ca_bundle: str) -> str:
    """The error of reading through an HTTPS server presenting ``served`` (cert, key), trusting ``ca_bundle``."""
    with hostile_server(lambda handler, seen: send(handler, 200, page([TASK], 1, 1, 1)), tls=served) as server:
        use_server(monkeypatch, server.url, ca_bundle=ca_bundle, max_retries=3)
        (error,) = read(client)
    assert isinstance(error, OCPAPIError) and not error.retryable, error
    assert server.seen == []  # nothing, credentials included, went over the failed channel
    return str(error)


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("window", ["expired", "not-yet-valid"])
def test_a_certificate_outside_its_dates_says_so_with_its_date(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, client: str, window: str
) -> None:
    """OCP's self-signed certificate is the ``ca_bundle``: the trust is right, the dates are not."""
    cert, key, certificate, _ = write_certificate(tmp_path, "ocp", days=(-10, -2) if window == "expired" else (2, 10))
    message = tls_failure(monkeypatch, client, (cert, key), cert)
    if window == "expired":
        assert f"OCP's certificate expired on {utc(certificate.not_valid_after_utc)}" in message, message
        assert "have it renewed" in message and "(certificate has expired)" in message
    else:
        assert f"OCP's certificate is not valid before {utc(certificate.not_valid_before_utc)}" in message, message
        assert "check this machine's clock" in message and "(certificate is not yet valid)" in message
    assert "set the connection extra 'ca_bundle'" not in message


@pytest.mark.parametrize("client", CLIENTS)
def test_an_expired_ca_in_the_bundle_is_named_with_its_date(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, client: str
) -> None:
    ca_cert, _, ca, ca_key = write_certificate(tmp_path, "ca", days=(-30, -1))
    cert, key, _, _ = write_certificate(tmp_path, "ocp", days=(-2, 30), issuer=(ca, ca_key))
    message = tls_failure(monkeypatch, client, (cert, key), ca_cert)
    assert f"The CA certificate 'CN=ca 127.0.0.1' in the connection extra 'ca_bundle' ({ca_cert})" in message
    assert f"expired on {utc(ca.not_valid_after_utc)}" in message, message


@pytest.mark.parametrize("client", CLIENTS)
def test_an_expired_certificate_for_another_name_says_both(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, client: str
) -> None:
    cert, key, certificate, _ = write_certificate(tmp_path, "ocp", days=(-10, -2), host="ocp.example.com")
    message = tls_failure(monkeypatch, client, (cert, key), cert)
    assert "OCP's certificate is not valid for the host '127.0.0.1' in the connection's OCP URL" in message
    assert f"and expired on {utc(certificate.not_valid_after_utc)}" in message and "hostname mismatch" in message


@pytest.mark.parametrize("client", CLIENTS)
def test_a_bundle_without_ocps_ca_names_the_bundle(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, client: str
) -> None:
    cert, key, _, _ = write_certificate(tmp_path, "ocp", days=(-1, 30))
    other, _, _, _ = write_certificate(tmp_path, "other", days=(-1, 30))
    message = tls_failure(monkeypatch, client, (cert, key), other)
    assert f"it is not signed by a CA in the connection extra 'ca_bundle' ({other})" in message, message
