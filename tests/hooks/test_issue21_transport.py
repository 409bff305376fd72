"""Issue 21, the transport's points, through the sync hook (requests) and the async hook (httpx) alike, against
scripted servers on loopback (``tests/hostile_server.py``):

- 10: the status line and headers trickling in cannot hold a request past ``request_deadline``;
- 15: no log record of any library, at any level, holds a secret that a server echoes;
- 16: a certificate outside its dates is reported with its date, not as "set ca_bundle";
- 18: the environment's proxy variables apply unless the connection sets a proxy or ``trust_env: false``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hostile_server import (
    ACCESS_KEY_SECRET,
    PASSWORD,
    Seen,
    hostile_server,
    page,
    raw_header,
    send,
    use_server,
)

from airflow_provider_ocp.client.settings import settings_from_connection
from airflow_provider_ocp.exceptions import OCPAPIError, OCPInputError
from airflow_provider_ocp.hooks.ocp import OCPAsyncHook, OCPHook
from airflow_provider_ocp.provider_info import get_provider_info

pytestmark = pytest.mark.waits  # on real deadlines: scheduled early under xdist (tests/conftest.py)

CLUSTER = 1000001
TASK = {"clusterId": CLUSTER, "tenantId": 2001, "tenantName": "t1", "status": "RUNNING", "delay": 5}
CLIENTS = ("sync", "async")


def read(client: str, times: int = 1, pause: float = 0.0) -> list[Any]:
    """Read the cluster's tasks ``times`` times, ``pause`` seconds apart, through one OCPHook or OCPAsyncHook (of
    the ``ocp_default`` connection); the tenant names or the OCPAPIError of each read, in order."""
    outcomes: list[Any] = []
    if client == "sync":
        hook = OCPHook()
        for number in range(times):
            time.sleep(pause if number else 0)
            try:
                outcomes.append(hook.get_log_backup_tasks(CLUSTER))
            except OCPAPIError as error:
                outcomes.append(error)
    else:
        asyncio.run(read_async(outcomes, times, pause))
    return [[task["tenantName"] for task in outcome] if isinstance(outcome, list) else outcome for outcome in outcomes]


async def read_async(outcomes: list[Any], times: int, pause: float) -> None:
    async with OCPAsyncHook() as hook:
        for number in range(times):
            await asyncio.sleep(pause if number else 0)
            try:
                outcomes.append((await hook.get_log_backup_snapshot(CLUSTER)).tasks)
            except OCPAPIError as error:
                outcomes.append(error)


# -- 10. the status line and headers trickling in --------------------------------------------------------------------


@pytest.mark.parametrize("client", CLIENTS)
def test_headers_trickling_in_hit_the_request_deadline(monkeypatch: pytest.MonkeyPatch, client: str) -> None:
    """The first answer's status line and headers come a byte every 50 ms (6 s in all, each read well within the
    read timeout); the request fails at the 1 s deadline, retryable, and the same hook's next request succeeds.

    The hook hung up early when the server could not finish sending the head: measured in bytes the server wrote,
    not on a clock (a loaded machine may be slow to set up the next request, never to cut this one)."""
    answer = page([TASK], 1, 1, 1)
    sent: list[int] = []

    def respond(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        if len(server.seen) > 1:
            send(handler, 200, answer)
            return
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Pad: {'x' * 100}\r\n".encode()
        handler.close_connection = True
        try:
            for count, byte in enumerate(head):
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                sent.append(count)
                time.sleep(0.05)
            handler.wfile.write(f"Content-Length: {len(answer)}\r\n\r\n".encode() + answer)
        except OSError:  # the client hung up
            return
        sent.append(len(head))

    with hostile_server(respond) as server:
        use_server(monkeypatch, server.url, request_deadline=1, timeout=30, max_retries=0)
        first, second = read(client, times=2)
    assert isinstance(first, OCPAPIError), first
    assert "request deadline of 1s" in str(first) and "'request_deadline'" in str(first) and first.retryable
    assert second == ["t1"]
    head_length = len(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Pad: {'x' * 100}\r\n")
    assert max(sent) < head_length, "the server sent its whole trickle: the hook did not hang up at the deadline"


@pytest.mark.parametrize("client", CLIENTS)
def test_a_finished_requests_deadline_never_cuts_the_next_request_on_its_connection(
    monkeypatch: pytest.MonkeyPatch, client: str
) -> None:
    """Deadline 1.5 s. The first request is answered at once; the second, sent 0.5 s later on the same keep-alive
    connection, is answered after 1.2 s: the first request's deadline passes while the second is in flight."""

    def respond(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        time.sleep(1.2 if len(server.seen) == 2 else 0)
        send(handler, 200, page([TASK], 1, 1, 1))

    with hostile_server(respond) as server:
        use_server(monkeypatch, server.url, request_deadline=1.5, max_retries=0)
        assert read(client, times=2, pause=0.5) == [["t1"], ["t1"]]
    assert len(server.seen) == 2
    for thread in threading.enumerate():
        if thread.name == "ocp-request-deadline":
            thread.join(timeout=1)  # a watchdog ends with its request
            assert not thread.is_alive()


# -- 15. no log record holds a secret ----------------------------------------------------------------------------


@pytest.fixture
def every_record() -> Iterator[list[logging.LogRecord]]:
    """Every record of every logger at every level, while the test runs (then the logging set-up is restored)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    saved = [(lg, lg.level, lg.propagate, lg.disabled) for lg in loggers if isinstance(lg, logging.Logger)]
    root_level, handler = logging.root.level, Keep(logging.DEBUG)
    for lg, *_ in saved:
        lg.setLevel(logging.NOTSET)
        lg.propagate, lg.disabled = True, False
    logging.disable(logging.NOTSET)
    logging.root.setLevel(logging.DEBUG)
    logging.root.addHandler(handler)
    try:
        yield records
    finally:
        logging.root.removeHandler(handler)
        logging.root.setLevel(root_level)
        for lg, level, propagate, disabled in saved:
            lg.setLevel(level)
            lg.propagate, lg.disabled = propagate, disabled


def full_text(record: logging.LogRecord) -> str:
    """The record as any handler could write it: message (msg % args), traceback, and the raw msg and args."""
    formatted = logging.Formatter("%(name)s %(levelname)s %(message)s").format(record)
    return f"{formatted}\n{record.msg!s}\n{record.args!r}"


NON_ASCII_PASSWORD = "pässwörd-ö+/="


@pytest.mark.parametrize("auth_type", ["basic", "access_key", "basic-non-ascii"])
@pytest.mark.parametrize("client", CLIENTS)
def test_no_log_record_holds_a_secret_the_server_echoes(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    every_record: list[logging.LogRecord],
    client: str,
    auth_type: str,
) -> None:
    """The server echoes the Authorization header (hence the signature, or the password in base64) and the
    password or AccessKey secret (as UTF-8 bytes): in response headers, in a malformed header line (urllib3 warns
    quoting it, h11 fails quoting it), and in an error body; first a 503, then a 200."""
    secret = {"basic": PASSWORD, "access_key": ACCESS_KEY_SECRET, "basic-non-ascii": NON_ASCII_PASSWORD}[auth_type]
    raw = secret.encode()
    sent = {secret, repr(raw)[2:-1], raw.decode("latin-1")}  # as is, and raw bytes as httpcore and http.client show

    def respond(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        authorization = seen.headers["Authorization"]
        token = authorization.split(" ", 1)[1]
        sent.update({authorization, token, token.rsplit(":", 1)[-1]})
        first = len(server.seen) == 1
        error = {"successful": False, "status": 503, "error": {"code": 0, "message": f"{authorization} {secret}"}}
        body = json.dumps(error).encode() if first else page([TASK], 1, 1, 1)
        handler.send_response(503 if first else 200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("X-Echo-Authorization", authorization)
        raw_header(handler, b"WWW-Authenticate: " + token.encode() + b" " + raw)
        if not first:
            raw_header(handler, authorization + " " + secret.encode().decode("latin-1"))  # no colon: malformed
        handler.end_headers()
        handler.wfile.write(body)

    with hostile_server(respond) as server:
        conn = use_server(monkeypatch, server.url, auth_type.removesuffix("-non-ascii"))
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", json.dumps({**conn, "password": secret}))
        outcome = read(client)[0]
    assert len(server.seen) == 2 and (client == "async" or outcome == ["t1"])  # h11 refuses the malformed line
    library = "urllib3" if client == "sync" else "httpcore"
    assert any(record.name.startswith(library) for record in every_record), "the capture missed the library's logs"
    printed = "".join(capsys.readouterr())  # Airflow's own (structlog) output: the hook's retry warning
    assert "retry 1 of 1" in printed
    for text in [full_text(record) for record in every_record] + [printed]:
        leaked = [form for form in sent if form.lower() in text.lower()]
        assert not leaked, (leaked, text[:400])


# -- 16. a certificate outside its dates ---------------------------------------------------------------------------


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


# -- 18. the environment's proxies ---------------------------------------------------------------------------------


PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No proxy variable from the machine running the tests."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


def set_proxy(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, url)


def dead_port() -> int:
    """A loopback port nobody listens on (connections are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def ocp_and_proxy() -> Iterator[tuple[Any, Any]]:
    """OCP, and a recording proxy that answers itself (its ``seen`` paths are the absolute URLs it was asked for)."""
    answer = page([TASK], 1, 1, 1)
    with (
        hostile_server(lambda handler, seen: send(handler, 200, answer)) as ocp,
        hostile_server(lambda handler, seen: send(handler, 200, answer)) as proxy,
    ):
        yield ocp, proxy


@pytest.mark.parametrize("client", CLIENTS)
def test_environment_proxies_apply_unless_trust_env_is_false(
    environment: pytest.MonkeyPatch, ocp_and_proxy: tuple[Any, Any], client: str
) -> None:
    ocp, proxy = ocp_and_proxy
    set_proxy(environment, proxy.url)
    use_server(environment, ocp.url, max_retries=0)
    assert read(client) == [["t1"]]
    assert [urlsplit(seen.target).netloc for seen in proxy.seen] == [urlsplit(ocp.url).netloc] and ocp.seen == []

    use_server(environment, ocp.url, max_retries=0, trust_env=False)
    assert read(client) == [["t1"]]
    assert len(ocp.seen) == 1 and len(proxy.seen) == 1  # straight to OCP


@pytest.mark.parametrize("client", CLIENTS)
def test_the_connections_proxy_wins_over_the_environments(
    environment: pytest.MonkeyPatch, ocp_and_proxy: tuple[Any, Any], client: str
) -> None:
    """requests alone would let HTTP_PROXY override a session's own proxy."""
    ocp, proxy = ocp_and_proxy
    set_proxy(environment, f"http://127.0.0.1:{dead_port()}")
    use_server(environment, ocp.url, max_retries=0, proxy=proxy.url)
    assert read(client) == [["t1"]]
    assert len(proxy.seen) == 1 and ocp.seen == []


@pytest.mark.parametrize("client", CLIENTS)
def test_no_proxy_sends_straight_to_ocp(
    environment: pytest.MonkeyPatch, ocp_and_proxy: tuple[Any, Any], client: str
) -> None:
    ocp, proxy = ocp_and_proxy
    set_proxy(environment, proxy.url)
    environment.setenv("NO_PROXY", "127.0.0.1")
    use_server(environment, ocp.url, max_retries=0)
    assert read(client) == [["t1"]]
    assert len(ocp.seen) == 1 and proxy.seen == []


@pytest.mark.parametrize("client", CLIENTS)
def test_a_dead_environment_proxy_is_named_with_the_way_out(
    environment: pytest.MonkeyPatch, ocp_and_proxy: tuple[Any, Any], client: str
) -> None:
    ocp, _ = ocp_and_proxy
    dead = f"http://127.0.0.1:{dead_port()}"
    set_proxy(environment, dead)
    use_server(environment, ocp.url, max_retries=0)
    (error,) = read(client)
    assert isinstance(error, OCPAPIError) and error.retryable, error
    assert f"through the proxy {dead} (from the environment's HTTPS_PROXY" in str(error), str(error)
    assert "set the connection extra 'trust_env' to false" in str(error) and ocp.seen == []


def test_trust_env_is_a_form_field_and_a_checked_extra() -> None:
    (connection,) = get_provider_info()["connection-types"]
    assert connection["conn-fields"]["trust_env"]["schema"] == {"type": ["boolean", "null"], "default": True}
    fields: dict[str, Any] = {
        "conn_id": "c",
        "host": "https://ocp",
        "schema": None,
        "port": None,
        "login": "u",
        "password": "p",
    }
    assert settings_from_connection(**fields, extra={}).trust_env is True
    assert settings_from_connection(**fields, extra={"trust_env": "false"}).trust_env is False
    with pytest.raises(OCPInputError, match="extra field 'trust_env' is 'maybe'; set it to true or false"):
        settings_from_connection(**fields, extra={"trust_env": "maybe"})
