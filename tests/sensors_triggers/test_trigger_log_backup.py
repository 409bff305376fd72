"""OCPLogBackupDelayTrigger driven directly (asyncio.run over run()) against the OCP emulator over sockets."""

from __future__ import annotations

import asyncio
import importlib
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import TaskDeferred
from hostile_server import HostileServer, Seen, hostile_server, send, use_server
from sensor_dag_support import advance_per_query

from airflow_provider_ocp.client.timestamps import isoformat_utc
from airflow_provider_ocp.log_backup.gate import GateCriteria
from airflow_provider_ocp.sensors.log_backup import OCPLogBackupDelaySensor
from airflow_provider_ocp.testing import DelayProfile, OCPEmulator
from airflow_provider_ocp.triggers.log_backup import OCPLogBackupDelayTrigger

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)

CRITERIA = GateCriteria.build(max_delay=20).to_dict()


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[OCPEmulator]:
    """One cluster, 2 tenants, delay 100 s; the connection retries nothing itself so the trigger's cap is visible."""
    with OCPEmulator(tenants=2, tasks_per_tenant=2, delay=100.0) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emulator.airflow_connection_json(max_retries=0))
        yield emulator


def queries(emulator: OCPEmulator) -> list[Any]:
    return [request for request in emulator.requests if "logBackupTasks" in request.path]


def first_event(trigger: OCPLogBackupDelayTrigger, limit: float = 30) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        event = await asyncio.wait_for(anext(trigger.run()), limit)
        return event.payload

    return asyncio.run(go())


def make(emulator: OCPEmulator, **kwargs: Any) -> OCPLogBackupDelayTrigger:
    kwargs.setdefault("criteria", CRITERIA)
    kwargs.setdefault("poke_interval", 0.2)
    return OCPLogBackupDelayTrigger(cluster_id=emulator.cluster_ids[0], **kwargs)


# -- serialisation ----------------------------------------------------------------------------------------------------


def test_serialize_round_trip_is_json_only() -> None:
    trigger = OCPLogBackupDelayTrigger(
        cluster_id=1000001,
        criteria=GateCriteria.build(
            max_delay=timedelta(seconds=90),
            tenant_ids=[2001001],
            tenant_names=["sales"],
            target_time=datetime(2024, 8, 6, 8, tzinfo=timezone(timedelta(hours=8))),
        ).to_dict(),
        ocp_conn_id="ocp_prod",
        poke_interval=15.0,
        deadline="2024-08-07T00:00:00Z",
        max_consecutive_failures=7,
        exponential_backoff=True,
        max_wait=120.0,
    )
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider_ocp.triggers.log_backup.OCPLogBackupDelayTrigger"
    wire = json.loads(json.dumps(kwargs))  # strict JSON: no datetimes, timedeltas or tuples survive silently
    assert wire == kwargs
    assert wire["criteria"]["target_time"] == "2024-08-06T00:00:00Z"
    module, _, name = classpath.rpartition(".")
    rebuilt = getattr(importlib.import_module(module), name)(**wire)
    assert rebuilt.serialize() == (classpath, kwargs)
    assert GateCriteria.from_dict(rebuilt.criteria) == GateCriteria.from_dict(trigger.criteria)


def test_serialize_survives_the_trigger_table() -> None:
    from airflow.models.trigger import Trigger

    trigger = OCPLogBackupDelayTrigger(cluster_id=1, criteria=CRITERIA, deadline="2024-08-07T00:00:00Z")
    classpath, kwargs = trigger.serialize()
    row = Trigger.from_object(trigger)  # what Airflow stores when a task defers; the triggerer rebuilds from it
    assert row.classpath == classpath
    assert row.kwargs == kwargs


def test_sensor_defers_with_a_json_trigger_and_honours_its_timeout(
    emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    sensor = OCPLogBackupDelaySensor(
        task_id="gate",
        cluster_id=emu.cluster_ids[0],
        max_delay=timedelta(seconds=20),
        tenant_names=["tenant_1"],
        target_time="2024-08-06T08:00:00+08:00",
        deferrable=True,
        poke_interval=7,
        timeout=600,
        max_consecutive_failures=4,
    )
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute({})  # type: ignore[arg-type]
    assert len(queries(emu)) == 1  # checked once on the worker first
    assert deferred.value.method_name == "execute_complete"
    assert timedelta(seconds=595) < deferred.value.timeout <= timedelta(seconds=600)
    trigger = deferred.value.trigger
    assert isinstance(trigger, OCPLogBackupDelayTrigger)
    _, kwargs = trigger.serialize()
    assert json.loads(json.dumps(kwargs)) == kwargs
    assert kwargs["criteria"] == {
        "max_delay": 20.0,
        "tenant_ids": None,
        "tenant_names": ["tenant_1"],
        "target_time": "2024-08-06T00:00:00Z",
        "fail_on_status": ["FAILED", "INTERRUPTED", "STOPPED", "STOPPING"],
        "wait_for_missing_tenants": False,
        "check_recoverable": True,  # the default with target_time
    }
    assert kwargs["poke_interval"] == 7 and kwargs["max_consecutive_failures"] == 4
    deadline = datetime.fromisoformat(kwargs["deadline"].replace("Z", "+00:00"))
    assert abs((deadline - datetime.now(timezone.utc)).total_seconds() - 600) < 10


def test_sensor_builds_nothing_at_init(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_OCP_DEFAULT", raising=False)
    sensor = OCPLogBackupDelaySensor(task_id="gate", cluster_id="{{ params.c }}", max_delay="{{ params.d }}")
    assert "hook" not in sensor.__dict__  # no hook built, no connection read, nothing validated before rendering


# -- outcomes ---------------------------------------------------------------------------------------------------------


def test_success_event_carries_the_xcom_value(emu: OCPEmulator) -> None:
    emu.set_current_task(emu.cluster_ids[0], delay=DelayProfile.linear(40, 0, 1.0))
    with advance_per_query(emu, step=0.4):  # the delay falls 16 s per poll, on the emulator's clock
        payload = first_event(make(emu))
    assert payload["status"] == "caught_up"
    result = payload["result"]
    assert result["cluster_id"] == emu.cluster_ids[0] and result["delay"] <= 20
    assert [unit["tenant_name"] for unit in result["units"]] == ["tenant_1", "tenant_2"]
    assert len(queries(emu)) >= 2  # it polled while the delay was still above 20 s
    json.dumps(payload)


def test_failed_event_names_tenant_status_and_error(emu: OCPEmulator) -> None:
    cluster = emu.cluster_ids[0]
    emu.set_current_task(cluster, emu.tenant_ids(cluster)[0], status="STOPPING", error_msg="stopped by admin")
    payload = first_event(make(emu))
    assert payload["status"] == "failed"
    assert "tenant tenant_1" in payload["message"] and "STOPPING" in payload["message"]
    assert "stopped by admin" in payload["message"]


def test_deadline_gives_a_timeout_event(emu: OCPEmulator) -> None:
    deadline = isoformat_utc(datetime.now(timezone.utc) + timedelta(seconds=1))
    payload = first_event(make(emu, deadline=deadline))
    assert payload["status"] == "timeout"
    assert len(queries(emu)) >= 3


# -- API errors -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("http_error", {"status": 503}),
        ("http_error", {"status": 502, "body": "html"}),
        ("rate_limited", {"retry_after": None}),
        ("drop_connection", {}),
        ("truncated_json", {}),
    ],
)
def test_transient_errors_below_the_cap_recover(emu: OCPEmulator, kind: Any, params: dict[str, Any]) -> None:
    emu.set_current_task(emu.cluster_ids[0], delay=1.0)
    emu.faults.add(kind, times=2, **params)
    payload = first_event(make(emu, max_consecutive_failures=3))
    assert payload["status"] == "caught_up", payload
    assert len(queries(emu)) == 3
    assert [request.fault for request in queries(emu)] == [kind, kind, None]


def test_failure_count_resets_after_a_success(emu: OCPEmulator) -> None:
    """Two failures, a success, two failures, then success: a cap of 3 is never reached."""
    faults = emu.faults
    faults.add("http_error", times=2, status=500)

    async def go() -> dict[str, Any]:
        trigger = make(emu, max_consecutive_failures=3)
        agen = trigger.run()
        task = asyncio.ensure_future(anext(agen))

        async def until(count: int) -> None:
            while len(queries(emu)) < count and not task.done():
                await asyncio.sleep(0.02)

        await asyncio.wait_for(until(3), 10)
        faults.add("http_error", times=2, status=502, body="html")
        await asyncio.wait_for(until(5), 10)
        emu.set_current_task(emu.cluster_ids[0], delay=1.0)
        return (await asyncio.wait_for(task, 20)).payload

    payload = asyncio.run(go())
    assert payload["status"] == "caught_up"
    assert [request.status for request in queries(emu)][:6] == [500, 500, 200, 502, 502, 200]


def test_persistent_errors_end_with_the_last_error(emu: OCPEmulator) -> None:
    emu.faults.add("http_error", times=None, status=503, message="OCP is under maintenance")
    payload = first_event(make(emu, max_consecutive_failures=3))
    assert payload["status"] == "error"
    assert payload["failures"] == 3
    assert "3 consecutive failed polls" in payload["message"]
    assert "HTTP 503" in payload["message"] and "OCP is under maintenance" in payload["message"]
    assert len(queries(emu)) == 3


def test_connection_refused_counts_as_transient(monkeypatch: pytest.MonkeyPatch) -> None:
    with OCPEmulator() as emulator:
        conn = emulator.airflow_connection_json(max_retries=0, connect_timeout=1)
        cluster = emulator.cluster_ids[0]
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", conn)  # the emulator is stopped: nothing listens there
    payload = first_event(OCPLogBackupDelayTrigger(cluster_id=cluster, criteria=CRITERIA, poke_interval=0.1))
    assert payload["status"] == "error" and payload["failures"] == 5
    assert "Connection to OCP failed" in payload["message"] or "connect" in payload["message"].lower()


def test_non_retryable_error_ends_at_once(emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emu.airflow_connection_json(password="wrong", max_retries=0))
    payload = first_event(make(emu, max_consecutive_failures=5))
    assert payload["status"] == "error" and payload["failures"] == 1
    assert "HTTP 401" in payload["message"] and "wrong" not in payload["message"]
    assert len(queries(emu)) == 1


def test_bad_connection_is_an_error_event(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", json.dumps({"conn_type": "ocp", "host": "", "login": "a"}))
    payload = first_event(OCPLogBackupDelayTrigger(cluster_id=1, criteria=CRITERIA, poke_interval=0.2))
    assert payload["status"] == "error" and "has no host" in payload["message"]


# -- event loop hygiene -----------------------------------------------------------------------------------------------


@pytest.mark.timeout(60)
def test_never_blocks_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """While OCP holds a poll's request open, the triggerer's event loop keeps running other coroutines.

    The test's own coroutine, on the trigger's loop, waits to see the request arrive and only then lets OCP answer. A
    trigger blocking the loop for its request would leave that coroutine no turn: OCP would answer only when its own
    20 s wait ran out, and record that it did. A yes or no, never a duration on the real clock."""
    release = threading.Event()
    released_by_the_test: list[bool] = []
    task = {
        "clusterId": 1000001,
        "tenantId": 2001,
        "tenantName": "t1",
        "status": "RUNNING",
        "delay": 5,
        "createTime": "2024-08-01T00:00:00Z",
        "checkpoint": "2024-08-06T11:59:55Z",
    }
    info = {"number": 1, "size": 2000, "totalElements": 1, "totalPages": 1}
    body = {"successful": True, "timestamp": "2024-08-06T12:00:00Z", "data": {"contents": [task], "page": info}}

    def respond(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        released_by_the_test.append(release.wait(20))
        send(handler, 200, json.dumps(body).encode())

    async def go(server: HostileServer) -> dict[str, Any]:
        trigger = OCPLogBackupDelayTrigger(cluster_id=1000001, criteria=CRITERIA, poke_interval=0.05)
        event = asyncio.ensure_future(anext(trigger.run()))
        for _ in range(3000):  # a turn every 10 ms: only a free loop gives this coroutine its turns
            if server.seen:
                break
            await asyncio.sleep(0.01)
        for _ in range(5):  # more turns while OCP holds the request
            await asyncio.sleep(0.01)
        release.set()
        return (await event).payload

    with hostile_server(respond) as server:
        use_server(monkeypatch, server.url, max_retries=0)
        payload = asyncio.run(go(server))
    assert released_by_the_test == [True], "the event loop was blocked while OCP held the request"
    assert payload["status"] == "caught_up"


@pytest.mark.timeout(60)
def test_cancellation_propagates(emu: OCPEmulator) -> None:
    async def go(phase: str) -> None:
        agen = make(emu, poke_interval=5.0).run()
        task = asyncio.ensure_future(anext(agen))
        if phase == "sleeping":
            while not queries(emu):
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.1)
        else:  # in flight: the emulator is slow to answer
            emu.latency = 2.0  # longer than the 0.3 s before the cancel plus the 1 s allowed for it
            await asyncio.sleep(0.3)
        task.cancel()
        await asyncio.wait({task}, timeout=1.0)
        assert task.done(), f"cancellation while {phase} was swallowed: the trigger kept running"
        assert task.cancelled()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(go("sleeping"))
    emu.clear_requests()
    asyncio.run(go("in-flight"))


@pytest.mark.parametrize("status", ["caught_up", "success"])
def test_the_sensor_takes_the_caught_up_event_and_an_earlier_releases_name_for_it(status: str) -> None:
    """A trigger deferred by a release before the gate's word was one fires ``success``: a worker on this release
    must still hand its result on."""
    sensor = OCPLogBackupDelaySensor(task_id="gate", cluster_id=1000001, max_delay=60)
    result = {"cluster_id": 1000001, "checkpoint": "2024-08-06T00:00:00Z"}
    assert sensor.execute_complete({}, {"status": status, "message": "caught up", "result": result}) == result  # type: ignore[arg-type]
