"""Recoverable windows (issue 24): read per tenant from OCP's /backup/info, judged against a restore point."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_support import json_documents

from airflow_provider_ocp.client.errors import OCPAPIError
from airflow_provider_ocp.restores.windows import describe_windows, recoverable_windows, restore_point_position

UTC = timezone.utc
# The shape of OCP 4.2.2's reference sample, trimmed to two tenants (values written by hand).
SAMPLE: dict[str, Any] = {
    "tenantBackupInfos": [
        {
            "tenantId": 1002,
            "tenantName": "sales",
            "obRecoverableInfoAggregation": {
                "latestSevenDaysAggregation": {
                    "obRecoverableSectionItems": [
                        {
                            "obRecoverableSectionItemType": "FULL_DATA_BACKUP",
                            "realRecoverableTimeInterval": {
                                "startTime": "2024-08-01T01:00:00+08:00",
                                "endTime": "2024-08-01T01:30:00+08:00",
                            },
                        },
                        {
                            "obRecoverableSectionItemType": "RECOVERABLE",
                            "realRecoverableTimeInterval": {
                                "startTime": "2024-08-05T01:30:00+08:00",
                                "endTime": "2024-08-06T09:00:00+08:00",
                            },
                        },
                        {
                            "obRecoverableSectionItemType": "RECOVERABLE",
                            "logRecoverableTimeInterval": {
                                "startTime": "2024-08-01T01:30:00+08:00",
                                "endTime": "2024-08-03T00:00:00+08:00",
                            },
                        },
                    ]
                }
            },
        },
        {
            "tenantId": "1004",
            "tenantName": "hr",
            "obRecoverableInfoAggregation": {"latestSevenDaysAggregation": {"obRecoverableSectionItems": []}},
        },
    ]
}


def test_each_tenant_gets_its_own_recoverable_items_oldest_first_under_either_interval_name() -> None:
    assert recoverable_windows(SAMPLE) == {
        1002: [
            (datetime(2024, 7, 31, 17, 30, tzinfo=UTC), datetime(2024, 8, 2, 16, 0, tzinfo=UTC)),
            (datetime(2024, 8, 4, 17, 30, tzinfo=UTC), datetime(2024, 8, 6, 1, 0, tzinfo=UTC)),
        ],
        1004: [],
    }
    assert recoverable_windows(SAMPLE, tenant_ids=[1004]) == {1004: []}


def test_describe_windows_names_them_in_utc() -> None:
    windows = recoverable_windows(SAMPLE, [1002])[1002]
    assert describe_windows(windows) == (
        "2024-07-31T17:30:00Z to 2024-08-02T16:00:00Z; 2024-08-04T17:30:00Z to 2024-08-06T01:00:00Z"
    )
    assert describe_windows([]) == "none"


@pytest.mark.parametrize(
    ("point", "position"),
    [
        (datetime(2024, 8, 1, tzinfo=UTC), "inside"),
        (datetime(2024, 8, 6, 1, 0, tzinfo=UTC), "inside"),  # the end itself is recoverable
        (datetime(2024, 8, 6, 1, 0, 1, tzinfo=UTC), "after"),
        (datetime(2024, 7, 31, 17, 29, 59, tzinfo=UTC), "before"),
        (datetime(2024, 8, 3, tzinfo=UTC), "gap"),
    ],
)
def test_restore_point_positions(point: datetime, position: str) -> None:
    assert restore_point_position(recoverable_windows(SAMPLE, [1002])[1002], point) == position


def test_no_window_yet() -> None:
    assert restore_point_position([], datetime(2024, 8, 1, tzinfo=UTC)) == "none"


@pytest.mark.parametrize(
    "interval",
    [
        {"startTime": "2024-08-01T00:00:00Z"},
        {"startTime": "yesterday", "endTime": "2024-08-01T00:00:00Z"},
        {"startTime": "2024-08-02T00:00:00Z", "endTime": "2024-08-01T00:00:00Z"},
        {"startTime": "2024-08-01T00:00:00", "endTime": "2024-08-02T00:00:00"},  # no offset: which instant?
    ],
)
def test_an_unreadable_interval_of_the_tenant_asked_for_is_an_error_naming_it(interval: dict[str, str]) -> None:
    item = {"obRecoverableSectionItemType": "RECOVERABLE", "realRecoverableTimeInterval": interval}
    data = {
        "tenantBackupInfos": [
            {
                "tenantId": 7,
                "obRecoverableInfoAggregation": {"latestSevenDaysAggregation": {"obRecoverableSectionItems": [item]}},
            }
        ]
    }
    with pytest.raises(OCPAPIError, match="tenant 7"):
        recoverable_windows(data)
    assert recoverable_windows(data, tenant_ids=[8]) == {}  # another tenant's oddity fails nobody else


@pytest.mark.parametrize("data", [None, [], {"tenantBackupInfos": None}, "html"])
def test_something_else_than_backup_info_is_an_error(data: Any) -> None:
    with pytest.raises(OCPAPIError, match="tenantBackupInfos"):
        recoverable_windows(data)


BASE = datetime(2024, 8, 1, tzinfo=UTC)
offsets = st.integers(min_value=0, max_value=10_000)
intervals = st.lists(st.tuples(offsets, offsets).map(sorted), max_size=5)


def info(tenant: Any, spans: list[list[int]], kind: str = "RECOVERABLE") -> dict[str, Any]:
    items = [
        {
            "obRecoverableSectionItemType": kind,
            "realRecoverableTimeInterval": {
                "startTime": (BASE + timedelta(seconds=a)).isoformat(),
                "endTime": (BASE + timedelta(seconds=b)).isoformat(),
            },
        }
        for a, b in spans
    ]
    return {
        "tenantId": tenant,
        "obRecoverableInfoAggregation": {"latestSevenDaysAggregation": {"obRecoverableSectionItems": items}},
    }


@given(mine=intervals, others=intervals, other_kinds=intervals, point=offsets)
def test_a_tenants_windows_never_come_from_another_tenant_or_other_item_types(
    mine: list[list[int]], others: list[list[int]], other_kinds: list[list[int]], point: int
) -> None:
    data = {
        "tenantBackupInfos": [
            info(2, others),
            info(1, mine),
            info(1, other_kinds, kind="LOG_BACKUP"),
            info(None, others),
            "not a tenant",
        ]
    }
    windows = recoverable_windows(data)[1]
    expected = sorted((BASE + timedelta(seconds=a), BASE + timedelta(seconds=b)) for a, b in mine)
    assert windows == expected
    moment = BASE + timedelta(seconds=point)
    position = restore_point_position(windows, moment)
    inside = any(BASE + timedelta(seconds=a) <= moment <= BASE + timedelta(seconds=b) for a, b in mine)
    assert (position == "inside") is inside
    if position == "before":
        assert all(moment < BASE + timedelta(seconds=a) for a, _ in mine)
    if position == "after":
        assert all(moment > BASE + timedelta(seconds=b) for _, b in mine)
    if position == "gap":
        assert not inside and any(moment > BASE + timedelta(seconds=b) for _, b in mine)
    assert (position == "none") is (not mine)


INFO_FIELDS = st.sampled_from(
    [
        "obRecoverableInfoAggregation",
        "latestSevenDaysAggregation",
        "obRecoverableSectionItems",
        "obRecoverableSectionItemType",
        "realRecoverableTimeInterval",
        "logRecoverableTimeInterval",
        "startTime",
        "endTime",
    ]
)
INFO_LEAVES = st.sampled_from(["RECOVERABLE", "2024-08-01T00:00:00Z", "2024-08-02T00:00:00+08:00", "yesterday"])


@given(aggregation=json_documents(INFO_FIELDS, INFO_LEAVES))
def test_backup_info_in_any_shape_gives_windows_or_an_error_naming_the_tenant(aggregation: Any) -> None:
    """Whatever OCP nests under a tenant (``{"obRecoverableSectionItems": 5}`` raised TypeError): aware windows, oldest
    first, or an OCPAPIError that names the tenant; never another exception."""
    data = {"tenantBackupInfos": [{"tenantId": 7, "obRecoverableInfoAggregation": aggregation}]}
    try:
        windows = recoverable_windows(data)
    except OCPAPIError as error:
        assert "tenant 7" in str(error)
    else:
        assert set(windows) == {7}
        assert all(start.tzinfo is not None and start <= end for start, end in windows[7])
        assert windows[7] == sorted(windows[7])


@pytest.mark.parametrize(
    ("aggregation", "field"),
    [
        ("x", "obRecoverableInfoAggregation"),
        ({"latestSevenDaysAggregation": [1]}, "latestSevenDaysAggregation"),
        ({"latestSevenDaysAggregation": {"obRecoverableSectionItems": 5}}, "obRecoverableSectionItems"),
        ({"latestSevenDaysAggregation": {"obRecoverableSectionItems": {"a": 1}}}, "obRecoverableSectionItems"),
        ({"latestSevenDaysAggregation": {"obRecoverableSectionItems": "echoed-pw-admin"}}, "obRecoverableSectionItems"),
    ],
)
def test_a_level_in_another_shape_is_an_error_naming_the_tenant_and_the_field(aggregation: Any, field: str) -> None:
    data = {"tenantBackupInfos": [{"tenantId": 7, "obRecoverableInfoAggregation": aggregation}]}
    with pytest.raises(OCPAPIError, match=f"tenant 7 has a {field} that is not") as raised:
        recoverable_windows(data)
    assert "echoed-pw-admin" not in str(raised.value)  # what OCP sent there is never quoted
    assert recoverable_windows(data, tenant_ids=[8]) == {}  # another tenant's oddity fails nobody else
    absent = {"tenantBackupInfos": [{"tenantId": 7}]}
    assert recoverable_windows(absent) == {7: []}  # nothing yet: no window, no error
