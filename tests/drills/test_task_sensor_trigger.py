"""OCPTaskSensor on a task started outside Airflow, OCPTaskTrigger's serialisation and events, and the "OCP task"
link's URL. Expected values are written by hand (drill_support.py states the emulator's defaults)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from typing import Any

import pytest
from drill_support import C1, C2, T1, Runner, advance_per_task_read

from airflow_provider_ocp.operators.links import task_page_url
from airflow_provider_ocp.sensors.task import OCPTaskSensor
from airflow_provider_ocp.testing import OCPEmulator
from airflow_provider_ocp.triggers.task import OCPTaskTrigger

POINT = datetime(2024, 8, 6, 12, 0, tzinfo=timezone.utc)


def outside_restore(emu: OCPEmulator) -> int:
    """A restore started in OCP, not by Airflow; its task id."""
    return emu.start_restore(C1, T1, C2, "outside_1", POINT, {}).id


@pytest.mark.usefixtures("airflow_db")
@pytest.mark.parametrize("deferrable", [False, True])
def test_sensor_waits_for_an_outside_task(emu: OCPEmulator, runner: Runner, deferrable: bool) -> None:
    task_id = outside_restore(emu)
    with advance_per_task_read(emu):
        outcome = runner(OCPTaskSensor, ocp_task_id=str(task_id), poke_interval=0.01, deferrable=deferrable)
    assert outcome.state == "success", outcome.log
    assert outcome.value == {
        "ocp_task_id": 5000001,
        "name": "Restore tenant outside_1",
        "status": "SUCCESSFUL",
        "subtasks_done": 5,
        "subtasks_total": 5,
        "running_subtask": None,
        "failed_subtask": None,
        "log_tail": None,
        "started_at": "2024-08-06T12:30:00Z",
        "finished_at": "2024-08-06T12:35:00Z",
    }
    assert outcome.xcom["ocp_task_url"] == f"{emu.url}/task/5000001"


@pytest.mark.usefixtures("airflow_db")
@pytest.mark.parametrize("deferrable", [False, True])
def test_sensor_fails_at_once_naming_the_subtask(emu: OCPEmulator, runner: Runner, deferrable: bool) -> None:
    emu.fail_next_task("restore", at_subtask="Replay archived log", log="line 1\nERROR: log piece 9 is missing")
    task_id = outside_restore(emu)
    with advance_per_task_read(emu):
        outcome = runner(OCPTaskSensor, ocp_task_id=task_id, poke_interval=0.01, deferrable=deferrable, retries=2)
    assert outcome.state == "failed"
    assert "ended FAILED at subtask 7000004 'Replay archived log'" in outcome.flat
    assert "ERROR: log piece 9 is missing" in outcome.log


@pytest.mark.usefixtures("airflow_db")
def test_sensor_bad_task_id_fails_before_any_request(emu: OCPEmulator, runner: Runner) -> None:
    outcome = runner(OCPTaskSensor, ocp_task_id="None", retries=1)
    assert outcome.state == "failed" and "ocp_task_id must be a positive integer OCP id" in outcome.flat
    assert emu.requests == []


def test_trigger_serialize_round_trip() -> None:
    trigger = OCPTaskTrigger(ocp_task_ids=[5, 6], ocp_conn_id="ocp_x", poll_interval=2, carry={"a": [1]})
    path, kwargs = trigger.serialize()
    assert path == "airflow_provider_ocp.triggers.task.OCPTaskTrigger"
    assert kwargs == {
        "ocp_task_ids": [5, 6],
        "ocp_conn_id": "ocp_x",
        "poll_interval": 2.0,
        "max_consecutive_failures": 5,
        "carry": {"a": [1]},
    }
    assert json.loads(json.dumps(kwargs)) == kwargs
    assert OCPTaskTrigger(**kwargs).serialize() == (path, kwargs)


def run_trigger(trigger: OCPTaskTrigger) -> list[dict[str, Any]]:
    async def collect() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    return asyncio.run(collect())


def test_trigger_success_event(emu: OCPEmulator) -> None:
    task_id = outside_restore(emu)
    with advance_per_task_read(emu):
        (event,) = run_trigger(OCPTaskTrigger(ocp_task_ids=[task_id], poll_interval=0.01, carry={"k": "v"}))
    assert event["status"] == "success" and event["carry"] == {"k": "v"}
    assert event["message"] == "OCP tasks [5000001] succeeded."
    (task,) = event["tasks"]
    assert (task["ocp_task_id"], task["status"], task["finished_at"]) == (5000001, "SUCCESSFUL", "2024-08-06T12:35:00Z")


def test_trigger_failed_event(emu: OCPEmulator) -> None:
    emu.fail_next_task("restore", at_subtask=0, log="ERROR: no unit spec S1")
    task_id = outside_restore(emu)
    with advance_per_task_read(emu):
        (event,) = run_trigger(OCPTaskTrigger(ocp_task_ids=[task_id], poll_interval=0.01))
    assert event["status"] == "failed"
    assert event["failed_task"]["failed_subtask"] == {"id": 7000001, "name": "Check restore prerequisites"}
    assert event["failed_task"]["log_tail"].endswith("ERROR: no unit spec S1")
    assert event["message"].startswith(
        "OCP task 5000001 (Restore tenant outside_1) ended FAILED at subtask 7000001 'Check restore prerequisites'"
    )


def test_trigger_error_event_has_no_secret(emu: OCPEmulator) -> None:
    (event,) = run_trigger(OCPTaskTrigger(ocp_task_ids=[999], poll_interval=0.01))  # OCP: no such task
    assert event["status"] == "error" and "999" in event["message"]
    assert "password" not in event["message"].lower() and event["tasks"] == []


def test_task_url_keeps_prefix_and_port_never_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow_provider_ocp.hooks.ocp import OCPHook

    conn = {"conn_type": "ocp", "host": "https://ocp.example.com:8443/ocp/", "login": "ak_id", "password": "s3cret"}
    monkeypatch.setenv("AIRFLOW_CONN_OCP_LINK", json.dumps(conn))
    base = OCPHook(ocp_conn_id="ocp_link").settings.base_url
    url = task_page_url(base, 42)
    assert url == "https://ocp.example.com:8443/ocp/task/42"
    assert "ak_id" not in url and "s3cret" not in url


def test_every_drill_task_shows_the_link() -> None:
    from airflow_provider_ocp.operators.backup import OCPDataBackupOperator
    from airflow_provider_ocp.operators.restore import OCPRestoreTenantOperator

    for cls in (OCPRestoreTenantOperator, OCPDataBackupOperator, OCPTaskSensor):
        assert [link.name for link in cls.operator_extra_links] == ["OCP task"]
