"""The gate with data that must never let it pass, and a mistyped tenant (issue 12): what the sensor and the trigger
do and say, on records served over HTTP by a scripted server and by the emulator.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException, AirflowSensorTimeout
from hostile_server import hostile_server, send, use_server

from airflow_provider_ocp.log_backup.gate import GateCriteria
from airflow_provider_ocp.sensors.log_backup import OCPLogBackupDelaySensor
from airflow_provider_ocp.testing import OCPEmulator
from airflow_provider_ocp.triggers.log_backup import OCPLogBackupDelayTrigger

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)

CLUSTER = 1000001
NOW = datetime(2024, 8, 6, 12, 0, tzinfo=timezone.utc)
CURRENT = {
    "clusterId": CLUSTER,
    "tenantId": 2001,
    "tenantName": "t1",
    "status": "RUNNING",
    "createTime": "2024-08-01T00:00:00Z",
    "checkpoint": "2024-08-06T11:59:55Z",
    "delay": 5,
}


def serve(tasks: list[dict[str, Any]]) -> Any:
    # json.dumps writes NaN and Infinity as the bare words some servers send; "allow_nan" is the default.
    body = {
        "successful": True,
        "timestamp": NOW.isoformat(),
        "data": {"contents": tasks, "page": {"number": 1, "totalElements": len(tasks), "totalPages": 1}},
    }
    return hostile_server(lambda handler, seen: send(handler, 200, json.dumps(body).encode()))


def poke(**arguments: Any) -> bool:
    sensor = OCPLogBackupDelaySensor(task_id="gate", cluster_id=CLUSTER, max_delay=60, **arguments)
    return bool(sensor.poke({}))  # type: ignore[arg-type]


def trigger_event(deadline_seconds: float = 0.5, **criteria: Any) -> dict[str, Any]:
    deadline = datetime.now(timezone.utc) + timedelta(seconds=deadline_seconds)
    trigger = OCPLogBackupDelayTrigger(
        cluster_id=CLUSTER,
        criteria=GateCriteria.build(max_delay=60, **criteria).to_dict(),
        poke_interval=0.05,
        deadline=deadline.isoformat(),
    )

    async def go() -> dict[str, Any]:
        events = [event.payload async for event in trigger.run()]
        assert len(events) == 1
        return events[0]

    return asyncio.run(go())


@pytest.mark.parametrize("delay", ["NaN", float("nan"), float("inf"), "Infinity", "-inf", "fast"])
def test_a_delay_that_is_not_a_finite_number_never_passes(monkeypatch: pytest.MonkeyPatch, delay: Any) -> None:
    with serve([{**CURRENT, "delay": delay}]) as server:
        use_server(monkeypatch, server.url)
        assert poke() is False
        event = trigger_event()
    assert event["status"] == "timeout" and "not a number of seconds" in event["message"]


@pytest.mark.parametrize(("delay", "done"), [(-5, True), (-299.9, True), (-301, False), (-86_400, False)])
def test_a_negative_delay_counts_as_zero_only_within_the_clock_skew_tolerance(
    monkeypatch: pytest.MonkeyPatch, delay: float, done: bool
) -> None:
    with serve([{**CURRENT, "delay": delay}]) as server:
        use_server(monkeypatch, server.url)
        assert poke() is done


def test_a_computed_negative_delay_follows_the_same_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    ahead = {**CURRENT, "checkpoint": (NOW + timedelta(hours=1)).isoformat()}
    del ahead["delay"]
    with serve([ahead]) as server:
        use_server(monkeypatch, server.url)
        assert poke() is False  # a checkpoint an hour ahead of OCP's clock is not "caught up"


def test_a_task_with_an_unreadable_create_time_keeps_its_tenant_from_passing(monkeypatch: pytest.MonkeyPatch) -> None:
    """OCP's newest task might be the unreadable one (here FAILED); the readable RUNNING one must not pass alone."""
    unreadable = {**CURRENT, "status": "FAILED", "createTime": "2024-08-06 12:00 CST", "delay": 1}
    with serve([CURRENT, unreadable]) as server:
        use_server(monkeypatch, server.url)
        assert poke() is False
        event = trigger_event()
    assert "a task with createTime '2024-08-06 12:00 CST' that cannot be read might be" in event["message"]
    with serve([CURRENT]) as server:  # the same tenant without that task passes
        use_server(monkeypatch, server.url)
        assert poke() is True


# -- 11. a mistyped tenant ------------------------------------------------------------------------------------------


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Any:
    with OCPEmulator(tenants=2) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emulator.airflow_connection_json())
        yield emulator


def test_a_mistyped_tenant_fails_the_first_poke_naming_the_tenants_ocp_knows(
    emu: OCPEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    known = sorted({task["tenantName"] for task in emu.expected_tasks(emu.cluster_ids[0])})
    sensor = OCPLogBackupDelaySensor(
        task_id="gate", cluster_id=emu.cluster_ids[0], max_delay=60, tenant_names=["tenant_9"], timeout=7200
    )
    with pytest.raises(AirflowFailException) as info:
        sensor.execute({})  # type: ignore[arg-type]
    assert "selected tenant name 'tenant_9' not among the tenants OCP has log backup tasks for" in str(info.value)
    assert all(name in str(info.value) for name in known), (known, str(info.value))
    assert len([r for r in emu.requests if "logBackupTasks" in r.path]) == 1


def test_a_mistyped_tenant_waits_out_the_timeout_only_when_asked_to(
    emu: OCPEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    known = sorted({task["tenantName"] for task in emu.expected_tasks(emu.cluster_ids[0])})
    sensor = OCPLogBackupDelaySensor(
        task_id="gate",
        cluster_id=emu.cluster_ids[0],
        max_delay=60,
        tenant_names=["tenant_9"],
        wait_for_missing_tenants=True,
        timeout=0,
    )
    with pytest.raises(AirflowSensorTimeout) as info:
        sensor.execute({})  # type: ignore[arg-type]
    logged = "".join(capsys.readouterr())
    for text in (logged, str(info.value)):
        assert "tenant name 'tenant_9': no log backup task yet" in text
        assert all(name in text for name in known), (known, text[-400:])
    assert "0 of 0 selected unit(s) caught up" in logged


def test_a_mistyped_tenant_fails_the_trigger_at_once(emu: OCPEmulator) -> None:
    event = trigger_event(tenant_ids=[999])
    assert event["status"] == "failed"
    assert "tenantId 999 not among the tenants OCP has log backup tasks for" in event["message"]
    waiting = trigger_event(tenant_ids=[999], wait_for_missing_tenants=True)
    assert waiting["status"] == "timeout" and "tenantId 999: no log backup task yet" in waiting["message"]
