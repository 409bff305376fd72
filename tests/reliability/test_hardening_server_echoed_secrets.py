"""Hostile servers (issue 12), 1: secrets echoed by the server reach no error, log or trigger event."""

from __future__ import annotations

import base64
import json
import re
from http.server import BaseHTTPRequestHandler
from urllib.parse import quote, quote_plus

import pytest
from hardening_server_support import CLIENTS, first_event, read
from hostile_server import ACCESS_KEY_SECRET, PASSWORD, Seen, hostile_server, send, use_server

from airflow_provider_ocp.exceptions import OCPAPIError

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)


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
