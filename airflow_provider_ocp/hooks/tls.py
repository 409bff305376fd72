"""Saying why TLS with OCP failed, since each failure has its own fix.

A certificate that has expired or is not valid yet fails verification whatever CA bundle is set: the message then
says which certificate and the date, not "set ca_bundle". Python's ``ssl`` does not hand over the certificate of a
failed handshake, so it is read in a second handshake that verifies nothing and sends nothing (no request, no
credentials), made directly, and only when no proxy stands between Airflow and OCP.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from airflow_provider_ocp.client.hints import port_speaks
from airflow_provider_ocp.client.settings import OCPSettings

if TYPE_CHECKING:
    from cryptography.x509 import Certificate

TLS_FAILURE_MESSAGE = (
    "TLS verification of OCP's certificate failed: if OCP uses a private or self-signed CA, set the "
    "connection extra 'ca_bundle' to that CA's PEM file (certificate verify failed)"
)
# OpenSSL's X509_V_ERR_* codes: CERT_NOT_YET_VALID, CERT_HAS_EXPIRED, HOSTNAME_MISMATCH, IP_ADDRESS_MISMATCH
DATES, HOSTNAME_MISMATCH, IP_ADDRESS_MISMATCH = (9, 10), 62, 64


def causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception, what it was raised from, and what it wraps.

    urllib3 hands the ssl error to requests as an argument (``MaxRetryError.reason``, ``SSLError.args``), not as a
    cause.

    :param exc: what requests or httpx raised.
    """
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args[:1]]
        pending.extend(item for item in linked if isinstance(item, BaseException))


def tls_message(exc: BaseException, settings: OCPSettings, *, proxied: bool) -> str:
    """Say which TLS failure happened.

    :param exc: the transport failure (an :class:`ssl.SSLError` is among its causes).
    :param settings: the connection's settings, for the host name and the CA bundle.
    :param proxied: whether the request went through a proxy: OCP's certificate is then not read again.
    """
    errors = [cause for cause in causes(exc) if isinstance(cause, ssl.SSLError)]
    reasons = " ".join(f"{getattr(error, 'reason', '')} {error}" for error in errors).upper()
    if "WRONG_VERSION_NUMBER" in reasons or "RECORD_LAYER_FAILURE" in reasons or "HTTP_REQUEST" in reasons:
        return (
            f"{port_speaks(settings.base_url, settings.scheme_origin, 'http')}, or use the port where OCP serves "
            "HTTPS (it answered the TLS handshake with something that is not TLS: wrong version number)"
        )
    verification = next((error for error in errors if isinstance(error, ssl.SSLCertVerificationError)), None)
    if verification is not None and verification.verify_code in (*DATES, HOSTNAME_MISMATCH, IP_ADDRESS_MISMATCH):
        return _dates_message(verification, settings, None if proxied else _server_certificate(settings))
    if verification is not None or "CERTIFICATE_VERIFY_FAILED" in reasons:
        return _untrusted_message(settings)
    return (
        "The TLS handshake with OCP failed: check the scheme and port of the connection's OCP URL and, for a "
        f"private CA, the connection extra 'ca_bundle' ({errors[0].reason if errors else type(exc).__name__})"
    )


def speaks_tls(settings: OCPSettings) -> bool:
    """Whether OCP's host and port complete a TLS handshake: the server hello of a port that dropped plain HTTP.

    One handshake, verifying nothing and sending nothing else (no request, no credentials), within the connect
    timeout and at most 3 seconds.

    :param settings: the connection's settings (an ``http://`` URL).
    """
    parts = urlsplit(settings.base_url)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection(
            (parts.hostname or "", parts.port or 80), min(settings.connect_timeout, 3.0)
        ) as raw:
            with context.wrap_socket(raw, server_hostname=parts.hostname):  # the handshake happens here
                return True
    except OSError:  # includes ssl.SSLError: not TLS, or not reachable
        return False


def _dates_message(
    verification: ssl.SSLCertVerificationError, settings: OCPSettings, certificate: Certificate | None
) -> str:
    """The message for a host name mismatch (OpenSSL checks it before the dates) or a certificate outside its
    dates, saying which certificate and since when when ``certificate`` (OCP's, read again) is known."""
    now = datetime.now(timezone.utc)
    if verification.verify_code in (HOSTNAME_MISMATCH, IP_ADDRESS_MISMATCH):
        own = _outside_dates(certificate, now) if certificate is not None else None
        return (
            f"OCP's certificate is not valid for the host {urlsplit(settings.base_url).hostname!r} in the "
            f"connection's OCP URL{f', and {own[0]}' if own else ''}: connect with a name the certificate lists (its "
            "subject alternative names), or have the certificate reissued for this name (hostname mismatch)"
        )
    for which, suspect in _suspects(certificate, settings) if certificate is not None else []:
        problem = _outside_dates(suspect, now)
        if problem is not None:
            return f"{which} {problem[0]}: {problem[1]} ({verification.verify_message})"
    return (
        "TLS verification of OCP's certificate failed: a certificate of its chain is outside its validity period; "
        f"check the dates of OCP's certificate and of its CA, and this machine's clock ({verification.verify_message})"
    )


def _untrusted_message(settings: OCPSettings) -> str:
    if isinstance(settings.verify, str):
        return (
            "TLS verification of OCP's certificate failed: it is not signed by a CA in the connection extra "
            f"'ca_bundle' ({settings.verify}); put the CA that signed OCP's certificate (and any intermediate CA) in "
            "that PEM file (certificate verify failed)"
        )
    return TLS_FAILURE_MESSAGE


def _server_certificate(settings: OCPSettings) -> Certificate | None:
    """OCP's own certificate, unverified, or None when it cannot be read."""
    from cryptography import x509  # imported on a TLS failure only, not when a DAG file imports the hook

    parts = urlsplit(settings.base_url)
    address = (parts.hostname or "", parts.port or 443)
    try:
        pem = ssl.get_server_certificate(address, timeout=settings.connect_timeout)
        return x509.load_pem_x509_certificate(pem.encode("ascii"))
    except (OSError, ValueError):
        return None


def _suspects(certificate: Certificate, settings: OCPSettings) -> list[tuple[str, Certificate]]:
    """OCP's certificate, then the CA certificates in ``ca_bundle`` that issued it, each with how to name it."""
    from cryptography import x509

    suspects = [("OCP's certificate", certificate)]
    if isinstance(settings.verify, str):
        try:
            bundle = x509.load_pem_x509_certificates(Path(settings.verify).read_bytes())
        except (OSError, ValueError):
            bundle = []
        where = f"in the connection extra 'ca_bundle' ({settings.verify})"
        suspects += [
            (f"The CA certificate {ca.subject.rfc4514_string()!r} {where}", ca)
            for ca in bundle
            if ca.subject == certificate.issuer and ca != certificate
        ]
    return suspects


def _outside_dates(certificate: Certificate, now: datetime) -> tuple[str, str] | None:
    """What is wrong with the certificate's dates and the fix, or None when ``now`` is within them."""
    if certificate.not_valid_after_utc < now:
        return f"expired on {_utc(certificate.not_valid_after_utc)}", "have it renewed"
    if certificate.not_valid_before_utc > now:
        return (
            f"is not valid before {_utc(certificate.not_valid_before_utc)} (this machine's clock says {_utc(now)})",
            "check this machine's clock, or have the certificate reissued with a start date in the past",
        )
    return None


def _utc(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"
