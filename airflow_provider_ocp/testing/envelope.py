"""OCP's response envelope: success and error bodies, its error codes, and the HTML answers around the API.

``error.code`` follows OCP's numbering (its ``ErrorCodes``, shared with OCP Express): 0 for errors raised by the
web and security framework (401, a missing or unconvertible parameter, no handler for a path), 10002 not found,
10005/10006/10007 time-range rules, 10011 an OceanBase failure, 30014 no permission. Null fields are omitted from
every envelope, never sent as ``null``. Messages are English; clients must never parse them.
"""

from __future__ import annotations

import json
import time
from http import HTTPStatus
from typing import Any

from airflow_provider_ocp.testing.clock import ServerClock, iso_timestamp
from airflow_provider_ocp.testing.wire import HTML_TYPE, IncomingRequest, Response

SERVER_NAME = "ocp-emulator"

CODE_FRAMEWORK = 0
"""Errors raised before OCP's own code runs (security filter, parameter binding, handler lookup) carry code 0."""
CODE_UNAUTHENTICATED = CODE_FRAMEWORK
CODE_ILLEGAL_ARGUMENT = 10001
CODE_NOT_FOUND = 10002
CODE_TIME_RANGE_REVERSED = 10005
"""400: ``startTime`` later than ``endTime``."""
CODE_TIME_RANGE_ONE_BOUND = 10006
"""500 (OCP's "unexpected" kind): only one of ``startTime``/``endTime``; both bounds or neither."""
CODE_TIME_RANGE_TOO_LONG = 10007
"""500 (OCP's "unexpected" kind): ``endTime - startTime`` exceeds the server's maximum range."""
CODE_UNEXPECTED = 10010
CODE_OB_OPERATION_FAILED = 10011
"""500: an OceanBase error, detailed in ``subErrors``; may be transient."""
CODE_FORBIDDEN = 30014


class ApiError(Exception):
    """An error answered with OCP's error envelope; raised by the API, built directly by faults.

    :param status: the HTTP status (and the envelope's ``status``).
    :param code: ``error.code``.
    :param message: ``error.message`` (English).
    :param target: ``error.target``, e.g. the offending parameter; omitted when None.
    :param sub_errors: ``error.subErrors``, e.g. OceanBase's ``sqlState``/``code``/``message``; omitted when None.
    """

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        target: str | None = None,
        sub_errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.sub_errors = sub_errors


OB_TIMEOUT_SUB_ERROR = {"code": 4012, "sqlState": "HY000", "message": "Timeout, query has reached the maximum timeout"}
"""The ``subErrors`` item of an injected HTTP 500: an OceanBase timeout (error 4012), a transient failure."""


def injected_error(status: int, params: dict[str, Any], default_message: str) -> ApiError:
    """The error an ``http_error`` or ``unsuccessful`` fault reports; codes derived from the status when not given.

    :param status: the status reported: 500 derives code 10011 with an OceanBase timeout in ``subErrors``, above
        500 code 10010, below it code 0.
    :param params: the fault's ``code``, ``message`` and ``sub_errors`` (None: derived or default).
    :param default_message: the message when the fault gives none.
    """
    code, sub_errors = params["code"], params["sub_errors"]
    if code is None and status == 500:
        code = CODE_OB_OPERATION_FAILED
        sub_errors = [dict(OB_TIMEOUT_SUB_ERROR)] if sub_errors is None else sub_errors
    elif code is None:
        code = CODE_UNEXPECTED if status > 500 else CODE_FRAMEWORK
    return ApiError(status, int(code), params["message"] or default_message, sub_errors=sub_errors)


def _without_nulls(mapping: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if value is not None}


def _dumps(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _frame(request: IncomingRequest, clock: ServerClock, status: int) -> dict[str, Any]:
    return {
        "duration": max(0, round((time.monotonic() - request.started) * 1000)),
        "server": SERVER_NAME,
        "status": status,
        "timestamp": iso_timestamp(clock.now(), clock.tz),
        "traceId": request.trace_id,
    }


def success(request: IncomingRequest, clock: ServerClock, data: Any, *, cluster_id: int | None = None) -> Response:
    """``{"data": ..., "successful": true, ...}`` with HTTP 200.

    :param request: the request answered (its trace id and arrival time go into the envelope).
    :param clock: the server clock, for the envelope's ``timestamp`` and ``duration``.
    :param data: the ``data`` member.
    :param cluster_id: the cluster addressed, for faults that act after the response.
    """
    if isinstance(data, dict):  # records are rendered without nulls; the levels around them are checked here
        data = _without_nulls(data)
        if isinstance(data.get("page"), dict):
            data["page"] = _without_nulls(data["page"])
    payload = _without_nulls({"data": data, "successful": True, **_frame(request, clock, 200)})
    return Response(status=200, body=_dumps(payload), cluster_id=cluster_id)


def error_body(request: IncomingRequest, clock: ServerClock, error: ApiError) -> bytes:
    """The bytes of an error envelope (``successful: false``) reporting ``error.status``.

    :param request: the request answered (its trace id and arrival time go into the envelope).
    :param clock: the server clock, for the envelope's ``timestamp`` and ``duration``.
    :param error: the status, code, message, target and sub-errors to report.
    """
    details = {"code": error.code, "message": error.message, "target": error.target, "subErrors": error.sub_errors}
    payload = {"error": _without_nulls(details), "successful": False, **_frame(request, clock, error.status)}
    return _dumps(_without_nulls(payload))


def failure(request: IncomingRequest, clock: ServerClock, error: ApiError) -> Response:
    """An error envelope sent with its own status as the HTTP status.

    :param request: the request answered.
    :param clock: the server clock.
    :param error: the status, code, message, target and sub-errors to report.
    """
    return Response(status=error.status, body=error_body(request, clock, error))


_CONSOLE_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>OceanBase Cloud Platform</title></head>
<body><div id="root">OCP emulator console placeholder: this page is not an API endpoint.</div></body>
</html>
"""


def console_page(status: int = 200) -> Response:
    """An HTML page of OCP's console: its login page, or what a proxy or an old console answers (``html_200``).

    :param status: the HTTP status (200, which is what trips clients that take any 200 for data).
    """
    return Response(status=status, body=_CONSOLE_PAGE.encode("utf-8"), content_type=HTML_TYPE)


def login_redirect(path_prefix: str) -> Response:
    """HTTP 302 to the console's login page: OCP's answer to a path outside ``/api``, signed in or not.

    :param path_prefix: the path in front of OCP's root (``/ocp``), empty for none.
    """
    location = f"{path_prefix}/login"
    body = f'<html><body>Redirecting to <a href="{location}">{location}</a></body></html>\n'
    return Response(status=302, body=body.encode("utf-8"), content_type=HTML_TYPE, headers=[("Location", location)])


def proxy_page(status: int) -> Response:
    """An nginx-style HTML error page, as a gateway in front of OCP would answer.

    :param status: the HTTP status, e.g. 502.
    """
    try:
        title = f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        title = str(status)
    html = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
        "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return Response(status=status, body=html.encode("ascii"), content_type="text/html")
