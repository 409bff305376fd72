"""The extraction window rule, without Airflow runs: explicit bounds, real intervals, and the fallbacks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_ocp.exceptions import OCPInputError
from airflow_provider_ocp.log_backup.window import ExtractionWindow, duration_text, resolve_window

T0 = datetime(2024, 8, 6, tzinfo=timezone.utc)
T1 = T0 + timedelta(days=1)
DAY = timedelta(days=1)


def test_real_data_interval_is_used_as_is() -> None:
    window = resolve_window({"data_interval_start": T0, "data_interval_end": T1}, None, None, DAY)
    assert (window.start, window.end) == (T0, T1)
    assert "zero-width" not in window.reason and "no data interval" not in window.reason


def test_zero_width_interval_falls_back_to_lookback_before_its_end() -> None:
    window = resolve_window({"data_interval_start": T1, "data_interval_end": T1}, None, None, timedelta(hours=6))
    assert (window.start, window.end) == (T1 - timedelta(hours=6), T1)
    assert "zero-width" in window.reason


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (DAY, "1 day"),
        (timedelta(days=2, hours=6), "2 days 6h"),
        (timedelta(minutes=90), "1h 30min"),
        (timedelta(seconds=90), "1min 30s"),
        (timedelta(seconds=1.5), "1.5s"),
        (timedelta(0), "0s"),
    ],
)
def test_the_reason_names_the_lookback_as_a_person_writes_it(delta: timedelta, text: str) -> None:
    """Issue 23: the task log read "lookback 1 day, 0:00:00" (a timedelta's str)."""
    assert duration_text(delta) == text
    if delta:
        window = resolve_window({"data_interval_start": T1, "data_interval_end": T1}, None, None, delta)
        assert window.reason.endswith(f"minus lookback {text}") or f"minus lookback {text}," in window.reason


def test_no_interval_uses_run_after_then_logical_date_then_now() -> None:
    run = SimpleNamespace(run_after=T1)
    assert resolve_window({"dag_run": run}, None, None, DAY).end == T1
    assert resolve_window({"logical_date": T0}, None, None, DAY).end == T0
    now = datetime(2030, 1, 1, tzinfo=timezone.utc)
    window = resolve_window({}, None, None, DAY, now=now)  # an empty context never crashes
    assert (window.start, window.end) == (now - DAY, now)
    assert "no data interval" in window.reason


def test_explicit_bounds_win_and_rendered_none_means_default() -> None:
    context = {"data_interval_start": T0, "data_interval_end": T1}
    window = resolve_window(context, "2024-08-06T12:00:00+08:00", "2024-08-06T06:00:00Z", DAY)
    assert window.start == datetime(2024, 8, 6, 4, tzinfo=timezone.utc)
    assert window.end == datetime(2024, 8, 6, 6, tzinfo=timezone.utc)
    assert resolve_window(context, None, None, DAY).start == T0
    only_end = resolve_window(context, None, "2024-08-06T06:00:00Z", timedelta(hours=1))
    assert only_end.start == datetime(2024, 8, 6, 5, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("start", "end", "named"),
    [
        ("2024-08-06T00:00:00", None, "start_time"),  # naive
        ("yesterday", None, "start_time"),
        (None, "2024-08-06T00:00:00+0800x", "end_time"),
        ("2024-08-06T00:00Z", "2024-08-05T00:00Z", "before"),
    ],
)
def test_bad_bounds_name_the_parameter(start: object, end: object, named: str) -> None:
    context = {"data_interval_start": T0, "data_interval_end": T1}
    with pytest.raises(OCPInputError, match=named):
        resolve_window(context, start, end, DAY)


def test_window_is_half_open_and_keeps_records_without_a_create_time() -> None:
    window = ExtractionWindow(T0, T1, "test")
    assert window.contains(T0)
    assert not window.contains(T1)
    assert window.contains(T1 - timedelta(microseconds=1))
    assert window.contains(None) and window.contains("2024-13-45 garbage")
    assert window.as_json() == {"window_start": "2024-08-06T00:00:00Z", "window_end": "2024-08-07T00:00:00Z"}


EDGES = [T0 - timedelta(microseconds=1), T0, T0 + timedelta(hours=5), T1 - timedelta(microseconds=1), T1]
EIGHT_HOURS_EAST = timezone(timedelta(hours=8))


@given(
    st.lists(
        st.one_of(
            st.sampled_from(EDGES),
            st.sampled_from(EDGES).map(lambda moment: moment.astimezone(EIGHT_HOURS_EAST)),
            st.sampled_from([None, "2024-13-45 garbage"]),
        ),
        max_size=6,
    )
)
def test_a_page_keeps_exactly_the_records_the_window_contains(created: list[object]) -> None:
    """``keep`` decides a page wholly inside with two comparisons; it must keep what asking each record keeps."""
    window = ExtractionWindow(T0, T1, "test")
    page = [{"createTime": moment, "n": n} for n, moment in enumerate(created)]
    assert window.keep(page) == [record for record in page if window.contains(record["createTime"])]
