"""A POST starts work in OCP (a restore, a backup): it is never sent twice once it may have reached OCP (issue 24).

Against a real loopback server: a dropped answer, a 5xx and a 429 are not retried for a POST (the same failures are
for a GET); a refused connection is marked ``unsent``, the one failure a POST may be retried after.
"""

from __future__ import annotations

import socket
from http.server import BaseHTTPRequestHandler

import pytest
from hostile_server import Seen, envelope, hostile_server, send, use_server

from airflow_provider_ocp.client.errors import OCPAPIError
from airflow_provider_ocp.client.retry import retryable_error
from airflow_provider_ocp.hooks.ocp import OCPHook


def drop(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
    handler.close_connection = True
    handler.connection.shutdown(socket.SHUT_RDWR)  # the request arrived: the answer never leaves


def unavailable(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
    send(handler, 503, b'{"successful": false, "status": 503, "error": {"code": 0, "message": "busy"}}')


def rate_limited(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
    send(
        handler, 429, b'{"successful": false, "status": 429, "error": {"code": 0, "message": "slow"}}', Retry_After="0"
    )


@pytest.mark.parametrize("respond", [drop, unavailable, rate_limited], ids=["dropped", "503", "429"])
def test_a_post_that_may_have_reached_ocp_is_sent_once(monkeypatch: pytest.MonkeyPatch, respond: object) -> None:
    with hostile_server(respond) as server:  # type: ignore[arg-type]
        use_server(monkeypatch, server.url, max_retries=3)
        with pytest.raises(OCPAPIError) as raised:
            OCPHook().post_envelope("/ob/clusters/1/backup/backupNow", {"dataBackupMode": "FULL_BACKUP"})
    assert [(seen.method, seen.path) for seen in server.seen] == [("POST", "/api/v2/ob/clusters/1/backup/backupNow")]
    assert server.seen[0].body == b'{"dataBackupMode":"FULL_BACKUP"}'
    assert raised.value.unsent is False


@pytest.mark.parametrize("respond", [drop, unavailable, rate_limited], ids=["dropped", "503", "429"])
def test_the_same_failures_are_retried_for_a_get(monkeypatch: pytest.MonkeyPatch, respond: object) -> None:
    with hostile_server(respond) as server:  # type: ignore[arg-type]
        use_server(monkeypatch, server.url, max_retries=2)
        with pytest.raises(OCPAPIError):
            OCPHook().get_envelope("/ob/clusters")
    assert len(server.seen) == 3


def test_a_post_answered_is_read() -> None:
    def accepted(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        send(handler, 200, envelope({"obBackupTaskType": "RESTORE", "taskIdList": [42]}))

    with pytest.MonkeyPatch.context() as monkeypatch, hostile_server(accepted) as server:
        use_server(monkeypatch, server.url)
        assert OCPHook().post_envelope("/ob/clusters/1/backup/restore", {"a": 1}).data["taskIdList"] == [42]


def test_a_refused_connection_is_unsent_and_the_only_failure_a_post_is_retried_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    use_server(monkeypatch, f"http://127.0.0.1:{port}", max_retries=0)
    with pytest.raises(OCPAPIError) as raised:
        OCPHook().post_envelope("/ob/clusters/1/backup/restore", {"a": 1})
    assert raised.value.unsent is True and raised.value.retryable is True
    assert retryable_error(raised.value, starts_work=True)


@pytest.mark.parametrize(
    ("retryable", "unsent", "post_retried", "get_retried"),
    [(True, True, True, True), (True, False, False, True), (False, False, False, False), (False, True, False, False)],
)
def test_the_retry_rule(retryable: bool, unsent: bool, post_retried: bool, get_retried: bool) -> None:
    error = OCPAPIError("x", retryable=retryable, unsent=unsent)
    assert retryable_error(error, starts_work=True) is post_retried
    assert retryable_error(error) is get_retried
