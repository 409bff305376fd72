"""Event triggers share the triggerer's coalesced fetch with gates (triggers/coalescing.py): a gate and event triggers
of one connection and cluster send about one log backup request per interval between them, counted at the emulator;
each stays joined across its polls and leaves when cancelled or when its cluster drops out of a fleet."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from event_trigger_support import CLUSTER, Events, make

from airflow_provider_ocp.hooks.ocp import OCPAsyncHook
from airflow_provider_ocp.log_backup.gate import GateCriteria
from airflow_provider_ocp.testing import OCPEmulator
from airflow_provider_ocp.triggers.coalescing import shared_entry_count
from airflow_provider_ocp.triggers.event_sources import SharedTables
from airflow_provider_ocp.triggers.log_backup import OCPLogBackupDelayTrigger

pytestmark = pytest.mark.waits  # real poll intervals of a fraction of a second


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[OCPEmulator]:
    """Two clusters, tenants tenant_1 and tenant_2, delay 100 s, on a frozen clock."""
    with OCPEmulator(clusters=2, tenants=2, tasks_per_tenant=1, delay=100.0) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emulator.airflow_connection_json(max_retries=0))
        yield emulator


def task_queries(emulator: OCPEmulator, cluster_id: int = CLUSTER) -> int:
    return sum(1 for r in emulator.requests if "logBackupTasks" in r.path and f"/clusters/{cluster_id}/" in r.path)


def test_a_gate_and_event_triggers_on_one_cluster_share_the_fetches(
    emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    polls: Counter[int] = Counter()  # each participant's polls: what they would have sent alone
    check, latest = OCPLogBackupDelayTrigger._check, SharedTables.latest

    async def gate_check(self: OCPLogBackupDelayTrigger, *args: Any) -> Any:
        polls[id(self)] += 1
        return await check(self, *args)

    async def watcher_poll(self: SharedTables, *args: Any) -> Any:
        polls[id(self)] += 1  # one SharedTables per event trigger run
        return await latest(self, *args)

    monkeypatch.setattr(OCPLogBackupDelayTrigger, "_check", gate_check)
    monkeypatch.setattr(SharedTables, "latest", watcher_poll)

    async def go() -> tuple[dict[str, Any], list[list[dict[str, Any]]]]:
        gate = OCPLogBackupDelayTrigger(
            cluster_id=CLUSTER, criteria=GateCriteria.build(max_delay=20).to_dict(), poke_interval=0.1
        )
        gate_events = gate.run()
        gate_event = asyncio.ensure_future(anext(gate_events))
        watchers = [
            Events(make(poll_interval=0.1, tenant_names=["tenant_1"])),
            Events(make(poll_interval=0.1, tenant_names=["tenant_2"])),
            Events(make(poll_interval=0.1)),
        ]
        try:
            breaches = [await w.take(n) for w, n in zip(watchers, (1, 1, 2), strict=True)]  # 100 s > 50 s
            assert all(e["kind"] == "delay_above_threshold" for seen in breaches for e in seen)
            while len(polls) < 4 or min(polls.values()) < 10:
                await asyncio.sleep(0.02)
            assert shared_entry_count() == 1  # one entry for the gate and the three event triggers
            assert not gate_event.done()  # 100 s > 20 s: the gate waits
            await asyncio.to_thread(emu.set_current_task, CLUSTER, delay=5.0)  # caught up: both kinds see it
            recovered = [await w.take(n) for w, n in zip(watchers, (1, 1, 2), strict=True)]
            fired = (await asyncio.wait_for(gate_event, 10)).payload
        finally:
            for watcher in watchers:
                await watcher.stop()
            gate_event.cancel()
            await asyncio.gather(gate_event, return_exceptions=True)
            await gate_events.aclose()  # type: ignore[attr-defined]
        return fired, recovered

    fired, recovered = asyncio.run(go())
    assert fired["status"] == "caught_up"
    assert [[(e["kind"], e["tenant_name"]) for e in seen] for seen in recovered] == [
        [("delay_recovered", "tenant_1")],
        [("delay_recovered", "tenant_2")],
        [("delay_recovered", "tenant_1"), ("delay_recovered", "tenant_2")],
    ]
    requests = task_queries(emu)
    assert requests <= max(polls.values()) + 2  # about one per interval, for the four of them
    assert sum(polls.values()) >= 3 * requests  # alone, each poll would have been a request
    assert task_queries(emu, emu.cluster_ids[1]) == 0
    assert shared_entry_count() == 0  # every one left: nothing kept


def test_an_event_trigger_stays_joined_across_polls_and_leaves_when_cancelled(emu: OCPEmulator) -> None:
    async def go() -> None:
        watcher = Events(make(poll_interval=0.05))
        await watcher.take(2)
        for _ in range(5):  # polls go on, and its one entry stays (a new one each poll would refetch each time)
            await asyncio.sleep(0.05)
            assert shared_entry_count() == 1
        await watcher.stop()
        assert shared_entry_count() == 0

    asyncio.run(go())


def test_a_cluster_leaving_the_fleet_leaves_its_shared_fetch(emu: OCPEmulator) -> None:
    first, second = emu.cluster_ids

    async def go() -> None:
        async with OCPAsyncHook("ocp_default") as hook, SharedTables() as tables:
            for cluster_id in (first, second, first, second):
                table = await tables.latest(hook, cluster_id)
                assert len(table.units()) == 2
            assert tables.joined == [first, second] and shared_entry_count() == 2
            assert task_queries(emu, first) == 2  # the second poll needs a fetch started after the first
            await tables.keep_only([second])
            assert tables.joined == [second] and shared_entry_count() == 1
        assert shared_entry_count() == 0

    asyncio.run(go())


def test_a_changed_connection_joins_again_with_the_new_settings(
    emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def go() -> None:
        async with SharedTables() as tables:
            async with OCPAsyncHook("ocp_default") as hook:
                await tables.latest(hook, CLUSTER)
            monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emu.airflow_connection_json(max_retries=1))
            async with OCPAsyncHook("ocp_default") as hook:
                await tables.latest(hook, CLUSTER)
                assert shared_entry_count() == 1  # the old settings' entry was left, not kept beside the new
        assert shared_entry_count() == 0

    asyncio.run(go())
