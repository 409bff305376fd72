"""The AccessKey signature against a vector computed independently, step by step, in this test."""

import base64
import hashlib
import hmac
from datetime import datetime, timezone

from airflow_provider_ocp.client.auth import canonical_query, compute_signature, http_date, string_to_sign
from airflow_provider_ocp.client.request import build_request
from airflow_provider_ocp.client.settings import settings_from_connection

SECRET = "s3cr3t-Key+/="


def test_known_vector() -> None:
    expected_message = (
        "GET\n"
        "\n"
        "application/json\n"
        "Tue, 17 Jan 2023 03:36:01 GMT\n"
        "ocp.example.com:8080\n"
        "\n"
        "/api/v2/ob/clusters/1/backup/task/logBackupTasks"
        "?endTime=2021-09-16T07%3A20%3A51Z&page=1&size=10&startTime=2021-09-16T07%3A14%3A51Z"
    )
    expected = base64.b64encode(hmac.new(SECRET.encode(), expected_message.encode(), hashlib.sha1).digest()).decode()
    query = canonical_query(
        [("size", "10"), ("startTime", "2021-09-16T07:14:51Z"), ("page", "1"), ("endTime", "2021-09-16T07:20:51Z")]
    )
    message = string_to_sign(
        method="get",
        body_md5="",
        content_type="application/json",
        date="Tue, 17 Jan 2023 03:36:01 GMT",
        host="ocp.example.com:8080",
        ocp_headers={},
        path="/api/v2/ob/clusters/1/backup/task/logBackupTasks",
        query=query,
    )
    assert message == expected_message
    assert compute_signature(SECRET, message) == expected


def test_ocp_headers_sorted_one_per_line() -> None:
    message = string_to_sign(
        method="GET",
        body_md5="",
        content_type="",
        date="d",
        host="h:1",
        ocp_headers={"x-ocp-b": "2", "X-OCP-A": "1"},
        path="/p",
        query="",
    )
    assert message == "GET\n\n\nd\nh:1\nx-ocp-a:1\nx-ocp-b:2\n/p"


def test_strict_encoding_of_plus_colon_space() -> None:
    assert canonical_query([("b", "a+b c:d"), ("a", "x")]) == "a=x&b=a%2Bb%20c%3Ad"


def test_http_date_is_english_gmt() -> None:
    assert http_date(datetime(2023, 1, 17, 3, 36, 1, tzinfo=timezone.utc)) == "Tue, 17 Jan 2023 03:36:01 GMT"


def test_request_sends_exactly_the_signed_query_and_host() -> None:
    settings = settings_from_connection(
        conn_id="t",
        host="https://ocp.example.com:8443/ocp",
        schema=None,
        port=None,
        login="AKID",
        password=SECRET,
        extra={"auth_type": "access_key"},
    )
    now = datetime(2023, 1, 17, 3, 36, 1, tzinfo=timezone.utc)
    request = build_request(settings, "/ob/clusters", [("size", "1"), ("page", "1")], now=now)
    assert request.url == "https://ocp.example.com:8443/ocp/api/v2/ob/clusters?page=1&size=1"
    message = "\n".join(
        [
            "GET",
            "",
            "application/json",
            "Tue, 17 Jan 2023 03:36:01 GMT",
            "ocp.example.com:8443",
            "x-ocp-origin:airflow-provider-ocp",  # every known OCP client signs one x-ocp-* header
            "/ocp/api/v2/ob/clusters?page=1&size=1",
        ]
    )
    signature = base64.b64encode(hmac.new(SECRET.encode(), message.encode(), hashlib.sha1).digest()).decode()
    assert request.headers["Authorization"] == f"OCP-ACCESS-KEY-HMACSHA1 AKID:{signature}"
    assert request.headers["Host"] == "ocp.example.com:8443"
    assert request.headers["Date"] == "Tue, 17 Jan 2023 03:36:01 GMT"
    assert request.headers["x-ocp-origin"] == "airflow-provider-ocp"
    assert SECRET not in repr(request) and signature not in repr(request) and SECRET not in repr(settings)


def test_a_post_signs_its_body_md5_in_upper_case_hex_and_sends_it_as_content_md5() -> None:
    settings = settings_from_connection(
        conn_id="t",
        host="https://ocp.example.com:8443",
        schema=None,
        port=None,
        login="AKID",
        password=SECRET,
        extra={"auth_type": "access_key"},
    )
    now = datetime(2023, 1, 17, 3, 36, 1, tzinfo=timezone.utc)
    body = b'{"dataBackupMode":"FULL_BACKUP"}'
    request = build_request(settings, "/ob/clusters/7/backup/backupNow", body=body, now=now)
    md5 = "8235590A4360B7343866049C68C51A24"  # md5sum of the body, written here by hand
    message = "\n".join(
        [
            "POST",
            md5,
            "application/json",
            "Tue, 17 Jan 2023 03:36:01 GMT",
            "ocp.example.com:8443",
            "x-ocp-origin:airflow-provider-ocp",
            "/api/v2/ob/clusters/7/backup/backupNow",
        ]
    )
    signature = base64.b64encode(hmac.new(SECRET.encode(), message.encode(), hashlib.sha1).digest()).decode()
    assert (request.method, request.body) == ("POST", body)
    assert request.headers["Authorization"] == f"OCP-ACCESS-KEY-HMACSHA1 AKID:{signature}"
    assert request.headers["Content-MD5"] == md5
    assert request.headers["Content-Type"] == "application/json"


def test_a_get_has_no_body_and_no_content_md5() -> None:
    settings = settings_from_connection(
        conn_id="t", host="https://ocp.example.com", schema=None, port=None, login="u", password="p", extra={}
    )
    request = build_request(settings, "/ob/clusters")
    assert (request.method, request.body) == ("GET", None)
    assert "Content-MD5" not in request.headers
