"""The gate's ``check_recoverable`` under real ``dag.test()`` against the OCP emulator's ``/backup/info``: poke and
deferrable modes, a restore point that can never become recoverable, one that becomes recoverable, and OCP errors.

Log backup is caught up from the first check (delay 2 s, max_delay 20 s, checkpoint after ``target_time``), so the
windows alone decide; each test sets them by hand with ``emu.set_recoverable_windows``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sensor_dag_support import MAX_DELAY, Capture, Outcome, run_gate, task_queries

from airflow_provider_ocp.testing import OCPEmulator

pytestmark = [pytest.mark.usefixtures("airflow_db", "reschedule_start_date_validated"), pytest.mark.waits]


@pytest.fixture
def caught_up(monkeypatch: pytest.MonkeyPatch) -> Iterator[OCPEmulator]:
    """Two tenants, both caught up (delay 2 s)."""
    with OCPEmulator(tenants=2, tasks_per_tenant=2, delay=2.0) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emulator.airflow_connection_json(max_retries=0))
        yield emulator


def info_queries(emu: OCPEmulator) -> list[object]:
    return [request for request in emu.requests if request.path.endswith("/backup/info")]


def after_first_info(emu: OCPEmulator, action: Callable[[], None]) -> threading.Thread:
    """Run ``action`` once the emulator has answered its first ``/backup/info`` request."""

    def watch() -> None:
        deadline = time.monotonic() + 60
        while not info_queries(emu) and time.monotonic() < deadline:
            time.sleep(0.02)
        action()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")  # the emulator's clock is in +08:00


@pytest.fixture
def target(caught_up: OCPEmulator) -> datetime:
    """A restore point 5 minutes before OCP's clock: every checkpoint is past it."""
    return (caught_up.clock.now() - timedelta(minutes=5)).replace(microsecond=0)


def gate(
    request: pytest.FixtureRequest, capture: Capture, emu: OCPEmulator, target: datetime, **options: Any
) -> Outcome:
    options.setdefault("timeout", 60)
    return run_gate(
        request, capture, cluster_id=emu.cluster_ids[0], max_delay=MAX_DELAY, target_time=target.isoformat(), **options
    )


@pytest.mark.parametrize("deferrable", [False, True])
def test_passes_when_the_target_is_inside_each_tenants_window(
    caught_up: OCPEmulator, target: datetime, request: pytest.FixtureRequest, capture: Capture, deferrable: bool
) -> None:
    cluster = caught_up.cluster_ids[0]
    first, second = caught_up.tenant_ids(cluster)
    caught_up.set_recoverable_windows(cluster, first, [(target - timedelta(hours=1), target + timedelta(minutes=1))])
    caught_up.set_recoverable_windows(cluster, second, [(target, target + timedelta(minutes=4))])  # on the bound
    outcome = gate(request, capture, caught_up, target, deferrable=deferrable)
    assert outcome.state == "success"
    assert len(task_queries(caught_up)) == 1 and len(info_queries(caught_up)) == 1  # one check, one GET more
    windows = {unit["tenant_name"]: unit["recoverable_windows"] for unit in outcome.value["units"]}
    assert windows == {
        "tenant_1": [{"start": utc(target - timedelta(hours=1)), "end": utc(target + timedelta(minutes=1))}],
        "tenant_2": [{"start": utc(target), "end": utc(target + timedelta(minutes=4))}],
    }
    assert f"target_time {utc(target)} is recoverable for 2 tenant(s)" in outcome.log


@pytest.mark.parametrize("deferrable", [False, True])
@pytest.mark.parametrize("where", ["before", "gap"])
def test_fails_at_once_when_the_target_can_never_become_recoverable(
    caught_up: OCPEmulator,
    target: datetime,
    request: pytest.FixtureRequest,
    capture: Capture,
    deferrable: bool,
    where: str,
) -> None:
    cluster = caught_up.cluster_ids[0]
    first, second = caught_up.tenant_ids(cluster)
    caught_up.set_recoverable_windows(cluster, first, [(target - timedelta(hours=1), target + timedelta(minutes=1))])
    later = (target + timedelta(minutes=1), target + timedelta(minutes=4))
    earlier = [(target - timedelta(hours=2), target - timedelta(hours=1))] if where == "gap" else []
    caught_up.set_recoverable_windows(cluster, second, [*earlier, later])
    outcome = gate(request, capture, caught_up, target, deferrable=deferrable, poke_interval=30, timeout=120)
    assert outcome.state == "failed"
    assert len(task_queries(caught_up)) == 1  # the first check decides: no poke interval, no deferral
    words = "is before the oldest recoverable window's start" if where == "before" else "falls in a gap between"
    assert f"tenant tenant_2 (tenantId {second}): target_time {utc(target)} {words}" in outcome.flat
    assert f"{utc(later[0])} to {utc(later[1])}" in outcome.flat  # the windows, named
    assert "can never become recoverable" in outcome.flat and "tenant_1 (" not in outcome.flat.split("failed the")[-1]
    assert "AirflowFailException" in outcome.log


@pytest.mark.parametrize("mode", ["poke", "reschedule", "deferrable"])
def test_waits_while_the_target_is_after_the_window_then_passes(
    caught_up: OCPEmulator, target: datetime, request: pytest.FixtureRequest, capture: Capture, mode: str
) -> None:
    deferrable = mode == "deferrable"
    cluster = caught_up.cluster_ids[0]
    first, second = caught_up.tenant_ids(cluster)
    caught_up.set_recoverable_windows(cluster, first, [(target - timedelta(hours=1), target + timedelta(minutes=1))])
    caught_up.set_recoverable_windows(cluster, second, [(target - timedelta(hours=1), target - timedelta(minutes=2))])
    reached = (target - timedelta(hours=1), target + timedelta(seconds=30))
    after_first_info(caught_up, lambda: caught_up.set_recoverable_windows(cluster, second, [reached]))
    options = {"deferrable": True} if deferrable else {"mode": mode}
    outcome = gate(request, capture, caught_up, target, **options)
    assert outcome.state == "success"
    assert len(info_queries(caught_up)) >= 2  # the window was read again at the next check
    assert f"target_time {utc(target)} is after the newest recoverable window's end" in outcome.flat
    assert outcome.value["units"][1]["recoverable_windows"] == [{"start": utc(reached[0]), "end": utc(reached[1])}]
    if deferrable:
        assert "running trigger in line" in outcome.log  # the trigger read the windows again, not the worker


def test_a_window_that_moves_past_the_target_while_deferred_fails(
    caught_up: OCPEmulator, target: datetime, request: pytest.FixtureRequest, capture: Capture
) -> None:
    """OCP dropped the old window (retention): the target, after the window at the worker's check, is now before it."""
    cluster = caught_up.cluster_ids[0]
    first = caught_up.tenant_ids(cluster)[0]
    caught_up.set_recoverable_windows(cluster, first, [(target - timedelta(hours=1), target - timedelta(minutes=2))])
    pruned = (target + timedelta(minutes=1), target + timedelta(minutes=4))
    after_first_info(caught_up, lambda: caught_up.set_recoverable_windows(cluster, first, [pruned]))
    outcome = gate(request, capture, caught_up, target, deferrable=True, tenant_names=["tenant_1"])
    assert outcome.state == "failed"
    assert "running trigger in line" in outcome.log
    assert f"target_time {utc(target)} is before the oldest recoverable window's start" in outcome.flat
    assert f"(recoverable windows: {utc(pruned[0])} to {utc(pruned[1])})" in outcome.flat


def test_no_window_yet_waits_until_the_timeout(
    caught_up: OCPEmulator, target: datetime, request: pytest.FixtureRequest, capture: Capture
) -> None:
    cluster = caught_up.cluster_ids[0]
    second = caught_up.tenant_ids(cluster)[1]
    caught_up.set_recoverable_windows(cluster, second, [])
    outcome = gate(request, capture, caught_up, target, tenant_ids=[second], timeout=2, poke_interval=0.5)
    assert outcome.state == "failed"
    assert "has no recoverable window yet" in outcome.flat and "timed out" in outcome.flat.lower()
    assert len(info_queries(caught_up)) >= 2  # read again at every check


def test_check_recoverable_false_never_reads_the_windows(
    caught_up: OCPEmulator, target: datetime, request: pytest.FixtureRequest, capture: Capture
) -> None:
    cluster = caught_up.cluster_ids[0]
    caught_up.set_recoverable_windows(cluster, caught_up.tenant_ids(cluster)[0], [])
    outcome = gate(request, capture, caught_up, target, check_recoverable=False)
    assert outcome.state == "success" and not info_queries(caught_up)
    assert all("recoverable_windows" not in unit for unit in outcome.value["units"])


def test_backup_info_errors_fail_like_other_ocp_errors(
    caught_up: OCPEmulator, target: datetime, request: pytest.FixtureRequest, capture: Capture
) -> None:
    """On the worker, a failed window read fails the check like a failed task query; in the triggerer it counts
    towards ``max_consecutive_failures``."""
    cluster = caught_up.cluster_ids[0]
    second = caught_up.tenant_ids(cluster)[1]
    caught_up.set_recoverable_windows(cluster, second, [(target - timedelta(hours=1), target - timedelta(minutes=2))])
    broken = lambda: caught_up.faults.add("http_error", times=None, path_contains="backup/info", status=503)  # noqa: E731
    after_first_info(caught_up, broken)
    outcome = gate(request, capture, caught_up, target, deferrable=True, max_consecutive_failures=2)
    assert outcome.state == "failed"
    assert "gave up after 2 consecutive failed polls" in outcome.flat and "HTTP 503" in outcome.flat
    assert len(task_queries(caught_up)) == 3  # the worker's check (waiting), then two polls failing on the windows


def test_check_recoverable_without_target_time_fails_when_the_dag_is_parsed() -> None:
    from airflow_provider_ocp.exceptions import OCPInputError
    from airflow_provider_ocp.sensors.log_backup import OCPLogBackupDelaySensor

    with pytest.raises(OCPInputError, match="check_recoverable=True needs target_time"):
        OCPLogBackupDelaySensor(task_id="gate", cluster_id=1, max_delay=20, check_recoverable=True)
