"""What travels between a client and the emulator: requests as received, responses in OCP's envelope or as HTML.

Error codes are the emulator's own (OCP's real numbering is not documented): clients must key on the HTTP status
and ``successful``, never on ``error.code`` or the message text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from airflow_provider_ocp.testing.clock import ServerClock, iso_timestamp

SERVER_NAME = "ocp-emulator"

CODE_UNAUTHENTICATED = 0
"""401s come from the security framework, which reports code 0 like OCP's."""
CODE_BAD_REQUEST = 40000
CODE_FORBIDDEN = 40300
CODE_NOT_FOUND = 40400
CODE_METHOD_NOT_ALLOWED = 40500
CODE_TOO_MANY_REQUESTS = 42900
CODE_INTERNAL = 50000

JSON_TYPE = "application/json;charset=UTF-8"
HTML_TYPE = "text/html;charset=UTF-8"


class Headers:
    """Request headers as received: order and original names kept, lookups case-insensitive.

    :param items: ``(name, value)`` pairs, kept as sent so signature checks and tests see the real bytes.
    """

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._items = tuple(items)

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of a header.

        :param name: the header name, any case (HTTP header names are case-insensitive).
        :param default: returned when the header is absent.
        """
        wanted = name.lower()
        for key, value in self._items:
            if key.lower() == wanted:
                return value
        return default

    def items(self) -> tuple[tuple[str, str], ...]:
        """Every ``(name, value)`` pair, in arrival order."""
        return self._items

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self._items)

    def __repr__(self) -> str:
        return f"Headers({list(self._items)!r})"


def query_params(raw_query: str) -> dict[str, str]:
    """Decode a query string as a servlet does (``+`` becomes a space); the first value of a key wins.

    :param raw_query: the query string as received, without ``?``.
    """
    params: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        params.setdefault(key, value)
    return params


@dataclass(frozen=True)
class IncomingRequest:
    """One request as received, what the API and the credential checks work on.

    :param method: the HTTP method.
    :param raw_path: the path exactly as received (with any prefix), without the query: signatures cover it as sent.
    :param raw_query: the query string exactly as received, without ``?``, for the same reason.
    :param headers: the request headers.
    :param body: the request body (empty when none).
    :param trace_id: the ``x-trace-id`` to echo, or a generated one.
    :param started: monotonic time when the request arrived, for the envelope's ``duration``.
    """

    method: str
    raw_path: str
    raw_query: str
    headers: Headers
    body: bytes
    trace_id: str
    started: float


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received, and the status it was answered with, for tests that inspect what a client sent.

    :param method: the HTTP method.
    :param path: the raw path (prefix included), without the query.
    :param query: the raw query string, without ``?``.
    :param headers: the request headers (case-insensitive :meth:`header` lookups).
    :param body: the request body.
    :param status: the HTTP status answered (announced, even when a fault dropped the connection).
    :param fault: the faults applied, comma-separated, or None.
    :param received_at: server time when the request arrived.
    """

    method: str
    path: str
    query: str
    headers: Headers
    body: bytes
    status: int
    fault: str | None
    received_at: datetime

    def header(self, name: str) -> str | None:
        """A request header's value.

        :param name: the header name, any case.
        """
        return self.headers.get(name)

    @property
    def params(self) -> dict[str, str]:
        """The decoded query parameters (first value of each key)."""
        return query_params(self.query)

    @property
    def target(self) -> str:
        """The request target: path and, if any, ``?`` and the raw query."""
        return f"{self.path}?{self.query}" if self.query else self.path


@dataclass
class Response:
    """A response to write.

    :param status: the HTTP status.
    :param body: the full body (faults may still cut it on the wire).
    :param content_type: the ``Content-Type`` header.
    :param headers: extra headers, e.g. ``Retry-After``.
    :param cluster_id: the cluster the request addressed, if any (faults that mutate data act on it).
    """

    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: list[tuple[str, str]] = field(default_factory=list)
    cluster_id: int | None = None


class ApiError(Exception):
    """An error answered with OCP's error envelope; raised by the API, built directly by faults.

    :param status: the HTTP status (and the envelope's ``status``).
    :param code: ``error.code``.
    :param message: ``error.message`` (English).
    :param target: ``error.target``, e.g. the offending parameter; omitted when None.
    """

    def __init__(self, status: int, code: int, message: str, target: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.target = target


def _dumps(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _frame(request: IncomingRequest, clock: ServerClock, status: int) -> dict[str, Any]:
    return {
        "duration": max(0, round((clock.monotonic() - request.started) * 1000)),
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
    payload = {"data": data, "successful": True, **_frame(request, clock, 200)}
    return Response(status=200, body=_dumps(payload), cluster_id=cluster_id)


def error_body(request: IncomingRequest, clock: ServerClock, error: ApiError) -> bytes:
    """The bytes of an error envelope (``successful: false``) reporting ``error.status``.

    :param request: the request answered (its trace id and arrival time go into the envelope).
    :param clock: the server clock, for the envelope's ``timestamp`` and ``duration``.
    :param error: the status, code, message and target to report.
    """
    details: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.target is not None:
        details["target"] = error.target
    return _dumps({"error": details, "successful": False, **_frame(request, clock, error.status)})


def failure(request: IncomingRequest, clock: ServerClock, error: ApiError) -> Response:
    """An error envelope sent with its own status as the HTTP status.

    :param request: the request answered.
    :param clock: the server clock.
    :param error: the status, code, message and target to report.
    """
    return Response(status=error.status, body=error_body(request, clock, error))


_CONSOLE_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>OceanBase Cloud Platform</title></head>
<body><div id="root">OCP emulator console placeholder: this path is not an API endpoint.</div></body>
</html>
"""


def console_page(status: int = 200) -> Response:
    """The HTML page OCP serves for paths it does not route to the API (its console index).

    :param status: the HTTP status (OCP answers 200, which is what trips clients with a wrong base URL).
    """
    return Response(status=status, body=_CONSOLE_PAGE.encode("utf-8"), content_type=HTML_TYPE)


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
