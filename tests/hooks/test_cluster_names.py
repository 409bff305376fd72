"""Clusters by name (issue 15): ``cluster_name=`` on the hooks, the operator and the sensor, resolved through OCP's
cluster list against the emulator; an unknown or ambiguous name fails with the names OCP knows.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator

import pytest
from operator_support import DAY_END, deterministic_emulator, expected_records, extraction_dag, run_dag, use_emulator

from airflow_provider_ocp.exceptions import OCPInputError
from airflow_provider_ocp.hooks.ocp import OCPAsyncHook, OCPHook
from airflow_provider_ocp.sensors.log_backup import OCPLogBackupDelaySensor
from airflow_provider_ocp.testing import ClusterSpec, OCPEmulator


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[OCPEmulator]:
    """Clusters cluster_1 ... cluster_11 (so 'cluster_1' is also a part of 'cluster_10' and 'cluster_11')."""
    with OCPEmulator(clusters=11, tenants=1, tasks_per_tenant=2) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emulator.airflow_connection_json())
        yield emulator


def lookups(emu: OCPEmulator) -> list[str]:
    return [r.query for r in emu.requests if r.path.endswith("/ob/clusters")]


@pytest.mark.parametrize("name", ["cluster_1", "CLUSTER_1"])
def test_the_hooks_resolve_an_exact_name_among_substring_matches(emu: OCPEmulator, name: str) -> None:
    assert OCPHook().resolve_cluster_id(cluster_name=name) == 1000001
    tasks = OCPHook().get_log_backup_tasks(cluster_name=name)
    assert {task["clusterId"] for task in tasks} == {1000001}

    async def go() -> int:
        async with OCPAsyncHook() as hook:
            snapshot = await hook.get_log_backup_snapshot(cluster_name=name)
            assert {task["clusterId"] for task in snapshot.tasks} == {1000001}
            return await hook.resolve_cluster_id(cluster_name=name)

    assert asyncio.run(go()) == 1000001
    queries = lookups(emu)  # OCP lists a few clusters: each lookup is one request for all of them
    assert len(queries) == 4 and not [query for query in queries if "name=" in query]


def test_an_unknown_name_lists_the_clusters_ocp_knows(emu: OCPEmulator) -> None:
    with pytest.raises(OCPInputError) as info:
        OCPHook().get_log_backup_tasks(cluster_name="custer_1")
    message = str(info.value)
    assert "no cluster named 'custer_1'" in message and "cluster_1 (id 1000001)" in message
    assert "cluster_11 (id 1000011)" in message
    assert not [r for r in emu.requests if "logBackupTasks" in r.path]


def test_an_ambiguous_name_asks_for_the_id(monkeypatch: pytest.MonkeyPatch) -> None:
    twins = [dataclasses.replace(ClusterSpec.synthetic(number), name="prod") for number in (1, 2)]
    with OCPEmulator(clusters=twins) as emu:
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emu.airflow_connection_json())
        with pytest.raises(
            OCPInputError, match=r"'prod' is ambiguous: OCP lists prod \(id 1000001\), prod \(id 1000002\)"
        ):
            OCPHook().resolve_cluster_id(cluster_name="prod")


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [({}, "Give cluster_id"), ({"cluster_id": 1, "cluster_name": "x"}, "not both"), ({"cluster_name": 7}, "text")],
)
def test_one_of_id_or_name_is_required_before_any_request(
    emu: OCPEmulator, arguments: dict[str, object], fragment: str
) -> None:
    with pytest.raises(OCPInputError, match=fragment):
        OCPHook().get_log_backup_tasks(**arguments)  # type: ignore[arg-type]
    assert emu.requests == []


@pytest.mark.usefixtures("airflow_db")
def test_the_operator_extracts_by_templated_name(monkeypatch: pytest.MonkeyPatch) -> None:
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        dag = extraction_dag("ocp_by_name", cluster_name="{{ params.cluster }}", params={"cluster": "cluster_1"})
        result = run_dag(dag, logical_date=DAY_END)
        expected = expected_records(emu)
    assert result.state == "success" and result.value == expected


def test_the_sensor_gates_by_name(emu: OCPEmulator) -> None:
    sensor = OCPLogBackupDelaySensor(task_id="gate", cluster_name="cluster_3", max_delay=600)
    assert sensor.poke({})  # type: ignore[arg-type]
    assert {r.path for r in emu.requests if "logBackupTasks" in r.path} == {
        "/api/v2/ob/clusters/1000003/backup/task/logBackupTasks"
    }
