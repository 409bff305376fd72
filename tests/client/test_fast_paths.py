"""The C-speed paths of the wire protocol give exactly what the Python paths they shortcut give (issue 14).

``parse_ocp_timestamp`` sends OCP's common shapes to ``datetime.fromisoformat``, which is laxer than OCP's forms;
``decode_json`` tries msgspec before ``json.loads``; ``parse_ocp_timestamp_column`` hands a whole column to msgspec.
Each is checked against the slow path on texts that sit next to the valid ones (one character changed, added or
removed), where a shortcut would go wrong first.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from airflow_provider_ocp.client.response import decode_json
from airflow_provider_ocp.client.timestamps import (
    _parse_with_pattern,
    parse_ocp_timestamp,
    parse_ocp_timestamp_column,
)

SEEDS = [
    "2021-09-23T14:33:17.357+0800",
    "2021-09-23T14:34:35.149+08:00",
    "2021-09-23T06:34:35Z",
    "2021-09-23T06:34:35.123456789Z",
    "2021-09-23T14:33:17+08",
    "2021-09-23T14:33:17.1234567-1759",
    "2021-09-23T14:33:17+18:00",
]
NEAR_MISS_CHARACTERS = "0123456789+-:.,TZz x\u0663\uff11"


def _outcome(parse: Any, text: str) -> tuple[Any, ...]:
    try:
        moment = parse(text)
    except ValueError:
        return ("refused",)
    return (moment, moment.utcoffset())


@st.composite
def near_misses(draw: st.DrawFn) -> str:
    text = list(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 3))):
        position = draw(st.integers(0, len(text)))
        change = draw(st.sampled_from(["replace", "insert", "delete"]))
        character = draw(st.sampled_from(NEAR_MISS_CHARACTERS))
        if change == "insert":
            text.insert(position, character)
        elif position < len(text):
            if change == "replace":
                text[position] = character
            else:
                del text[position]
    return "".join(text)


@settings(max_examples=2000, deadline=None)
@given(near_misses())
@example("2021-09-23T14:34:35+08:60")  # fromisoformat takes minute 60, OCP's pattern does not
@example("2021-09-23T14:34:35+08:00:00")  # an offset with seconds
@example("2021-09-23T14:34:35+08.5")  # a fractional offset
@example("2021-09-23T14:34.5+08:00")  # a fraction after the minutes
@example("2021-09-23T14:34:35.1234567x+08:00")  # junk after the sixth fraction digit
@example("2021-09-23T14:34:35.+08:00")  # a decimal point without digits
@example("2021-09-23T14:34:35:12+08:00")  # a fourth time component
@example("2021-09-23T14:34:35+19:00")  # beyond Java's 18 hours
def test_the_fast_path_answers_as_the_pattern_does(text: str) -> None:
    assert _outcome(parse_ocp_timestamp, text) == _outcome(_parse_with_pattern, text)


def _column_outcome(texts: list[str | None]) -> list[tuple[Any, ...]] | None:
    parsed = parse_ocp_timestamp_column(texts)
    return None if parsed is None else [(moment, moment.utcoffset()) if moment else (None,) for moment in parsed]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.one_of(near_misses(), st.none()), min_size=1, max_size=4))
@example(["2021-09-23t14:34:35Z"])  # msgspec takes a lowercase t, OCP's pattern does not
@example(["2021-09-23T14:34:35.1234567Z"])  # msgspec rounds a seventh digit, the provider truncates
@example(["2021-09-23T14:34:35+19:00"])  # msgspec takes offsets up to 23:59
@example(["2021-09-23T14:34:35.1234567890Z"])  # ten fraction digits: msgspec takes them
@example(["2021-09-23T14:34:35"])  # no offset
@example(["2021-09-23T14:34:35Z", 1632378875000])  # epoch milliseconds: not the column's to parse
def test_the_column_path_answers_as_one_by_one_parsing_does(texts: list[Any]) -> None:
    """Whenever the column path answers, it answers what parsing each value alone would have; otherwise it declines
    (None) and the caller parses value by value."""
    column = _column_outcome(texts)
    if column is not None:
        assert column == [(None,) if text is None else _outcome(parse_ocp_timestamp, text) for text in texts]


def test_the_column_path_takes_ocps_usual_shapes() -> None:
    """The shapes OCP sends (both serializers, with and without a fraction, Z, a space separator, gaps) go to C."""
    texts = [
        "2021-09-23T14:33:17.357+0800",
        "2021-09-23T14:34:35.149+08:00",
        "2021-09-23T06:34:35Z",
        "2021-09-23 06:34:35.123456-05:30",
        None,
    ]
    assert _column_outcome(texts) == [(None,) if t is None else _outcome(parse_ocp_timestamp, t) for t in texts]


def _decoded(decode: Any, body: bytes) -> tuple[str, str]:
    try:
        return ("ok", repr(decode(body)))  # repr: NaN compares equal to itself
    except (ValueError, RecursionError) as error:
        return ("error", type(error).__name__)


def _reference(body: bytes) -> Any:
    return json.loads(body.decode("utf-8"))


@pytest.mark.parametrize(
    "body",
    [
        b'{"delay": NaN, "x": [Infinity, -Infinity]}',  # json.loads's extensions, as some servers write them
        b'{"n": 1e400, "m": -1e400, "tiny": 1e-400}',  # beyond a double's range
        b'{"id": 123456789012345678901234567890}',  # beyond 64 bits
        b'{"id": ' + b"9" * 5000 + b"}",  # beyond Python's digit limit: refused by both
        b'{"s": "\\ud800"}',  # a lone surrogate escape
        b'{"s": "\\ud83d\\ude00 \\u00e9 \xe5\xbd\x92"}',
        b'{"a": 1, "a": 2}',
        b'\xef\xbb\xbf{"a": 1}',  # a byte order mark
        b'{"s": "\xff"}',  # not UTF-8
        b'{"s": "a\tb"}',  # a raw control character
        b"[1,]",
        b'{"a": 1} x',
        b"",
        b"[" * 5000 + b"]" * 5000,
    ],
)
def test_decoding_answers_as_json_loads_does(body: bytes) -> None:
    assert _decoded(decode_json, body) == _decoded(_reference, body)


@settings(max_examples=500, deadline=None)
@given(st.floats(allow_nan=False) | st.integers() | st.text())
def test_values_decode_as_json_loads_decodes_them(value: Any) -> None:
    body = json.dumps({"value": value}).encode()
    decoded = decode_json(body)["value"]
    assert decoded == _reference(body)["value"] and type(decoded) is type(value)
    if isinstance(value, float) and math.isfinite(value):
        assert math.copysign(1, decoded) == math.copysign(1, value)
