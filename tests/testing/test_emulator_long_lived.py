"""Long-lived current tasks (issue 15): one current archive task per tenant, created weeks before any recent window,
its STOPPED history behind it, its checkpoint and delay moving with the emulator's clock; a ``created``-mode
extraction of a recent window misses it, a snapshot holds it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest
from operator_support import DAY_END, DAY_START, deterministic_emulator, extraction_dag, run_dag, use_emulator

from airflow_provider_ocp.client.timestamps import parse_ocp_timestamp
from airflow_provider_ocp.testing import ClusterSpec, OCPEmulator
from airflow_provider_ocp.testing.__main__ import build_parser

AGE = timedelta(days=21)
INTERVAL = timedelta(hours=6)


def long_lived(**overrides: Any) -> Any:
    """3 tenants, 10 tasks each every 6 hours, the newest current task created 21 days before DAY_END."""
    kwargs = {"tenants": 3, "tasks_per_tenant": 10, "task_interval": INTERVAL, "current_task_age": AGE, **overrides}
    return deterministic_emulator(**kwargs)


def by_tenant(tasks: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for task in tasks:
        grouped[task["tenantName"]].append(task)
    return grouped


def created(task: dict[str, Any]) -> Any:
    return parse_ocp_timestamp(task["createTime"])


def test_one_current_task_per_tenant_created_the_configured_age_before_with_history_behind_it() -> None:
    with long_lived() as emu:
        emu.clock.freeze(DAY_END + timedelta(minutes=5))
        tenants = by_tenant(emu.expected_tasks(1000001))
    assert sorted(tenants) == ["tenant_1", "tenant_2", "tenant_3"]
    newest_current = max(created(t) for tasks in tenants.values() for t in tasks)
    assert newest_current == DAY_END - AGE  # the whole series ends the configured age before history_end
    for tasks in tenants.values():
        (current,) = [t for t in tasks if t["status"] == "RUNNING"]  # exactly one current task per tenant
        assert DAY_END - AGE - 3 * INTERVAL < created(current) <= DAY_END - AGE
        history = [t for t in tasks if t is not current]
        assert len(history) == 9 and {t["status"] for t in history} == {"STOPPED"}
        assert all(created(t) < created(current) for t in history)  # history lies behind it, nothing after it


def test_the_long_lived_current_task_moves_with_the_clock() -> None:
    with long_lived(delay=45.0) as emu:
        emu.clock.freeze(DAY_END + timedelta(hours=1))
        before = {t["tenantName"]: t for t in emu.expected_tasks(1000001) if t["status"] == "RUNNING"}
        emu.clock.advance(timedelta(hours=2))
        after = {t["tenantName"]: t for t in emu.expected_tasks(1000001) if t["status"] == "RUNNING"}
    for name, task in after.items():
        assert task["createTime"] == before[name]["createTime"] and task["delay"] == 45.0
        checkpoint = parse_ocp_timestamp(task["checkpoint"])
        assert checkpoint == DAY_END + timedelta(hours=3) - timedelta(seconds=45)
        assert checkpoint - parse_ocp_timestamp(before[name]["checkpoint"]) == timedelta(hours=2)


def test_default_is_the_newest_task_at_history_end_and_the_age_only_moves_the_series_back() -> None:
    plain = ClusterSpec.synthetic(1, tenants=2, tasks_per_tenant=4, history_end=DAY_END)
    aged = ClusterSpec.synthetic(1, tenants=2, tasks_per_tenant=4, history_end=DAY_END, current_task_age=AGE)
    with OCPEmulator(clusters=[plain]) as emu:
        plain_times = [created(t) for t in emu.expected_tasks(1000001)]
    with OCPEmulator(clusters=[aged]) as emu:
        aged_times = [created(t) for t in emu.expected_tasks(1000001)]
    assert plain_times[0] == DAY_END
    assert aged_times == [moment - AGE for moment in plain_times]
    with pytest.raises(ValueError, match="current_task_age must not be negative"):
        ClusterSpec.synthetic(1, current_task_age=-AGE)


def test_the_command_line_takes_the_age_in_days() -> None:
    assert build_parser().parse_args(["--current-task-age-days", "14"]).current_task_age_days == 14.0


@pytest.mark.usefixtures("airflow_db")
def test_created_mode_misses_the_long_lived_task_that_snapshot_mode_records(monkeypatch: pytest.MonkeyPatch) -> None:
    with long_lived() as emu:
        use_emulator(monkeypatch, emu)
        emu.clock.freeze(DAY_END + timedelta(minutes=5))
        window = {"start_time": DAY_START.isoformat(), "end_time": DAY_END.isoformat()}
        created_run = run_dag(extraction_dag("long_lived_created", cluster_id=1000001, **window))
        snapshot_run = run_dag(extraction_dag("long_lived_snapshot", cluster_id=1000001, mode="snapshot", **window))
    assert created_run.state == "success" and created_run.value == []  # no task was created in the recent day
    assert snapshot_run.state == "success" and len(snapshot_run.value) == 30
    current = [r for r in snapshot_run.value if r["current"]]
    assert sorted(r["tenantName"] for r in current) == ["tenant_1", "tenant_2", "tenant_3"]
    for record in current:
        assert record["status"] == "RUNNING" and created(record) <= DAY_END - AGE
        assert parse_ocp_timestamp(record["checkpoint"]) >= DAY_END  # the archive itself is up to date
