"""What the sensor's task log says (issue 23), read from real ``dag.test()`` runs against the OCP emulator: one line
per check, each warning once per try, one timeout message that names its cause, and a timeout shorter than
``poke_interval`` warned about at parse time and honoured in poke mode.
"""

from __future__ import annotations

import re
import warnings
from datetime import datetime, timezone

import pytest
from airflow.sdk import DAG
from sensor_dag_support import MAX_DELAY, Capture, Outcome, run_gate, task_queries

from airflow_provider_ocp.sensors.log_backup import OCPLogBackupDelaySensor
from airflow_provider_ocp.sensors.timing import TimeoutShorterThanPokeInterval, bounded_wait
from airflow_provider_ocp.testing import OCPEmulator

pytestmark = [pytest.mark.usefixtures("airflow_db", "reschedule_start_date_validated"), pytest.mark.waits]

SHORT = "timeout (1s) is shorter than poke_interval (3600s)"


def task_log(outcome: Outcome) -> str:
    """The sensor's log lines, each once: stdlib records on 3.0 (where dag.test also prints them twice), structlog's
    printed lines on 3.1+."""
    return outcome.logged if "OCPLogBackupDelaySensor" in outcome.logged else outcome.printed


def lines(outcome: Outcome, *texts: str) -> int:
    """How many of the sensor's log lines hold every one of ``texts``."""
    return sum(all(text in line for text in texts) for line in task_log(outcome).splitlines())


def warning_lines(outcome: Outcome, text: str) -> int:
    """Lines at WARNING level holding ``text`` (``[warning  ]`` in structlog's output, ``WARNING`` in stdlib's)."""
    return sum(text in line and "warning" in line.split(text)[0].lower() for line in task_log(outcome).splitlines())


def raised(outcome: Outcome, exception: str) -> list[str]:
    """The failed task's exception summaries (``[module.]Class: message``, after each traceback): two when an
    exception is chained to another. Wrapped lines (3.0 prints tracebacks with rich) are joined."""
    text = re.sub(r"\s+", " ", outcome.printed)
    end = r"(?= \d{4}-\d\d-\d\d| The above exception| During handling|$)"  # the next log line or traceback
    return re.findall(rf"(?:^| )(?:[\w.]+\.)?{exception}: (.*?){end}", text)


def sensor(**kwargs: object) -> OCPLogBackupDelaySensor:
    with DAG("parse_only", schedule=None, start_date=datetime(2024, 1, 1, tzinfo=timezone.utc)):
        return OCPLogBackupDelaySensor(task_id="gate", cluster_id=1, max_delay=60, **kwargs)  # type: ignore[arg-type]


def test_a_timeout_shorter_than_poke_interval_is_warned_about_when_the_dag_is_parsed() -> None:
    with pytest.warns(TimeoutShorterThanPokeInterval) as caught:
        sensor(timeout=5, poke_interval=60)
    (message,) = [str(w.message) for w in caught]
    assert caught[0].filename == __file__  # the DAG file's line, not Airflow's
    assert "'gate'" in message and "timeout (5s) is shorter than poke_interval (60s)" in message
    assert "Set poke_interval below timeout" in message
    with warnings.catch_warnings():
        warnings.simplefilter("error", TimeoutShorterThanPokeInterval)
        sensor(timeout=60, poke_interval=60)
        sensor(timeout=600, poke_interval=5)


def test_no_wait_outlasts_the_timeout() -> None:
    """BaseSensorOperator's interval, capped at what is left of the timeout (a fake clock: no real waiting)."""
    from airflow.providers.common.compat.sdk import BaseSensorOperator

    assert "_get_next_poke_interval" in vars(BaseSensorOperator)  # the hook the sensor overrides is still Airflow's
    with pytest.warns(TimeoutShorterThanPokeInterval):
        gate = sensor(timeout=5, poke_interval=60)
    assert gate._get_next_poke_interval(0.0, lambda: 1.5, 1) == 3.5
    assert gate._get_next_poke_interval(0.0, lambda: 5.5, 2) == 0.0
    assert sensor(timeout=600, poke_interval=5)._get_next_poke_interval(0.0, lambda: 1.0, 1) == 5
    assert bounded_wait(60, 5, 0) == 5 and bounded_wait(2, 5, 4) == 1 and bounded_wait(2, 5, 9) == 0


def test_poke_mode_fails_at_the_timeout_naming_the_cause_once(
    emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture
) -> None:
    with pytest.warns(TimeoutShorterThanPokeInterval):
        outcome = run_gate(
            request, capture, cluster_id=emu.cluster_ids[0], max_delay=MAX_DELAY, timeout=1, poke_interval=3600
        )
    assert outcome.state == "failed"
    # At the start and, unless the first check alone outlasted the 1 s timeout on a loaded machine, once more when
    # the timeout was up. Waiting out poke_interval instead would hang past pytest's timeout and fail this test.
    assert len(task_queries(emu)) in (1, 2)
    (message,) = raised(outcome, "AirflowSensorTimeout")  # not Airflow's message, then ours chained to it
    assert message.startswith("Sensor has timed out") and SHORT in message
    assert "Last check: Log backup of cluster" in message


def test_one_line_per_check(emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture) -> None:
    # A 2 s timeout with 0.1 s between pokes: two checks or more even when the first is slow on a loaded machine.
    outcome = run_gate(request, capture, cluster_id=emu.cluster_ids[0], max_delay=MAX_DELAY, timeout=2)
    checks = len(task_queries(emu))
    assert outcome.state == "failed" and checks >= 2
    assert lines(outcome, "Not caught up yet: 0 of 2 selected unit(s) caught up.") == checks
    assert lines(outcome, "Not caught up yet", "tenant tenant_1 (tenantId ") == checks
    assert lines(outcome, "tenant tenant_1 (tenantId ", "status RUNNING") == 0  # no line per unit at INFO
    assert lines(outcome, "-> waiting") == 0  # the per-unit detail is at DEBUG


def test_a_missing_tenant_is_warned_about_once_per_try(
    emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture
) -> None:
    emu.set_current_task(emu.cluster_ids[0], delay=1.0)
    outcome = run_gate(
        request,
        capture,
        cluster_id=emu.cluster_ids[0],
        max_delay=MAX_DELAY,
        tenant_ids=[9999999],
        wait_for_missing_tenants=True,
        timeout=1,
    )
    checks = len(task_queries(emu))
    missing = "selected tenantId 9999999: no log backup task yet"
    assert outcome.state == "failed" and checks >= 3  # it waited (by the sensor timeout), checking again
    assert "AirflowSensorTimeout" in outcome.log
    assert warning_lines(outcome, missing) == 1  # the first check's line is a warning; the later ones say why
    assert lines(outcome, "Not caught up yet", missing) == checks  # one line per check, not two


def test_a_caught_up_check_is_one_line_with_the_restore_point(
    emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture
) -> None:
    emu.set_current_task(emu.cluster_ids[0], delay=1.0)
    outcome = run_gate(request, capture, cluster_id=emu.cluster_ids[0], max_delay=MAX_DELAY)
    assert outcome.state == "success"
    checkpoint = outcome.value["checkpoint"]
    assert lines(outcome, "has caught up (max_delay 20s) for 2 unit(s): checkpoint", checkpoint) == 1
    assert lines(outcome, "tenant tenant_1 (tenantId ") == 0


def test_a_final_error_is_printed_once_not_chained_to_itself(
    emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture
) -> None:
    """The adapters re-raise a final error as its AirflowFailException subclass: chained, the log showed it twice."""
    outcome = run_gate(request, capture, cluster_name="no_such_cluster", max_delay=MAX_DELAY)
    assert outcome.state == "failed"
    (message,) = raised(outcome, "OCPInput(?:Failure|Error)")  # was OCPInputError, then OCPInputFailure
    assert "no_such_cluster" in message


def test_a_fail_status_is_printed_once_by_the_exception(
    emu: OCPEmulator, request: pytest.FixtureRequest, capture: Capture
) -> None:
    cluster = emu.cluster_ids[0]
    emu.set_current_task(cluster, emu.tenant_ids(cluster)[1], status="STOPPED", error_msg="OSS bucket unreachable")
    outcome = run_gate(request, capture, cluster_id=cluster, max_delay=MAX_DELAY)
    assert outcome.state == "failed"
    (message,) = raised(outcome, "AirflowFailException")
    assert "failed the gate: tenant tenant_2" in message and "'OSS bucket unreachable'" in message
    sources = ("verdict.py", "log_backup.py:")  # the lines the gate and the sensor log (loc=... / {file:line})
    logged = [
        line for line in outcome.log.splitlines() if "failed the gate" in line and any(map(line.__contains__, sources))
    ]
    assert not logged, logged  # not logged, then raised


@pytest.mark.parametrize(("reschedules", "warned"), [(0, 1), (1, 0), (4, 0)])
def test_in_reschedule_mode_only_the_first_poke_of_a_try_warns(
    emu: OCPEmulator, capture: Capture, reschedules: int, warned: int
) -> None:
    """Under a scheduler each reschedule-mode poke is a new process with a new sensor: the context's
    ``task_reschedule_count`` says whether an earlier poke of this try warned already."""
    sensor = OCPLogBackupDelaySensor(
        task_id="gate",
        cluster_id=emu.cluster_ids[0],
        max_delay=MAX_DELAY,
        tenant_ids=[9999999],
        wait_for_missing_tenants=True,
        mode="reschedule",
    )
    capture.reset()
    assert sensor.poke({"task_reschedule_count": reschedules}) is False  # type: ignore[arg-type]
    outcome = Outcome(None, None, 0.0, *capture.channels())
    missing = "selected tenantId 9999999: no log backup task yet"
    assert warning_lines(outcome, missing) == warned
    assert lines(outcome, "Not caught up yet", missing) == 1  # the check's line still says why it waits
