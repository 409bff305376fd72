"""The OCP emulator's log backup task records: timestamp formats and server zone, fields and omitted nulls, render
options, cluster-level tasks, and tasks added and removed."""

from __future__ import annotations

import re
from datetime import timedelta, timezone

import pytest
from emulator_api_support import ISO_TS, assert_error, contents, get_tasks

from airflow_provider_ocp.client.timestamps import parse_ocp_timestamp
from airflow_provider_ocp.testing import OCPEmulator

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)

JAVA_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$")
TENANT_FIELDS = {"tenantId", "tenantName", "obTenantId"}


# -- records --------------------------------------------------------------------------------------------------------


def test_record_timestamp_formats(emu: OCPEmulator) -> None:
    for record in contents(get_tasks(emu)):
        for name in ("createTime", "modifyTime", "checkpoint"):
            assert JAVA_TS.match(record[name]), record[name]
            assert record[name].endswith("+0800")
            parse_ocp_timestamp(record[name])
    emu.options.checkpoint_format = "iso"
    for record in contents(get_tasks(emu)):
        assert ISO_TS.match(record["checkpoint"]) and JAVA_TS.match(record["createTime"])


def test_utc_server_zone() -> None:
    with OCPEmulator(server_timezone=timezone.utc, checkpoint_format="iso") as emu:
        body = get_tasks(emu).json()
        assert body["timestamp"].endswith("Z")
        record = body["data"]["contents"][0]
        assert record["createTime"].endswith("+0000") and record["checkpoint"].endswith("Z")


def test_record_fields_and_omitted_nulls(emu: OCPEmulator) -> None:
    response = get_tasks(emu)
    assert "null" not in response.text
    for record in contents(response):
        assert record["agentServerIp"].startswith("10.")  # undocumented extra field
        assert record["clusterType"] == "PRIMARY" and record["backupMode"] == "PHYSICAL_BACKUP"
        assert isinstance(record["delay"], float)
        assert "errorMsg" not in record
        assert TENANT_FIELDS <= set(record)
        assert isinstance(record["clusterId"], int) and isinstance(record["tenantId"], int)
    cluster, tenant = emu.cluster_ids[0], emu.tenant_ids(emu.cluster_ids[0])[0]
    emu.set_current_task(cluster, tenant, status="FAILED", error_msg="archive device full", omit_delay=True)
    records = contents(get_tasks(emu))
    failed = [r for r in records if "errorMsg" in r]
    assert len(failed) == 1 and failed[0]["status"] == "FAILED" and failed[0]["tenantId"] == tenant
    assert "delay" not in failed[0]
    emu.set_current_task(cluster, tenant, error_msg="")
    assert all("errorMsg" not in r for r in contents(get_tasks(emu)))


def test_render_options() -> None:
    with OCPEmulator(ids_as_strings=True, delay_format="string", delay=77.6421) as emu:
        record = contents(get_tasks(emu))[0]
        assert record["clusterId"] == str(emu.cluster_ids[0]) and isinstance(record["obTenantId"], str)
        assert record["delay"] == "77.6421"
        emu.options.delay_format = "omit"
        assert all("delay" not in r for r in contents(get_tasks(emu)))


def test_cluster_level_tasks_have_no_tenant_fields() -> None:
    with OCPEmulator(cluster_level=True, tasks_per_tenant=4) as emu:
        records = contents(get_tasks(emu))
        assert len(records) == 4 and all(not TENANT_FIELDS & set(r) for r in records)
        assert [r["status"] for r in records] == ["RUNNING", "STOPPED", "STOPPED", "STOPPED"]
        assert records[0]["backupUri"] == "file:///obbackup/cluster_1"
        assert_error(get_tasks(emu, tenant_id=2001001001), 404)


def test_add_and_remove_tasks(emu: OCPEmulator) -> None:
    cluster = emu.cluster_ids[0]
    tenant = emu.tenant_ids(cluster)[0]
    emu.set_current_task(cluster, tenant, status="FAILED", error_msg="boom")
    emu.add_tasks(cluster, 1, tenant_id=tenant)
    records = contents(get_tasks(emu, tenant_id=tenant))
    assert [r["status"] for r in records] == ["RUNNING", "STOPPED", "STOPPED", "STOPPED"]
    assert "errorMsg" not in records[0]
    created = parse_ocp_timestamp(records[0]["createTime"])
    assert abs(created - emu.clock.now()) < timedelta(seconds=5)
    assert emu.remove_tasks(cluster, 2) == 2
    assert emu.task_count(cluster) == 5
    assert emu.remove_tasks(cluster, 1, newest=False) == 1
    assert len(contents(get_tasks(emu))) == 4
