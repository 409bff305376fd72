"""Fault injection: a small scripted queue of misbehaviours, each matched against incoming requests.

A fault applies to the next ``times`` requests (None: always) whose raw path contains ``path_contains`` and, if
``page`` is set, whose ``page`` parameter equals it. Per request at most one fault of each kind applies (the earliest
added), at most one replacing the response (``rate_limited``, ``http_error``, ``html_200``, ``unsuccessful``; then
pagination and data faults are not consumed) and one mangling the body (``truncated_json``, ``drop_connection``);
data faults (``insert_tasks``, ``remove_tasks``) are the exception: every matching one applies, in the order added.

Kinds and their parameters [defaults]:

- ``rate_limited``: HTTP 429 with ``Retry-After``: ``retry_after`` [1] seconds (None: no header), as an HTTP date
  if ``http_date`` [False].
- ``http_error``: ``status`` [500], ``body`` ["json"]: OCP's error envelope, or ``"html"`` (a proxy page), ``code``
  [None: 10011 with an OceanBase timeout in ``subErrors`` for 500, 10010 above, 0 below], ``message``, ``sub_errors``.
- ``html_200``: HTTP 200 with an HTML page (a proxy or an old console answering a wrong path).
- ``unsuccessful``: HTTP 200 with ``successful: false``; ``status`` [500] in the envelope, ``code``, ``message``,
  ``sub_errors`` as for ``http_error``.
- ``truncated_json``: the body cut to ``fraction`` [0.5] of its bytes, with a matching Content-Length.
- ``drop_connection``: Content-Length announces the full body, ``fraction`` [0.5] is sent, then the socket closes.
- ``slow``: sleep ``seconds`` [5.0] (real seconds: client read timeouts) before answering.
- ``insert_tasks`` / ``remove_tasks``: once the page is rendered, add ``count`` [1] newest tasks (``tenant_id``
  [None: rotate]) / delete ``count`` [1] tasks, the ``newest`` [True] or oldest.
- ``ignore_page``: serve page 1 whatever ``page`` says; ``echo_page`` [False]: still report the requested number.
- ``wrong_total_pages``: report ``totalPages`` off by ``delta`` [1] (negative: fewer), or exactly ``value``.
- ``clamp_size``: clamp ``size`` to ``max_size`` [100] instead of 2000 (``page.size`` reports it).

Steady per-request latency is :attr:`FaultSet.latency`, not a counted fault.
"""

from __future__ import annotations

import math
import threading
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal, get_args

from airflow_provider_ocp.client.auth import http_date
from airflow_provider_ocp.testing import wire
from airflow_provider_ocp.testing.clock import ServerClock
from airflow_provider_ocp.testing.data import Dataset, UnknownClusterError, UnknownTenantError
from airflow_provider_ocp.testing.wire import ApiError, RecordedRequest, Response

RespondKind = Literal["rate_limited", "http_error", "html_200", "unsuccessful"]  # replace the response
TransportKind = Literal["truncated_json", "drop_connection"]  # mangle the body on the wire
AfterKind = Literal["insert_tasks", "remove_tasks"]  # change the data once the page is rendered
ShapeKind = Literal["ignore_page", "wrong_total_pages", "clamp_size"]  # bend pagination
FaultKind = Literal[RespondKind, TransportKind, "slow", AfterKind, ShapeKind]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)

_DEFAULTS: dict[str, dict[str, Any]] = {
    "rate_limited": {"retry_after": 1, "http_date": False},
    "http_error": {"status": 500, "body": "json", "code": None, "message": None, "sub_errors": None},
    "html_200": {},
    "unsuccessful": {"status": 500, "code": None, "message": None, "sub_errors": None},
    "truncated_json": {"fraction": 0.5},
    "drop_connection": {"fraction": 0.5},
    "slow": {"seconds": 5.0},
    "insert_tasks": {"count": 1, "tenant_id": None},
    "remove_tasks": {"count": 1, "newest": True},
    "ignore_page": {"echo_page": False},
    "wrong_total_pages": {"delta": 1, "value": None},
    "clamp_size": {"max_size": 100},
}
RESPOND_KINDS, TRANSPORT_KINDS = get_args(RespondKind), get_args(TransportKind)
AFTER_KINDS, SHAPE_KINDS = get_args(AfterKind), get_args(ShapeKind)


@dataclass
class Fault:
    """One scripted fault: its kind, how many more requests it applies to (``times``, None: always), what the request
    must match and its parameters (defaults filled in)."""

    kind: str
    times: int | None
    path_contains: str
    page: int | None
    params: dict[str, Any]


@dataclass
class FaultPlan:
    """The faults taken for one request, by what they do; ``summary`` names them for the request log."""

    delay: float = 0.0
    respond: Fault | None = None
    transport: Fault | None = None
    after: list[Fault] = field(default_factory=list)
    shape: dict[str, dict[str, Any]] = field(default_factory=dict)  # pagination faults' params, by kind
    summary: str | None = None


class FaultSet:
    """The scripted faults, in the order added, and the steady ``latency`` (seconds added per request); thread-safe."""

    def __init__(self, latency: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.latency = latency

    def add(
        self,
        kind: FaultKind,
        times: int | None = 1,
        path_contains: str = "logBackupTasks",
        page: int | None = None,
        **params: Any,
    ) -> Fault:
        """Script a fault after those already queued; which requests it applies to (``path_contains``: by default task
        queries), its kinds and their parameters: the module documentation."""
        if kind not in _DEFAULTS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(FAULT_KINDS)}")
        if unknown := set(params) - set(_DEFAULTS[kind]):
            raise ValueError(f"fault {kind!r} takes {sorted(_DEFAULTS[kind])}, not {sorted(unknown)}")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 or None (always)")
        fault = Fault(kind, times, path_contains, page, {**_DEFAULTS[kind], **params})
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Drop every fault (the latency stays)."""
        with self._lock:
            self._faults.clear()

    @property
    def active(self) -> list[Fault]:
        """The faults still queued, in the order added."""
        with self._lock:
            return list(self._faults)

    def take(self, path: str, page: int | None) -> FaultPlan:
        """Choose the faults for a request (raw path, ``page`` parameter or None) and consume one use of each."""
        plan = FaultPlan()
        with self._lock:
            matching = [f for f in self._faults if f.path_contains in path and f.page in (None, page)]
            first = {f.kind: f for f in reversed(matching)}  # the earliest added of each kind
            plan.respond = next((f for f in matching if f.kind in RESPOND_KINDS), None)
            plan.transport = next((f for f in matching if f.kind in TRANSPORT_KINDS), None)
            taken = [f for f in (plan.respond, plan.transport, first.get("slow")) if f is not None]
            if plan.respond is None:  # a replaced response never reaches pagination or the data
                plan.after = [f for f in matching if f.kind in AFTER_KINDS]
                shaping = [f for f in first.values() if f.kind in SHAPE_KINDS]
                plan.shape = {f.kind: f.params for f in shaping}
                taken += plan.after + shaping
            applied = [f for f in matching if id(f) in {id(t) for t in taken}]
            for fault in applied:
                fault.times = None if fault.times is None else fault.times - 1
            self._faults = [f for f in self._faults if f.times is None or f.times > 0]
        plan.delay = float(first["slow"].params["seconds"]) if "slow" in first else 0.0
        plan.summary = ",".join(f.kind for f in applied) or None
        return plan


def fault_response(fault: Fault, request: RecordedRequest, clock: ServerClock) -> Response:
    """What a ``rate_limited``, ``http_error``, ``html_200`` or ``unsuccessful`` fault answers instead."""
    params = fault.params
    if fault.kind == "rate_limited":
        response = wire.failure(request, clock, ApiError(429, wire.CODE_FRAMEWORK, "Too many requests, slow down"))
        if (retry_after := params["retry_after"]) is not None:
            seconds = float(retry_after)
            later = http_date(clock.now() + timedelta(seconds=seconds))
            response.headers.append(("Retry-After", later if params["http_date"] else str(math.ceil(seconds))))
        return response
    if fault.kind == "html_200":
        return wire.console_page()
    status = int(params["status"])
    if params.get("body") == "html":
        return wire.proxy_page(status)
    code, sub_errors = params["code"], params["sub_errors"]
    if code is None and status == 500:
        code = wire.CODE_OB_OPERATION_FAILED
        sub_errors = [dict(wire.OB_TIMEOUT_SUB_ERROR)] if sub_errors is None else sub_errors
    elif code is None:
        code = wire.CODE_UNEXPECTED if status > 500 else wire.CODE_FRAMEWORK
    replaced = fault.kind == "http_error"  # else unsuccessful: the error envelope comes with HTTP 200
    message = f"Injected server error (HTTP {status})" if replaced else "Injected failure reported with HTTP 200"
    error = ApiError(status, int(code), params["message"] or message, sub_errors=sub_errors)
    return wire.failure(request, clock, error, None if replaced else 200)


def wire_payload(body: bytes, fault: Fault | None) -> tuple[bytes, int, bool]:
    """The bytes to write, the Content-Length to announce and whether to close the socket after them."""
    if fault is None:
        return body, len(body), False
    cut = max(0, min(len(body) - 1, int(len(body) * float(fault.params["fraction"]))))
    if fault.kind == "truncated_json":
        return body[:cut], cut, False
    return body[:cut], len(body), True  # drop_connection


def apply_after(fault: Fault, dataset: Dataset, cluster_id: int | None) -> None:
    """Change the data once a page of ``cluster_id`` was rendered (``insert_tasks``, ``remove_tasks``)."""
    if cluster_id is None:
        return
    with suppress(UnknownClusterError, UnknownTenantError):
        if fault.kind == "insert_tasks":
            dataset.add_tasks(cluster_id, int(fault.params["count"]), tenant_id=fault.params["tenant_id"])
        else:
            dataset.remove_tasks(cluster_id, int(fault.params["count"]), newest=bool(fault.params["newest"]))
