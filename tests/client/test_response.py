import json

import pytest

from airflow_provider_ocp.client.response import parse_response, parse_retry_after
from airflow_provider_ocp.exceptions import OCPAPIError


def body(**kwargs: object) -> bytes:
    return json.dumps(kwargs).encode()


def test_success_returns_data_timestamp_trace() -> None:
    env = parse_response(
        200,
        {},
        body(data={"x": 1}, successful=True, timestamp="2021-09-23T14:34:35.149+08:00", traceId="abc"),
        target="/p",
    )
    assert env.data == {"x": 1} and env.trace_id == "abc" and env.timestamp.startswith("2021")


@pytest.mark.parametrize(
    ("status", "code", "fragment"),
    [
        (400, 60018, "parameters"),
        (401, 0, "clock"),
        (403, 10008, "Read-only permission on cluster backup and recovery"),
        (404, 60001, "cluster"),
    ],
)
def test_client_errors_are_final_with_hint(status: int, code: int, fragment: str) -> None:
    with pytest.raises(OCPAPIError) as info:
        parse_response(
            status,
            {},
            body(successful=False, status=status, traceId="t1", error={"code": code, "message": "nope"}),
            target="/api/v2/x",
        )
    err = info.value
    assert (err.status, err.code, err.trace_id, err.path, err.retryable) == (status, code, "t1", "/api/v2/x", False)
    assert fragment in str(err) and "nope" in str(err) and "t1" in str(err)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_transient_statuses_are_retryable_html_or_json(status: int) -> None:
    for payload in (b"<html><body>Bad Gateway</body></html>", body(successful=False, status=status, error={})):
        with pytest.raises(OCPAPIError) as info:
            parse_response(status, {"Retry-After": "7"}, payload, target="/p")
        assert info.value.retryable and info.value.retry_after == 7


def test_html_200_is_a_wrong_url_not_data() -> None:
    with pytest.raises(OCPAPIError, match="HTML page instead of JSON") as info:
        parse_response(200, {}, b"<!DOCTYPE html><html>OCP console</html>", target="/p")
    assert not info.value.retryable


def test_truncated_json_is_retryable() -> None:
    with pytest.raises(OCPAPIError, match="cut short") as info:
        parse_response(200, {}, b'{"data": {"contents": [', target="/p")
    assert info.value.retryable


def test_successful_false_with_200_is_an_error() -> None:
    with pytest.raises(OCPAPIError, match="boom"):
        parse_response(200, {}, body(successful=False, status=200, error={"code": 1, "message": "boom"}), target="/p")


def test_redirect_names_the_fix() -> None:
    with pytest.raises(OCPAPIError, match=r"redirected.*https://x/login"):
        parse_response(302, {"Location": "https://x/login"}, b"", target="/p")


def test_secrets_are_scrubbed_from_messages() -> None:
    with pytest.raises(OCPAPIError) as info:
        parse_response(
            401, {}, body(successful=False, error={"message": "bad sig ABCDEF123"}), target="/p", secrets=["ABCDEF123"]
        )
    assert "ABCDEF123" not in str(info.value)


def test_retry_after_forms() -> None:
    from datetime import datetime, timezone

    now = datetime(2023, 1, 17, 3, 36, 1, tzinfo=timezone.utc)
    assert parse_retry_after("3", now) == 3
    assert parse_retry_after("Tue, 17 Jan 2023 03:36:11 GMT", now) == 10
    assert parse_retry_after("Tue, 17 Jan 2023 03:00:00 GMT", now) == 0
    assert parse_retry_after("soon", now) is None and parse_retry_after(None) is None


def test_error_survives_pickling() -> None:
    import pickle

    err = OCPAPIError("m", status=503, code=1, trace_id="t", path="/p", retryable=True, retry_after=2.0)
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.status, copy.trace_id, copy.retryable, str(copy)) == (503, "t", True, str(err))


@pytest.mark.parametrize("server_date", ["Tue, 17 Jan 2023 03:36:01 GMT", "Sun, 01 Jan 2090 00:00:00 GMT"])
def test_an_http_date_retry_after_counts_from_the_servers_own_date(server_date: str) -> None:
    """Retry-After at the server's Date + 10 s is a 10 s wait, whatever our clock says (years behind or ahead)."""
    from datetime import timedelta
    from email.utils import format_datetime, parsedate_to_datetime

    later = format_datetime(parsedate_to_datetime(server_date) + timedelta(seconds=10), usegmt=True)
    with pytest.raises(OCPAPIError) as info:
        parse_response(503, {"Date": server_date, "Retry-After": later}, b"busy", target="/p")
    assert info.value.retry_after == 10


def test_without_a_readable_date_an_http_date_counts_from_our_clock() -> None:
    with pytest.raises(OCPAPIError) as info:
        parse_response(503, {"Date": "yesterday", "Retry-After": "Tue, 17 Jan 2023 03:36:11 GMT"}, b"x", target="/p")
    assert info.value.retry_after == 0  # long past by our clock
