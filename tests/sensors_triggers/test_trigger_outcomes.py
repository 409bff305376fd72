"""OCPLogBackupDelayTrigger driven directly (asyncio.run over run()) against the OCP emulator over sockets: the event
it ends with when the gate is caught up (carrying the XCom value), failed, or out of time."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import delay_trigger_support
import pytest
from delay_trigger_support import first_event, make
from sensor_dag_support import advance_per_query, task_queries

from airflow_provider_ocp.client.timestamps import isoformat_utc
from airflow_provider_ocp.testing import DelayProfile, OCPEmulator

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)
emu = delay_trigger_support.emu  # fixture: one cluster of 2 tenants with 2 tasks each (not conftest.py's emu)


def test_success_event_carries_the_xcom_value(emu: OCPEmulator) -> None:
    emu.set_current_task(emu.cluster_ids[0], delay=DelayProfile.linear(40, 0, 1.0))
    with advance_per_query(emu, step=0.4):  # the delay falls 16 s per poll, on the emulator's clock
        payload = first_event(make(emu))
    assert payload["status"] == "caught_up"
    result = payload["result"]
    assert result["cluster_id"] == emu.cluster_ids[0] and result["delay"] <= 20
    assert [unit["tenant_name"] for unit in result["units"]] == ["tenant_1", "tenant_2"]
    assert len(task_queries(emu)) >= 2  # it polled while the delay was still above 20 s
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
    assert len(task_queries(emu)) >= 3
