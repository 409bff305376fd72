"""OCPLogBackupEventTrigger across restarts: a new trigger instance given the same asset state store fires nothing it
has reported already (Airflow 3.3's store, async or blocking); without a store it warns once and fires the current
conditions again (an alert twice rather than none)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from event_trigger_support import CLUSTER, Events, make

from airflow_provider_ocp.testing import OCPEmulator
from airflow_provider_ocp.triggers.event_memory import KEY_PREFIX

pytestmark = pytest.mark.waits

T1 = 2001001


class Store:
    """What Airflow 3.3.2's ``AssetStateStoreAccessors`` offers a watcher's trigger: ``aget``/``aset`` of JSON."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.writes = 0

    async def aget(self, key: str, default: Any = None) -> Any:
        return json.loads(json.dumps(self.data.get(key, default)))

    async def aset(self, key: str, value: Any) -> None:
        self.data[key] = json.loads(json.dumps(value))  # the store keeps JSON: nothing else survives
        self.writes += 1


class BlockingStore:
    """Airflow 3.3.0 and 3.3.1: only the blocking ``get``/``set`` (the trigger calls them in a thread)."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return json.loads(json.dumps(self.data.get(key, default)))

    def set(self, key: str, value: Any) -> None:
        self.data[key] = json.loads(json.dumps(value))


class RefusingStore:
    """A store that cannot tell which asset is meant (a trigger watching several assets)."""

    async def aget(self, key: str, default: Any = None) -> Any:
        raise ValueError("Task has 2 concrete inlets and outlets")

    async def aset(self, key: str, value: Any) -> None:
        raise ValueError("Task has 2 concrete inlets and outlets")


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[OCPEmulator]:
    with OCPEmulator(tenants=2, tasks_per_tenant=2, delay=100.0) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emulator.airflow_connection_json(max_retries=0))
        yield emulator


POLLS = 5
"""Polls each trigger instance lives for: the first fires what it finds, the next ones must fire nothing more."""


def lifetimes(emu: OCPEmulator, store: Any, between: Any = None) -> tuple[list[str], list[str]]:
    """Two trigger instances one after the other (a triggerer restart), each given ``store``: the kinds each fires
    within :data:`POLLS` polls; ``between`` changes the emulator while no trigger runs."""

    def polls() -> int:
        return sum("logBackupTasks" in request.path for request in emu.requests)

    async def life() -> list[str]:
        trigger = make(poll_interval=0.02)
        if store is not None:
            trigger.asset_state_store = store  # what the triggerer does before run()
        events, until = Events(trigger), polls() + POLLS + 1  # poll n+1 answered: poll n's events are queued
        deadline = asyncio.get_running_loop().time() + 30
        while polls() < until and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.02)
        await events.stop()
        assert polls() >= until, f"the trigger polled {polls()} times, expected {until}"
        return [events.queue.get_nowait()["kind"] for _ in range(events.queue.qsize())]

    first = asyncio.run(life())
    if between is not None:
        between()
    return first, asyncio.run(life())


@pytest.mark.parametrize("store_type", [Store, BlockingStore])
def test_a_restart_with_the_stored_state_does_not_fire_again(emu: OCPEmulator, store_type: type) -> None:
    store = store_type()
    first, second = lifetimes(emu, store)
    assert first == ["delay_above_threshold", "delay_above_threshold"]
    assert second == []
    ((key, value),) = store.data.items()
    assert key.startswith(f"{KEY_PREFIX}:")
    assert value["version"] == 1 and set(value["clusters"]) == {str(CLUSTER)}


def test_what_changed_while_the_triggerer_was_down_fires_after_the_restart(emu: OCPEmulator) -> None:
    store = Store()
    first, second = lifetimes(emu, store, lambda: emu.set_current_task(CLUSTER, T1, status="STOPPED"))
    assert first == ["delay_above_threshold", "delay_above_threshold"]
    assert second == ["log_backup_stopped"]


def test_the_store_is_written_only_when_the_memory_changes(emu: OCPEmulator) -> None:
    store = Store()
    lifetimes(emu, store)
    assert store.writes == 1  # five polls, one change


def test_without_a_store_it_warns_once_and_fires_the_current_conditions_again(
    emu: OCPEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = lifetimes(emu, None)
    assert first == second == ["delay_above_threshold", "delay_above_threshold"]
    output = capsys.readouterr().out
    assert output.count("No asset state store") == 2, output  # once per trigger instance, not per poll
    assert "a triggerer restart fires again the conditions current at start" in output


def test_a_store_that_refuses_is_warned_about_once_and_the_memory_stays_in_the_trigger(
    emu: OCPEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    first, _ = lifetimes(emu, RefusingStore())
    assert first == ["delay_above_threshold", "delay_above_threshold"]
    output = capsys.readouterr().out
    assert output.count("The asset state store refused: Task has 2 concrete inlets") == 2, output


def test_memory_that_is_not_ours_is_ignored(emu: OCPEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    store = Store()
    lifetimes(emu, store)
    ((key, _),) = store.data.items()
    store.data[key] = ["not", "ours"]
    after, _ = lifetimes(emu, store)
    assert after == ["delay_above_threshold", "delay_above_threshold"]
    assert "not one this provider wrote" in capsys.readouterr().out
