"""``decode_json`` decodes a body as ``json.loads`` does, values and errors alike (it tries msgspec first)."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_support import examples

from airflow_provider_ocp.client.response import decode_json


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


@settings(max_examples=examples(500), deadline=None)
@given(st.floats(allow_nan=False) | st.integers() | st.text())
def test_values_decode_as_json_loads_decodes_them(value: Any) -> None:
    body = json.dumps({"value": value}).encode()
    decoded = decode_json(body)["value"]
    assert decoded == _reference(body)["value"] and type(decoded) is type(value)
    if isinstance(value, float) and math.isfinite(value):
        assert math.copysign(1, decoded) == math.copysign(1, value)
