"""The OCP emulator's log backup task lists: page size and paging parameters, the createTime window and its time
formats, unknown ids and the tenant endpoint."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from emulator_api_support import HISTORY_END, assert_error, contents, get_tasks

from airflow_provider_ocp.client.auth import canonical_query
from airflow_provider_ocp.client.timestamps import parse_ocp_timestamp
from airflow_provider_ocp.testing import OCPEmulator

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)


def utc_z(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- pagination and windows ----------------------------------------------------------------------------------------


def test_pagination_clamps_size_to_2000() -> None:
    with OCPEmulator(tenants=3, tasks_per_tenant=1500, history_end=HISTORY_END) as emu:
        emu.clock.freeze()
        pages = [get_tasks(emu, f"page={n}&size=5000").json()["data"] for n in (1, 2, 3, 4)]
        assert [p["page"]["size"] for p in pages] == [2000] * 4
        assert [len(p["contents"]) for p in pages] == [2000, 2000, 500, 0]
        assert {p["page"]["totalElements"] for p in pages} == {4500}
        assert {p["page"]["totalPages"] for p in pages} == {3}
        assert [p["page"]["number"] for p in pages] == [1, 2, 3, 4]
        records = [r for p in pages for r in p["contents"]]
        assert records == emu.expected_tasks(emu.cluster_ids[0])
        created = [parse_ocp_timestamp(r["createTime"]) for r in records]
        assert created == sorted(created, reverse=True)
        assert len(set(created)) == 4500


@pytest.mark.parametrize("query", ["size=10", "page=1", "page=x&size=10", "page=1&size=1.5", "page=0&size=10"])
def test_bad_paging_parameters_are_400(emu: OCPEmulator, query: str) -> None:
    assert_error(get_tasks(emu, query), 400)


def test_window_filter_is_inclusive_on_create_time() -> None:
    with OCPEmulator(tenants=2, tasks_per_tenant=10, history_end=HISTORY_END) as emu:
        emu.clock.freeze()
        everything = emu.expected_tasks(emu.cluster_ids[0])
        start = parse_ocp_timestamp(everything[12]["createTime"])
        end = parse_ocp_timestamp(everything[3]["createTime"])
        query = canonical_query([("page", "1"), ("size", "100"), ("startTime", utc_z(start)), ("endTime", utc_z(end))])
        got = contents(get_tasks(emu, query))
        assert got == everything[3:13]
        assert got == emu.expected_tasks(emu.cluster_ids[0], start, end)
        local = canonical_query(
            [
                ("page", "1"),
                ("size", "100"),
                ("startTime", start.astimezone(timezone(timedelta(hours=8))).isoformat()),
                ("endTime", (end - timedelta(microseconds=1)).isoformat()),
            ]
        )
        assert contents(get_tasks(emu, local)) == everything[4:13]


@pytest.mark.parametrize(
    "start",
    [
        "2024-08-06T00:00:00%2B0800",  # no colon
        "2024-08-06T00:00:00%2B08",  # hours only
        "2024-08-06T00:00:00",  # no offset
        "2024-08-06T00:00:00+08:00",  # raw '+' decodes to a space
        "yesterday",
    ],
)
def test_bad_time_formats_are_400(emu: OCPEmulator, start: str) -> None:
    end = "2024-08-07T00:00:00Z"
    assert_error(get_tasks(emu, f"page=1&size=10&startTime={start}&endTime={end}"), 400, target="startTime")


def test_one_bound_is_500_and_reversed_window_is_400(emu: OCPEmulator) -> None:
    assert_error(get_tasks(emu, "page=1&size=10&startTime=2024-08-06T00:00:00Z"), 500, code=10006)
    assert_error(get_tasks(emu, "page=1&size=10&endTime=2024-08-06T00:00:00Z"), 500, code=10006)
    reversed_window = "page=1&size=10&startTime=2024-08-07T00:00:00Z&endTime=2024-08-06T00:00:00Z"
    assert_error(get_tasks(emu, reversed_window), 400, code=10005)
    equal = "page=1&size=10&startTime=2024-08-07T00:00:00Z&endTime=2024-08-07T00:00:00Z"
    assert get_tasks(emu, equal).status_code == 200


def test_unknown_and_malformed_ids(emu: OCPEmulator) -> None:
    assert_error(get_tasks(emu, cluster_id=424242), 404, code=10002)
    assert_error(get_tasks(emu, cluster_id="abc"), 400)
    assert_error(get_tasks(emu, tenant_id=1), 404, code=10002)
    assert_error(get_tasks(emu, tenant_id="x"), 400)


def test_tenant_endpoint_returns_only_that_tenant(emu: OCPEmulator) -> None:
    tenant = emu.tenant_ids(emu.cluster_ids[0])[1]
    records = contents(get_tasks(emu, tenant_id=tenant))
    assert len(records) == 3 and {r["tenantId"] for r in records} == {tenant}
    assert [r["status"] for r in records] == ["RUNNING", "STOPPED", "STOPPED"]
