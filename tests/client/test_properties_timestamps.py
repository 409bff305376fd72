"""Property tests (hypothesis): OCP's timestamp parser over generated instants in both of OCP's forms.

OCP mixes two serializers (see ``shared/ocp-api.md`` section 4): ISO-8601 with a colon offset or ``Z`` (fraction and
even seconds omitted when zero) and Java's ``yyyy-MM-dd'T'HH:mm:ss.SSSZ`` with no colon in the offset. Every generated
text must parse to exactly the instant it was printed from (the fraction truncated to microseconds) with the printed
offset, and survive the provider's own UTC formatting unchanged.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis_support import examples

from airflow_provider_ocp.client.timestamps import isoformat_utc, parse_ocp_timestamp

# Years where converting to UTC and back never leaves datetime's range, whatever the offset.
LOCAL_TIMES = st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9998, 12, 30))
OFFSET_MINUTES = st.integers(min_value=-18 * 60, max_value=18 * 60)  # Java's ZoneOffset range
SUB_MICROSECOND = st.text(alphabet="0123456789", min_size=3, max_size=3)


def _offset_text(minutes: int, *, colon: bool, zulu: str | None) -> str:
    if minutes == 0 and zulu is not None:
        return zulu
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}" if colon else f"{sign}{hours:02d}{rest:02d}"


@st.composite
def ocp_instants(draw: st.DrawFn) -> tuple[str, datetime]:
    """An OCP-format text and the aware datetime it denotes (fraction truncated to microseconds)."""
    local = draw(LOCAL_TIMES)
    minutes = draw(OFFSET_MINUTES)
    digits = draw(st.integers(min_value=0, max_value=9))
    fraction = (f"{local.microsecond:06d}" + draw(SUB_MICROSECOND))[:digits]
    java_form = draw(st.booleans())
    separator = draw(st.sampled_from(["T", " "])) if not java_form else "T"
    decimal = draw(st.sampled_from([".", ","]))
    clock = local.strftime("%H:%M")
    omit_seconds = not java_form and not fraction and local.second == 0 and draw(st.booleans())
    if not omit_seconds:
        clock += f":{local.second:02d}"
        if fraction:
            clock += decimal + fraction
    if java_form:
        offset = _offset_text(minutes, colon=False, zulu=None)
    else:
        offset = _offset_text(minutes, colon=True, zulu=draw(st.sampled_from(["Z", "z", None])))
    text = f"{local.strftime('%Y-%m-%d')}{separator}{clock}{offset}"
    micro = int(fraction.ljust(6, "0")[:6]) if fraction else 0
    expected = local.replace(microsecond=micro, tzinfo=timezone(timedelta(minutes=minutes)))
    return text, expected


@settings(max_examples=examples(300), deadline=None)
@given(ocp_instants())
@example(("2021-09-23T14:33:17.357+0800", datetime(2021, 9, 23, 14, 33, 17, 357000, timezone(timedelta(hours=8)))))
@example(("2021-09-23T06:34:35Z", datetime(2021, 9, 23, 6, 34, 35, tzinfo=timezone.utc)))
@example(
    ("2021-09-23T14:34:35.123456789+08:00", datetime(2021, 9, 23, 14, 34, 35, 123456, timezone(timedelta(hours=8))))
)
@example(("2024-08-06T00:00-05:30", datetime(2024, 8, 6, tzinfo=timezone(-timedelta(hours=5, minutes=30)))))
def test_parser_round_trips_ocp_instants_exactly(case: tuple[str, datetime]) -> None:
    text, expected = case
    parsed = parse_ocp_timestamp(text)
    # Same wall clock, same offset: nothing shifted, nothing rounded (beyond the documented truncation).
    assert parsed.replace(tzinfo=None) == expected.replace(tzinfo=None)
    assert parsed.utcoffset() == expected.utcoffset()
    # The instant survives the provider's UTC formatting (XCom, files, startTime/endTime) and a parse back.
    utc_text = isoformat_utc(parsed)
    assert utc_text.endswith("Z") and utc_text == isoformat_utc(parsed)
    again = parse_ocp_timestamp(utc_text)
    assert again == parsed and again.utcoffset() == timedelta(0)
    # Surrounding whitespace is tolerated.
    assert parse_ocp_timestamp(f"  {text}\n") == parsed


@settings(max_examples=examples(150), deadline=None)
@given(
    LOCAL_TIMES,
    st.sampled_from(["", "+8:00", "+080", "08:00", "+08:00:00", " +08:00", "GMT", "UTC", "+19:00", "+08:60"]),
)
def test_texts_without_a_usable_offset_are_refused(local: datetime, suffix: str) -> None:
    """A naive time is ambiguous (OCP's offsets follow its server zone): ValueError, never a guessed instant."""
    text = local.replace(microsecond=0).isoformat() + suffix
    with pytest.raises(ValueError):
        parse_ocp_timestamp(text)


@settings(max_examples=examples(100), deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_text_parses_or_raises_value_error(text: str) -> None:
    """Any text either parses to an aware datetime or raises ValueError (records keep unknown text as is)."""
    try:
        parsed = parse_ocp_timestamp(text)
    except ValueError:
        return
    assert parsed.tzinfo is not None and parsed.utcoffset() is not None
