"""Requests as received, and responses as bytes in OCP's envelope (null fields omitted, English messages).

``error.code`` follows OCP's numbering: 0 for errors of the web and security framework (401, a missing or bad
parameter, no handler), 10002 not found, 10005-10007 time-range rules, 10011 OceanBase failure, 30014 no permission.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from http.client import responses
from typing import Any
from urllib.parse import parse_qsl

from airflow_provider_ocp.testing.clock import ServerClock, iso_timestamp

JSON_TYPE = "application/json;charset=UTF-8"
HTML_TYPE = "text/html;charset=UTF-8"

CODE_FRAMEWORK = 0  # raised before OCP's own code runs: security filter, parameter binding, handler lookup
CODE_ILLEGAL_ARGUMENT = 10001
CODE_NOT_FOUND = 10002
CODE_TIME_RANGE_REVERSED = 10005  # 400: startTime later than endTime
CODE_TIME_RANGE_ONE_BOUND = 10006  # 500: only one of startTime/endTime
CODE_TIME_RANGE_TOO_LONG = 10007  # 500: endTime - startTime over the server's maximum
CODE_UNEXPECTED = 10010
CODE_OB_OPERATION_FAILED = 10011  # 500: an OceanBase error, detailed in subErrors; may be transient
CODE_FORBIDDEN = 30014
OB_TIMEOUT_SUB_ERROR = {"code": 4012, "sqlState": "HY000", "message": "Timeout, query has reached the maximum timeout"}


@dataclass
class RecordedRequest:
    """One request as received, for the API, the credential checks and tests that inspect what a client sent.

    ``path`` (prefix included) and ``query`` are raw, exactly as sent, as signatures cover them. ``trace_id`` is the
    ``x-trace-id`` echoed (or a generated one), ``received_at`` the server time of arrival, ``status`` the HTTP status
    answered (announced, even when a fault dropped the connection), ``fault`` the faults applied, comma-separated.
    """

    method: str
    path: str
    query: str
    headers: Message
    body: bytes
    trace_id: str = ""
    received_at: datetime | None = None
    started: float = field(default_factory=time.monotonic, repr=False)  # for the envelope's ``duration``
    status: int = 0
    fault: str | None = None

    def header(self, name: str) -> str | None:
        """A request header's value (any case)."""
        return self.headers.get(name)

    @property
    def params(self) -> dict[str, str]:
        """The query parameters decoded as a servlet does (``+`` becomes a space); the first value of a key wins."""
        params: dict[str, str] = {}
        for key, value in parse_qsl(self.query, keep_blank_values=True):
            params.setdefault(key, value)
        return params

    @property
    def target(self) -> str:
        """The request target: path and, if any, ``?`` and the raw query."""
        return f"{self.path}?{self.query}" if self.query else self.path


@dataclass
class Response:
    """A response to write; ``cluster_id`` is the cluster addressed, for faults that change data after answering."""

    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: list[tuple[str, str]] = field(default_factory=list)
    cluster_id: int | None = None


class ApiError(Exception):
    """An error answered with OCP's error envelope: HTTP ``status``, ``error.code``, ``message``, and optional
    ``target`` (e.g. the offending parameter) and ``sub_errors`` (e.g. OceanBase's ``sqlState``/``code``)."""

    def __init__(
        self, status: int, code: int, message: str, target: str | None = None, sub_errors: list[Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.target, self.sub_errors = (status, code, message, target, sub_errors)


def _without_nulls(mapping: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if value is not None}


def _dumps(request: RecordedRequest, clock: ServerClock, status: int, payload: dict[str, Any]) -> bytes:
    payload |= {
        "duration": max(0, round((time.monotonic() - request.started) * 1000)),
        "server": "ocp-emulator",
        "status": status,
        "timestamp": iso_timestamp(clock.now(), clock.tz),
        "traceId": request.trace_id,
    }
    return json.dumps(_without_nulls(payload), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def success(request: RecordedRequest, clock: ServerClock, data: Any, *, cluster_id: int | None = None) -> Response:
    """``{"data": ..., "successful": true, ...}`` with HTTP 200; ``data`` is built without null fields."""
    body = _dumps(request, clock, 200, {"data": data, "successful": True})
    return Response(status=200, body=body, cluster_id=cluster_id)


def failure(request: RecordedRequest, clock: ServerClock, error: ApiError, http_status: int | None = None) -> Response:
    """An error envelope (``successful: false``) reporting ``error.status``, sent with that HTTP status unless
    ``http_status`` is given (200 for the ``unsuccessful`` fault)."""
    details = {"code": error.code, "message": error.message, "target": error.target, "subErrors": error.sub_errors}
    body = _dumps(request, clock, error.status, {"error": _without_nulls(details), "successful": False})
    return Response(status=http_status or error.status, body=body)


_CONSOLE_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>OceanBase Cloud Platform</title></head>
<body><div id="root">OCP emulator console placeholder: this page is not an API endpoint.</div></body>
</html>
"""


def console_page() -> Response:
    """An HTML page of OCP's console with HTTP 200: its login page, or what a proxy or an old console answers."""
    return Response(status=200, body=_CONSOLE_PAGE.encode("utf-8"), content_type=HTML_TYPE)


def login_redirect(path_prefix: str) -> Response:
    """HTTP 302 to the console's login page: OCP's answer to a path outside ``/api``, signed in or not."""
    location = f"{path_prefix}/login"
    body = f'<html><body>Redirecting to <a href="{location}">{location}</a></body></html>\n'
    return Response(status=302, body=body.encode("utf-8"), content_type=HTML_TYPE, headers=[("Location", location)])


def proxy_page(status: int) -> Response:
    """An nginx-style HTML error page, as a gateway in front of OCP would answer."""
    title = f"{status} {responses.get(status, '')}".strip()
    html = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
        "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return Response(status=status, body=html.encode("ascii"), content_type="text/html")
