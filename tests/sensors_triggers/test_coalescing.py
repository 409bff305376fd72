"""Coalesced polling (triggers/coalescing.py) against the OCP emulator over sockets: N gates coalesced give the same
events as N gates alone, with about one request per cluster and interval; failures reach every waiting gate; a gate
leaving (cancelled, fired) never cancels a fetch others await; connections never share. Time is driven by the
emulator's frozen clock and data, never asserted on the real clock."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from airflow_provider_ocp.hooks.ocp import OCPAsyncHook
from airflow_provider_ocp.log_backup.gate import GateCriteria
from airflow_provider_ocp.testing import OCPEmulator
from airflow_provider_ocp.triggers import coalescing
from airflow_provider_ocp.triggers.coalescing import poll_stamp, shared_entry_count, shared_polls
from airflow_provider_ocp.triggers.log_backup import OCPLogBackupDelayTrigger

pytestmark = pytest.mark.waits  # real poke intervals of a fraction of a second


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[OCPEmulator]:
    """Two clusters of 2 tenants, delay 100 s; a second user, for a connection with other credentials."""
    users = {"admin": "pw-admin", "other": "pw-other"}
    with OCPEmulator(clusters=2, tenants=2, tasks_per_tenant=2, delay=100.0, users=users) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emulator.airflow_connection_json(max_retries=0))
        other = emulator.airflow_connection_json(login="other", password="pw-other", max_retries=0)
        monkeypatch.setenv("AIRFLOW_CONN_OCP_OTHER", other)
        yield emulator


def task_queries(emulator: OCPEmulator) -> list[Any]:
    return [request for request in emulator.requests if "logBackupTasks" in request.path]


def criteria(**kwargs: Any) -> dict[str, Any]:
    return GateCriteria.build(**{"max_delay": 20, **kwargs}).to_dict()


async def first_events(triggers: list[OCPLogBackupDelayTrigger], limit: float = 30) -> list[dict[str, Any]]:
    async def first(trigger: OCPLogBackupDelayTrigger) -> dict[str, Any]:
        events = trigger.run()
        try:
            return (await anext(events)).payload  # type: ignore[no-any-return]
        finally:
            await events.aclose()  # type: ignore[attr-defined]

    return await asyncio.wait_for(asyncio.gather(*(first(t) for t in triggers)), limit)


GATES = [  # cluster index, criteria: waits then passes, fails at once (unknown tenant), passes at once, one tenant
    (0, criteria()),
    (0, criteria(tenant_names=["nope"])),
    (1, criteria(max_delay=500)),
    (1, criteria(tenant_names=["tenant_1"])),
    (0, criteria(max_delay=50)),
]


def counted_polls(monkeypatch: pytest.MonkeyPatch) -> Counter[int]:
    """Polls per trigger (by ``id``), each counted when it ends: answered, failed or cancelled."""
    polls: Counter[int] = Counter()
    check = OCPLogBackupDelayTrigger._check

    async def counted(self: OCPLogBackupDelayTrigger, *args: Any) -> Any:
        try:
            return await check(self, *args)
        finally:
            polls[id(self)] += 1

    monkeypatch.setattr(OCPLogBackupDelayTrigger, "_check", counted)
    return polls


def run_gates(
    emulator: OCPEmulator, coalesce: bool, copies: int, monkeypatch: pytest.MonkeyPatch
) -> list[dict[str, Any]]:
    """Every gate's first event. The data changes (delay 5 s) only once every gate has finished its first poll, so a
    gate that passes at once judges the same data with or without coalescing, however slow the machine."""
    polled = counted_polls(monkeypatch)

    async def go() -> list[dict[str, Any]]:
        triggers = [
            OCPLogBackupDelayTrigger(
                cluster_id=emulator.cluster_ids[index], criteria=gate, poke_interval=0.05, coalesce=coalesce
            )
            for index, gate in GATES * copies
        ]
        waiting = asyncio.ensure_future(first_events(triggers))
        while len(polled) < len(triggers) and not waiting.done():
            await asyncio.sleep(0.01)
        for cluster_id in emulator.cluster_ids:  # the waiting gates' condition starts to hold
            await asyncio.to_thread(emulator.set_current_task, cluster_id, delay=5.0)
        return await waiting

    return asyncio.run(go())


def test_coalesced_gates_give_the_events_of_gates_alone_with_fewer_requests(
    emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = run_gates(emu, coalesce=False, copies=4, monkeypatch=monkeypatch)
    requests_alone = len(task_queries(emu))
    emu.clear_requests()
    for cluster_id in emu.cluster_ids:
        emu.set_current_task(cluster_id, delay=100.0)
    together = run_gates(emu, coalesce=True, copies=4, monkeypatch=monkeypatch)
    assert [json.dumps(e, sort_keys=True) for e in together] == [json.dumps(e, sort_keys=True) for e in alone]
    assert Counter(e["status"] for e in together) == {"caught_up": 16, "failed": 4}
    assert len(task_queries(emu)) < requests_alone / 3
    assert shared_entry_count() == 0  # every gate left: nothing kept


def test_about_one_request_per_cluster_and_interval(emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    polls = counted_polls(monkeypatch)

    async def go() -> None:
        triggers = [
            OCPLogBackupDelayTrigger(cluster_id=emu.cluster_ids[n % 2], criteria=criteria(), poke_interval=0.05)
            for n in range(40)
        ]
        waiting = asyncio.ensure_future(first_events(triggers))
        while min(polls.values(), default=0) < 8 or len(polls) < 40:
            await asyncio.sleep(0.02)
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)

    asyncio.run(go())
    per_cluster = Counter(r.path for r in task_queries(emu))
    for requests in per_cluster.values():  # each gate polled ~n times: its cluster needed ~n fetches, not 20 n
        assert requests <= max(polls.values()) + 2
    assert sum(polls.values()) >= 8 * len(per_cluster) * max(per_cluster.values()) / 2
    assert shared_entry_count() == 0


@pytest.mark.parametrize(("status", "retryable"), [(503, True), (401, False)])
def test_a_failure_reaches_every_waiting_gate(emu: OCPEmulator, status: int, retryable: bool) -> None:
    emu.faults.add("http_error", times=1, status=status)
    emu.latency = 0.2  # the failing fetch is in flight while every gate comes due

    async def go() -> list[dict[str, Any]]:
        triggers = [
            OCPLogBackupDelayTrigger(
                cluster_id=emu.cluster_ids[0], criteria=criteria(), poke_interval=0.05, max_consecutive_failures=1
            )
            for _ in range(6)
        ]
        return await first_events(triggers)

    events = asyncio.run(go())
    assert [e["status"] for e in events] == ["error"] * 6
    assert all(e["failures"] == 1 for e in events)  # each counted it as its own failed poll
    why = "1 consecutive failed polls" if retryable else "a non-retryable error"
    assert all(why in e["message"] for e in events), events[0]["message"]
    assert len(task_queries(emu)) == 1  # one request failed, for all six


def test_a_gate_leaving_does_not_cancel_the_fetch_others_await(emu: OCPEmulator) -> None:
    emu.latency = 0.3

    async def go() -> None:
        async with OCPAsyncHook("ocp_default") as hook:
            async with shared_polls(hook, emu.cluster_ids[0]) as first:
                since = poll_stamp()
                async with shared_polls(hook, emu.cluster_ids[0], since=since) as second:
                    fetching = asyncio.ensure_future(first.poll())  # starts the fetch
                    await asyncio.sleep(0.05)
                    waiting = asyncio.ensure_future(second.poll())  # joins it
                    await asyncio.sleep(0.05)
                    fetching.cancel()  # the gate that started it leaves
                    table = await waiting
                    assert table.units() and len(task_queries(emu)) == 1
                    assert first.fetches == 1
                    await second.poll()  # its next poll needs a fetch started after its previous poll
                    assert len(task_queries(emu)) == 2
                    late = asyncio.ensure_future(second.poll())  # a third fetch, in flight
                    await asyncio.sleep(0.05)
                    late.cancel()  # its only gate leaves: the fetch goes on while the entry has users
                    (entry,) = coalescing._entries.values()
                    running = set(entry.running)
                    assert running and not any(task.done() for task in running)
            await asyncio.sleep(0.01)
            assert all(task.cancelled() for task in running)  # the last gate left: nobody awaits it any more
        assert shared_entry_count() == 0

    asyncio.run(go())


def test_a_fetch_started_before_a_gate_joined_is_never_judged_as_new(emu: OCPEmulator) -> None:
    async def go() -> None:
        async with OCPAsyncHook("ocp_default") as hook:
            async with shared_polls(hook, emu.cluster_ids[0]) as first:
                await first.poll()
                async with shared_polls(hook, emu.cluster_ids[0]) as second:  # joined after that fetch
                    await second.poll()
                    assert len(task_queries(emu)) == 2
                    await first.poll()  # the second gate's fetch started after the first gate's previous poll
                    assert len(task_queries(emu)) == 2

    asyncio.run(go())


def test_connections_and_credentials_never_share(emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_OCP_TWIN", emu.airflow_connection_json(max_retries=0))  # same settings, other id

    async def go() -> None:
        hooks = [OCPAsyncHook(conn) for conn in ("ocp_default", "ocp_other", "ocp_twin")]
        for hook in hooks:
            await hook.__aenter__()
        try:
            since = poll_stamp()
            async with (
                shared_polls(hooks[0], emu.cluster_ids[0], since=since) as a,
                shared_polls(hooks[1], emu.cluster_ids[0], since=since) as b,
                shared_polls(hooks[2], emu.cluster_ids[0], since=since) as c,
            ):
                await asyncio.gather(a.poll(), b.poll(), c.poll())
        finally:
            for hook in hooks:
                await hook.__aexit__(None, None, None)

    asyncio.run(go())
    users = Counter(r.headers.get("Authorization") for r in task_queries(emu))
    assert len(task_queries(emu)) == 3 and len(users) == 2
