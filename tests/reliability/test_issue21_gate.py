"""Issue 21, points 1-5 and 12: data on which the gate used to pass, or crash, through the real sensor and trigger.

Each OCP response is written by hand (tests/hostile_server.py); nothing here comes from the provider's own functions.
"""

from __future__ import annotations

import asyncio
import json
import tracemalloc
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hostile_server import hostile_server, send, use_server

from airflow_provider_ocp.log_backup.gate import GateCriteria
from airflow_provider_ocp.log_backup.records import normalize_task
from airflow_provider_ocp.log_backup.snapshot import LogBackupSnapshot, snapshot_records
from airflow_provider_ocp.sensors.log_backup import OCPLogBackupDelaySensor
from airflow_provider_ocp.triggers.log_backup import OCPLogBackupDelayTrigger

CLUSTER = 1000001
NOW = "2024-08-06T12:00:00Z"  # OCP's clock in every response
RUNNING = {
    "clusterId": CLUSTER,
    "tenantId": 2001,
    "tenantName": "t1",
    "status": "RUNNING",
    "createTime": "2024-08-01T08:00:00.000+0800",
    "checkpoint": "2024-08-06T11:59:55Z",
    "delay": 5,
}


def serve(*pages: list[dict[str, Any]]) -> Any:
    """One response per page, each announcing the whole walk's totals; OCP's clock is NOW."""
    total = sum(len(records) for records in pages)

    def respond(handler: Any, seen: Any) -> None:
        number = int(seen.query.get("page", ["1"])[0])
        records = pages[number - 1] if number <= len(pages) else []
        info = {"number": number, "size": 2000, "totalElements": total, "totalPages": len(pages)}
        body = {"successful": True, "timestamp": NOW, "data": {"contents": records, "page": info}}
        send(handler, 200, json.dumps(body).encode())

    return hostile_server(respond)


def poke(monkeypatch: pytest.MonkeyPatch, url: str, **arguments: Any) -> Any:
    use_server(monkeypatch, url)
    arguments.setdefault("max_delay", 60)
    sensor = OCPLogBackupDelaySensor(task_id="gate", cluster_id=CLUSTER, **arguments)
    return sensor.poke({})  # type: ignore[arg-type]


def trigger_event(**criteria: Any) -> dict[str, Any]:
    deadline = datetime.now(timezone.utc) + timedelta(seconds=0.5)
    trigger = OCPLogBackupDelayTrigger(
        cluster_id=CLUSTER,
        criteria=GateCriteria.build(max_delay=60, **criteria).to_dict(),
        poke_interval=0.05,
        deadline=deadline.isoformat(),
    )

    async def go() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    events = asyncio.run(go())
    assert len(events) == 1
    return events[0]


def not_passed(monkeypatch: pytest.MonkeyPatch, url: str, **criteria: Any) -> dict[str, Any]:
    """The sensor's poke is not done and the trigger ends by timeout (not success, not an error); the event."""
    assert poke(monkeypatch, url, **criteria) is False
    event = trigger_event(**criteria)
    assert event["status"] == "timeout", event
    return event


# -- 1. a newest task without createTime ----------------------------------------------------------------------------


@pytest.mark.parametrize("create_time", ["absent", None])
def test_a_newest_stopped_task_without_create_time_keeps_the_gate_shut(
    monkeypatch: pytest.MonkeyPatch, create_time: Any
) -> None:
    stopped = {**RUNNING, "status": "STOPPED", "delay": 1}
    if create_time == "absent":
        del stopped["createTime"]
    else:
        stopped["createTime"] = create_time
    with serve([RUNNING, stopped]) as server:
        event = not_passed(monkeypatch, server.url)
    assert "createTime missing might be its current task" in event["message"]


# -- 2. a checkpoint in the future -----------------------------------------------------------------------------------


def test_a_checkpoint_a_day_after_ocps_clock_is_no_safe_restore_point(monkeypatch: pytest.MonkeyPatch) -> None:
    tomorrow = {**RUNNING, "checkpoint": "2024-08-07T12:00:00Z", "delay": 5}
    with serve([tomorrow]) as server:
        event = not_passed(monkeypatch, server.url, target_time="2024-08-06T13:00:00Z")
    assert "is after OCP's clock 2024-08-06T12:00:00Z by more than 300s" in event["message"]


@pytest.mark.parametrize(("checkpoint", "done"), [("2024-08-06T12:04:59Z", True), ("2024-08-06T12:05:01Z", False)])
def test_a_checkpoint_ahead_of_ocps_clock_passes_only_within_five_minutes(
    monkeypatch: pytest.MonkeyPatch, checkpoint: str, done: bool
) -> None:
    with serve([{**RUNNING, "checkpoint": checkpoint, "delay": 0}]) as server:
        assert bool(poke(monkeypatch, server.url)) is done


# -- 3. conflicting duplicates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["running-first", "failed-first"])
@pytest.mark.parametrize("pages", [1, 2])
def test_one_tenant_twice_at_one_create_time_with_two_statuses_waits_in_any_order(
    monkeypatch: pytest.MonkeyPatch, order: str, pages: int
) -> None:
    failed = {**RUNNING, "status": "FAILED", "errorMsg": "archive destination unreachable"}
    records = [RUNNING, failed] if order == "running-first" else [failed, RUNNING]
    layout = [records] if pages == 1 else [[records[0]], [records[1]]]  # the walk must not drop either
    with serve(*layout) as server:
        event = not_passed(monkeypatch, server.url)
    assert "2 tasks share the latest createTime with different statuses ('FAILED', 'RUNNING')" in event["message"]


# -- 4. an unhashable tenantId ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("tenant_id", [{"id": 2001}, [2001], 20.01, True])
def test_an_unreadable_tenant_id_waits_with_a_warning_instead_of_crashing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tenant_id: Any
) -> None:
    newer = {**RUNNING, "tenantId": tenant_id, "createTime": "2024-08-02T00:00:00Z"}
    with serve([RUNNING, newer]) as server:
        event = not_passed(monkeypatch, server.url)
    assert f"tenantId {tenant_id!r} is not a tenant id" in event["message"]
    warned = [line for line in "".join(capsys.readouterr()).splitlines() if "warn" in line.lower()]
    assert any(f"tenantId {tenant_id!r} is not a tenant id" in line for line in warned), warned


# -- 5. snapshot and gate agree ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delay", "recorded", "source"),
    [
        (-10, 0.0, "ocp"),
        (-290, 0.0, "ocp"),
        (-300, 5.0, "computed"),  # the checkpoint, 5 s old, is older than -300 s says by more than the 300 s tolerance
        (12.5, 12.5, "ocp"),
    ],
)
def test_snapshot_records_the_delay_the_gate_judges(
    monkeypatch: pytest.MonkeyPatch, delay: float, recorded: float, source: str
) -> None:
    task = normalize_task({**RUNNING, "delay": delay})
    stamped = snapshot_records(LogBackupSnapshot([task], datetime(2024, 8, 6, 12, tzinfo=timezone.utc)))
    assert stamped[0]["delay"] == recorded and stamped[0]["delaySource"] == source
    with serve([{**RUNNING, "delay": delay}]) as server:
        result = poke(monkeypatch, server.url)
    assert result.xcom_value["units"][0]["delay"] == recorded


def test_snapshot_keeps_a_delay_the_gate_cannot_use_as_sent_without_a_source() -> None:
    task = normalize_task({**RUNNING, "delay": -3600})
    stamped = snapshot_records(LogBackupSnapshot([task], datetime(2024, 8, 6, 12, tzinfo=timezone.utc)))
    assert stamped[0]["delay"] == -3600 and stamped[0]["delaySource"] is None


# -- 12. a gate poll holds the latest task per unit, not the history ------------------------------------------------


def test_a_poke_over_40k_tasks_holds_a_page_not_the_history(monkeypatch: pytest.MonkeyPatch) -> None:
    """20 full pages of one tenant's history: the old snapshot kept all 40,000 normalised records (about 31 MiB
    under tracemalloc: 46 MiB for 60,000, 76.6 MiB for 100,000), a poke now peaks at about one page's worth (12 MiB)."""
    pages = 20

    def history(number: int) -> list[dict[str, Any]]:
        start = datetime(2020, 1, 1, tzinfo=timezone.utc) + timedelta(hours=2000 * (number - 1))
        return [
            {**RUNNING, "status": "STOPPED", "createTime": (start + timedelta(hours=i)).isoformat()}
            for i in range(2000)
        ]

    def respond(handler: Any, seen: Any) -> None:
        number = int(seen.query.get("page", ["1"])[0])
        records = history(number) if number <= pages else []
        info = {"number": number, "size": 2000, "totalElements": 2000 * pages, "totalPages": pages}
        body = {"successful": True, "timestamp": NOW, "data": {"contents": records, "page": info}}
        send(handler, 200, json.dumps(body).encode())

    with hostile_server(respond) as server:
        tracemalloc.start()
        try:
            result = poke(monkeypatch, server.url, fail_on_status=["FAILED"])
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert result is False  # the latest task (STOPPED) is not running
    assert peak < 24 * 2**20, f"peak {peak / 2**20:.1f} MiB"
