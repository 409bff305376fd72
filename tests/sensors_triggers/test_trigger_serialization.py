"""OCPLogBackupDelayTrigger's serialisation (strict JSON, through Airflow's trigger table) and the sensor's hand-off
to it: a deferrable sensor defers with a JSON-only trigger and its timeout, and takes the trigger's event back."""

from __future__ import annotations

import importlib
import json
from datetime import datetime, timedelta, timezone

import delay_trigger_support
import pytest
from airflow.providers.common.compat.sdk import TaskDeferred
from delay_trigger_support import CRITERIA
from sensor_dag_support import task_queries

from airflow_provider_ocp.log_backup.gate import GateCriteria
from airflow_provider_ocp.sensors.log_backup import OCPLogBackupDelaySensor
from airflow_provider_ocp.testing import OCPEmulator
from airflow_provider_ocp.triggers.log_backup import OCPLogBackupDelayTrigger

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)
emu = delay_trigger_support.emu  # fixture: one cluster of 2 tenants with 2 tasks each (not conftest.py's emu)


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
    assert len(task_queries(emu)) == 1  # checked once on the worker first
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


@pytest.mark.parametrize("status", ["caught_up", "success"])
def test_the_sensor_takes_the_caught_up_event_and_an_earlier_releases_name_for_it(status: str) -> None:
    """A trigger deferred by a release before the gate's word was one fires ``success``: a worker on this release
    must still hand its result on."""
    sensor = OCPLogBackupDelaySensor(task_id="gate", cluster_id=1000001, max_delay=60)
    result = {"cluster_id": 1000001, "checkpoint": "2024-08-06T00:00:00Z"}
    assert sensor.execute_complete({}, {"status": status, "message": "caught up", "result": result}) == result  # type: ignore[arg-type]
