"""OCP's response envelope (success and error), and the HTML pages OCP and proxies answer with.

Error codes are the emulator's own (OCP's real numbering is not documented): clients must key on the HTTP status
and ``successful``, never on ``error.code`` or the message text.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from airflow_provider_ocp.testing.clock import ServerClock, iso_timestamp
from airflow_provider_ocp.testing.messages import IncomingRequest, Response

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

    :param request: the request answered.
    :param clock: the server clock.
    :param data: the ``data`` member.
    :param cluster_id: the cluster addressed, for faults that act after the response.
    """
    payload = {"data": data, "successful": True, **_frame(request, clock, 200)}
    return Response(status=200, body=_dumps(payload), content_type=JSON_TYPE, cluster_id=cluster_id)


def error_payload(
    request: IncomingRequest,
    clock: ServerClock,
    status: int,
    code: int,
    message: str,
    target: str | None = None,
) -> bytes:
    """The bytes of an error envelope (``successful: false``) reporting ``status``.

    :param request: the request answered.
    :param clock: the server clock.
    :param status: the status written in the envelope.
    :param code: ``error.code``.
    :param message: ``error.message``.
    :param target: ``error.target``; omitted when None.
    """
    error: dict[str, Any] = {"code": code, "message": message}
    if target is not None:
        error["target"] = target
    return _dumps({"error": error, "successful": False, **_frame(request, clock, status)})


def failure(
    request: IncomingRequest,
    clock: ServerClock,
    status: int,
    code: int,
    message: str,
    target: str | None = None,
) -> Response:
    """An error envelope with the same HTTP status.

    :param request: the request answered.
    :param clock: the server clock.
    :param status: the HTTP status.
    :param code: ``error.code``.
    :param message: ``error.message``.
    :param target: ``error.target``; omitted when None.
    """
    body = error_payload(request, clock, status, code, message, target)
    return Response(status=status, body=body, content_type=JSON_TYPE)


_CONSOLE_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>OceanBase Cloud Platform</title></head>
<body><div id="root">OCP emulator console placeholder: this path is not an API endpoint.</div></body>
</html>
"""


def console_page(status: int = 200) -> Response:
    """The HTML page OCP serves for paths it does not route to the API (its console index).

    :param status: the HTTP status (OCP answers 200).
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
