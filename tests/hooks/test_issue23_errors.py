"""Issue 23, errors that name the cause and the fix, through the sync hook (requests) and the async hook (httpx)
alike, against real servers on loopback (the emulator, over HTTPS where it matters, and ``tests/hostile_server.py``):

1. every transport error names the OCP URL (scheme, host, port, path prefix), never credentials;
2. ``http://`` to an HTTPS port fails at once saying "speaks HTTPS: use https://" (the URI form: its schema path),
   and ``https://`` to a plain HTTP port says "speaks plain HTTP";
3. a host without scheme says https was assumed;
4. a 401 names what to check for the connection's auth type (no "error code 0", no server jargon);
5. a wrong cluster id lists the clusters OCP knows;
6. Test Connection's success names the URL and the user.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import quote

import pytest
from hostile_server import PASSWORD, Seen, hostile_server, page, send, use_server
from tls_support import make_self_signed_cert

from airflow_provider_ocp.exceptions import OCPAPIError, OCPRequestRejectedError
from airflow_provider_ocp.hooks.ocp import OCPAsyncHook, OCPHook
from airflow_provider_ocp.testing import OCPEmulator

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")

CLIENTS = ("sync", "async")
TASK = {"clusterId": 1000001, "tenantId": 2001, "tenantName": "t1", "status": "RUNNING", "delay": 5}


def read(client: str, cluster: int = 1000001) -> OCPAPIError:
    """The error of reading ``cluster``'s tasks through the ``ocp_default`` connection with the given client."""
    try:
        if client == "sync":
            list(OCPHook().iter_log_backup_tasks(cluster))
        else:
            asyncio.run(_read_async(cluster))
    except OCPAPIError as error:
        return error
    raise AssertionError("the read succeeded")


async def _read_async(cluster: int) -> None:
    async with OCPAsyncHook() as hook:
        await hook.get_log_backup_snapshot(cluster)


def use_uri(monkeypatch: pytest.MonkeyPatch, address: str, schema: str, **extra: Any) -> None:
    """Point ``ocp_default`` at ``address`` (host:port) with a connection URI whose path gives the scheme."""
    query = "&".join(f"{key}={value}" for key, value in extra.items())
    uri = f"ocp://reader:{quote(PASSWORD, safe='')}@{address}/{schema}?{query}"
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", uri)


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    return make_self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def https_emu(cert: tuple[str, str]) -> Iterator[OCPEmulator]:
    with OCPEmulator(certfile=cert[0], keyfile=cert[1], tenants=1, tasks_per_tenant=1) as emu:
        yield emu


@pytest.fixture(scope="module")
def emu() -> Iterator[OCPEmulator]:
    with OCPEmulator(tenants=1, tasks_per_tenant=1) as server:
        yield server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- 1. the OCP URL in every transport error ---------------------------------------------------------------------------


def _never_answers(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
    time.sleep(1.5)


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("failure", ["refused", "read-timeout"])
def test_transport_errors_name_the_ocp_url_without_credentials(
    monkeypatch: pytest.MonkeyPatch, client: str, failure: str
) -> None:
    if failure == "refused":
        url = f"http://127.0.0.1:{free_port()}/ocp-prefix"
        use_server(monkeypatch, url, max_retries=0)
        error = read(client)
    else:
        with hostile_server(_never_answers) as server:
            url = f"{server.url}/ocp-prefix"
            use_server(monkeypatch, url, max_retries=0, timeout=0.3)
            error = read(client)
        assert "read timeout of 0.3s" in str(error)
    assert f"OCP URL {url}" in str(error), str(error)
    assert PASSWORD not in str(error) and "reader" not in str(error)
    assert error.status is None and error.retryable


# -- 2. http:// to an HTTPS port, https:// to a plain HTTP port ------------------------------------------------------


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("form", ["url", "uri"])
def test_http_to_an_https_port_fails_at_once_saying_use_https(
    https_emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], client: str, form: str
) -> None:
    address = https_emu.url.removeprefix("https://")
    slow_retries = {"max_retries": 5, "retry_backoff": 2}  # a retry would log its warning (and take 2 s)
    if form == "url":
        use_server(monkeypatch, f"http://{address}", **slow_retries)
        fix = f"speaks HTTPS: use https:// (set the connection's host to https://{address})"
    else:
        use_uri(monkeypatch, address, "http", **slow_retries)
        fix = f"speaks HTTPS: set the connection's schema field to https (in a connection URI, its path: ocp://<login>:<password>@{address}/https)"
    error = read(client)
    printed = "".join(capsys.readouterr())  # Airflow's own (structlog) output, where a retry warning would be
    assert "OCP request failed (retry" not in printed, "retried"
    assert fix in str(error), str(error)
    assert not error.retryable and error.status is None
    assert https_emu.requests == [] or all(request.status != 200 for request in https_emu.requests)
    assert PASSWORD not in str(error)


@pytest.mark.parametrize("client", CLIENTS)
def test_https_uri_to_a_plain_http_port_names_the_uri_fix(monkeypatch: pytest.MonkeyPatch, client: str) -> None:
    with hostile_server(lambda handler, seen: send(handler, 200, page([TASK], 1, 1, 1))) as server:
        address = server.url.removeprefix("http://")
        use_uri(monkeypatch, address, "https", max_retries=1)
        error = read(client)
    assert f"OCP's port {address} speaks plain HTTP: set the connection's schema field to http" in str(error)
    assert f"ocp://<login>:<password>@{address}/http)" in str(error) and not error.retryable


# -- 3. no scheme in the host: https assumed ---------------------------------------------------------------------------


@pytest.mark.parametrize("client", CLIENTS)
def test_a_host_without_scheme_says_https_was_assumed(monkeypatch: pytest.MonkeyPatch, client: str) -> None:
    with hostile_server(lambda handler, seen: send(handler, 200, page([TASK], 1, 1, 1))) as server:
        address = server.url.removeprefix("http://")
        use_server(monkeypatch, address)
        error = read(client)
    message = str(error)
    assert f"OCP URL https://{address}: no scheme in host {address!r}, so https was assumed" in message, message
    assert "speaks plain HTTP: set the connection's schema field to http" in message


# -- 4. 401: each auth type its own hint -------------------------------------------------------------------------------


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("auth_type", ["basic", "access_key"])
def test_401_names_what_to_check_for_the_auth_type(
    emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, client: str, auth_type: str
) -> None:
    conn = emu.airflow_connection(auth_type, password="not-the-secret", max_retries=0)
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", json.dumps(conn))
    error = read(client, emu.cluster_ids[0])
    message = str(error)
    assert error.status == 401 and "error code" not in message and "string to sign" not in message
    assert "not-the-secret" not in message
    if auth_type == "basic":
        assert "check the connection's login and password" in message and "clock" not in message
    else:
        assert "login (the AccessKey ID) and password (the AccessKey secret)" in message
        assert "this worker's clock" in message and "clock skew" in message


# -- 5. a wrong cluster id lists the clusters OCP knows ---------------------------------------------------------------


@pytest.mark.parametrize("client", CLIENTS)
def test_a_wrong_cluster_id_lists_the_clusters_ocp_knows(
    emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, client: str
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emu.airflow_connection_json("basic", max_retries=0))
    error = read(client, 987654321)
    known = ", ".join(f"{cluster['name']} (id {cluster['id']})" for cluster in OCPHook().list_clusters())
    assert isinstance(error, OCPRequestRejectedError) and error.status == 404
    assert "OCP has no cluster with id 987654321 (cluster_id)" in str(error)
    assert f"Clusters OCP knows: {known}." in str(error) and str(emu.cluster_ids[0]) in known
    assert error.__suppress_context__


# -- 6. Test Connection names the URL and the user --------------------------------------------------------------------


@pytest.mark.parametrize("auth_type", ["basic", "access_key"])
def test_test_connection_names_the_url_and_the_user(
    emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, auth_type: str
) -> None:
    conn = emu.airflow_connection(auth_type)
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", json.dumps(conn))
    ok, message = OCPHook().test_connection()
    who = "AccessKey ID" if auth_type == "access_key" else "user"
    assert ok and message.startswith(f"Connected to OCP at {emu.url} as {who} {conn['login']!r} (traceId "), message
    assert conn["password"] not in message
