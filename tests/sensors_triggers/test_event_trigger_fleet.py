"""OCPLogBackupEventTrigger over a fleet (cluster name patterns), a tenant filter, data backups finishing, and OCP
errors (logged without secrets, retried with backoff, the watch going on), against the emulator over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from event_trigger_support import CLUSTER, Events, drive, make
from task_oracle import utc_text

from airflow_provider_ocp.testing import DEFAULT_PASSWORD, OCPEmulator

pytestmark = pytest.mark.waits


@pytest.fixture
def fleet(monkeypatch: pytest.MonkeyPatch) -> Iterator[OCPEmulator]:
    """Clusters cluster_1..cluster_3, two tenants each, delay 100 s."""
    with OCPEmulator(clusters=3, tenants=2, tasks_per_tenant=1, delay=100.0) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emulator.airflow_connection_json(max_retries=0))
        yield emulator


def fired(trigger_kwargs: dict[str, Any], n: int) -> list[dict[str, Any]]:
    async def script(events: Events) -> list[dict[str, Any]]:
        seen = await events.take(n)
        await events.nothing_within(0.5)
        return seen

    return drive(make(**trigger_kwargs), script)


def who(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(e["kind"], e["cluster_id"], e["cluster_name"], e["tenant_name"]) for e in events]


def test_a_glob_watches_the_clusters_whose_name_matches(fleet: OCPEmulator) -> None:
    events = fired({"cluster_id": None, "cluster_name_pattern": "cluster_[13]"}, 4)
    assert who(events) == [
        ("delay_above_threshold", 1000001, "cluster_1", "tenant_1"),
        ("delay_above_threshold", 1000001, "cluster_1", "tenant_2"),
        ("delay_above_threshold", 1000003, "cluster_3", "tenant_1"),
        ("delay_above_threshold", 1000003, "cluster_3", "tenant_2"),
    ]
    assert events[0]["message"].startswith("cluster cluster_1 (1000001), tenant tenant_1 (2001001): ")


def test_a_regex_and_a_tenant_filter(fleet: OCPEmulator) -> None:
    kwargs = {"cluster_id": None, "cluster_name_pattern": r"cluster_[23]", "cluster_name_regex": True}
    events = fired({**kwargs, "tenant_names": ["tenant_2"]}, 2)
    assert who(events) == [
        ("delay_above_threshold", 1000002, "cluster_2", "tenant_2"),
        ("delay_above_threshold", 1000003, "cluster_3", "tenant_2"),
    ]


def test_a_cluster_by_name(fleet: OCPEmulator) -> None:
    events = fired({"cluster_id": None, "cluster_name": "cluster_2", "tenant_ids": [2002001]}, 1)
    assert who(events) == [("delay_above_threshold", 1000002, "cluster_2", "tenant_1")]


def test_a_pattern_matching_nothing_keeps_watching_and_says_so(
    fleet: OCPEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert fired({"cluster_id": None, "cluster_name_pattern": "prod-*"}, 0) == []
    assert "No OCP cluster's name matches 'prod-*' (yet)" in capsys.readouterr().out


def test_a_data_backup_finishing_fires_once_and_old_ones_never(fleet: OCPEmulator) -> None:
    fleet.subtask_seconds = {"restore": 1.0, "backup": 1.0}

    async def script(events: Events) -> list[dict[str, Any]]:
        await events.nothing_within(0.5)  # the seeded (old) data backups fire nothing
        fleet.backup_now(CLUSTER, 2001001, full=True)
        await events.nothing_within(0.5)  # DOING
        fleet.clock.advance(60)
        seen = await events.take(1)
        await events.nothing_within(0.5)
        return seen

    events = drive(make(watch_data_backups=True, max_delay=500), script)
    (finished,) = events
    assert finished["kind"] == "data_backup_finished" and finished["status"] == "DONE"
    assert finished["tenant_id"] == 2001001 and finished["backup_type"] == "FULL"
    assert finished["event_key"] == f"data_backup_finished/{CLUSTER}/{finished['task_id']}/DONE"
    assert finished["finished_at"] <= utc_text(fleet.clock.now())


def test_ocp_errors_are_logged_without_secrets_and_the_watch_goes_on(
    fleet: OCPEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet.faults.add("http_error", times=3, status=503)

    async def script(events: Events) -> list[dict[str, Any]]:
        return await events.take(2)

    events = drive(make(max_backoff=0.4), script)
    assert [e["kind"] for e in events] == ["delay_above_threshold"] * 2
    output = capsys.readouterr().out
    assert output.count("Backup events: polling cluster 1000001 failed") == 3, output
    assert "3 poll(s) in a row" in output
    assert DEFAULT_PASSWORD not in output


def test_a_missing_connection_does_not_end_the_watch(capsys: pytest.CaptureFixture[str]) -> None:
    async def script(events: Events) -> None:
        await asyncio.sleep(0.8)
        assert not events.task.done()

    drive(make(ocp_conn_id="no_such_connection", max_backoff=0.2), script)
    output = capsys.readouterr().out
    assert "Backup events: polling OCP failed" in output, output
