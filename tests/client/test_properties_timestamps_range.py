"""Property tests (hypothesis), issue 21 point 13: whatever text the timestamp parser accepts is an instant UTC can
hold, so nothing after parsing (XCom, files, comparisons with OCP's clock) can fail on it.

``0001-01-01T00:00:00+08:00`` is in year 0 in UTC and ``9999-12-31T23:59:59-08:00`` in year 10000: no ``datetime``
holds them in UTC. The parser refuses them (``ValueError``), as it refuses any text it cannot read.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis_support import examples

from airflow_provider_ocp.client.timestamps import (
    isoformat_utc,
    parse_ocp_timestamp,
    parse_server_time,
)

EDGE_YEARS = st.sampled_from([1, 2, 9998, 9999])
OFFSETS = st.integers(min_value=-18 * 60, max_value=18 * 60)


@st.composite
def edge_texts(draw: st.DrawFn) -> str:
    """OCP-shaped texts (both serializers, Z or offsets up to 18 h, 0-9 fraction digits) in the first and last years
    a datetime holds, where an offset can push the instant out of UTC's range."""
    year = draw(EDGE_YEARS)
    month = draw(st.sampled_from([1, 12]))
    day = draw(st.sampled_from([1, 31]))
    hour, minute, second = draw(st.sampled_from([(0, 0, 0), (23, 59, 59), (12, 30, 0)]))
    fraction = draw(st.text(alphabet="0123456789", max_size=9))
    minutes = draw(OFFSETS)
    sign = "-" if minutes < 0 else "+"
    hours_part, minutes_part = divmod(abs(minutes), 60)
    offset = draw(
        st.sampled_from(
            [f"{sign}{hours_part:02d}:{minutes_part:02d}", f"{sign}{hours_part:02d}{minutes_part:02d}"]
            + (["Z", "z"] if minutes == 0 else [])
        )
    )
    separator = draw(st.sampled_from(["T", " "]))
    clock = f"{hour:02d}:{minute:02d}:{second:02d}" + (f".{fraction}" if fraction else "")
    return f"{year:04d}-{month:02d}-{day:02d}{separator}{clock}{offset}"


ANY_TEXT = st.one_of(
    edge_texts(),
    st.from_regex(
        r"\A[0-9]{4}-[01][0-9]-[0-3][0-9][T ][0-2][0-9]:[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?"
        r"(Z|[+-][01][0-9](:?[0-5][0-9])?)\Z"
    ),
    st.text(max_size=40),
)


def assert_usable_in_utc(moment: datetime) -> None:
    assert moment.tzinfo is not None and moment.utcoffset() is not None
    in_utc = moment.astimezone(timezone.utc)
    assert in_utc == moment
    assert parse_ocp_timestamp(isoformat_utc(moment)) == moment


@settings(max_examples=examples(500), deadline=None)
@given(ANY_TEXT)
@example("0001-01-01T00:00:00+08:00")
@example("9999-12-31T23:59:59-08:00")
@example("9999-12-31T23:59:59.999999999-0800")
@example("0001-01-01 00:00+08:00")
@example("0001-01-01T07:59:59.999999+08:00")
def test_every_accepted_text_is_an_instant_utc_can_hold(text: str) -> None:
    try:
        moment = parse_ocp_timestamp(text)
    except ValueError:
        return  # refused: callers keep the text as OCP sent it
    assert_usable_in_utc(moment)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0001-01-01T00:00:00+08:00", None),  # 0000-12-31T16:00Z
        ("9999-12-31T23:59:59-08:00", None),  # 10000-01-01T07:59:59Z
        ("0001-01-01T08:00:00+08:00", datetime(1, 1, 1, tzinfo=timezone.utc)),  # the first instant UTC holds
        ("9999-12-31T15:59:59-08:00", datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)),
    ],
)
def test_edges_by_hand(text: str, expected: datetime | None) -> None:
    """The edges worked out by hand: the same verdict for a record's field and for OCP's clock."""
    if expected is None:
        with pytest.raises(ValueError, match="UTC"):
            parse_ocp_timestamp(text)
    else:
        assert parse_ocp_timestamp(text) == expected
        assert parse_ocp_timestamp(text).utcoffset() == timedelta(hours=8 if "+08" in text else -8)
    assert parse_server_time(text) == expected
