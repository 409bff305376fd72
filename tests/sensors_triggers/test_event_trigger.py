"""OCPLogBackupEventTrigger driven directly (its run() over asyncio) against the OCP emulator over real HTTP: the
events, written out by hand, as the emulator's log backup changes; serialisation and ``BaseEventTrigger.hash``."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from airflow.triggers.base import BaseEventTrigger
from event_trigger_support import CLUSTER, Events, drive, make
from task_oracle import read_time, utc_text

from airflow_provider_ocp.client.errors import OCPInputError
from airflow_provider_ocp.testing import OCPEmulator

pytestmark = pytest.mark.waits

T1, T2 = 2001001, 2001002


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[OCPEmulator]:
    """One cluster, tenants tenant_1 and tenant_2, delay 100 s, on a frozen clock."""
    with OCPEmulator(tenants=2, tasks_per_tenant=2, delay=100.0) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emulator.airflow_connection_json(max_retries=0))
        yield emulator


def unit_event(emu: OCPEmulator, kind: str, tenant: int, **fields: Any) -> dict[str, Any]:
    """An expected event of a tenant of the emulator's cluster, its clock frozen: checkpoint = now - delay."""
    now = emu.clock.now()
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # OCP's timestamps carry milliseconds
    delay = fields.pop("delay", 100.0)
    checkpoint = utc_text(now - timedelta(seconds=delay))
    name = {T1: "tenant_1", T2: "tenant_2"}[tenant]
    event = {
        "kind": kind,
        "cluster_id": CLUSTER,
        "cluster_name": None,
        "tenant_id": tenant,
        "tenant_name": name,
        "threshold": 50.0,
        "observed_at": utc_text(now),
        "event_key": f"{kind}/{CLUSTER}/id:{tenant}/{checkpoint}",
        "status": "RUNNING",
        "delay": delay,
        "checkpoint": checkpoint,
    }
    event.update(fields)
    return event


# -- arguments, serialisation, hash ------------------------------------------------------------------------------------


def test_serialize_round_trips_through_json_and_the_hash_identifies_what_is_watched() -> None:
    trigger = make(tenant_names=["tenant_1"], watch_data_backups=True, ocp_conn_id="ocp_prod", emit_metrics=True)
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider_ocp.triggers.events.OCPLogBackupEventTrigger"
    assert json.loads(json.dumps(kwargs)) == kwargs
    module, _, name = classpath.rpartition(".")
    rebuilt = getattr(importlib.import_module(module), name)(**kwargs)
    assert rebuilt.serialize() == (classpath, kwargs)
    assert isinstance(trigger, BaseEventTrigger)
    assert BaseEventTrigger.hash(classpath, kwargs) == BaseEventTrigger.hash(*rebuilt.serialize())
    other = make(tenant_names=["tenant_2"], watch_data_backups=True, ocp_conn_id="ocp_prod", emit_metrics=True)
    assert BaseEventTrigger.hash(*other.serialize()) != BaseEventTrigger.hash(classpath, kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cluster_id": None}, "exactly one of cluster_id, cluster_name or cluster_name_pattern"),
        ({"cluster_name": "c"}, "exactly one of"),
        ({"cluster_id": None, "cluster_name_pattern": "(", "cluster_name_regex": True}, "not a regular expression"),
        ({"max_delay": -1}, "max_delay"),
        ({"tenant_ids": []}, "tenant_ids is an empty list"),
        ({"poll_interval": 0}, "poll_interval"),
    ],
)
def test_bad_arguments_fail_when_the_dag_is_parsed(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(OCPInputError, match=message):
        make(**kwargs)


# -- events against the emulator ---------------------------------------------------------------------------------------


def test_breach_stop_running_and_recovery_fire_once_each(emu: OCPEmulator) -> None:
    async def script(events: Events) -> list[dict[str, Any]]:
        seen = await events.take(2)
        await events.nothing_within(0.5)  # still above: no second breach
        emu.set_current_task(CLUSTER, T1, status="STOPPED")
        seen += await events.take(1)
        await events.nothing_within(0.5)  # still the same stop
        emu.set_current_task(CLUSTER, T1, status="RUNNING", delay=5.0)
        seen += await events.take(2)
        await events.nothing_within(0.5)
        return seen

    created = emu.expected_tasks(CLUSTER)[1]["createTime"]  # tenant_1's current task (newest first: t2, t1)
    assert emu.expected_tasks(CLUSTER)[1]["tenantId"] == T1
    stopped_at = utc_text(read_time(created))
    stop = unit_event(emu, "log_backup_stopped", T1, status="STOPPED")
    stop["event_key"] = f"log_backup_stopped/{CLUSTER}/id:{T1}/STOPPED@{stopped_at}"
    assert drive(make(), script) == [
        unit_event(
            emu,
            "delay_above_threshold",
            T1,
            message=f"cluster {CLUSTER}, tenant tenant_1 ({T1}): log backup delay 100s is above 50s",
        ),
        unit_event(
            emu,
            "delay_above_threshold",
            T2,
            message=f"cluster {CLUSTER}, tenant tenant_2 ({T2}): log backup delay 100s is above 50s",
        ),
        {**stop, "message": f"cluster {CLUSTER}, tenant tenant_1 ({T1}): log backup is STOPPED"},
        unit_event(
            emu,
            "log_backup_running",
            T1,
            delay=5.0,
            message=f"cluster {CLUSTER}, tenant tenant_1 ({T1}): log backup is RUNNING again (delay 5s)",
        ),
        unit_event(
            emu,
            "delay_recovered",
            T1,
            delay=5.0,
            message=f"cluster {CLUSTER}, tenant tenant_1 ({T1}): log backup delay 5s is back at or under 50s",
        ),
    ]
