"""Fixtures of the fault matrix (tests/reliability/fault_matrix/test_reliability_*.py): a shared emulator reset for
each test, a private one for tests that change its data, and the attempts the clients sent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fault_matrix_support import POLICY, Attempts

from airflow_provider_ocp.hooks.ocp import OCPAsyncHook, OCPHook
from airflow_provider_ocp.testing import OCPEmulator


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> Attempts:
    record = Attempts()
    sync_send, async_send = OCPHook._send, OCPAsyncHook._send

    def counting_sync(self: OCPHook, request: Any) -> Any:
        with record.lock:
            record.sent.append((request.target, request.trace_id))
        return sync_send(self, request)

    async def counting_async(self: OCPAsyncHook, request: Any) -> Any:
        with record.lock:
            record.sent.append((request.target, request.trace_id))
        return await async_send(self, request)

    monkeypatch.setattr(OCPHook, "_send", counting_sync)
    monkeypatch.setattr(OCPAsyncHook, "_send", counting_async)
    return record


@pytest.fixture(scope="module")
def shared_emu() -> Iterator[OCPEmulator]:
    """8 tasks (2 tenants x 4): 3 pages of 3; the current tasks run with a 5 s delay."""
    with OCPEmulator(tenants=2, tasks_per_tenant=4, delay=5.0) as emulator:
        yield emulator


@pytest.fixture
def emu(shared_emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[OCPEmulator]:
    shared_emu.faults.clear()
    shared_emu.clear_requests()
    shared_emu.clock_offset = timedelta(0)
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", shared_emu.airflow_connection_json("basic", **POLICY))
    yield shared_emu
    shared_emu.faults.clear()
    shared_emu.clock_offset = timedelta(0)


@pytest.fixture
def own_emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[OCPEmulator]:
    """A private emulator (drift mutates the data): 12 tasks, 3 tenants; delay 5 s."""
    with OCPEmulator(tenants=3, tasks_per_tenant=4, delay=5.0) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emulator.airflow_connection_json("basic", **POLICY))
        yield emulator
