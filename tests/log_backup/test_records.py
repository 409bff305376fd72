"""Normalising a page column by column gives, record for record, what the field-by-field parsers give (issue 14).

``normalize_tasks`` decides per column whether a field needs parsing at all and whether its times can go to msgspec
in C; a record's result must not depend on the other records of its page. The reference below is the plain
per-value definition of the output contract: every documented field present, times through ``parse_time_field``,
ids through ``parse_id``, ``delay`` through ``parse_delay``, extra fields kept in OCP's order.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_ocp.log_backup.records import (
    DOCUMENTED_FIELDS,
    ID_FIELDS,
    TIME_FIELDS,
    normalize_task,
    normalize_tasks,
    parse_delay,
    parse_id,
    parse_time_field,
    record_identity,
    record_status_identity,
)

TIMES = st.one_of(
    st.sampled_from(
        [
            "2021-09-23T14:33:17.357+0800",
            "2021-09-23T14:34:35.149+08:00",
            "2021-09-23T06:34:35Z",
            "2021-09-23 06:34:35.5-05:30",
            "2021-09-23T06:34:35.123456789Z",  # 9 digits: value by value (truncated)
            "2021-09-23t06:34:35Z",  # lowercase t: kept as text
            "2021-09-23T14:33+08:00",  # no seconds
            "2021-09-23T14:33:17",  # no offset: kept as text
            "yesterday",
            "",
        ]
    ),
    st.none(),
    st.integers(min_value=0, max_value=2**45),  # epoch milliseconds
    st.floats(allow_nan=False),
)
IDS = st.one_of(st.integers(-(2**70), 2**70), st.sampled_from(["1000005", " 42 ", "-7", "abc", "", "١٢"]), st.none())
DELAYS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**70), 2**70),
    st.sampled_from(["77.6421", "NaN", "slow", True]),
    st.none(),
)

STRATEGIES = {**dict.fromkeys(TIME_FIELDS, TIMES), **dict.fromkeys(ID_FIELDS, IDS), "delay": DELAYS}


@st.composite
def raw_records(draw: st.DrawFn) -> dict[str, Any]:
    record: dict[str, Any] = {"agentServerIp": "10.0.0.1"}  # a field beyond the docs, first as OCP sends it
    for name in DOCUMENTED_FIELDS:
        if draw(st.booleans()) or name in ("createTime", "delay"):
            record[name] = draw(STRATEGIES.get(name, st.text(max_size=5)))
    return record


def reference(raw: dict[str, Any]) -> dict[str, Any]:
    record = {**dict.fromkeys(DOCUMENTED_FIELDS), **raw}
    for name in TIME_FIELDS:
        record[name] = parse_time_field(name, record[name])
    for name in ID_FIELDS:
        record[name] = parse_id(record[name])
    record["delay"] = parse_delay(record["delay"])
    return record


def exactly(records: list[dict[str, Any]]) -> list[list[tuple[str, str]]]:
    """Keys in order and values by repr: an aware datetime's repr shows its offset, which ``==`` ignores."""
    return [[(key, repr(value)) for key, value in record.items()] for record in records]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.lists(raw_records(), max_size=6), st.lists(raw_records(), min_size=16, max_size=24)))
def test_a_page_normalises_as_each_record_would_alone(page: list[dict[str, Any]]) -> None:
    """Short pages go record by record, longer ones a column at a time: both as the per-value definition says."""
    logging.disable(logging.WARNING)  # unreadable values warn, by design; not what this test is about
    try:
        originals = [dict(raw) for raw in page]
        assert exactly(normalize_tasks(page)) == exactly([reference(raw) for raw in page])
        assert exactly([normalize_task(raw) for raw in page]) == exactly([reference(raw) for raw in page])
        assert page == originals  # the raw records are left as they were
    finally:
        logging.disable(logging.NOTSET)


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
