"""OCPHook against the OCP emulator over real sockets: a page walk survives OCP's pagination quirks (clamped sizes,
wrong page counts, ignored pages) and tasks moving between pages, giving each task once, at OCP's maximum page size."""

from __future__ import annotations

import pytest
from hook_emulator_support import api_requests
from task_oracle import task_key

from airflow_provider_ocp.exceptions import OCPAPIError
from airflow_provider_ocp.testing import OCPEmulator


@pytest.mark.parametrize("concurrency", [1, 4])
@pytest.mark.ocp_emulator(tenants=4, tasks_per_tenant=25)
def test_pagination_quirks(ocp_emulator: OCPEmulator, connect, concurrency: int) -> None:
    hook = connect(ocp_emulator, concurrency=concurrency)
    cluster = ocp_emulator.cluster_ids[0]
    expected = len(ocp_emulator.expected_tasks(cluster))
    ocp_emulator.faults.add("clamp_size", times=100, max_size=7)
    assert len(list(hook.iter_log_backup_tasks(cluster, page_size=50))) == expected == 100
    ocp_emulator.faults.clear()
    ocp_emulator.faults.add("wrong_total_pages", times=100, delta=-3)
    assert len(list(hook.iter_log_backup_tasks(cluster, page_size=10))) == expected
    ocp_emulator.faults.clear()
    ocp_emulator.faults.add("wrong_total_pages", times=100, delta=4)
    assert len(list(hook.iter_log_backup_tasks(cluster, page_size=10))) == expected
    ocp_emulator.faults.clear()
    ocp_emulator.faults.add("ignore_page", times=100)
    with pytest.raises(OCPAPIError, match="ignor"):
        list(hook.iter_log_backup_tasks(cluster, page_size=10))


@pytest.mark.parametrize("concurrency", [1, 4])
@pytest.mark.ocp_emulator(tenants=2, tasks_per_tenant=20)
def test_drift_between_pages_gives_each_task_once(ocp_emulator: OCPEmulator, connect, concurrency: int) -> None:
    hook = connect(ocp_emulator, concurrency=concurrency)
    cluster = ocp_emulator.cluster_ids[0]
    before = {task_key(t) for t in ocp_emulator.expected_tasks(cluster)}
    ocp_emulator.faults.add("insert_tasks", times=1, page=2, count=3)
    ocp_emulator.faults.add("remove_tasks", times=1, page=3, count=2, newest=True)
    tasks = list(hook.iter_log_backup_tasks(cluster, page_size=5))
    keys = [task_key(t) for t in tasks]
    assert len(keys) == len(set(keys))
    after = {task_key(t) for t in ocp_emulator.expected_tasks(cluster)}
    assert len(before & after) >= len(before) - 2
    assert before & after <= set(keys)  # every task present throughout the walk came out


def test_page_size_above_max_is_lowered(ocp_emulator: OCPEmulator, connect, caplog) -> None:
    list(connect(ocp_emulator).iter_log_backup_tasks(ocp_emulator.cluster_ids[0], page_size=5000))
    assert api_requests(ocp_emulator)[0].params["size"] == "2000"
    assert "above OCP's maximum" in caplog.text
