"""Unit tests of the log backup gate (pure logic shared by the sensor and the trigger)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from airflow_provider_ocp.exceptions import OCPInputError
from airflow_provider_ocp.log_backup.criteria import (
    DEFAULT_FAIL_ON_STATUS,
    GateCriteria,
    classify_status,
    validate_max_delay,
)
from airflow_provider_ocp.log_backup.gate import LatestTasks, evaluate
from airflow_provider_ocp.log_backup.records import normalize_task

NOW = datetime(2024, 8, 6, 12, 0, 0, tzinfo=timezone.utc)


def task(
    tenant: int | None = 1,
    *,
    status: str = "RUNNING",
    delay: Any = 5.0,
    created: timedelta = timedelta(hours=1),
    checkpoint_age: float | None = None,
    error_msg: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """A normalised record as OCP would send it (Java timestamps, +0800), ``created`` before NOW."""
    age = checkpoint_age if checkpoint_age is not None else (float(delay) if delay is not None else 5.0)
    raw: dict[str, Any] = {
        "clusterId": 1000001,
        "obClusterId": 1,
        "status": status,
        "createTime": (NOW - created).astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%dT%H:%M:%S.000%z"),
        "checkpoint": (NOW - timedelta(seconds=age)).isoformat(),
    }
    if delay is not None:
        raw["delay"] = delay
    if tenant is not None:
        raw.update(tenantId=str(2000 + tenant), tenantName=name or f"t{tenant}", obTenantId=1000 + tenant)
    if error_msg is not None:
        raw["errorMsg"] = error_msg
    return normalize_task(raw)


def crit(**kwargs: Any) -> GateCriteria:
    kwargs.setdefault("max_delay", 20)
    return GateCriteria.build(**kwargs)


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


def test_delay_equal_to_max_delay_is_done() -> None:
    assert evaluate(LatestTasks.of([task(1, delay=20)], NOW), crit()).caught_up


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


def test_fail_beats_a_missing_tenant() -> None:
    verdict = evaluate(LatestTasks.of([task(1, status="INTERRUPTED")], NOW), crit(tenant_ids=[2001, 2009]))
    assert verdict.failed


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


def test_missing_delay_is_server_time_minus_checkpoint() -> None:
    verdict = evaluate(LatestTasks.of([task(1, delay=None, checkpoint_age=12.5)], NOW), crit())
    assert verdict.caught_up
    assert verdict.units[0].delay == 12.5 and verdict.units[0].delay_source == "computed"
    too_old = evaluate(LatestTasks.of([task(1, delay=None, checkpoint_age=25)], NOW), crit())
    assert too_old.state == "waiting" and too_old.units[0].delay == 25.0


def test_missing_delay_uses_the_server_clock_not_the_worker_clock() -> None:
    server_time = NOW - timedelta(hours=1)  # a server whose clock is an hour behind
    record = task(1, delay=None, checkpoint_age=3600 + 4)
    verdict = evaluate(LatestTasks.of([record], server_time), crit())
    assert verdict.caught_up and verdict.units[0].delay == 4.0


def test_missing_delay_without_server_time_waits() -> None:
    verdict = evaluate(LatestTasks.of([task(1, delay=None)], None), crit())
    assert verdict.state == "waiting" and "OCP sent no clock" in verdict.units[0].reason


def test_delay_as_decimal_text_is_accepted() -> None:
    assert evaluate(LatestTasks.of([task(1, delay="7.25")], NOW), crit()).units[0].delay == 7.25


def test_target_time() -> None:
    records = [task(1, delay=5)]  # checkpoint NOW - 5 s
    assert evaluate(LatestTasks.of(records, NOW), crit(target_time=NOW - timedelta(seconds=6))).caught_up
    assert evaluate(LatestTasks.of(records, NOW), crit(target_time=NOW - timedelta(seconds=5))).caught_up
    late = evaluate(LatestTasks.of(records, NOW), crit(target_time="2024-08-06T19:59:58+08:00"))  # NOW - 2 s
    assert late.state == "waiting" and "before target_time" in late.units[0].reason


def test_missing_checkpoint_waits() -> None:
    record = task(1)
    record["checkpoint"] = None
    assert evaluate(LatestTasks.of([record], NOW), crit()).state == "waiting"


def test_criteria_round_trip_through_json() -> None:
    criteria = GateCriteria.build(
        max_delay=timedelta(minutes=2),
        tenant_ids=[2001, "2002"],
        tenant_names=["sales"],
        target_time="2024-08-06T08:00:00+08:00",
        fail_on_status=["failed", "Interrupted"],
    )
    data = json.loads(json.dumps(criteria.to_dict()))
    assert data == {
        "max_delay": 120.0,
        "tenant_ids": [2001, 2002],
        "tenant_names": ["sales"],
        "target_time": "2024-08-06T00:00:00Z",
        "fail_on_status": ["FAILED", "INTERRUPTED"],
        "wait_for_missing_tenants": False,
        "check_recoverable": True,
    }
    assert GateCriteria.from_dict(data) == criteria
    default = GateCriteria.build(max_delay="30")
    assert GateCriteria.from_dict(json.loads(json.dumps(default.to_dict()))) == default
    assert default.fail_on_status == DEFAULT_FAIL_ON_STATUS and default.tenant_ids is None


@pytest.mark.parametrize(
    ("value", "seconds"), [(0, 0.0), (20, 20.0), (2.5, 2.5), ("15", 15.0), (" 1.5 ", 1.5), (timedelta(minutes=1), 60.0)]
)
def test_max_delay_accepted(value: Any, seconds: float) -> None:
    assert validate_max_delay(value) == seconds


@pytest.mark.parametrize(
    "value",
    [-1, -0.5, "-3", "abc", "", None, True, float("nan"), float("inf"), [20], timedelta(seconds=-1), 10**400],
)
def test_max_delay_refused(value: Any) -> None:
    with pytest.raises(OCPInputError, match="max_delay"):
        validate_max_delay(value)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"tenant_ids": []}, "tenant_ids"),
        ({"tenant_ids": ()}, "tenant_ids"),
        ({"tenant_ids": ["abc"]}, "tenant_ids"),
        ({"tenant_ids": [0]}, "tenant_ids"),
        ({"tenant_names": []}, "tenant_names"),
        ({"tenant_names": [""]}, "tenant_names"),
        ({"tenant_names": [3]}, "tenant_names"),
        ({"target_time": "2024-08-06T00:00:00"}, "target_time"),
        ({"target_time": datetime(2024, 8, 6)}, "target_time"),
        ({"target_time": "yesterday"}, "target_time"),
        ({"target_time": 1722902400}, "target_time"),
        ({"fail_on_status": [""]}, "fail_on_status"),
    ],
)
def test_bad_criteria_name_the_parameter(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(OCPInputError, match=name):
        crit(**kwargs)


def test_single_values_are_accepted_for_lists() -> None:
    criteria = crit(tenant_ids=2001, tenant_names="sales", fail_on_status="FAILED")
    assert criteria.tenant_ids == (2001,) and criteria.tenant_names == ("sales",)
    assert criteria.fail_on_status == ("FAILED",)


@pytest.mark.parametrize("rendered", [None, "", "None", "  "])
def test_a_target_time_template_rendering_an_absent_value_means_no_target(rendered: object) -> None:
    """``target_time="{{ params.restore_point }}"`` renders "None" when the DAG param is left empty: the sensor (the
    adapter) reads that as absent; the domain's criteria take plain values."""
    from airflow_provider_ocp.sensors.log_backup import OCPLogBackupDelaySensor

    sensor = OCPLogBackupDelaySensor(task_id="gate", cluster_id=1, max_delay=60, target_time=rendered)  # type: ignore[arg-type]
    assert sensor.validate().target_time is None


def test_the_criteria_refuse_the_text_none_as_a_target_time() -> None:
    with pytest.raises(OCPInputError, match="target_time"):
        GateCriteria.build(max_delay=60, target_time="None")


@pytest.mark.parametrize(
    ("delay", "checkpoint_age", "judged"),
    [
        pytest.param("0.00", 86400, 86400.0, id="a-default-delay-beside-a-day-old-checkpoint"),
        pytest.param(-250, 86400, 86400.0, id="a-negative-delay-is-not-skew-when-the-checkpoint-is-a-day-old"),
        pytest.param(3, 301 + 3 + 0.5, 304.5, id="just-beyond-the-clock-tolerance"),
    ],
)
def test_ocp_delay_never_hides_an_older_checkpoint(delay: Any, checkpoint_age: float, judged: float) -> None:
    """OCP says the archive is seconds behind, its checkpoint says more than the 300 s clocks may disagree by: the
    checkpoint's age is judged, so a gate with a generous max_delay still cannot pass on the frozen figure."""
    verdict = evaluate(LatestTasks.of([task(1, delay=delay, checkpoint_age=checkpoint_age)], NOW), crit(max_delay=60))
    assert verdict.state == "waiting"
    assert verdict.units[0].delay == judged and verdict.units[0].delay_source == "computed"
    assert f"delay {judged:g}s is above max_delay 60s" in verdict.units[0].reason


def test_ocp_delay_is_kept_when_the_checkpoint_agrees_within_the_clock_tolerance() -> None:
    """OCP's sample: delay 77.6421 with a checkpoint 77.792 s before its clock; and up to 300 s of skew either way."""
    for age in (77.792, 5 + 300):
        verdict = evaluate(
            LatestTasks.of([task(1, delay=5 if age > 100 else 77.6421, checkpoint_age=age)], NOW), crit(max_delay=100)
        )
        assert verdict.caught_up and verdict.units[0].delay_source == "ocp"


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
