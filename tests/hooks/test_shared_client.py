"""Async hooks of one connection in one event loop share an httpx client, as a triggerer's sensors do (issue 14).

Against the emulator on loopback: many hooks polling at once open a few connections, not one each; the client stays
open while any hook holds it and is closed by the last; a client serves a bounded number of hooks, so its pool stays
small; another connection's credentials, or another event loop, never get the same client (a cookie jar belongs to
one user).
"""

from __future__ import annotations

import asyncio
import threading
from contextlib import AsyncExitStack
from dataclasses import replace

import pytest

from airflow_provider_ocp.client.settings import OCPSettings
from airflow_provider_ocp.hooks import shared_client
from airflow_provider_ocp.hooks.ocp import OCPAsyncHook, OCPHook
from airflow_provider_ocp.hooks.shared_client import shared_client_count
from airflow_provider_ocp.testing import OCPEmulator

pytestmark = pytest.mark.ocp_emulator(clusters=3)


@pytest.fixture
def settings(ocp_emulator: OCPEmulator, monkeypatch: pytest.MonkeyPatch) -> OCPSettings:
    """The emulator's connection, as the hooks read it."""
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", ocp_emulator.airflow_connection_json())
    return OCPHook().settings


def test_open_hooks_taking_turns_share_one_connection(ocp_emulator: OCPEmulator, settings: OCPSettings) -> None:
    """Like deferred sensors whose polls are spread out: 50 hooks open at once, polling in turn, use one keep-alive
    connection between them (a client per hook would open 50)."""
    cluster = ocp_emulator.cluster_ids[0]

    async def poll_in_turn(hooks: int) -> list[int]:
        async with AsyncExitStack() as stack:
            opened = [await stack.enter_async_context(OCPAsyncHook(settings=settings)) for _ in range(hooks)]
            return [len((await hook.get_log_backup_snapshot(cluster)).tasks) for hook in opened]

    before = ocp_emulator.connections_accepted
    counts = asyncio.run(poll_in_turn(50))
    assert len(counts) == 50 and min(counts) > 0
    assert ocp_emulator.connections_accepted - before == 1
    assert shared_client_count() == 0  # the last hook out closed it


def test_hooks_polling_at_once_all_get_answers(ocp_emulator: OCPEmulator, settings: OCPSettings) -> None:
    """Concurrent requests on the shared client each get their own connection from its pool, and their own answer."""
    clusters = ocp_emulator.cluster_ids

    async def poll_at_once(hooks: int) -> list[set[int]]:
        async def one(cluster: int) -> set[int]:
            async with OCPAsyncHook(settings=settings) as hook:
                return {task["clusterId"] for task in (await hook.get_log_backup_snapshot(cluster)).tasks}

        return await asyncio.gather(*(one(clusters[n % len(clusters)]) for n in range(hooks)))

    seen = asyncio.run(poll_at_once(40))
    assert seen == [{clusters[n % len(clusters)]} for n in range(40)]
    assert shared_client_count() == 0


def test_the_client_lives_while_any_hook_holds_it(ocp_emulator: OCPEmulator, settings: OCPSettings) -> None:
    cluster = ocp_emulator.cluster_ids[0]

    async def scenario() -> None:
        async with OCPAsyncHook(settings=settings) as first:
            async with OCPAsyncHook(settings=settings) as second:
                assert first._client is second._client
                assert shared_client_count() == 1
            client = first._client
            assert client is not None and not client.is_closed  # the second hook's exit left it open
            assert (await first.get_log_backup_snapshot(cluster)).tasks
        assert client.is_closed and shared_client_count() == 0

    asyncio.run(scenario())


def test_a_client_serves_a_bounded_number_of_hooks(
    ocp_emulator: OCPEmulator, settings: OCPSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past ``HOOKS_PER_CLIENT`` hooks a second client opens (its own pool, its own connection); a hook that leaves
    makes room in its client for the next one; the last hook of each client closes it."""
    monkeypatch.setattr(shared_client, "HOOKS_PER_CLIENT", 2)
    cluster = ocp_emulator.cluster_ids[0]

    async def scenario() -> None:
        async with AsyncExitStack() as stack:
            first, second, third = [await stack.enter_async_context(OCPAsyncHook(settings=settings)) for _ in "123"]
            assert first._client is second._client and third._client is not first._client
            assert shared_client_count() == 2
            before = ocp_emulator.connections_accepted
            for hook in (first, second, third):
                assert (await hook.get_log_backup_snapshot(cluster)).tasks
            assert ocp_emulator.connections_accepted - before == 2  # one per client
            full_client = first._client
            await first.__aexit__(None, None, None)
            async with OCPAsyncHook(settings=settings) as fourth:
                assert fourth._client is full_client and shared_client_count() == 2
        assert full_client is not None and full_client.is_closed

    asyncio.run(scenario())
    assert shared_client_count() == 0


def test_other_credentials_get_their_own_client(ocp_emulator: OCPEmulator, settings: OCPSettings) -> None:
    other_user = replace(settings, login="someone-else")

    async def scenario() -> None:
        async with OCPAsyncHook(settings=settings) as mine, OCPAsyncHook(settings=other_user) as theirs:
            assert mine._client is not theirs._client
            assert shared_client_count() == 2

    asyncio.run(scenario())
    assert shared_client_count() == 0


def test_each_event_loop_gets_its_own_client(ocp_emulator: OCPEmulator, settings: OCPSettings) -> None:
    entered, release = threading.Event(), threading.Event()
    clients: list[object] = []

    async def hold() -> None:
        async with OCPAsyncHook(settings=settings) as hook:
            clients.append(hook._client)
            entered.set()
            while not release.is_set():
                await asyncio.sleep(0.01)

    other_loop = threading.Thread(target=asyncio.run, args=(hold(),))
    other_loop.start()
    try:
        assert entered.wait(10)

        async def mine() -> None:
            async with OCPAsyncHook(settings=settings) as hook:
                clients.append(hook._client)

        asyncio.run(mine())
    finally:
        release.set()
        other_loop.join(10)
    assert clients[0] is not clients[1]
    assert shared_client_count() == 0
