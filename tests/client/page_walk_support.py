"""What the page-walk tests share: distinct log backup task records, OCP's page envelope for scripted servers on
loopback (``tests/hostile_server.py``), and a read of cluster 1 through OCPHook or OCPAsyncHook's page walk.

Used by ``test_walk_announced_total.py``, ``test_walk_page_metadata.py`` and ``test_walk_record_bound.py``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hostile_server import Seen, envelope

from airflow_provider_ocp.hooks.ocp import OCPAsyncHook, OCPHook
from airflow_provider_ocp.log_backup.query import log_backup_tasks_query
from airflow_provider_ocp.log_backup.records import record_identity

CLUSTER = 1
PATH = "/ob/clusters/1/backup/task/logBackupTasks"
CLIENTS = ("sync", "async")


def task(number: int) -> dict[str, Any]:
    """A distinct raw record; ``createTime`` inside 2024-08-06 (UTC) so a window filter keeps it."""
    return {
        "clusterId": CLUSTER,
        "tenantId": 2000 + number,
        "tenantName": f"t{number}",
        "status": "RUNNING",
        "createTime": f"2024-08-06T{number // 60 % 24:02d}:{number % 60:02d}:00.000+0000",
    }


def page_body(records: list[dict[str, Any]], number: int, **info: Any) -> bytes:
    return envelope({"contents": records, "page": {"number": number, **info}})


def requested_page(seen: Seen) -> int:
    return int(seen.query["page"][0])


def read(client: str, page_size: int = 10) -> list[dict[str, Any]]:
    """Every record of cluster 1 through OCPHook or OCPAsyncHook's page walk (the ``ocp_default`` connection)."""
    if client == "sync":
        return list(OCPHook().iter_log_backup_tasks(CLUSTER, page_size=page_size))

    async def go() -> list[dict[str, Any]]:
        query = log_backup_tasks_query(CLUSTER)
        out: list[dict[str, Any]] = []
        async with OCPAsyncHook() as hook:
            async for page in hook.iter_pages(query.path, query.params, page_size, record_identity):
                out.extend(page.records)
        return out

    return asyncio.run(go())
