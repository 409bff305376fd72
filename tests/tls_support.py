"""A self-signed certificate for the emulator's HTTPS tests (``cryptography`` is a test dependency only)."""

from __future__ import annotations

import ipaddress
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path


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
