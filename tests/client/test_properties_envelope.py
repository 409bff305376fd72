"""Property tests (hypothesis): the envelope parser over arbitrary responses, and the retry policy's waits.

``parse_response`` sees whatever OCP, a proxy or a broken network hands over. Whatever the status, headers and body,
it returns an :class:`Envelope` (only for a 2xx JSON object with ``"successful": true``) or raises
:class:`OCPAPIError`, never anything else, and its decisions follow the documented rules.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis_support import examples

from airflow_provider_ocp.client.response import Envelope, parse_response
from airflow_provider_ocp.client.retry import RetryPolicy
from airflow_provider_ocp.client.statuses import RETRYABLE_STATUSES
from airflow_provider_ocp.exceptions import OCPAPIError

FINAL_STATUSES = frozenset({400, 401, 403, 404})
JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
STATUSES = st.sampled_from([200, 201, 204, 301, 302, 307, 400, 401, 403, 404, 405, 409, 429, 500, 502, 503, 504]) | (
    st.integers(min_value=100, max_value=599)
)
# Envelope-shaped documents with every member of a plausible or hostile type.
ENVELOPES = st.fixed_dictionaries(
    {},
    optional={
        "successful": st.booleans() | JSON_SCALARS,
        "status": st.integers(min_value=-1, max_value=700) | JSON_SCALARS,
        "data": JSON_VALUES,
        "traceId": st.text(max_size=16) | JSON_SCALARS,
        "timestamp": st.text(max_size=30) | JSON_SCALARS,
        "error": st.fixed_dictionaries(
            {}, optional={"code": st.integers() | JSON_SCALARS, "message": JSON_VALUES, "subErrors": JSON_VALUES}
        )
        | JSON_SCALARS,
    },
)
RETRY_AFTER = st.none() | st.text(max_size=40) | st.integers(min_value=-10, max_value=10**6).map(str)
HTTP_DATES = st.datetimes().map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S GMT"))
BODIES = (
    ENVELOPES.map(lambda d: json.dumps(d).encode())
    | JSON_VALUES.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=200)
    | st.sampled_from([b"", b"<!DOCTYPE html><html>OCP</html>", b"<html>502 Bad Gateway</html>", b"\xff\xfe{"])
    | ENVELOPES.map(lambda d: json.dumps(d).encode()).flatmap(
        lambda full: st.integers(min_value=0, max_value=len(full)).map(lambda cut: full[:cut])
    )
)


def _check(status: int, headers: dict[str, str], body: bytes) -> Envelope | OCPAPIError:
    try:
        return parse_response(status, headers, body, target="/api/v2/p?page=1", sent_trace_id="sent-trace")
    except OCPAPIError as error:
        return error


@settings(max_examples=examples(500), deadline=None)
@given(STATUSES, BODIES, RETRY_AFTER | HTTP_DATES)
@example(200, b"[" * 100_000, None)  # nesting deeper than the JSON decoder's recursion limit
@example(200, b'{"a":' * 100_000, None)
@example(503, b"<html>busy</html>", "Mon, 01 Jan 99999999999 00:00:00 GMT")  # a year no datetime holds
@example(429, b"{}", "nan")
@example(429, b"{}", "1e400")
def test_parse_response_returns_an_envelope_or_raises_ocp_api_error(
    status: int, body: bytes, retry_after: str | None
) -> None:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    outcome = _check(status, headers, body)
    if isinstance(outcome, Envelope):
        document = json.loads(body)
        assert 200 <= status < 300 and document["successful"] is True
        assert outcome.data == document.get("data")
        assert outcome.trace_id is None or isinstance(outcome.trace_id, str)
        assert outcome.timestamp is None or isinstance(outcome.timestamp, str)
        return
    assert outcome.status == status
    assert outcome.trace_id  # OCP's traceId, else the one we sent: support always gets one
    assert outcome.retry_after is None or outcome.retry_after >= 0
    assert str(outcome)  # renders
    if status in FINAL_STATUSES or 300 <= status < 400:
        assert not outcome.retryable, f"HTTP {status} must never be retried"
    if status in RETRYABLE_STATUSES:
        assert outcome.retryable, f"HTTP {status} must be retried"


@settings(max_examples=examples(200), deadline=None)
@given(ENVELOPES, st.sampled_from([200, 201]))
def test_successful_false_is_retried_only_for_a_5xx_or_429_status(document: dict[str, Any], status: int) -> None:
    """HTTP 200 with ``successful: false``: the envelope's own status decides (a 5xx may pass, a 4xx never will)."""
    document = {**document, "successful": False}
    outcome = _check(status, {}, json.dumps(document).encode())
    assert isinstance(outcome, OCPAPIError)
    inner = document.get("status")
    inner_status = inner if isinstance(inner, int) and not isinstance(inner, bool) else status
    assert outcome.retryable == (inner_status in RETRYABLE_STATUSES)


@settings(max_examples=examples(100), deadline=None)
@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=", min_size=12, max_size=40),
    STATUSES.filter(lambda s: s >= 400),
    st.text(max_size=30),
    st.text(max_size=30),
)
def test_secrets_echoed_by_the_server_never_reach_the_message(
    secret: str, status: int, before: str, after: str
) -> None:
    """A proxy or OCP echoing credentials in an error message: the error text carries ``***`` instead."""
    document = {"successful": False, "status": status, "error": {"code": 1, "message": f"{before}{secret}{after}"}}
    try:
        parse_response(status, {}, json.dumps(document).encode(), target="/p", secrets=[secret, f"Basic {secret}"])
    except OCPAPIError as error:
        assert secret not in str(error) and secret not in repr(error) and secret not in error.message
    else:
        raise AssertionError("an error status returned data")


@settings(max_examples=examples(300), deadline=None)
@given(
    max_retries=st.integers(min_value=0, max_value=8),
    backoff=st.floats(min_value=0, max_value=10),
    max_wait=st.floats(min_value=0, max_value=120),
    retry_number=st.integers(min_value=1, max_value=12),
    retryable=st.booleans(),
    retry_after=st.none() | st.floats(min_value=0, max_value=10_000),
)
def test_retry_policy_waits(
    max_retries: int, backoff: float, max_wait: float, retry_number: int, retryable: bool, retry_after: float | None
) -> None:
    """Doubling backoff with 0.5-1.0x jitter, ``Retry-After`` honoured, every wait capped; nothing past the budget."""
    policy = RetryPolicy(max_retries=max_retries, backoff=backoff, max_wait=max_wait)
    error = OCPAPIError("x", status=503, retryable=retryable, retry_after=retry_after)
    wait = policy.wait_before(retry_number, error)
    if not retryable or retry_number > max_retries:
        assert wait is None
        return
    assert wait is not None and 0 <= wait <= max_wait
    if retry_after is not None:
        assert wait == min(retry_after, max_wait)
    else:
        full = min(max_wait, backoff * 2 ** (retry_number - 1))
        assert 0.5 * full <= wait <= full


@settings(max_examples=examples(150), deadline=None)
@given(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=", min_size=16, max_size=40),
    st.integers(min_value=0, max_value=700),
    st.sampled_from([400, 401, 403, 500, 503]),
)
def test_no_fragment_of_a_secret_survives_truncation_of_long_messages(secret: str, offset: int, status: int) -> None:
    """OCP messages are cut to 500 characters; a secret straddling the cut must not leave its first half behind."""
    message = "x" * offset + secret + " trailing text"
    document = {"successful": False, "status": status, "error": {"code": 1, "message": message}}
    try:
        parse_response(status, {}, json.dumps(document).encode(), target="/p", secrets=[secret])
    except OCPAPIError as error:
        text = str(error)
    fragments = {secret[i : i + 6] for i in range(len(secret) - 5)}  # other text is lowercase: no coincidences
    assert not [f for f in fragments if f in text]
