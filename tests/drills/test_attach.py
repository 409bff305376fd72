"""The no-second-restore rule (airflow_provider_ocp.restores.attach): examples written by hand, then properties over
hostile records."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_support import examples

from airflow_provider_ocp.restores.attach import RestoreConflict, find_restore, since_run_start
from airflow_provider_ocp.restores.submissions import RestoreRequest

POINT = datetime(2024, 8, 6, 12, 0, 0, 123000, tzinfo=timezone.utc)
RUN_START = datetime(2024, 8, 6, 13, 0, tzinfo=timezone.utc)
SINCE = datetime(2024, 8, 6, 12, 45, tzinfo=timezone.utc)  # RUN_START minus 15 minutes, by hand
REQUEST = RestoreRequest(
    backup_cluster_id=1,
    backup_tenant_id=11,
    restore_cluster_id=2,
    tenant_name="drill_1",
    restore_end_time=POINT,
    zones=("zone1",),
    unit_spec_name="S1",
)


def record(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": 7,
        "ocpJobId": 5000001,
        "createTime": datetime(2024, 8, 6, 13, 1, tzinfo=timezone.utc),
        "status": "RESTORE_DOING",
        "backupTenantId": 11,
        "restoreClusterId": 2,
        "restoreTenantName": "drill_1",
        "restoreEndTime": datetime(2024, 8, 6, 12, 0, 0, 123000, tzinfo=timezone.utc),
    }
    return {**base, **fields}


def test_since_is_fifteen_minutes_before_the_run() -> None:
    assert since_run_start(RUN_START) == SINCE


def test_running_same_request_is_attached_with_its_ocp_task() -> None:
    found = find_restore([record()], REQUEST, SINCE)
    assert found is not None and (found.record_id, found.ocp_task_id, found.status) == (7, 5000001, "RESTORE_DOING")


def test_same_point_in_another_offset_and_name_case_is_the_same_request() -> None:
    other_offset = datetime(2024, 8, 6, 20, 0, 0, 123999, tzinfo=timezone(timedelta(hours=8)))  # same ms
    found = find_restore([record(restoreEndTime=other_offset, restoreTenantName="DRILL_1")], REQUEST, SINCE)
    assert found is not None and found.ocp_task_id == 5000001


def test_one_millisecond_off_is_a_conflict_naming_both() -> None:
    off = datetime(2024, 8, 6, 12, 0, 0, 124000, tzinfo=timezone.utc)
    with pytest.raises(RestoreConflict) as caught:
        find_restore([record(restoreEndTime=off)], REQUEST, SINCE)
    message = str(caught.value)
    assert "'drill_1'" in message and "2024-08-06T12:00:00.124000Z" in message and "12:00:00.123000Z" in message
    assert "OCP task 5000001" in message and "record 7" in message


def test_other_backup_tenant_running_is_a_conflict() -> None:
    with pytest.raises(RestoreConflict, match="backup tenant 12"):
        find_restore([record(backupTenantId=12)], REQUEST, SINCE)


def test_finished_or_elsewhere_restores_are_not_ours() -> None:
    records = [
        record(status="RESTORE_FAIL"),  # a failed restore: a retry starts a new one
        record(status="RESTORE_SUCCESS", createTime=datetime(2024, 8, 6, 12, 44, tzinfo=timezone.utc)),  # too old
        record(restoreClusterId=3),  # another cluster
        record(restoreTenantName="drill_2", backupTenantId=99),  # another tenant name, even running
    ]
    assert find_restore(records, REQUEST, SINCE) is None


def test_running_same_request_without_restore_cluster_is_a_conflict_naming_it() -> None:
    """OCP leaves null fields out: without restoreClusterId it may be our earlier try or a restore elsewhere."""
    unplaced = {k: v for k, v in record().items() if k != "restoreClusterId"}
    with pytest.raises(RestoreConflict) as caught:
        find_restore([unplaced], REQUEST, SINCE)
    message = str(caught.value)
    assert "whose record gives no readable restore cluster (restoreClusterId) is running: OCP restore record 7" in (
        message
    )
    assert "OCP task 5000001" in message and "nothing was submitted" in message
    with pytest.raises(RestoreConflict, match="no readable restore cluster"):
        find_restore([record(restoreClusterId="x")], REQUEST, SINCE)


def test_finished_restore_without_restore_cluster_is_neither_ours_nor_a_conflict() -> None:
    unplaced = record(restoreClusterId=None, status="RESTORE_SUCCESS", createTime=SINCE)
    assert find_restore([unplaced], REQUEST, SINCE) is None


def test_successful_restore_since_the_run_started_is_attached() -> None:
    found = find_restore([record(status="RESTORE_SUCCESS", createTime=SINCE)], REQUEST, SINCE)
    assert found is not None and found.status == "RESTORE_SUCCESS"


def test_missing_job_id_is_none_and_running_wins_over_finished() -> None:
    done = record(id=1, status="RESTORE_SUCCESS", ocpJobId=5000009)
    running = record(id=2, ocpJobId=None, createTime=datetime(2024, 8, 6, 12, 0, tzinfo=timezone.utc))
    found = find_restore([done, running], REQUEST, SINCE)
    assert found is not None and (found.record_id, found.ocp_task_id) == (2, None)


# -- properties over hostile records -----------------------------------------------------------------------------

instants = st.one_of(
    st.none(),
    st.just(POINT),
    st.just(POINT + timedelta(milliseconds=1)),
    st.just(POINT - timedelta(microseconds=1)),  # a different millisecond
    st.just(POINT.replace(tzinfo=None)),  # naive: unreadable as an instant
    st.text(max_size=5),
    st.integers(),
)
hostile = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.none(), st.integers(), st.text(max_size=3)),
        "ocpJobId": st.one_of(st.none(), st.integers(-2, 3), st.booleans(), st.text(max_size=3)),
        "createTime": st.one_of(st.none(), st.just(SINCE), st.just(SINCE - timedelta(seconds=1)), st.text(max_size=3)),
        "status": st.one_of(st.none(), st.sampled_from(["RESTORE_SUCCESS", "RESTORE_FAIL", "RESTORE_DOING", "x", ""])),
        "backupTenantId": st.one_of(st.none(), st.sampled_from([11, 12, True, "11", 0])),
        "restoreClusterId": st.one_of(st.none(), st.sampled_from([2, 3, "2", True])),
        "restoreTenantName": st.one_of(
            st.none(), st.sampled_from(["drill_1", "Drill_1 ", "drill_2", ""]), st.integers()
        ),
        "restoreEndTime": instants,
    },
)


def is_into_our_name(r: dict[str, Any]) -> bool:
    name = r.get("restoreTenantName")
    return isinstance(name, str) and name.strip().lower() == "drill_1"


def is_into_our_tenant(r: dict[str, Any]) -> bool:
    return is_into_our_name(r) and r.get("restoreClusterId") == 2 and (r.get("restoreClusterId") is not True)


def is_unplaced(r: dict[str, Any]) -> bool:
    """Into our name, its restore cluster unreadable (left out, None, text, a bool): never ours."""
    cluster = r.get("restoreClusterId")
    return is_into_our_name(r) and (type(cluster) is not int or cluster <= 0)


def is_same_request(r: dict[str, Any]) -> bool:
    point = r.get("restoreEndTime")
    return (
        is_into_our_tenant(r)
        and r.get("backupTenantId") == 11
        and r.get("backupTenantId") is not True
        and isinstance(point, datetime)
        and point.tzinfo is not None
        and point.replace(microsecond=point.microsecond // 1000 * 1000) == POINT
    )


def is_running(r: dict[str, Any]) -> bool:
    return r.get("status") not in ("RESTORE_SUCCESS", "RESTORE_FAIL")


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(hostile, max_size=6))
def test_never_attaches_to_another_request_never_misses_a_running_one(records: list[dict[str, Any]]) -> None:
    conflicts = [
        r for r in records if is_running(r) and ((is_into_our_tenant(r) and not is_same_request(r)) or is_unplaced(r))
    ]
    try:
        found = find_restore(records, REQUEST, SINCE)
    except RestoreConflict as conflict:
        assert conflicts, "a conflict was raised with no different or unplaced running restore into drill_1"
        assert "'drill_1'" in str(conflict)
        return
    assert not conflicts, "a different or unplaced running restore into drill_1 was not reported"
    if any(is_same_request(r) and is_running(r) for r in records):
        assert found is not None
    if found is not None:
        chosen = [r for r in records if r.get("id") == found.record_id and is_same_request(r)]
        assert chosen, "attached to a record that is not the same request"
        assert found.ocp_task_id is None or (isinstance(found.ocp_task_id, int) and found.ocp_task_id > 0)
