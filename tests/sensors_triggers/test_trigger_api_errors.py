"""OCPLogBackupDelayTrigger driven directly (asyncio.run over run()) against the OCP emulator over sockets: transient
API errors below the cap of consecutive failures recover, persistent or non-retryable ones end in an error event."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import delay_trigger_support
import pytest
from delay_trigger_support import CRITERIA, first_event, make
from sensor_dag_support import task_queries

from airflow_provider_ocp.testing import OCPEmulator
from airflow_provider_ocp.triggers.log_backup import OCPLogBackupDelayTrigger

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)
emu = delay_trigger_support.emu  # fixture: one cluster of 2 tenants with 2 tasks each (not conftest.py's emu)


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
    assert len(task_queries(emu)) == 3
    assert [request.fault for request in task_queries(emu)] == [kind, kind, None]


def test_failure_count_resets_after_a_success(emu: OCPEmulator) -> None:
    """Two failures, a success, two failures, then success: a cap of 3 is never reached."""
    faults = emu.faults
    faults.add("http_error", times=2, status=500)

    async def go() -> dict[str, Any]:
        trigger = make(emu, max_consecutive_failures=3)
        agen = trigger.run()
        task = asyncio.ensure_future(anext(agen))

        async def until(count: int) -> None:
            while len(task_queries(emu)) < count and not task.done():
                await asyncio.sleep(0.02)

        await asyncio.wait_for(until(3), 10)
        faults.add("http_error", times=2, status=502, body="html")
        await asyncio.wait_for(until(5), 10)
        emu.set_current_task(emu.cluster_ids[0], delay=1.0)
        return (await asyncio.wait_for(task, 20)).payload

    payload = asyncio.run(go())
    assert payload["status"] == "caught_up"
    assert [request.status for request in task_queries(emu)][:6] == [500, 500, 200, 502, 502, 200]


def test_persistent_errors_end_with_the_last_error(emu: OCPEmulator) -> None:
    emu.faults.add("http_error", times=None, status=503, message="OCP is under maintenance")
    payload = first_event(make(emu, max_consecutive_failures=3))
    assert payload["status"] == "error"
    assert payload["failures"] == 3
    assert "3 consecutive failed polls" in payload["message"]
    assert "HTTP 503" in payload["message"] and "OCP is under maintenance" in payload["message"]
    assert len(task_queries(emu)) == 3


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
    assert len(task_queries(emu)) == 1


def test_bad_connection_is_an_error_event(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", json.dumps({"conn_type": "ocp", "host": "", "login": "a"}))
    payload = first_event(OCPLogBackupDelayTrigger(cluster_id=1, criteria=CRITERIA, poke_interval=0.2))
    assert payload["status"] == "error" and "has no host" in payload["message"]
