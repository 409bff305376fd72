"""OCPLogBackupDelaySensor under real ``dag.test()`` against the OCP emulator over sockets, in every mode."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from airflow.sdk import DAG
from dag_support import register_dag, validate_reschedule_start_date

from airflow_provider_ocp.sensors.log_backup import OCPLogBackupDelaySensor
from airflow_provider_ocp.testing import DelayProfile, OCPEmulator

pytestmark = pytest.mark.usefixtures("airflow_db", "reschedule_start_date_validated")

GATE = "gate"
MAX_DELAY = 20
FALLING = DelayProfile.linear(60, 0, 4)  # crosses MAX_DELAY 2.67 s after it starts


# -- helpers ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def reschedule_start_date_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    validate_reschedule_start_date(monkeypatch)


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[OCPEmulator]:
    """An emulator with one cluster of 2 tenants (3 tasks each: 2 STOPPED history, 1 current), delay 100 s."""
    with OCPEmulator(tenants=2, tasks_per_tenant=3, delay=100.0) as emulator:
        conn = emulator.airflow_connection_json(max_retries=0, retry_backoff=0.01)
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", conn)
        yield emulator


def task_queries(emulator: OCPEmulator) -> list[Any]:
    return [request for request in emulator.requests if "logBackupTasks" in request.path]


def on_first_query(emulator: OCPEmulator, action: Callable[[], None]) -> threading.Thread:
    """Run ``action`` once the emulator has answered its first log backup task query (the first poke)."""

    def watch() -> None:
        deadline = time.monotonic() + 60
        while not task_queries(emulator) and time.monotonic() < deadline:
            time.sleep(0.02)
        action()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


@contextmanager
def advance_per_query(
    emulator: OCPEmulator, step: float, on_first: Callable[[], None] = lambda: None
) -> Iterator[list[datetime]]:
    """Freeze the emulator's clock; after the first query, call ``on_first``, then move the clock ``step`` s per query.

    What each poke sees then depends only on how many queries came before it, never on how fast Airflow pokes,
    reschedules or defers (it differs across Airflow lines), nor on the real clock: a query arriving before the clock
    moved sees the same state again, so it can only add checks, never skip one. Yields the server time at which the
    first query was answered.

    :param emulator: the emulator.
    :param step: server seconds added for each query answered after the first.
    :param on_first: what changes once the first query (the first poke) has been answered.
    """
    emulator.clock.freeze()
    first_answered: list[datetime] = []
    stop = threading.Event()

    def drive() -> None:
        counted = 0
        while not stop.wait(0.005):
            answered = len(task_queries(emulator))
            if answered and not first_answered:
                first_answered.append(emulator.clock.now())
                on_first()
                counted = answered
            for _ in range(answered - counted):
                emulator.clock.advance(step)
            counted = max(counted, answered)

    thread = threading.Thread(target=drive, daemon=True)
    thread.start()
    try:
        yield first_answered
    finally:
        stop.set()
        thread.join(5)


def fall_one_step_per_query(emulator: OCPEmulator, cluster: int, step: float) -> Any:
    """:func:`advance_per_query`, with ``cluster``'s current tasks starting FALLING after the first query.

    :param emulator: the emulator.
    :param cluster: the cluster whose current tasks fall.
    :param step: server seconds added for each query answered after the first.
    """
    return advance_per_query(emulator, step, lambda: emulator.set_current_task(cluster, delay=FALLING))


@dataclass
class Capture:
    out: pytest.CaptureFixture[str]
    logs: pytest.LogCaptureFixture

    def reset(self) -> None:
        self.out.readouterr()
        self.logs.clear()

    def channels(self) -> tuple[str, str]:
        """What the run printed (stdout and stderr) and what it logged through stdlib logging."""
        captured = self.out.readouterr()
        return captured.out + captured.err, self.logs.text


@pytest.fixture
def capture(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> Capture:
    """The task and trigger logs of a dag.test() run: structlog writes to stdout, stdlib loggers to caplog."""
    caplog.set_level("INFO")
    return Capture(capsys, caplog)


@dataclass
class Outcome:
    state: str | None
    value: Any
    seconds: float
    printed: str
    logged: str

    @property
    def log(self) -> str:
        """Everything the run printed and logged."""
        return self.printed + self.logged

    def count(self, text: str) -> int:
        """How many times ``text`` shows, a line counted once where Airflow (3.0) both prints and logs it."""
        return max(self.printed.count(text), self.logged.count(text))


def run_gate(
    request: pytest.FixtureRequest, capture: Capture, params: dict[str, Any] | None = None, **kwargs: Any
) -> Outcome:
    """Run a one-sensor DAG with dag.test(); return the sensor's state, XCom, wall time and captured log."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    dag_id = re.sub(r"[^A-Za-z0-9_]", "_", request.node.name)[:200]
    kwargs.setdefault("poke_interval", 0.1)  # real seconds between pokes; what they see moves with the emulator clock
    kwargs.setdefault("timeout", 30)
    with DAG(
        dag_id,
        schedule=None,
        start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
        default_args={"retries": 0},
        params=params or {},
    ) as dag:
        OCPLogBackupDelaySensor(task_id=GATE, **kwargs)
    register_dag(dag)
    capture.reset()
    started = time.monotonic()
    run = dag.test()
    seconds = time.monotonic() - started
    with create_session() as session:
        ti = run.get_task_instance(GATE, session=session)
        rows = session.scalars(
            XComModel.get_many(run_id=run.run_id, dag_ids=dag_id, task_ids=GATE, key="return_value")
        ).all()
        value = XComModel.deserialize_value(rows[0]) if rows else None
        state = None if ti is None or ti.state is None else str(getattr(ti.state, "value", ti.state))
    return Outcome(state, value, seconds, *capture.channels())


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# -- the delay falls below the threshold: each mode finishes then, and not before -----------------------------------


@pytest.mark.parametrize(
    "mode_kwargs",
    [{"mode": "poke"}, {"mode": "reschedule"}, {"deferrable": True}],
    ids=["poke", "reschedule", "deferrable"],
)
def test_finishes_once_delay_is_under_threshold_and_not_before(
    emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture, mode_kwargs: dict[str, Any]
) -> None:
    cluster = emu.cluster_ids[0]
    with fall_one_step_per_query(emu, cluster, step=1.0) as fall_started:
        outcome = run_gate(request, capture, cluster_id=cluster, max_delay=MAX_DELAY, **mode_kwargs)

    assert outcome.state == "success", outcome.log[-3000:]
    value = outcome.value
    assert value["delay"] <= MAX_DELAY
    assert all(unit["delay"] <= MAX_DELAY and unit["status"] == "RUNNING" for unit in value["units"])
    assert {unit["tenant_name"] for unit in value["units"]} == {"tenant_1", "tenant_2"}
    # Not before: the first poke saw 100 s, then 60, 45 and 30 s (the emulator's clock moves one second per query),
    # so at least 5 checks; the delay reaches 20 s 2.67 s into the fall; every earlier check logged it too high.
    assert len(task_queries(emu)) >= 5
    assert (parse_utc(value["server_time"]) - fall_started[0]).total_seconds() >= 2.6
    assert outcome.count("is above max_delay 20s") >= 4  # 2 tenants x at least 2 checks
    assert "delay 100s is above max_delay 20s" in outcome.log
    assert parse_utc(value["checkpoint"]) <= parse_utc(value["server_time"])
    # Each mode waited its own way: one long task run, several short runs, or one run plus the trigger.
    runs = outcome.count("[DAG TEST] running task")
    deferred = "running trigger in line" in outcome.log
    if mode_kwargs.get("mode") == "poke":
        assert runs == 1 and not deferred
    elif mode_kwargs.get("mode") == "reschedule":
        assert runs >= 3 and not deferred
    else:
        assert runs == 2 and deferred  # the first check, then execute_complete after the trigger


def test_deferrable_returns_on_the_worker_when_already_done(
    emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture
) -> None:
    emu.set_current_task(emu.cluster_ids[0], delay=3.0)
    outcome = run_gate(request, capture, cluster_id=emu.cluster_ids[0], max_delay=MAX_DELAY, deferrable=True)
    assert outcome.state == "success"
    assert len(task_queries(emu)) == 1
    assert "not deferring" in outcome.log and "running trigger in line" not in outcome.log


# -- fail fast --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["FAILED", "INTERRUPTED", "STOPPED", "STOPPING"])
def test_fails_at_once_on_each_fail_status(
    emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture, status: str
) -> None:
    cluster, tenant = emu.cluster_ids[0], emu.tenant_ids(emu.cluster_ids[0])[1]
    emu.set_current_task(cluster, tenant, status=status, error_msg="OSS bucket unreachable")
    outcome = run_gate(request, capture, cluster_id=cluster, max_delay=MAX_DELAY, poke_interval=30, timeout=120)
    assert outcome.state == "failed"
    assert outcome.seconds < 20  # one poke, not a poke interval or a timeout
    assert len(task_queries(emu)) == 1
    assert f"tenant tenant_2 (tenantId {tenant}): log backup is {status} (errorMsg 'OSS bucket unreachable')" in (
        outcome.log
    )
    assert "AirflowFailException" in outcome.log


def test_fail_status_while_deferred_fails(emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture) -> None:
    cluster, tenant = emu.cluster_ids[0], emu.tenant_ids(emu.cluster_ids[0])[0]
    on_first_query(emu, lambda: emu.set_current_task(cluster, tenant, status="INTERRUPTED", error_msg="disk full"))
    outcome = run_gate(request, capture, cluster_id=cluster, max_delay=MAX_DELAY, deferrable=True, timeout=60)
    assert outcome.state == "failed"
    assert outcome.seconds < 20
    assert "running trigger in line" in outcome.log
    assert "tenant tenant_1" in outcome.log and "INTERRUPTED" in outcome.log and "disk full" in outcome.log


@pytest.mark.parametrize("deferrable", [False, True], ids=["poke", "deferrable"])
def test_fail_status_with_soft_fail_skips(
    emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture, deferrable: bool
) -> None:
    cluster = emu.cluster_ids[0]
    if deferrable:
        on_first_query(emu, lambda: emu.set_current_task(cluster, status="FAILED"))
    else:
        emu.set_current_task(cluster, status="FAILED")
    outcome = run_gate(
        request, capture, cluster_id=cluster, max_delay=MAX_DELAY, deferrable=deferrable, soft_fail=True, timeout=60
    )
    assert outcome.state == "skipped"
    assert outcome.seconds < 20


def test_old_stopped_tasks_beside_the_running_one_do_not_fail(
    emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture
) -> None:
    cluster = emu.cluster_ids[0]
    emu.set_current_task(cluster, delay=2.0)
    statuses = [record["status"] for record in emu.expected_tasks(cluster)]
    assert statuses.count("STOPPED") == 4 and statuses.count("RUNNING") == 2  # the premise of this test
    outcome = run_gate(request, capture, cluster_id=cluster, max_delay=MAX_DELAY, timeout=10)
    assert outcome.state == "success"
    assert [unit["status"] for unit in outcome.value["units"]] == ["RUNNING", "RUNNING"]


# -- selection, target_time, missing delay ----------------------------------------------------------------------------


@pytest.fixture
def three_tenants(monkeypatch: pytest.MonkeyPatch) -> Iterator[OCPEmulator]:
    """tenant_2 lags far behind; tenant_1 and tenant_3 are caught up."""
    with OCPEmulator(tenants=3, tasks_per_tenant=2, delay=2.0) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emulator.airflow_connection_json(max_retries=0))
        cluster = emulator.cluster_ids[0]
        emulator.set_current_task(cluster, emulator.tenant_ids(cluster)[1], delay=500.0)
        yield emulator


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        ({"tenant_ids": ["TENANT_1"]}, ["tenant_1"]),
        ({"tenant_names": ["tenant_3"]}, ["tenant_3"]),
        ({"tenant_ids": ["TENANT_1"], "tenant_names": ["tenant_3"]}, ["tenant_1", "tenant_3"]),
    ],
    ids=["by-id", "by-name", "both"],
)
def test_tenant_filters(
    three_tenants: OCPEmulator,
    request: pytest.FixtureRequest,
    capture: Capture,
    selection: dict[str, list[str]],
    expected: list[str],
) -> None:
    cluster = three_tenants.cluster_ids[0]
    first_tenant = three_tenants.tenant_ids(cluster)[0]
    if "tenant_ids" in selection:
        selection = {**selection, "tenant_ids": [first_tenant]}
    outcome = run_gate(request, capture, cluster_id=cluster, max_delay=MAX_DELAY, timeout=5, **selection)
    assert outcome.state == "success", outcome.log[-2000:]
    assert [unit["tenant_name"] for unit in outcome.value["units"]] == expected
    assert "tenant_2" not in str(outcome.value)


def test_without_a_filter_the_lagging_tenant_holds_the_gate(
    three_tenants: OCPEmulator, request: pytest.FixtureRequest, capture: Capture
) -> None:
    outcome = run_gate(request, capture, cluster_id=three_tenants.cluster_ids[0], max_delay=MAX_DELAY, timeout=2)
    assert outcome.state == "failed"
    assert "tenant tenant_2" in outcome.log and "delay 500s is above max_delay" in outcome.log
    assert "AirflowSensorTimeout" in outcome.log


def test_selected_tenant_without_a_task_waits_with_a_warning(
    emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture
) -> None:
    emu.set_current_task(emu.cluster_ids[0], delay=1.0)
    outcome = run_gate(
        request, capture, cluster_id=emu.cluster_ids[0], max_delay=MAX_DELAY, tenant_ids=[9999999], timeout=2
    )
    assert outcome.state == "failed"  # by the sensor timeout, after several pokes: never "done" nor failed fast
    assert len(task_queries(emu)) >= 3
    assert "selected tenantId 9999999 has no log backup task yet; waiting for one" in outcome.log
    assert "AirflowSensorTimeout" in outcome.log


def test_target_time_waits_for_the_checkpoint(
    emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture
) -> None:
    cluster = emu.cluster_ids[0]
    emu.set_current_task(cluster, delay=1.0)
    with advance_per_query(emu, step=1.0):  # the checkpoint (OCP's clock minus 1 s) moves 1 s per poke
        target = emu.clock.now() + timedelta(seconds=2.5)
        outcome = run_gate(
            request,
            capture,
            params={"restore_point": target.isoformat(), "max_delay": MAX_DELAY},
            cluster_id=str(cluster),
            max_delay="{{ params.max_delay }}",
            target_time="{{ params.restore_point }}",
        )
    assert outcome.state == "success", outcome.log[-2000:]
    checkpoint = parse_utc(outcome.value["checkpoint"])
    assert checkpoint >= target
    assert "is before target_time" in outcome.log  # earlier pokes waited for the restore point
    assert len(task_queries(emu)) >= 4  # checkpoints at -1, 0, +1 and +2 s were all before the target


def test_missing_delay_is_computed_from_server_time(
    emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture
) -> None:
    cluster = emu.cluster_ids[0]
    emu.set_current_task(cluster, omit_delay=True)
    assert all("delay" not in record for record in emu.expected_tasks(cluster) if record["status"] == "RUNNING")
    with fall_one_step_per_query(emu, cluster, step=1.0):
        outcome = run_gate(request, capture, cluster_id=cluster, max_delay=MAX_DELAY)
    assert outcome.state == "success"
    units = outcome.value["units"]
    assert all(unit["delay_source"] == "computed" for unit in units)
    for unit in units:  # the delay is OCP's clock minus the checkpoint
        expected = (parse_utc(outcome.value["server_time"]) - parse_utc(unit["checkpoint"])).total_seconds()
        assert unit["delay"] == pytest.approx(expected, abs=0.002)
        assert unit["delay"] <= MAX_DELAY
    assert "(computed)" in outcome.log and "is above max_delay" in outcome.log


# -- deferrable mode: timeout, soft_fail, API errors ------------------------------------------------------------------


@pytest.mark.parametrize(("soft_fail", "state"), [(False, "failed"), (True, "skipped")])
def test_deferrable_timeout(
    emu: OCPEmulator,
    request: pytest.FixtureRequest,
    capture: Capture,
    soft_fail: bool,
    state: str,
) -> None:
    outcome = run_gate(
        request,
        capture,
        cluster_id=emu.cluster_ids[0],
        max_delay=MAX_DELAY,
        deferrable=True,
        timeout=2,
        soft_fail=soft_fail,
    )
    assert outcome.state == state
    assert outcome.seconds < 20
    assert "running trigger in line" in outcome.log
    assert "did not catch up by" in outcome.log  # the trigger's timeout event
    if not soft_fail:  # skipped (asserted above) with the timeout's reason; the skip's own wording varies by line
        assert "AirflowSensorTimeout" in outcome.log
    assert len(task_queries(emu)) >= 3  # the worker's check, then the trigger's polls


@pytest.mark.parametrize("soft_fail", [False, True])
def test_persistent_api_errors_while_deferred_fail_the_task(
    emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture, soft_fail: bool
) -> None:
    on_first_query(emu, lambda: emu.faults.add("http_error", times=None, status=503))
    outcome = run_gate(
        request,
        capture,
        cluster_id=emu.cluster_ids[0],
        max_delay=MAX_DELAY,
        deferrable=True,
        max_consecutive_failures=3,
        soft_fail=soft_fail,
    )
    assert outcome.state == "failed"  # like an API error in poke mode: soft_fail does not turn it into a skip
    assert "3 consecutive failed polls" in outcome.log and "HTTP 503" in outcome.log
    assert len(task_queries(emu)) == 4


def test_transient_api_errors_while_deferred_recover(
    emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture
) -> None:
    cluster = emu.cluster_ids[0]

    def break_then_heal() -> None:
        emu.faults.add("http_error", times=2, status=502, body="html")
        emu.set_current_task(cluster, delay=1.0)

    on_first_query(emu, break_then_heal)
    outcome = run_gate(
        request, capture, cluster_id=cluster, max_delay=MAX_DELAY, deferrable=True, max_consecutive_failures=3
    )
    assert outcome.state == "success"
    assert [request.status for request in task_queries(emu)] == [200, 502, 502, 200]
    assert "1 of 3 consecutive failures allowed" in outcome.log


def test_poke_mode_api_error_fails(emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture) -> None:
    emu.faults.add("http_error", times=None, status=401)
    outcome = run_gate(request, capture, cluster_id=emu.cluster_ids[0], max_delay=MAX_DELAY, soft_fail=True)
    assert outcome.state == "failed"
    assert "OCPAPIError" in outcome.log


# -- bad input: a clear error naming the parameter, and no request ----------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_delay": "{{ params.bad }}"}, "max_delay must be a finite number of seconds >= 0; got '-5'"),
        ({"target_time": "2024-08-06T00:00:00"}, "target_time 2024-08-06T00:00:00 has no timezone"),
        ({"tenant_names": []}, "tenant_names is an empty list"),
    ],
)
@pytest.mark.parametrize("deferrable", [False, True], ids=["poke", "deferrable"])
def test_bad_input_fails_before_any_request(
    emu: OCPEmulator,
    request: pytest.FixtureRequest,
    capture: Capture,
    kwargs: dict[str, Any],
    message: str,
    deferrable: bool,
) -> None:
    kwargs = {"max_delay": MAX_DELAY, **kwargs}
    outcome = run_gate(
        request,
        capture,
        params={"bad": -5},
        cluster_id=emu.cluster_ids[0],
        deferrable=deferrable,
        soft_fail=True,  # bad input is a DAG bug: it fails, it is never skipped
        **kwargs,
    )
    assert outcome.state == "failed"
    assert message in outcome.log
    assert emu.requests == []
