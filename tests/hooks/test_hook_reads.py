"""OCPHook against the OCP emulator over real sockets: what it reads with either auth mode (records normalised, the
time window, a path prefix) and the walks' public signatures."""

from __future__ import annotations

import inspect
import pydoc
import typing
from datetime import datetime, timedelta, timezone

import pytest
from hook_emulator_support import api_requests

from airflow_provider_ocp.exceptions import OCPInputError
from airflow_provider_ocp.hooks.failures import OCPInputFailure
from airflow_provider_ocp.hooks.ocp import OCPHook
from airflow_provider_ocp.testing import OCPEmulator


@pytest.mark.parametrize("auth_type", ["basic", "access_key"])
@pytest.mark.ocp_emulator(tenants=3, tasks_per_tenant=4)
def test_reads_all_tasks_with_both_auth_modes(ocp_emulator: OCPEmulator, connect, auth_type: str) -> None:
    hook = connect(ocp_emulator, auth_type)
    cluster = ocp_emulator.cluster_ids[0]
    tasks = list(hook.iter_log_backup_tasks(cluster, page_size=5))
    assert len(tasks) == 12 == len(ocp_emulator.expected_tasks(cluster))
    assert len(api_requests(ocp_emulator)) == 3
    sent = api_requests(ocp_emulator)[0]
    assert sent.header("Accept-Language") == "en-US"
    assert "airflow-provider-ocp/" in (sent.header("User-Agent") or "")
    assert sent.params["page"] == "1" and sent.params["size"] == "5"


@pytest.mark.ocp_emulator(tenants=2, tasks_per_tenant=3, delay_format="string", ids_as_strings=True)
def test_records_are_normalised(ocp_emulator: OCPEmulator, connect) -> None:
    hook = connect(ocp_emulator)
    tasks = list(hook.iter_log_backup_tasks(ocp_emulator.cluster_ids[0]))
    current = [t for t in tasks if t["status"] == "RUNNING"]
    assert current and all(isinstance(t["delay"], float) for t in current)
    for task in tasks:
        assert isinstance(task["clusterId"], int) and isinstance(task["tenantId"], int)
        assert task["createTime"].tzinfo is not None and task["checkpoint"].tzinfo is not None
        assert task["agentServerIp"]  # undocumented field kept
        assert "errorMsg" in task and task["errorMsg"] is None  # omitted by OCP → None


@pytest.mark.ocp_emulator(cluster_level=True, tasks_per_tenant=2)
def test_cluster_level_tasks_have_no_tenant(ocp_emulator: OCPEmulator, connect) -> None:
    tasks = list(connect(ocp_emulator).iter_log_backup_tasks(ocp_emulator.cluster_ids[0]))
    assert tasks and all(t["tenantId"] is None and t["tenantName"] is None for t in tasks)


@pytest.mark.ocp_emulator(tenants=3, tasks_per_tenant=10, task_interval=timedelta(hours=1))
def test_time_window_is_sent_in_utc_and_filters(ocp_emulator: OCPEmulator, connect) -> None:
    hook = connect(ocp_emulator)
    cluster = ocp_emulator.cluster_ids[0]
    newest = max(t["createTime"] for t in hook.iter_log_backup_tasks(cluster))
    start = (newest - timedelta(hours=6)).astimezone(timezone(timedelta(hours=8)))
    end = newest - timedelta(hours=1)
    ocp_emulator.clear_requests()
    tasks = list(hook.iter_log_backup_tasks(cluster, start, end))
    expected = ocp_emulator.expected_tasks(cluster, start, end)
    assert 0 < len(tasks) == len(expected)
    assert all(start <= t["createTime"] <= end for t in tasks)
    query = api_requests(ocp_emulator)[0].query
    assert "startTime=" in query and "Z" in query and "%3A" in query and "+" not in query


@pytest.mark.ocp_emulator(path_prefix="/ocp")
def test_path_prefix_is_kept(ocp_emulator: OCPEmulator, connect) -> None:
    hook = connect(ocp_emulator)
    assert ocp_emulator.url.endswith("/ocp")
    assert list(hook.iter_log_backup_tasks(ocp_emulator.cluster_ids[0]))
    assert all(r.path.startswith("/ocp/api/v2/") for r in ocp_emulator.requests)


@pytest.mark.parametrize(
    "name",
    [f"{way}_{tasks}_tasks" for way in ("iter", "get") for tasks in ("log_backup", "data_backup", "restore")],
)
def test_the_public_walks_show_their_parameters_at_run_time(name: str) -> None:
    """help(), IDEs and Sphinx read the signature at run time: no ``*args, **kwargs`` hiding the parameters."""
    method = getattr(OCPHook, name)
    assert list(inspect.signature(method).parameters) == [
        "self",
        "cluster_id",
        "start_time",
        "end_time",
        "page_size",
        "tenant_id",
        "cluster_name",
    ]
    hints = typing.get_type_hints(method)
    assert hints["cluster_id"] == int | str | None and hints["start_time"] == datetime | str | None
    assert hints["page_size"] == int | None and hints["cluster_name"] == str | None
    shown = pydoc.render_doc(method, renderer=pydoc.plaintext)  # what help() prints
    assert "cluster_id: 'int | str | None' = None" in shown and "*, cluster_name: 'str | None' = None" in shown
    for parameter in ("cluster_id", "start_time", "end_time", "page_size", "tenant_id", "cluster_name"):
        assert f":param {parameter}:" in shown


@pytest.mark.parametrize(
    "name",
    [f"{way}_{tasks}_tasks" for way in ("iter", "get") for tasks in ("log_backup", "data_backup", "restore")],
)
def test_bad_input_fails_the_task_at_once_from_every_public_walk(name: str) -> None:
    """Raised while the caller iterates too: an ``AirflowFailException``, so Airflow does not retry a typo."""
    with pytest.raises(OCPInputFailure, match="cluster_id"):
        list(getattr(OCPHook(), name)("not-an-id"))


@pytest.mark.ocp_emulator(tenants=2, tasks_per_tenant=3)
def test_get_log_backup_tasks_is_the_walk_as_a_list(ocp_emulator: OCPEmulator, connect) -> None:
    hook = connect(ocp_emulator)
    cluster = ocp_emulator.cluster_ids[0]
    tasks = hook.get_log_backup_tasks(cluster, page_size=2)
    assert isinstance(tasks, list) and len(tasks) == 6 == len(ocp_emulator.expected_tasks(cluster))
    assert tasks == list(hook.iter_log_backup_tasks(cluster, page_size=2))
    assert typing.get_type_hints(OCPHook.get_log_backup_tasks)["return"] == list[dict[str, typing.Any]]
    with pytest.raises(OCPInputError, match="cluster_id"):
        hook.get_log_backup_tasks("not-an-id")
