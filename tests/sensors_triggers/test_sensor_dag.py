"""OCPLogBackupDelaySensor under real ``dag.test()`` against the OCP emulator: each mode finishes once caught up and
not before, fails fast on a stopped or failed log backup, and selects tenants.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sensor_dag_support import (
    MAX_DELAY,
    Capture,
    advance_per_query,
    fall_one_step_per_query,
    on_first_query,
    run_deferred,
    run_gate,
    task_queries,
)
from task_oracle import read_time

from airflow_provider_ocp.testing import OCPEmulator

# waits: on real poke intervals and timeouts, so scheduled early under xdist (tests/conftest.py)
pytestmark = [pytest.mark.usefixtures("airflow_db", "reschedule_start_date_validated"), pytest.mark.waits]


# -- the delay falls below the threshold: each mode finishes then, and not before -----------------------------------


@pytest.mark.parametrize(
    "mode_kwargs",
    [{"mode": "poke"}, {"mode": "reschedule"}, {"deferrable": True}],
    ids=["poke", "reschedule", "deferrable"],
)
def test_finishes_once_delay_is_under_threshold_and_not_before(
    emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture, mode_kwargs: dict[str, Any]
) -> None:
    cluster = emu.cluster_ids[0]
    with fall_one_step_per_query(emu, cluster, step=1.0) as fall_started:
        outcome = run_gate(request, capture, cluster_id=cluster, max_delay=MAX_DELAY, **mode_kwargs)

    assert outcome.state == "success", outcome.log[-3000:]
    value = outcome.value
    assert value["delay"] <= MAX_DELAY
    assert all(unit["delay"] <= MAX_DELAY and unit["status"] == "RUNNING" for unit in value["units"])
    assert {unit["tenant_name"] for unit in value["units"]} == {"tenant_1", "tenant_2"}
    # Not before: the first poke saw 100 s, then 60, 45 and 30 s (the emulator's clock moves one second per query),
    # so at least 5 checks; the delay reaches 20 s 2.67 s into the fall; every earlier check logged it too high.
    assert len(task_queries(emu)) >= 5
    assert (read_time(value["server_time"]) - fall_started[0]).total_seconds() >= 2.6
    assert outcome.count("is above max_delay 20s") >= 4  # 2 tenants x at least 2 checks
    assert "delay 100s is above max_delay 20s" in outcome.log
    assert read_time(value["checkpoint"]) <= read_time(value["server_time"])
    # Each mode waited its own way: one long task run, several short runs, or one run plus the trigger.
    runs = outcome.count("[DAG TEST] running task")
    deferred = "running trigger in line" in outcome.log
    if mode_kwargs.get("mode") == "poke":
        assert runs == 1 and not deferred
    elif mode_kwargs.get("mode") == "reschedule":
        assert runs >= 3 and not deferred
    else:
        assert runs == 2 and deferred  # the first check, then execute_complete after the trigger


def test_deferrable_returns_on_the_worker_when_already_done(
    emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture
) -> None:
    emu.set_current_task(emu.cluster_ids[0], delay=3.0)
    outcome = run_deferred(request, capture, emu.cluster_ids[0])
    assert outcome.state == "success"
    assert len(task_queries(emu)) == 1
    assert "not deferring" in outcome.log and "running trigger in line" not in outcome.log


# -- fail fast --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["FAILED", "INTERRUPTED", "STOPPED", "STOPPING"])
def test_fails_at_once_on_each_fail_status(
    emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture, status: str
) -> None:
    cluster, tenant = emu.cluster_ids[0], emu.tenant_ids(emu.cluster_ids[0])[1]
    emu.set_current_task(cluster, tenant, status=status, error_msg="OSS bucket unreachable")
    outcome = run_gate(request, capture, cluster_id=cluster, max_delay=MAX_DELAY, poke_interval=30, timeout=120)
    assert outcome.state == "failed"
    assert len(task_queries(emu)) == 1  # one poke, not a poke interval or a timeout
    assert f"tenant tenant_2 (tenantId {tenant}): log backup is {status} (errorMsg 'OSS bucket unreachable')" in (
        outcome.flat
    )
    assert "AirflowFailException" in outcome.log


def test_fail_status_while_deferred_fails(emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture) -> None:
    cluster, tenant = emu.cluster_ids[0], emu.tenant_ids(emu.cluster_ids[0])[0]
    on_first_query(emu, lambda: emu.set_current_task(cluster, tenant, status="INTERRUPTED", error_msg="disk full"))
    outcome = run_deferred(request, capture, cluster, timeout=60)
    assert outcome.state == "failed"
    assert len(task_queries(emu)) == 2  # the worker's check, then the trigger's first poll: no waiting it out
    assert "running trigger in line" in outcome.log
    assert "tenant tenant_1" in outcome.log and "INTERRUPTED" in outcome.log and "disk full" in outcome.log


@pytest.mark.parametrize("deferrable", [False, True], ids=["poke", "deferrable"])
def test_fail_status_with_soft_fail_skips(
    emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture, deferrable: bool
) -> None:
    cluster = emu.cluster_ids[0]
    if deferrable:
        on_first_query(emu, lambda: emu.set_current_task(cluster, status="FAILED"))
    else:
        emu.set_current_task(cluster, status="FAILED")
    outcome = run_gate(
        request, capture, cluster_id=cluster, max_delay=MAX_DELAY, deferrable=deferrable, soft_fail=True, timeout=60
    )
    assert outcome.state == "skipped"
    assert len(task_queries(emu)) == (2 if deferrable else 1)


def test_old_stopped_tasks_beside_the_running_one_do_not_fail(
    emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture
) -> None:
    cluster = emu.cluster_ids[0]
    emu.set_current_task(cluster, delay=2.0)
    statuses = [record["status"] for record in emu.expected_tasks(cluster)]
    assert statuses.count("STOPPED") == 4 and statuses.count("RUNNING") == 2  # the premise of this test
    outcome = run_gate(request, capture, cluster_id=cluster, max_delay=MAX_DELAY, timeout=10)
    assert outcome.state == "success"
    assert [unit["status"] for unit in outcome.value["units"]] == ["RUNNING", "RUNNING"]


# -- selection, target_time, missing delay ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        ({"tenant_ids": ["TENANT_1"]}, ["tenant_1"]),
        ({"tenant_names": ["tenant_3"]}, ["tenant_3"]),
        ({"tenant_ids": ["TENANT_1"], "tenant_names": ["tenant_3"]}, ["tenant_1", "tenant_3"]),
    ],
    ids=["by-id", "by-name", "both"],
)
def test_tenant_filters(
    three_tenants: OCPEmulator,
    request: pytest.FixtureRequest,
    capture: Capture,
    selection: dict[str, list[str]],
    expected: list[str],
) -> None:
    cluster = three_tenants.cluster_ids[0]
    first_tenant = three_tenants.tenant_ids(cluster)[0]
    if "tenant_ids" in selection:
        selection = {**selection, "tenant_ids": [first_tenant]}
    outcome = run_gate(request, capture, cluster_id=cluster, max_delay=MAX_DELAY, timeout=5, **selection)
    assert outcome.state == "success", outcome.log[-2000:]
    assert [unit["tenant_name"] for unit in outcome.value["units"]] == expected
    assert "tenant_2" not in str(outcome.value)


def test_without_a_filter_the_lagging_tenant_holds_the_gate(
    three_tenants: OCPEmulator, request: pytest.FixtureRequest, capture: Capture
) -> None:
    outcome = run_gate(request, capture, cluster_id=three_tenants.cluster_ids[0], max_delay=MAX_DELAY, timeout=2)
    assert outcome.state == "failed"
    assert "tenant tenant_2" in outcome.log and "delay 500s is above max_delay" in outcome.log
    assert "AirflowSensorTimeout" in outcome.log


def test_selected_tenant_without_a_task_fails_at_the_first_check(
    emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture
) -> None:
    emu.set_current_task(emu.cluster_ids[0], delay=1.0)
    outcome = run_gate(
        request, capture, cluster_id=emu.cluster_ids[0], max_delay=MAX_DELAY, tenant_ids=[9999999], timeout=60
    )
    assert outcome.state == "failed"
    assert len(task_queries(emu)) == 1  # a mistyped tenant never appears: no waiting out the timeout
    assert "selected tenantId 9999999 not among the tenants OCP has log backup tasks for" in outcome.flat
    assert "wait_for_missing_tenants=True" in outcome.flat and "Sensor has timed out" not in outcome.log


def test_target_time_waits_for_the_checkpoint(
    emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture
) -> None:
    cluster = emu.cluster_ids[0]
    emu.set_current_task(cluster, delay=1.0)
    with advance_per_query(emu, step=1.0):  # the checkpoint (OCP's clock minus 1 s) moves 1 s per poke
        target = emu.clock.now() + timedelta(seconds=2.5)
        outcome = run_gate(
            request,
            capture,
            params={"restore_point": target.isoformat(), "max_delay": MAX_DELAY},
            cluster_id=str(cluster),
            max_delay="{{ params.max_delay }}",
            target_time="{{ params.restore_point }}",
        )
    assert outcome.state == "success", outcome.log[-2000:]
    checkpoint = read_time(outcome.value["checkpoint"])
    assert checkpoint >= target
    assert "is before target_time" in outcome.log  # earlier pokes waited for the restore point
    assert len(task_queries(emu)) >= 4  # checkpoints at -1, 0, +1 and +2 s were all before the target


def test_missing_delay_is_computed_from_server_time(
    emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture
) -> None:
    cluster = emu.cluster_ids[0]
    emu.set_current_task(cluster, omit_delay=True)
    assert all("delay" not in record for record in emu.expected_tasks(cluster) if record["status"] == "RUNNING")
    with fall_one_step_per_query(emu, cluster, step=1.0):
        outcome = run_gate(request, capture, cluster_id=cluster, max_delay=MAX_DELAY)
    assert outcome.state == "success"
    units = outcome.value["units"]
    assert all(unit["delay_source"] == "computed" for unit in units)
    for unit in units:  # the delay is OCP's clock minus the checkpoint
        expected = (read_time(outcome.value["server_time"]) - read_time(unit["checkpoint"])).total_seconds()
        assert unit["delay"] == pytest.approx(expected, abs=0.002)
        assert unit["delay"] <= MAX_DELAY
    assert "(computed)" in outcome.log and "is above max_delay" in outcome.log
