"""What the transport tests (tests/hooks/test_transport_*.py) read, and how: one cluster's tasks through the sync hook
(requests) or the async hook (httpx) alike, against scripted servers on loopback (``tests/hostile_server.py``)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from airflow_provider_ocp.exceptions import OCPAPIError
from airflow_provider_ocp.hooks.ocp import OCPAsyncHook, OCPHook

CLUSTER = 1000001
TASK = {"clusterId": CLUSTER, "tenantId": 2001, "tenantName": "t1", "status": "RUNNING", "delay": 5}
CLIENTS = ("sync", "async")


def read(client: str, times: int = 1, pause: float = 0.0) -> list[Any]:
    """Read the cluster's tasks ``times`` times, ``pause`` seconds apart, through one OCPHook or OCPAsyncHook (of
    the ``ocp_default`` connection); the tenant names or the OCPAPIError of each read, in order."""
    outcomes: list[Any] = []
    if client == "sync":
        hook = OCPHook()
        for number in range(times):
            time.sleep(pause if number else 0)
            try:
                outcomes.append(list(hook.iter_log_backup_tasks(CLUSTER)))
            except OCPAPIError as error:
                outcomes.append(error)
    else:
        asyncio.run(read_async(outcomes, times, pause))
    return [[task["tenantName"] for task in outcome] if isinstance(outcome, list) else outcome for outcome in outcomes]


async def read_async(outcomes: list[Any], times: int, pause: float) -> None:
    async with OCPAsyncHook() as hook:
        for number in range(times):
            await asyncio.sleep(pause if number else 0)
            try:
                outcomes.append((await hook.get_log_backup_snapshot(CLUSTER)).tasks)
            except OCPAPIError as error:
                outcomes.append(error)
