"""OCPLogBackupDelaySensor under real ``dag.test()`` against the OCP emulator: deferrable timeouts, API errors while
deferred, and bad input failing before any request.
"""

from __future__ import annotations

from typing import Any

import pytest
from sensor_dag_support import (
    MAX_DELAY,
    Capture,
    on_first_query,
    run_deferred,
    run_gate,
    task_queries,
)

from airflow_provider_ocp.testing import OCPEmulator

# waits: on real poke intervals and timeouts, so scheduled early under xdist (tests/conftest.py)
pytestmark = [pytest.mark.usefixtures("airflow_db", "reschedule_start_date_validated"), pytest.mark.waits]


# -- deferrable mode: timeout, soft_fail, API errors ------------------------------------------------------------------


@pytest.mark.parametrize(("soft_fail", "state"), [(False, "failed"), (True, "skipped")])
def test_deferrable_timeout(
    emu: OCPEmulator,
    request: pytest.FixtureRequest,
    capture: Capture,
    soft_fail: bool,
    state: str,
) -> None:
    # The timeout counts from the worker's first check: it must outlast dag.test()'s own steps before the trigger
    # runs (on Airflow 3.2 about 1 s per call to its in-process Execution API), or the trigger is left no poll.
    outcome = run_deferred(request, capture, emu.cluster_ids[0], timeout=5, soft_fail=soft_fail)
    assert outcome.state == state
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
    outcome = run_deferred(request, capture, emu.cluster_ids[0], max_consecutive_failures=3, soft_fail=soft_fail)
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
    outcome = run_deferred(request, capture, cluster, max_consecutive_failures=3)
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
