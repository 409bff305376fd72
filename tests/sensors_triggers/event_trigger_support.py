"""Driving OCPLogBackupEventTrigger.run() in tests: its events through a queue, and the trigger's defaults there."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from airflow_provider_ocp.triggers.events import OCPLogBackupEventTrigger

CLUSTER = 1000001


def make(**kwargs: Any) -> OCPLogBackupEventTrigger:
    kwargs.setdefault("cluster_id", CLUSTER)
    kwargs.setdefault("max_delay", 50)
    kwargs.setdefault("poll_interval", 0.1)
    return OCPLogBackupEventTrigger(**kwargs)


class Events:
    """The trigger's events, pumped into a queue by a task of their own (cancelling a wait on an async generator
    would close the generator)."""

    def __init__(self, trigger: OCPLogBackupEventTrigger) -> None:
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task = asyncio.create_task(self._pump(trigger))

    async def _pump(self, trigger: OCPLogBackupEventTrigger) -> None:
        async for event in trigger.run():
            await self.queue.put(event.payload)

    async def take(self, n: int, limit: float = 10) -> list[dict[str, Any]]:
        return [await asyncio.wait_for(self.queue.get(), limit) for _ in range(n)]

    async def nothing_within(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        assert self.queue.empty(), f"unexpected event {self.queue.get_nowait()}"
        assert not self.task.done(), self.task

    async def stop(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


def drive(trigger: OCPLogBackupEventTrigger, script: Callable[[Events], Any]) -> Any:
    async def go() -> Any:
        events = Events(trigger)
        try:
            return await script(events)
        finally:
            await events.stop()

    return asyncio.run(go())
