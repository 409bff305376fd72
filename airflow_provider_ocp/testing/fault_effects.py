"""What each fault does: replacement responses, body mangling and data mutations after a page is rendered."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from airflow_provider_ocp.client.auth import http_date
from airflow_provider_ocp.testing.clock import ServerClock
from airflow_provider_ocp.testing.dataset import Dataset
from airflow_provider_ocp.testing.envelope import (
    CODE_INTERNAL,
    CODE_TOO_MANY_REQUESTS,
    console_page,
    error_payload,
    failure,
    proxy_page,
)
from airflow_provider_ocp.testing.faults import Fault
from airflow_provider_ocp.testing.messages import IncomingRequest, Response
from airflow_provider_ocp.testing.state import UnknownClusterError, UnknownTenantError


def _code(fault: Fault, status: int) -> int:
    code = fault.params.get("code")
    return int(code) if code is not None else (CODE_INTERNAL if status >= 500 else status * 100)


def fault_response(fault: Fault, request: IncomingRequest, clock: ServerClock) -> Response:
    """The response a response-replacing fault answers with.

    :param fault: a ``rate_limited``, ``http_error``, ``html_200`` or ``unsuccessful`` fault.
    :param request: the request answered.
    :param clock: the server clock.
    """
    params = fault.params
    if fault.kind == "rate_limited":
        response = failure(request, clock, 429, CODE_TOO_MANY_REQUESTS, "Too many requests, slow down")
        retry_after = params["retry_after"]
        if retry_after is not None:
            if params["http_date"]:
                value = http_date(clock.now() + timedelta(seconds=float(retry_after)))
            else:
                value = str(math.ceil(float(retry_after)))
            response.headers.append(("Retry-After", value))
        return response
    if fault.kind == "http_error":
        status = int(params["status"])
        if params["body"] == "html":
            return proxy_page(status)
        message = params["message"] or f"Injected server error (HTTP {status})"
        return failure(request, clock, status, _code(fault, status), message)
    if fault.kind == "unsuccessful":
        status = int(params["status"])
        message = params["message"] or "Injected failure reported with HTTP 200"
        body = error_payload(request, clock, status, _code(fault, status), message)
        return Response(status=200, body=body)
    if fault.kind == "html_200":
        return console_page(200)
    raise ValueError(f"fault {fault.kind!r} does not replace responses")


@dataclass(frozen=True)
class WirePayload:
    """The bytes to write and the Content-Length to announce.

    :param body: the bytes actually written.
    :param content_length: the announced Content-Length.
    :param drop: close the socket after writing ``body``.
    """

    body: bytes
    content_length: int
    drop: bool = False


def wire_payload(body: bytes, fault: Fault | None) -> WirePayload:
    """Apply a body-mangling fault (or none).

    :param body: the full response body.
    :param fault: a ``truncated_json`` or ``drop_connection`` fault, or None.
    """
    if fault is None:
        return WirePayload(body, len(body))
    cut = max(0, min(len(body) - 1, int(len(body) * float(fault.params["fraction"]))))
    if fault.kind == "truncated_json":
        return WirePayload(body[:cut], cut)
    if fault.kind == "drop_connection":
        return WirePayload(body[:cut], len(body), drop=True)
    raise ValueError(f"fault {fault.kind!r} does not mangle bodies")


def apply_after(fault: Fault, dataset: Dataset, cluster_id: int | None) -> None:
    """Mutate the data after a page was rendered (pagination drift).

    :param fault: an ``insert_tasks`` or ``remove_tasks`` fault.
    :param dataset: the data.
    :param cluster_id: the cluster the request addressed; nothing happens without one.
    """
    if cluster_id is None:
        return
    params = fault.params
    try:
        if fault.kind == "insert_tasks":
            dataset.add_tasks(cluster_id, int(params["count"]), tenant_id=params["tenant_id"])
        elif fault.kind == "remove_tasks":
            dataset.remove_tasks(cluster_id, int(params["count"]), newest=bool(params["newest"]))
    except (UnknownClusterError, UnknownTenantError):
        return
