"""Unit tests of the log backup gate (pure logic shared by the sensor and the trigger): the delay it judges (OCP's,
or computed from the checkpoint on OCP's clock), max_delay and target_time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from gate_task_support import NOW, crit, task

from airflow_provider_ocp.log_backup.gate import LatestTasks, evaluate


def test_delay_equal_to_max_delay_is_done() -> None:
    assert evaluate(LatestTasks.of([task(1, delay=20)], NOW), crit()).caught_up


def test_missing_delay_is_server_time_minus_checkpoint() -> None:
    verdict = evaluate(LatestTasks.of([task(1, delay=None, checkpoint_age=12.5)], NOW), crit())
    assert verdict.caught_up
    assert verdict.units[0].delay == 12.5 and verdict.units[0].delay_source == "computed"
    too_old = evaluate(LatestTasks.of([task(1, delay=None, checkpoint_age=25)], NOW), crit())
    assert too_old.state == "waiting" and too_old.units[0].delay == 25.0


def test_missing_delay_uses_the_server_clock_not_the_worker_clock() -> None:
    server_time = NOW - timedelta(hours=1)  # a server whose clock is an hour behind
    record = task(1, delay=None, checkpoint_age=3600 + 4)
    verdict = evaluate(LatestTasks.of([record], server_time), crit())
    assert verdict.caught_up and verdict.units[0].delay == 4.0


def test_missing_delay_without_server_time_waits() -> None:
    verdict = evaluate(LatestTasks.of([task(1, delay=None)], None), crit())
    assert verdict.state == "waiting" and "OCP sent no clock" in verdict.units[0].reason


def test_delay_as_decimal_text_is_accepted() -> None:
    assert evaluate(LatestTasks.of([task(1, delay="7.25")], NOW), crit()).units[0].delay == 7.25


def test_target_time() -> None:
    records = [task(1, delay=5)]  # checkpoint NOW - 5 s
    assert evaluate(LatestTasks.of(records, NOW), crit(target_time=NOW - timedelta(seconds=6))).caught_up
    assert evaluate(LatestTasks.of(records, NOW), crit(target_time=NOW - timedelta(seconds=5))).caught_up
    late = evaluate(LatestTasks.of(records, NOW), crit(target_time="2024-08-06T19:59:58+08:00"))  # NOW - 2 s
    assert late.state == "waiting" and "before target_time" in late.units[0].reason


def test_missing_checkpoint_waits() -> None:
    record = task(1)
    record["checkpoint"] = None
    assert evaluate(LatestTasks.of([record], NOW), crit()).state == "waiting"


@pytest.mark.parametrize(
    ("delay", "checkpoint_age", "judged"),
    [
        pytest.param("0.00", 86400, 86400.0, id="a-default-delay-beside-a-day-old-checkpoint"),
        pytest.param(-250, 86400, 86400.0, id="a-negative-delay-is-not-skew-when-the-checkpoint-is-a-day-old"),
        pytest.param(3, 301 + 3 + 0.5, 304.5, id="just-beyond-the-clock-tolerance"),
    ],
)
def test_ocp_delay_never_hides_an_older_checkpoint(delay: Any, checkpoint_age: float, judged: float) -> None:
    """OCP says the archive is seconds behind, its checkpoint says more than the 300 s clocks may disagree by: the
    checkpoint's age is judged, so a gate with a generous max_delay still cannot pass on the frozen figure."""
    verdict = evaluate(LatestTasks.of([task(1, delay=delay, checkpoint_age=checkpoint_age)], NOW), crit(max_delay=60))
    assert verdict.state == "waiting"
    assert verdict.units[0].delay == judged and verdict.units[0].delay_source == "computed"
    assert f"delay {judged:g}s is above max_delay 60s" in verdict.units[0].reason


def test_ocp_delay_is_kept_when_the_checkpoint_agrees_within_the_clock_tolerance() -> None:
    """OCP's sample: delay 77.6421 with a checkpoint 77.792 s before its clock; and up to 300 s of skew either way."""
    for age in (77.792, 5 + 300):
        verdict = evaluate(
            LatestTasks.of([task(1, delay=5 if age > 100 else 77.6421, checkpoint_age=age)], NOW), crit(max_delay=100)
        )
        assert verdict.caught_up and verdict.units[0].delay_source == "ocp"
