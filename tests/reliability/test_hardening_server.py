"""Hostile and broken servers (issue 12): each case through the sync hook, the async hook and, where it matters, the
trigger, against a scripted server on loopback (``tests/hostile_server.py``), not the emulator.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import gzip
import json
import re
import threading
import time
import tracemalloc
import zlib
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from hostile_server import (
    ACCESS_KEY_SECRET,
    PASSWORD,
    Seen,
    hostile_server,
    page,
    send,
    use_server,
)

from airflow_provider_ocp.exceptions import OCPAPIError, OCPRequestRejectedError
from airflow_provider_ocp.hooks.ocp import OCPAsyncHook, OCPHook
from airflow_provider_ocp.log_backup.gate import GateCriteria
from airflow_provider_ocp.triggers.log_backup import OCPLogBackupDelayTrigger

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)

CLUSTER = 1000001
TASK = {
    "clusterId": CLUSTER,
    "tenantId": 2001,
    "tenantName": "t1",
    "status": "RUNNING",
    "createTime": "2024-08-05T23:00:00Z",
    "checkpoint": "2024-08-06T00:00:00Z",
    "delay": 5,
}


CLIENTS = ("sync", "async")


def read(client: str) -> Any:
    """Every log backup task of the cluster through OCPHook or OCPAsyncHook (the ``ocp_default`` connection)."""
    if client == "sync":
        return list(OCPHook().iter_log_backup_tasks(CLUSTER))

    async def go() -> Any:
        async with OCPAsyncHook() as hook:
            return (await hook.get_log_backup_snapshot(CLUSTER)).tasks

    return asyncio.run(go())


def first_event(**arguments: Any) -> dict[str, Any]:
    """Run the deferrable sensor's trigger against the ``ocp_default`` connection; return its one event."""
    trigger = OCPLogBackupDelayTrigger(
        cluster_id=CLUSTER,
        criteria=GateCriteria.build(max_delay=60).to_dict(),
        poke_interval=0.01,
        **arguments,
    )

    async def go() -> dict[str, Any]:
        events = [event.payload async for event in trigger.run()]
        assert len(events) == 1
        return events[0]

    return asyncio.run(go())


# -- 1. secrets echoed by the server -------------------------------------------------------------------------------


def secret_forms(secret: str) -> set[str]:
    encoded = quote(secret, safe="")
    b64 = base64.b64encode(secret.encode()).decode()
    lower_hex = re.sub(r"%[0-9A-F]{2}", lambda match: match.group(0).lower(), encoded)
    return {secret, encoded, lower_hex, quote_plus(secret), b64, b64.rstrip("=")}


@pytest.mark.parametrize("auth_type", ["basic", "access_key"])
def test_echoed_credentials_reach_no_error_log_or_event(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], auth_type: str
) -> None:
    secret = PASSWORD if auth_type == "basic" else ACCESS_KEY_SECRET
    sent: set[str] = set()

    def respond(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        authorization = seen.headers["Authorization"]
        token = authorization.split(" ", 1)[1]
        sent.update({authorization, token, token.rsplit(":", 1)[-1]})
        echoes = [quote(secret, safe=""), quote(secret, safe="").lower(), quote_plus(secret)]
        echoes += [base64.b64encode(secret.encode()).decode(), quote(authorization, safe="")]
        error = {
            "code": 1,
            "message": f"echo {secret} {' '.join(echoes)}",
            "target": token,
            "subErrors": [{"message": authorization}],
        }
        body = {"successful": False, "status": 503, "traceId": authorization, "error": error}
        send(handler, 503, json.dumps(body).encode(), Location=f"/login?auth={quote(authorization)}")

    with hostile_server(respond) as server:
        use_server(monkeypatch, server.url, auth_type)
        errors = []
        for client in CLIENTS:
            with pytest.raises(OCPAPIError) as info:
                read(client)
            errors.append(info.value)
        event = first_event(max_consecutive_failures=1)
    evidence = [str(e) for e in errors] + [repr(e) for e in errors] + [e.trace_id or "" for e in errors]
    logged = "".join(capsys.readouterr())
    evidence += [logged, json.dumps(event)]
    assert "retry 1 of 1" in logged and event["status"] == "error"
    forms = {form.lower() for form in secret_forms(secret) | sent}
    for text in evidence:
        leaked = [form for form in forms if len(form) >= 6 and form in text.lower()]
        assert not leaked, (leaked, text[:300])


# -- 3. size and decompression caps ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """About 250 KB of gzip that inflates to 256 MiB of JSON text."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    parts = [compressor.compress(b'{"successful": true, "data": {"contents": ["')]
    block = b"0" * (1 << 20)
    parts += [compressor.compress(block) for _ in range(256)]
    parts.append(compressor.compress(b'"]}}') + compressor.flush())
    return b"".join(parts)


@pytest.mark.parametrize("client", CLIENTS)
def test_a_body_over_the_cap_is_refused_naming_the_extra(monkeypatch: pytest.MonkeyPatch, client: str) -> None:
    body = page([{**TASK, "padding": "x" * 4096} for _ in range(600)], 1, 1, 600)  # about 2.5 MB

    with hostile_server(lambda handler, seen: send(handler, 200, body)) as server:
        use_server(monkeypatch, server.url, max_response_bytes=1 << 20)
        with pytest.raises(OCPAPIError, match="max_response_bytes") as info:
            read(client)
    assert not info.value.retryable and "larger than 1048576 bytes" in str(info.value)


@pytest.mark.parametrize("client", CLIENTS)
def test_a_gzip_bomb_stops_at_the_default_cap_with_bounded_memory(
    monkeypatch: pytest.MonkeyPatch, client: str, gzip_bomb: bytes
) -> None:
    def respond(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        send(handler, 200, gzip_bomb, Content_Encoding="gzip")

    with hostile_server(respond) as server:
        use_server(monkeypatch, server.url)  # the default cap: 64 MiB
        tracemalloc.start()
        try:
            with pytest.raises(OCPAPIError, match="max_response_bytes"):
                read(client)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert len(gzip_bomb) < 1 << 20
    assert peak < 160 << 20, f"peak {peak >> 20} MiB while the body inflates to 256 MiB"


def test_gzip_is_still_decoded_below_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    body = gzip.compress(page([TASK], 1, 1, 1))

    with hostile_server(lambda handler, seen: send(handler, 200, body, Content_Encoding="gzip")) as server:
        use_server(monkeypatch, server.url, max_response_bytes=4096)
        assert [task["tenantName"] for task in read("sync")] == ["t1"]
        assert [task["tenantName"] for task in read("async")] == ["t1"]


# -- 4. a fatal error ends a read-ahead walk at once -----------------------------------------------------------------


def page_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("ocp-page")]


@pytest.mark.parametrize("fatal_page", [2, 3])
def test_a_fatal_page_stops_the_read_ahead_without_waiting_for_sibling_retries(
    monkeypatch: pytest.MonkeyPatch, fatal_page: int
) -> None:
    """Pages 2-5 are read ahead; one answers 400 while the others answer 503 with Retry-After: 30."""

    def respond(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        number = int(seen.query["page"][0])
        if number == 1:
            send(handler, 200, page([{**TASK, "tenantId": 1}], 1, 5, 5))
        elif number == fatal_page:
            error = {"successful": False, "status": 400, "error": {"code": 60018, "message": "bad page"}}
            send(handler, 400, json.dumps(error).encode())
        else:
            error = {"successful": False, "status": 503, "error": {"code": 0, "message": "busy"}}
            send(handler, 503, json.dumps(error).encode(), Retry_After="30")

    with hostile_server(respond) as server:
        use_server(monkeypatch, server.url, concurrency=4, max_retries=5, retry_max_wait=30, page_size=1)
        with pytest.raises(OCPRequestRejectedError, match="bad page") as info:
            list(OCPHook().iter_log_backup_tasks(CLUSTER))
        for thread in page_threads():
            thread.join(timeout=10)  # they wake from their 30 s waits as soon as the walk fails
        assert not page_threads(), "read-ahead threads still waiting on their retries"
        assert info.value.status == 400
        assert all(server.page_requests(number) <= 1 for number in range(2, 6)), server.seen
        assert server.page_requests(1) == 1


def test_a_sibling_failing_after_the_walk_ended_logs_no_retry(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Page 2 answers 400 at once; page 3 answers 503 only once the walk has failed: no retry follows, so its retry
    warning would only mislead (and, logged after the task's end, it wrote to closed streams)."""
    walk_failed = threading.Event()

    def respond(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        number = int(seen.query["page"][0])
        if number == 1:
            send(handler, 200, page([{**TASK, "tenantId": 1}], 1, 3, 3))
        elif number == 2:
            error = {"successful": False, "status": 400, "error": {"code": 60018, "message": "bad page"}}
            send(handler, 400, json.dumps(error).encode())
        else:
            walk_failed.wait(10)
            error = {"successful": False, "status": 503, "error": {"code": 0, "message": "busy"}}
            send(handler, 503, json.dumps(error).encode())

    with hostile_server(respond) as server:
        use_server(monkeypatch, server.url, concurrency=4, max_retries=5, page_size=1)
        with pytest.raises(OCPRequestRejectedError, match="bad page"):
            list(OCPHook().iter_log_backup_tasks(CLUSTER))
        walk_failed.set()
        for thread in page_threads():
            thread.join(timeout=10)
        assert server.page_requests(3) == 1
    printed = "".join(capsys.readouterr())  # Airflow's own (structlog) output, where the hook's warnings go
    assert "OCP request failed (retry" not in printed, printed


# -- 5. malformed pages ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({}, "page 1 has no 'contents' list"),
        ({"contents": None}, "page 1 has no 'contents' list"),
        ({"contents": [TASK, 7, "x"]}, "page 1 holds 2 record(s) that are not JSON objects"),
    ],
    ids=["no-contents", "null-contents", "non-objects"],
)
def test_malformed_pages_are_errors_naming_the_page(
    monkeypatch: pytest.MonkeyPatch, client: str, data: dict[str, Any], fragment: str
) -> None:
    body = json.dumps({"successful": True, "status": 200, "data": data}).encode()
    with hostile_server(lambda handler, seen: send(handler, 200, body)) as server:
        use_server(monkeypatch, server.url)
        with pytest.raises(OCPAPIError) as info:
            read(client)
    assert fragment in str(info.value)


# -- 6. numeric timestamps no datetime holds ------------------------------------------------------------------------


def test_out_of_range_numeric_times_are_kept_and_the_gate_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    odd = {**TASK, "createTime": 1e300, "modifyTime": float("nan")}
    current = {**TASK, "createTime": "2024-08-06T00:00:00Z"}
    body = json.dumps({"successful": True, "data": {"contents": [odd, current], "page": {"totalElements": 2}}})

    with hostile_server(lambda handler, seen: send(handler, 200, body.encode())) as server:
        use_server(monkeypatch, server.url)
        tasks = read("sync")
        assert tasks == read("async")
        deadline = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=0.5)).isoformat()
        event = first_event(deadline=deadline)
    assert tasks[0]["createTime"] == 1e300 and tasks[0]["modifyTime"] == "nan"
    assert event["status"] == "timeout"
    assert "a task with createTime 1e+300 that cannot be read might be its current task" in event["message"]


def test_an_unexpected_exception_in_the_trigger_becomes_an_error_event(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug stands in for "anything nobody anticipated": the one place a mock is the only way to get one."""

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr("airflow_provider_ocp.triggers.log_backup.evaluate", broken)
    body = page([TASK], 1, 1, 1)
    with hostile_server(lambda handler, seen: send(handler, 200, body)) as server:
        use_server(monkeypatch, server.url)
        event = first_event()
    assert event["status"] == "error" and "failed unexpectedly: RuntimeError: a bug" in event["message"]


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
