"""Normalising OCP's log backup task records, against results written by hand: every documented field present,
times as aware datetimes, ids as ints, ``delay`` as a float, unreadable values kept as sent, extra fields kept in
OCP's order after the documented ones; and the identities that tell tasks apart.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from airflow_provider_ocp.client.page import record_key, whole_record_identity
from airflow_provider_ocp.log_backup.records import (
    DOCUMENTED_FIELDS,
    RESTORE_TASKS,
    normalize_task,
    normalize_tasks,
    record_identity,
    record_status_identity,
)

PLUS8 = timezone(timedelta(hours=8))
BLANK = dict.fromkeys(DOCUMENTED_FIELDS)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            {
                "agentServerIp": "10.0.0.1",
                "createTime": "2021-09-09T16:19:47.405+0800",
                "modifyTime": "2021-09-23T06:34:35Z",
                "checkpoint": "2021-09-23 06:34:35.123456789-05:30",
                "clusterId": "1000005",
                "tenantId": 1001,
                "obTenantId": " 42 ",
                "delay": "77.6421",
            },
            {
                **BLANK,
                "createTime": datetime(2021, 9, 9, 16, 19, 47, 405000, tzinfo=PLUS8),
                "modifyTime": datetime(2021, 9, 23, 6, 34, 35, tzinfo=timezone.utc),
                "checkpoint": datetime(
                    2021, 9, 23, 6, 34, 35, 123456, tzinfo=timezone(-timedelta(hours=5, minutes=30))
                ),
                "clusterId": 1000005,
                "tenantId": 1001,
                "obTenantId": 42,
                "delay": 77.6421,
                "agentServerIp": "10.0.0.1",
            },
            id="OCP's forms parsed, extra field last",
        ),
        pytest.param(
            {"createTime": 1632378875000, "modifyTime": 1e300, "checkpoint": float("nan"), "delay": 3},
            {
                **BLANK,
                "createTime": datetime(2021, 9, 23, 6, 34, 35, tzinfo=timezone.utc),
                "modifyTime": 1e300,
                "checkpoint": "nan",
                "delay": 3.0,
            },
            id="epoch milliseconds, and numbers no datetime holds",
        ),
        pytest.param(
            {
                "createTime": "yesterday",
                "checkpoint": "",
                "tenantId": "abc",
                "clusterId": "\u0661\u0662",
                "delay": "NaN",
            },
            {
                **BLANK,
                "createTime": "yesterday",
                "checkpoint": "",
                "tenantId": "abc",
                "clusterId": "\u0661\u0662",
                "delay": "NaN",
            },
            id="unreadable values kept as sent",
        ),
        pytest.param(
            {"delay": True, "obClusterId": -(2**70), "tenantId": "-7"},
            {**BLANK, "obClusterId": -(2**70), "tenantId": -7},
            id="a bool is no delay; ids of any size",
        ),
        pytest.param({}, BLANK, id="every documented field present"),
    ],
)
def test_a_record_normalises_to_the_hand_written_result(raw: dict[str, Any], expected: dict[str, Any]) -> None:
    logging.disable(logging.WARNING)  # unreadable values warn, by design; not what this test is about
    try:
        original = dict(raw)
        assert exactly([normalize_task(raw)]) == exactly([expected])
        assert exactly(normalize_tasks([raw, raw])) == exactly([expected, expected])
        assert raw == original  # the raw record is left as it was
    finally:
        logging.disable(logging.NOTSET)


def exactly(records: list[dict[str, Any]]) -> list[list[tuple[str, str]]]:
    """Keys in order and values by repr: an aware datetime's repr shows its offset, which ``==`` ignores."""
    return [[(key, repr(value)) for key, value in record.items()] for record in records]


def test_an_unreadable_time_is_kept_with_a_warning_naming_the_field(caplog: pytest.LogCaptureFixture) -> None:
    good = {"createTime": "2021-09-23T14:33:17.357+0800", "delay": 1.0}
    bad = {"createTime": "2021-09-23T14:33:17", "delay": 1.0}  # no offset: which instant is ambiguous
    with caplog.at_level(logging.WARNING):
        first, second = normalize_tasks([good, bad])
    assert first["createTime"].utcoffset().total_seconds() == 8 * 3600
    assert second["createTime"] == "2021-09-23T14:33:17"
    assert [r.getMessage() for r in caplog.records] == [
        "Keeping OCP's createTime as sent; it is not a timestamp this provider can read: '2021-09-23T14:33:17'"
    ]


TASK = {
    "clusterId": 1000005,
    "obClusterId": 5,
    "tenantId": 1001,
    "obTenantId": 1002,
    "tenantName": "t1",
    "createTime": "2021-09-09T16:19:47.405+0800",
    "backupUri": "file:///obbackup/",
    "status": "RUNNING",
    "checkpoint": "2021-09-23T14:33:17.357+0800",
    "delay": 77.6,
    "modifyTime": "2021-09-23T14:33:17.357+0800",
}


@pytest.mark.parametrize(
    "field", ["clusterId", "obClusterId", "tenantId", "obTenantId", "tenantName", "createTime", "backupUri"]
)
def test_the_identity_tells_tasks_apart_by_each_identifying_field(field: str) -> None:
    assert record_identity({**TASK, field: "other"}) != record_identity(TASK)
    assert record_identity({key: value for key, value in TASK.items() if key != field}) != record_identity(TASK)


@pytest.mark.parametrize("field", ["status", "checkpoint", "delay", "modifyTime", "agentServerIp"])
def test_the_identity_ignores_what_changes_while_a_task_runs(field: str) -> None:
    assert record_identity({**TASK, field: "changed"}) == record_identity(TASK)


def test_two_tasks_without_create_time_are_never_merged() -> None:
    first = {key: value for key, value in TASK.items() if key != "createTime"}
    second = {**first, "checkpoint": "2021-09-23T14:35:00+08:00", "status": "STOPPED"}
    assert record_identity(first) != record_identity(second)
    assert record_identity(first) == record_identity(dict(reversed(first.items())))


def test_the_status_identity_tells_a_task_apart_by_its_status_only() -> None:
    assert record_status_identity({**TASK, "status": "FAILED"}) != record_status_identity(TASK)
    assert record_status_identity({**TASK, "delay": 1.0, "checkpoint": "x"}) == record_status_identity(TASK)
    assert record_status_identity({**TASK, "status": ["RUNNING"]}) != record_status_identity(TASK)


def test_an_unhashable_value_still_gets_an_identity() -> None:
    assert record_identity({**TASK, "backupUri": ["a"]}) == record_identity({**TASK, "backupUri": ["a"]})
    assert record_identity({**TASK, "backupUri": ["a"]}) != record_identity({**TASK, "backupUri": ["b"]})


def test_identities_are_keys_not_hashes_so_tasks_whose_hashes_collide_stay_apart() -> None:
    """``hash(-1) == hash(-2)`` and ints ``2**61 - 1`` apart hash alike: a hash as identity would drop a task."""
    assert record_identity({**TASK, "tenantId": -1}) != record_identity({**TASK, "tenantId": -2})
    assert record_identity({**TASK, "clusterId": 1}) != record_identity({**TASK, "clusterId": 2**61})
    assert record_status_identity({**TASK, "tenantId": -1}) != record_status_identity({**TASK, "tenantId": -2})
    assert whole_record_identity({"id": -1}) != whole_record_identity({"id": -2})
    assert whole_record_identity({"id": 1}) != whole_record_identity({"id": "1"})
    assert RESTORE_TASKS.identity({"id": -1}) != RESTORE_TASKS.identity({"id": -2})


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (1, 1.0),
        (1, True),
        (1, "1"),
        (float("nan"), None),
        (0.0, -0.0),
        ("a", ["a"]),
        ([1, 2], (1, 2)),
        ({"a": 1}, None),
    ],
)
def test_values_that_differ_as_json_give_different_keys(first: Any, second: Any) -> None:
    assert record_key((first,)) != record_key((second,))
    assert record_key((first,)) == record_key((first,))  # and the same value, the same key


def test_a_normalised_record_with_datetimes_still_has_a_key() -> None:
    normalised = normalize_task(TASK)
    assert record_identity(normalised) == record_identity(normalize_task(dict(TASK)))
    assert record_identity(normalised) != record_identity({**normalised, "tenantId": 7})
