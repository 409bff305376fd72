"""One httpx client per event loop and connection, shared by the async hooks that use it at the same time.

A triggerer runs every deferred sensor in one event loop. With a client per trigger, a thousand sensors on one OCP
hold a thousand keep-alive connections (a thousand file descriptors in the triggerer, a thousand sockets on OCP) and
each opens its own connection, and TLS session, before its first poll. Sharing one client lets them take turns on
the few connections their requests actually need at once: less work per trigger start-up, and less lag in the
triggerer's event loop (``benchmarks/README.md``, benchmark 3).

Hooks share a client only with hooks of the same connection (address, credentials, TLS, proxies, use of the
environment and timeouts), so a cookie OCP sets for one user is never sent for another. The client is closed when the
last hook using it leaves.

A client serves at most :data:`HOOKS_PER_CLIENT` hooks at a time; more hooks get more clients. httpcore probes every
connection of a pool before each request and after each response (about 7 us each, an ``is_readable`` check), and
one pool for a thousand triggers keeps all 20 of its keep-alive connections warm: that scan was a tenth of each
poll's CPU. With fifty hooks per client, a pool held 6.6 connections on average in the same benchmark (18.3 with one
client for all), at the price of opening more connections: 270 instead of 67 over a run of 4,500 polls.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from airflow_provider_ocp.client.settings import OCPSettings
from airflow_provider_ocp.hooks.transport import open_httpx_client

ClientKey = tuple[object, ...]
HOOKS_PER_CLIENT = 50
"""The most hooks one client serves at once (see the module docstring)."""


@dataclass
class _Shared:
    client: httpx.AsyncClient
    users: int = 0


_shared: dict[ClientKey, list[_Shared]] = {}


def _key(settings: OCPSettings) -> ClientKey:
    """Everything that shapes the client or whose requests it may carry: the connection's identity (a cookie jar
    belongs to one user) and the transport (TLS, proxies, timeouts). The event loop, since a client serves one."""
    return (
        asyncio.get_running_loop(),
        settings.base_url,
        settings.auth_type,
        settings.login,
        settings.secret,
        settings.verify,
        tuple(sorted((settings.proxies or {}).items())),
        settings.trust_env,
        settings.connect_timeout,
        settings.read_timeout,
    )


def acquire_client(settings: OCPSettings) -> httpx.AsyncClient:
    """The client of this event loop for this connection, opened if no hook holds one; pair with :func:`release_client`.

    :param settings: the connection's settings.
    """
    clients = _shared.setdefault(_key(settings), [])
    shared = next((s for s in clients if s.users < HOOKS_PER_CLIENT and not s.client.is_closed), None)
    if shared is None:
        shared = _Shared(open_httpx_client(settings))
        clients.append(shared)
    shared.users += 1
    return shared.client


async def release_client(settings: OCPSettings, client: httpx.AsyncClient) -> None:
    """Give back a client from :func:`acquire_client`; the last hook to give it back closes it.

    :param settings: the settings it was acquired with.
    :param client: the client.
    """
    key = _key(settings)
    clients = _shared.get(key, [])
    shared = next((s for s in clients if s.client is client), None)
    if shared is None:  # not (or no longer) a shared one: close it alone
        await client.aclose()
        return
    shared.users -= 1
    if shared.users <= 0:
        clients.remove(shared)
        if not clients:
            del _shared[key]
        await client.aclose()


def shared_client_count() -> int:
    """How many shared clients are open (in every event loop): for tests and diagnostics."""
    return sum(map(len, _shared.values()))
