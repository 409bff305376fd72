"""Ids beyond a Java long never reach OCP (issue 21, point 19): both hooks refuse them before any request, as ints or
digit text of any length; the largest Java long is a valid id.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from airflow_provider_ocp.exceptions import OCPInputError
from airflow_provider_ocp.hooks.ocp import OCPAsyncHook, OCPHook
from airflow_provider_ocp.log_backup.query import log_backup_tasks_query
from airflow_provider_ocp.testing import OCPEmulator


@pytest.mark.parametrize(
    ("arguments", "name"),
    [
        ({"cluster_id": 10**30}, "cluster_id"),
        ({"cluster_id": "1" + "0" * 30}, "cluster_id"),
        ({"cluster_id": 2**63}, "cluster_id"),
        ({"cluster_id": "9" * 5000}, "cluster_id"),
        ({"cluster_id": 1, "tenant_id": 2**63}, "tenant_id"),
    ],
    ids=["int-1e30", "text-1e30", "2**63", "5000-digits", "tenant-2**63"],
)
def test_ids_beyond_a_java_long_are_refused_before_any_request(
    ocp_emulator: OCPEmulator, monkeypatch: pytest.MonkeyPatch, arguments: dict[str, Any], name: str
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", ocp_emulator.airflow_connection_json(max_retries=0))
    with pytest.raises(OCPInputError, match=f"{name} must be an OCP id of at most 9223372036854775807"):
        list(OCPHook().iter_log_backup_tasks(**arguments))

    async def through_the_async_hook() -> None:
        async with OCPAsyncHook() as hook:
            await hook.get_log_backup_snapshot(arguments["cluster_id"])

    if name == "cluster_id":
        with pytest.raises(OCPInputError, match="cluster_id must be an OCP id of at most"):
            asyncio.run(through_the_async_hook())
    assert ocp_emulator.requests == []


def test_the_largest_java_long_is_a_valid_id() -> None:
    query = log_backup_tasks_query("9223372036854775807", tenant_id=9223372036854775807)
    assert query.path == "/ob/clusters/9223372036854775807/tenants/9223372036854775807/backup/task/logBackupTasks"
