"""OCPAsyncHook against the OCP emulator over real sockets: it reads what the sync hook reads, and retries and fails
like it."""

from __future__ import annotations

import asyncio

import pytest

from airflow_provider_ocp.exceptions import OCPAPIError
from airflow_provider_ocp.hooks.ocp import OCPAsyncHook
from airflow_provider_ocp.testing import OCPEmulator


@pytest.mark.parametrize("auth_type", ["basic", "access_key"])
@pytest.mark.ocp_emulator(tenants=3, tasks_per_tenant=3, delay_format="omit")
def test_async_client_matches_sync_hook(ocp_emulator: OCPEmulator, connect, auth_type: str) -> None:
    hook = connect(ocp_emulator, auth_type)
    cluster = ocp_emulator.cluster_ids[0]
    sync = hook.get_log_backup_snapshot(cluster)

    async def read():
        async with OCPAsyncHook(settings=hook.settings) as client:
            return await client.get_log_backup_snapshot(cluster)

    snap = asyncio.run(read())
    key = lambda t: (t["tenantId"], t["createTime"])  # noqa: E731
    assert sorted(map(key, snap.tasks)) == sorted(map(key, sync.tasks))
    assert snap.server_time is not None and sync.server_time is not None


def test_async_client_retries_and_fails_like_sync(ocp_emulator: OCPEmulator, connect) -> None:
    hook = connect(ocp_emulator)
    ocp_emulator.faults.add("http_error", times=1, status=502, body="html")
    ocp_emulator.faults.add("drop_connection", times=1)

    async def read(cluster: int):
        async with OCPAsyncHook(settings=hook.settings) as client:
            return await client.get_log_backup_snapshot(cluster)

    assert asyncio.run(read(ocp_emulator.cluster_ids[0])).tasks
    with pytest.raises(OCPAPIError) as info:
        asyncio.run(read(987654321))
    assert info.value.status == 404
