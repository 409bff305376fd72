"""Unit tests of the log backup gate (pure logic shared by the sensor and the trigger): how each unit's latest task and
its status decide the verdict (caught up, waiting or failed) and what the verdict hands on."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from gate_task_support import NOW, crit, task

from airflow_provider_ocp.log_backup.criteria import DEFAULT_FAIL_ON_STATUS, classify_status
from airflow_provider_ocp.log_backup.gate import LatestTasks, evaluate


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("RUNNING", "healthy"),
        ("inprogress", "healthy"),
        ("DOING", "healthy"),
        ("BEGINNING", "starting"),
        ("STARTING", "starting"),
        ("STOPPING", "stopped"),
        ("STOPPED", "stopped"),
        ("FAILED", "failed"),
        ("INTERRUPTED", "failed"),
        ("UNKNOWN", "unknown"),
        ("PAUSED", "unknown"),
        (None, "unknown"),
    ],
)
def test_classify_status(status: Any, expected: str) -> None:
    assert classify_status(status) == expected


def test_done_when_every_unit_is_running_and_under_max_delay() -> None:
    verdict = evaluate(LatestTasks.of([task(1, delay=3.5), task(2, delay=19.0)], NOW), crit(), cluster_id=1000001)
    assert verdict.caught_up and verdict.state == "caught_up"
    xcom = verdict.to_xcom()
    json.dumps(xcom)  # JSON-serialisable
    assert xcom["cluster_id"] == 1000001
    assert xcom["delay"] == 19.0
    assert xcom["checkpoint"] == "2024-08-06T11:59:41Z"  # the earliest checkpoint: NOW - 19 s
    assert [u["tenant_name"] for u in xcom["units"]] == ["t1", "t2"]
    unit = xcom["units"][0]
    assert unit["tenantId"] == 2001 and unit["tenant_id"] == 2001 and unit["obTenantId"] == 1001
    assert unit["status"] == "RUNNING" and unit["delay"] == 3.5 and unit["delay_source"] == "ocp"
    assert unit["createTime"] == "2024-08-06T11:00:00Z"
    assert unit["clusterId"] == 1000001 and unit["obClusterId"] == 1


def test_waiting_while_one_unit_is_above_max_delay() -> None:
    verdict = evaluate(LatestTasks.of([task(1, delay=3), task(2, delay=20.5)], NOW), crit())
    assert verdict.state == "waiting"
    assert "above max_delay" in verdict.message and "t2" in verdict.message
    assert {u.label: u.state for u in verdict.units} == {
        "tenant t1 (tenantId 2001)": "caught_up",
        "tenant t2 (tenantId 2002)": "waiting",
    }


@pytest.mark.parametrize("status", DEFAULT_FAIL_ON_STATUS)
def test_fail_status_fails_with_tenant_status_and_error_msg(status: str) -> None:
    verdict = evaluate(
        LatestTasks.of([task(1), task(2, status=status, error_msg="archive destination unreachable")], NOW),
        crit(),
        1000001,
    )
    assert verdict.failed
    assert "t2" in verdict.message and "2002" in verdict.message
    assert status in verdict.message and "archive destination unreachable" in verdict.message
    assert "cluster 1000001" in verdict.message


def test_fail_status_without_error_msg_says_so() -> None:
    verdict = evaluate(LatestTasks.of([task(1, status="FAILED")], NOW), crit())
    assert verdict.failed and "no errorMsg" in verdict.message


def test_old_stopped_task_beside_the_current_running_one_is_ignored() -> None:
    history = [task(1, status="STOPPED", created=timedelta(days=d)) for d in (1, 2, 3)]
    verdict = evaluate(LatestTasks.of([*history, task(1, created=timedelta(minutes=5))], NOW), crit())
    assert verdict.caught_up
    assert len(verdict.units) == 1


def test_a_newer_stopped_task_does_fail() -> None:
    older_running = task(1, created=timedelta(days=1))
    verdict = evaluate(
        LatestTasks.of([older_running, task(1, status="STOPPED", created=timedelta(minutes=1))], NOW), crit()
    )
    assert verdict.failed


def test_latest_is_by_create_time_across_offsets() -> None:
    a = task(1, status="STOPPED", created=timedelta(minutes=30))
    b = task(1, status="RUNNING", created=timedelta(minutes=20))
    assert LatestTasks.of([b, a]).units()[0].latest == (b,)
    assert LatestTasks.of([a, b]).units()[0].latest == (b,)


def test_fail_status_set_is_configurable() -> None:
    records = [task(1, status="STOPPED")]
    verdict = evaluate(LatestTasks.of(records, NOW), crit(fail_on_status=["FAILED"]))
    assert verdict.state == "waiting" and "STOPPED" in verdict.units[0].reason
    assert evaluate(LatestTasks.of([task(1, status="paused")], NOW), crit(fail_on_status="PAUSED")).failed


@pytest.mark.parametrize("status", ["BEGINNING", "STARTING"])
def test_starting_statuses_wait(status: str) -> None:
    verdict = evaluate(LatestTasks.of([task(1, status=status, delay=0)], NOW), crit())
    assert verdict.state == "waiting" and "not running yet" in verdict.units[0].reason


def test_unknown_status_waits_with_a_warning() -> None:
    verdict = evaluate(LatestTasks.of([task(1, status="SUSPENDED", delay=0)], NOW), crit())
    assert verdict.state == "waiting"
    assert verdict.units[0].status_class == "unknown"
    assert any("SUSPENDED" in warning for warning in verdict.warnings)


def test_cluster_level_task_is_one_unit() -> None:
    records = [task(None, status="STOPPED", created=timedelta(days=1)), task(None, delay=2.0)]
    verdict = evaluate(LatestTasks.of(records, NOW), crit(), cluster_id=1000001)
    assert verdict.caught_up and len(verdict.units) == 1
    unit = verdict.to_xcom()["units"][0]
    assert unit["tenant_id"] is None and unit["tenant_name"] is None and unit["clusterId"] == 1000001
    assert "cluster-level" in verdict.units[0].label
