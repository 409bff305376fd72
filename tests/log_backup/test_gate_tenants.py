"""Unit tests of the log backup gate (pure logic shared by the sensor and the trigger): which units it judges when
tenants are selected by id or name, selected tenants without a task, and tasks naming a tenant by one field only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from gate_task_support import NOW, crit, task

from airflow_provider_ocp.log_backup.gate import LatestTasks, evaluate
from airflow_provider_ocp.log_backup.records import normalize_task


def test_fail_beats_a_missing_tenant() -> None:
    verdict = evaluate(LatestTasks.of([task(1, status="INTERRUPTED")], NOW), crit(tenant_ids=[2001, 2009]))
    assert verdict.failed


def test_tenant_filter_by_id_and_by_name() -> None:
    records = [task(1, delay=3), task(2, delay=500), task(3, delay=4, name="sales")]
    assert evaluate(LatestTasks.of(records, NOW), crit()).state == "waiting"
    by_id = evaluate(LatestTasks.of(records, NOW), crit(tenant_ids=["2001"]))
    assert by_id.caught_up and [u.task["tenantId"] for u in by_id.units] == [2001]
    by_name = evaluate(LatestTasks.of(records, NOW), crit(tenant_names=["sales"]))
    assert by_name.caught_up and [u.task["tenantName"] for u in by_name.units] == ["sales"]
    both = evaluate(LatestTasks.of(records, NOW), crit(tenant_ids=[2001], tenant_names=["sales"]))
    assert both.caught_up and len(both.units) == 2
    assert evaluate(LatestTasks.of(records, NOW), crit(tenant_ids=[2002])).state == "waiting"


def test_selected_tenant_without_a_task_fails_at_once_naming_the_tenants_ocp_knows() -> None:
    verdict = evaluate(LatestTasks.of([task(1)], NOW), crit(tenant_ids=[2001, 2009], tenant_names=["ghost"]))
    assert verdict.failed
    assert "tenantId 2009" in verdict.message and "'ghost'" in verdict.message
    assert "tenant t1 (tenantId 2001)" in verdict.message and "wait_for_missing_tenants=True" in verdict.message


def test_selected_tenant_without_a_task_keeps_waiting_when_asked_to() -> None:
    criteria = crit(tenant_ids=[2001, 2009], tenant_names=["ghost"], wait_for_missing_tenants=True)
    verdict = evaluate(LatestTasks.of([task(1)], NOW), criteria)
    assert verdict.state == "waiting"
    assert any("tenantId 2009: no log backup task yet" in warning for warning in verdict.warnings)
    assert any("'ghost'" in warning for warning in verdict.warnings)


def test_no_task_at_all_keeps_waiting() -> None:
    verdict = evaluate(LatestTasks.of([], NOW), crit(), cluster_id=7)
    assert verdict.state == "waiting"
    assert any("no log backup task yet" in warning for warning in verdict.warnings)


def test_tenant_filter_on_a_cluster_level_cluster_explains() -> None:
    verdict = evaluate(LatestTasks.of([task(None)], NOW), crit(tenant_names=["t1"]))
    assert verdict.failed and any("cluster-level" in warning for warning in verdict.warnings)


def _old_and_new(old_fields: dict[str, Any], new_fields: dict[str, Any]) -> list[dict[str, Any]]:
    """A tenant's caught-up task from 08-01 and its FAILED one from an hour ago, each sent with one identity field."""
    old = {"status": "RUNNING", "createTime": "2024-08-01T00:00:00.000+0000", "delay": 5}
    old["checkpoint"] = "2024-08-06T11:59:55Z"
    new = {"status": "FAILED", "errorMsg": "archive full", "createTime": "2024-08-06T11:00:00.000+0000"}
    return [normalize_task({**old, **old_fields}), normalize_task({**new, **new_fields})]


@pytest.mark.parametrize(
    ("tasks", "criteria"),
    [
        pytest.param(_old_and_new({"tenantId": 1}, {"tenantName": "t1"}), {"tenant_ids": [1]}, id="filter-by-id"),
        pytest.param(_old_and_new({"tenantName": "t1"}, {"tenantId": 1}), {"tenant_names": ["t1"]}, id="by-name"),
    ],
)
def test_a_newer_task_sent_with_the_other_identity_field_only_keeps_a_filtered_gate_waiting(
    tasks: list[dict[str, Any]], criteria: dict[str, Any]
) -> None:
    """No task ties tenantId 1 to the name t1, so the newer FAILED task may be the selected tenant's current one."""
    verdict = evaluate(LatestTasks.of(tasks, NOW), crit(**criteria))
    assert verdict.state == "waiting"
    assert "without tenant" in verdict.units[0].reason and "might be its current task" in verdict.units[0].reason
    assert evaluate(LatestTasks.of(tasks, NOW), crit()).failed  # unfiltered, that task is judged: it failed


def test_an_older_task_sent_with_the_other_identity_field_only_changes_nothing() -> None:
    """tenantId 1's FAILED task is an hour old; t1's caught-up task, half an hour: even if they are one tenant, the
    caught-up task is the newer."""
    old, new = _old_and_new({"tenantName": "t1"}, {"tenantId": 1})
    newer_ready = {**old, "createTime": NOW - timedelta(minutes=30)}
    assert evaluate(LatestTasks.of([newer_ready, new], NOW), crit(tenant_names=["t1"])).caught_up


def test_an_old_task_naming_no_readable_tenant_does_not_hold_a_filtered_gate_forever() -> None:
    """A 2023 task with ``tenantId: "abc"`` cannot be the current task of a tenant with a task from an hour ago."""
    broken = normalize_task({"tenantId": "abc", "status": "STOPPED", "createTime": "2023-01-01T00:00:00.000+0000"})
    verdict = evaluate(LatestTasks.of([task(1), broken], NOW), crit(tenant_ids=[2001]))
    assert verdict.caught_up
    assert any("names no readable tenant" in warning for warning in verdict.warnings)
    assert evaluate(LatestTasks.of([task(1), broken], NOW), crit()).state == "waiting"  # unfiltered: maybe a tenant
    newer = {**broken, "createTime": NOW}
    assert evaluate(LatestTasks.of([task(1), newer], NOW), crit(tenant_ids=[2001])).state == "waiting"
