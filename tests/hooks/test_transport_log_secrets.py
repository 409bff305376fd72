"""Issue 21, point 15, through the sync hook (requests) and the async hook (httpx) alike, against scripted servers on
loopback (``tests/hostile_server.py``): no log record of any library, at any level, holds a secret that a server
echoes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from hostile_server import ACCESS_KEY_SECRET, PASSWORD, Seen, hostile_server, page, raw_header, use_server
from transport_support import CLIENTS, TASK, read

pytestmark = pytest.mark.waits  # on real deadlines: scheduled early under xdist (tests/conftest.py)


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
