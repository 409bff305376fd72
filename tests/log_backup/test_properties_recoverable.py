"""Property tests (hypothesis) of the gate's recoverability rule (``check_recoverable``) over hostile window sets.

Windows are generated as a broken or hostile OCP might report them: overlapping, nested, zero-length, touching the
restore point exactly at a bound, out of order, missing for a watched tenant, or given for a tenant the gate does not
watch. The oracle states the rule of :mod:`airflow_provider_ocp.log_backup.recoverable` again, plainly and without the
provider's code: per watched tenant, the restore point is inside some window (satisfied), or there is no window or
every window ends before it (wait), or else some window ends after it without containing it (never: fail).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_support import examples

from airflow_provider_ocp.exceptions import OCPInputError
from airflow_provider_ocp.log_backup.criteria import GateCriteria
from airflow_provider_ocp.log_backup.gate import LatestTasks, evaluate
from airflow_provider_ocp.log_backup.records import normalize_task
from airflow_provider_ocp.log_backup.recoverable import judge_recoverable, wants_windows, window_request_tenants

NOW = datetime(2024, 8, 6, 12, 0, tzinfo=timezone.utc)
TARGET = datetime(2024, 8, 6, 11, 50, tzinfo=timezone.utc)  # 10 minutes before every checkpoint below
WATCHED = (2001, 2002)
OUTSIDER = 2003  # has log backup tasks too, but a tenant filter leaves it out


def record(tenant: int, *, delay: float = 5.0) -> dict[str, Any]:
    return normalize_task(
        {
            "clusterId": 1000001,
            "obClusterId": 1,
            "tenantId": tenant,
            "tenantName": f"t{tenant - 2000}",
            "status": "RUNNING",
            "createTime": "2024-08-06T10:00:00Z",
            "checkpoint": (NOW - timedelta(seconds=delay)).isoformat(),
            "delay": delay,
        }
    )


def minute(offset: int) -> datetime:
    return TARGET + timedelta(minutes=offset)


# A window as minute offsets from TARGET: start and end in [-3, 3] with end >= start, so the target is often exactly
# on a bound, and windows overlap, nest and repeat.
WINDOW = st.tuples(st.integers(-3, 3), st.integers(0, 3)).map(lambda w: (minute(w[0]), minute(w[0] + w[1])))
WINDOWS = st.dictionaries(st.sampled_from([*WATCHED, OUTSIDER]), st.lists(WINDOW, max_size=4), max_size=3)


def oracle(windows: list[tuple[datetime, datetime]]) -> str:
    """``ok``, ``wait`` or ``never`` for one tenant, from the rule as the issue states it."""
    if any(start <= TARGET <= end for start, end in windows):
        return "ok"
    if not windows or all(end < TARGET for _, end in windows):
        return "wait"  # no window yet, or the target is after the newest end
    return "never"  # a window ends after the target without containing it: before the oldest start, or in a gap


def gate(windows: dict[int, list[tuple[datetime, datetime]]], *, filtered: bool, lagging: int | None = None) -> Any:
    criteria = GateCriteria.build(max_delay=20, target_time=TARGET, tenant_ids=list(WATCHED) if filtered else None)
    tasks = [record(tenant, delay=500.0 if tenant == lagging else 5.0) for tenant in (*WATCHED, OUTSIDER)]
    verdict = evaluate(LatestTasks.of(tasks, NOW), criteria, cluster_id=1000001)
    if not wants_windows(verdict, criteria):
        return verdict
    asked = window_request_tenants(verdict)  # what the hook hands back: the asked-for tenants only
    sent = {tenant: found for tenant, found in windows.items() if tenant in asked}
    return judge_recoverable(verdict, sent, TARGET)


@settings(max_examples=examples(400), deadline=None)
@given(windows=WINDOWS, filtered=st.booleans())
def test_the_gate_passes_only_inside_every_watched_tenants_window(
    windows: dict[int, list[tuple[datetime, datetime]]], filtered: bool
) -> None:
    watched = WATCHED if filtered else (*WATCHED, OUTSIDER)
    answers = {tenant: oracle(windows.get(tenant, [])) for tenant in watched}
    verdict = gate(windows, filtered=filtered)
    if "never" in answers.values():
        assert verdict.state == "failed"
        never = [tenant for tenant, answer in answers.items() if answer == "never"]
        for tenant in never:
            assert f"tenantId {tenant}" in verdict.message
        assert "2024-08-06T11:50:00Z" in verdict.message
    elif "wait" in answers.values():
        assert verdict.state == "waiting"
    else:
        assert verdict.state == "caught_up"
        xcom = verdict.to_xcom()
        assert sorted(unit["tenant_id"] for unit in xcom["units"] if "recoverable_windows" in unit) == sorted(watched)


@settings(max_examples=examples(150), deadline=None)
@given(windows=WINDOWS, lagging=st.sampled_from(WATCHED))
def test_windows_are_not_read_while_the_delay_rule_waits(
    windows: dict[int, list[tuple[datetime, datetime]]], lagging: int
) -> None:
    verdict = gate(windows, filtered=True, lagging=lagging)
    assert verdict.state == "waiting" and verdict.windows is None
    assert "delay 500s is above max_delay 20s" in verdict.message


def test_one_tenants_window_never_stands_in_for_anothers() -> None:
    inside = [(minute(-5), minute(5))]
    assert gate({2001: inside, OUTSIDER: inside}, filtered=True).state == "waiting"  # 2002 has no window: wait
    assert gate({2001: inside, 2002: inside}, filtered=True).state == "caught_up"
    assert gate({2001: inside, 2002: inside}, filtered=False).state == "waiting"  # the outsider is watched now


@pytest.mark.parametrize(
    ("windows", "state", "words"),
    [
        ([(minute(1), minute(9))], "failed", "is before the oldest recoverable window's start"),
        ([(minute(-9), minute(-5)), (minute(2), minute(9))], "failed", "falls in a gap between recoverable windows"),
        ([(minute(-9), minute(-1))], "waiting", "is after the newest recoverable window's end"),
        ([], "waiting", "has no recoverable window yet"),
        ([(minute(-9), minute(0))], "caught_up", "is recoverable for 1 tenant(s)"),
    ],
)
def test_each_position_and_its_message(windows: list[tuple[datetime, datetime]], state: str, words: str) -> None:
    criteria = GateCriteria.build(max_delay=20, target_time=TARGET, tenant_ids=[2001])
    verdict = evaluate(LatestTasks.of([record(2001)], NOW), criteria, cluster_id=1000001)
    assert window_request_tenants(verdict) == [2001]
    judged = judge_recoverable(verdict, {2001: windows}, TARGET)
    assert judged.state == state and words in judged.message
    if state != "caught_up":
        assert "tenant t1 (tenantId 2001): target_time 2024-08-06T11:50:00Z" in judged.message
    if windows and state != "caught_up":
        assert "recoverable windows: 2024-08-06T11:" in judged.message


def test_the_xcom_value_carries_the_windows_checked_in_iso_utc() -> None:
    criteria = GateCriteria.build(max_delay=20, target_time=TARGET, tenant_ids=[2001])
    verdict = evaluate(LatestTasks.of([record(2001)], NOW), criteria, cluster_id=1000001)
    windows = [(datetime(2024, 8, 6, 19, 0, tzinfo=timezone(timedelta(hours=8))), minute(5))]
    unit = judge_recoverable(verdict, {2001: windows}, TARGET).to_xcom()["units"][0]
    assert unit["recoverable_windows"] == [{"start": "2024-08-06T11:00:00Z", "end": "2024-08-06T11:55:00Z"}]


@pytest.mark.parametrize(
    ("check_recoverable", "target_time", "expected"),
    [(None, None, False), (None, TARGET, True), (False, TARGET, False), (True, TARGET, True)],
)
def test_check_recoverable_defaults_to_whether_target_time_is_given(
    check_recoverable: bool | None, target_time: datetime | None, expected: bool
) -> None:
    criteria = GateCriteria.build(max_delay=20, target_time=target_time, check_recoverable=check_recoverable)
    assert criteria.check_recoverable is expected
    assert GateCriteria.from_dict(criteria.to_dict()) == criteria


def test_check_recoverable_without_target_time_names_both() -> None:
    with pytest.raises(OCPInputError, match=r"check_recoverable=True needs target_time"):
        GateCriteria.build(max_delay=20, check_recoverable=True)


def test_an_earlier_releases_trigger_criteria_do_not_read_windows() -> None:
    data = {"max_delay": 20, "target_time": "2024-08-06T11:50:00Z"}  # no check_recoverable key
    assert GateCriteria.from_dict(data).check_recoverable is False


def test_cluster_level_units_alone_cannot_satisfy_check_recoverable() -> None:
    cluster_level = normalize_task(
        {"clusterId": 1000001, "status": "RUNNING", "createTime": "2024-08-06T10:00:00Z",
         "checkpoint": (NOW - timedelta(seconds=5)).isoformat(), "delay": 5}
    )  # fmt: skip
    criteria = GateCriteria.build(max_delay=20, target_time=TARGET)
    verdict = evaluate(LatestTasks.of([cluster_level], NOW), criteria, cluster_id=1000001)
    assert verdict.caught_up and window_request_tenants(verdict) == []
    judged = judge_recoverable(verdict, {2001: [(minute(-5), minute(5))]}, TARGET)
    assert judged.state == "failed" and "Set check_recoverable=False" in judged.message
