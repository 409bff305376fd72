"""OCPLogBackupDelayTrigger driven directly (asyncio.run over run()) against the OCP emulator over sockets: the
emulator fixture, criteria and helpers of tests/sensors_triggers/test_trigger_*.py (each binds ``emu`` by name)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from airflow_provider_ocp.log_backup.gate import GateCriteria
from airflow_provider_ocp.testing import OCPEmulator
from airflow_provider_ocp.triggers.log_backup import OCPLogBackupDelayTrigger

CRITERIA = GateCriteria.build(max_delay=20).to_dict()


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[OCPEmulator]:
    """One cluster, 2 tenants, delay 100 s; the connection retries nothing itself so the trigger's cap is visible."""
    with OCPEmulator(tenants=2, tasks_per_tenant=2, delay=100.0) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emulator.airflow_connection_json(max_retries=0))
        yield emulator


def first_event(trigger: OCPLogBackupDelayTrigger, limit: float = 30) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        event = await asyncio.wait_for(anext(trigger.run()), limit)
        return event.payload

    return asyncio.run(go())


def make(emulator: OCPEmulator, **kwargs: Any) -> OCPLogBackupDelayTrigger:
    kwargs.setdefault("criteria", CRITERIA)
    kwargs.setdefault("poke_interval", 0.2)
    return OCPLogBackupDelayTrigger(cluster_id=emulator.cluster_ids[0], **kwargs)
