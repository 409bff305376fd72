"""Issue 21, point 18, through the sync hook (requests) and the async hook (httpx) alike, against scripted servers on
loopback (``tests/hostile_server.py``): the environment's proxy variables apply unless the connection sets a proxy or
``trust_env: false``.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from hostile_server import hostile_server, page, send, use_server
from transport_support import CLIENTS, TASK, read

from airflow_provider_ocp.client.settings import settings_from_connection
from airflow_provider_ocp.exceptions import OCPAPIError, OCPInputError
from airflow_provider_ocp.provider_info import get_provider_info

pytestmark = pytest.mark.waits  # on real deadlines: scheduled early under xdist (tests/conftest.py)


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
