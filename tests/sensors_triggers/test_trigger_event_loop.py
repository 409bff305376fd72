"""OCPLogBackupDelayTrigger on the triggerer's event loop: it never blocks the loop while OCP holds a request, and a
cancellation, while it sleeps or while a request is in flight, propagates."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

import delay_trigger_support
import pytest
from delay_trigger_support import CRITERIA, make
from hostile_server import HostileServer, Seen, hostile_server, send, use_server
from sensor_dag_support import task_queries

from airflow_provider_ocp.testing import OCPEmulator
from airflow_provider_ocp.triggers.log_backup import OCPLogBackupDelayTrigger

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)
emu = delay_trigger_support.emu  # fixture: one cluster of 2 tenants with 2 tasks each (not conftest.py's emu)


@pytest.mark.timeout(60)
def test_never_blocks_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """While OCP holds a poll's request open, the triggerer's event loop keeps running other coroutines.

    The test's own coroutine, on the trigger's loop, waits to see the request arrive and only then lets OCP answer. A
    trigger blocking the loop for its request would leave that coroutine no turn: OCP would answer only when its own
    20 s wait ran out, and record that it did. A yes or no, never a duration on the real clock."""
    release = threading.Event()
    released_by_the_test: list[bool] = []
    task = {
        "clusterId": 1000001,
        "tenantId": 2001,
        "tenantName": "t1",
        "status": "RUNNING",
        "delay": 5,
        "createTime": "2024-08-01T00:00:00Z",
        "checkpoint": "2024-08-06T11:59:55Z",
    }
    info = {"number": 1, "size": 2000, "totalElements": 1, "totalPages": 1}
    body = {"successful": True, "timestamp": "2024-08-06T12:00:00Z", "data": {"contents": [task], "page": info}}

    def respond(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        released_by_the_test.append(release.wait(20))
        send(handler, 200, json.dumps(body).encode())

    async def go(server: HostileServer) -> dict[str, Any]:
        trigger = OCPLogBackupDelayTrigger(cluster_id=1000001, criteria=CRITERIA, poke_interval=0.05)
        event = asyncio.ensure_future(anext(trigger.run()))
        for _ in range(3000):  # a turn every 10 ms: only a free loop gives this coroutine its turns
            if server.seen:
                break
            await asyncio.sleep(0.01)
        for _ in range(5):  # more turns while OCP holds the request
            await asyncio.sleep(0.01)
        release.set()
        return (await event).payload

    with hostile_server(respond) as server:
        use_server(monkeypatch, server.url, max_retries=0)
        payload = asyncio.run(go(server))
    assert released_by_the_test == [True], "the event loop was blocked while OCP held the request"
    assert payload["status"] == "caught_up"


@pytest.mark.timeout(60)
def test_cancellation_propagates(emu: OCPEmulator) -> None:
    async def go(phase: str) -> None:
        agen = make(emu, poke_interval=5.0).run()
        task = asyncio.ensure_future(anext(agen))
        if phase == "sleeping":
            while not task_queries(emu):
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.1)
        else:  # in flight: the emulator is slow to answer
            emu.latency = 2.0  # longer than the 0.3 s before the cancel plus the 1 s allowed for it
            await asyncio.sleep(0.3)
        task.cancel()
        await asyncio.wait({task}, timeout=1.0)
        assert task.done(), f"cancellation while {phase} was swallowed: the trigger kept running"
        assert task.cancelled()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(go("sleeping"))
    emu.clear_requests()
    asyncio.run(go("in-flight"))
