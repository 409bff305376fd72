from datetime import datetime, timedelta, timezone

import pytest

from airflow_provider_ocp.client.timestamps import isoformat_utc, parse_ocp_timestamp

PLUS8 = timezone(timedelta(hours=8))
MINUS1759 = timezone(-timedelta(hours=17, minutes=59))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-09-23T14:33:17.357+0800", datetime(2021, 9, 23, 14, 33, 17, 357000, tzinfo=PLUS8)),
        ("2021-09-23T14:34:35.149+08:00", datetime(2021, 9, 23, 14, 34, 35, 149000, tzinfo=PLUS8)),
        ("2021-09-23T06:34:35Z", datetime(2021, 9, 23, 6, 34, 35, tzinfo=timezone.utc)),
        ("2021-09-23T06:34:35.123456789Z", datetime(2021, 9, 23, 6, 34, 35, 123456, tzinfo=timezone.utc)),
        ("2021-09-23T06:34:35.1+0000", datetime(2021, 9, 23, 6, 34, 35, 100000, tzinfo=timezone.utc)),
        ("2021-09-23T06:34-05:30", datetime(2021, 9, 23, 6, 34, tzinfo=timezone(-timedelta(hours=5, minutes=30)))),
        ("2021-09-23T14:33:17+08", datetime(2021, 9, 23, 14, 33, 17, tzinfo=PLUS8)),
        ("2021-09-23 14:33:17,5z", datetime(2021, 9, 23, 14, 33, 17, 500000, tzinfo=timezone.utc)),
        (" 2021-09-23T14:33:17-17:59\n", datetime(2021, 9, 23, 14, 33, 17, tzinfo=MINUS1759)),
    ],
)
def test_parses_both_ocp_forms(text: str, expected: datetime) -> None:
    parsed = parse_ocp_timestamp(text)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "text",
    [
        "2021-09-23T14:33:17",  # no offset
        "2021-09-23",
        "yesterday",
        "2021-09-23T14:33:17+2500",
        "",
        "2021-09-23T14:34:35+08:60",  # minute 60 in the offset
        "2021-09-23T14:34:35+08:00:00",  # an offset with seconds
        "2021-09-23T14:34:35+08.5",  # a fractional offset
        "2021-09-23T14:34:35+19:00",  # beyond Java's 18 hours
        "2021-09-23T14:34.5+08:00",  # a fraction after the minutes
        "2021-09-23T14:34:35.1234567x+08:00",  # junk after the fraction
        "2021-09-23T14:34:35.+08:00",  # a decimal point without digits
        "2021-09-23T14:34:35.1234567890Z",  # ten fraction digits
        "2021-09-23T14:34:35:12+08:00",  # a fourth time component
        "2021-09-23t14:34:35Z",  # a lowercase t
        "2021-02-30T14:34:35Z",  # no such day
    ],
)
def test_rejects_naive_and_garbage(text: str) -> None:
    with pytest.raises(ValueError):
        parse_ocp_timestamp(text)


def test_query_time_is_utc_with_z() -> None:
    moment = datetime(2024, 8, 6, 8, 0, tzinfo=PLUS8)
    assert isoformat_utc(moment) == "2024-08-06T00:00:00Z"
    assert isoformat_utc(moment.replace(microsecond=397000)) == "2024-08-06T00:00:00.397000Z"
    assert isoformat_utc(moment) == "2024-08-06T00:00:00Z"
