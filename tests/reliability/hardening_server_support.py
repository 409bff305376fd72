"""Helpers of the hostile and broken server tests (issue 12; tests/reliability/test_hardening_server_*.py): each case
goes through the sync hook, the async hook and, where it matters, the trigger, against a scripted server on
loopback (``tests/hostile_server.py``), not the emulator.
"""

from __future__ import annotations

import asyncio
from typing import Any

from airflow_provider_ocp.hooks.ocp import OCPAsyncHook, OCPHook
from airflow_provider_ocp.log_backup.gate import GateCriteria
from airflow_provider_ocp.triggers.log_backup import OCPLogBackupDelayTrigger

CLUSTER = 1000001
TASK = {
    "clusterId": CLUSTER,
    "tenantId": 2001,
    "tenantName": "t1",
    "status": "RUNNING",
    "createTime": "2024-08-05T23:00:00Z",
    "checkpoint": "2024-08-06T00:00:00Z",
    "delay": 5,
}


CLIENTS = ("sync", "async")


def read(client: str) -> Any:
    """Every log backup task of the cluster through OCPHook or OCPAsyncHook (the ``ocp_default`` connection)."""
    if client == "sync":
        return list(OCPHook().iter_log_backup_tasks(CLUSTER))

    async def go() -> Any:
        async with OCPAsyncHook() as hook:
            return (await hook.get_log_backup_snapshot(CLUSTER)).tasks

    return asyncio.run(go())


def first_event(**arguments: Any) -> dict[str, Any]:
    """Run the deferrable sensor's trigger against the ``ocp_default`` connection; return its one event."""
    trigger = OCPLogBackupDelayTrigger(
        cluster_id=CLUSTER,
        criteria=GateCriteria.build(max_delay=60).to_dict(),
        poke_interval=0.01,
        **arguments,
    )

    async def go() -> dict[str, Any]:
        events = [event.payload async for event in trigger.run()]
        assert len(events) == 1
        return events[0]

    return asyncio.run(go())
