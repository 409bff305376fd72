"""Fault injection: a small scripted queue of misbehaviours, each matched against incoming requests.

A fault matches a request when ``path_contains`` is a substring of the raw path and, if ``page`` is set, the
request's ``page`` parameter equals it. It applies to the next ``times`` matching requests (``times=None``: always).
Per request at most one fault of each kind applies (the earliest added), at most one response-replacing fault
(``rate_limited``, ``http_error``, ``html_200``, ``unsuccessful``) and at most one body-mangling fault
(``truncated_json``, ``drop_connection``). When a response is replaced, pagination and data faults are not consumed.

Kinds and their parameters (defaults in brackets):

- ``rate_limited``: HTTP 429 with OCP's envelope and ``Retry-After``. ``retry_after`` [1] seconds (None: no
  header), ``http_date`` [False]: send ``Retry-After`` as an HTTP date instead of seconds.
- ``http_error``: ``status`` [500] (e.g. 502/503/504), ``body`` ["json"]: ``"json"`` (OCP's error envelope) or
  ``"html"`` (a proxy page), ``code`` [None: derived], ``message`` [None: a default], ``sub_errors`` [None]. The
  derived code of a 500 is 10011 (an OceanBase failure) with an OceanBase timeout in ``subErrors``; above 500 it is
  10010, below 0.
- ``html_200``: HTTP 200 with an HTML page (a proxy or an old console answering a wrong path).
- ``unsuccessful``: HTTP 200 with ``successful: false``; ``status`` [500] in the envelope, ``code``, ``message``,
  ``sub_errors``, derived as for ``http_error``.
- ``truncated_json``: the body cut to ``fraction`` [0.5] of its bytes, with a matching Content-Length.
- ``drop_connection``: Content-Length announces the full body, ``fraction`` [0.5] is sent, then the socket closes.
- ``slow``: sleep ``seconds`` [5.0] (real seconds: it exercises client read timeouts) before answering.
- ``insert_tasks``: after rendering the page, add ``count`` [1] newest tasks (``tenant_id`` [None: rotate]).
- ``remove_tasks``: after rendering the page, delete ``count`` [1] tasks, the ``newest`` [True] or oldest.
- ``ignore_page``: serve page 1 whatever ``page`` says; ``echo_page`` [False]: still report the requested number.
- ``wrong_total_pages``: report ``totalPages`` off by ``delta`` [1] (negative: fewer), or exactly ``value``.
- ``clamp_size``: clamp ``size`` to ``max_size`` [100] instead of 2000 (``page.size`` reports it).

Steady per-request latency (for benchmarks) is :attr:`FaultSet.latency`, not a counted fault.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from airflow_provider_ocp.testing.api import PageTweaks

FaultKind = Literal[
    "rate_limited",
    "http_error",
    "html_200",
    "unsuccessful",
    "truncated_json",
    "drop_connection",
    "slow",
    "insert_tasks",
    "remove_tasks",
    "ignore_page",
    "wrong_total_pages",
    "clamp_size",
]
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
RESPOND_KINDS = ("rate_limited", "http_error", "html_200", "unsuccessful")
TRANSPORT_KINDS = ("truncated_json", "drop_connection")
AFTER_KINDS = ("insert_tasks", "remove_tasks")
SHAPE_KINDS = ("ignore_page", "wrong_total_pages", "clamp_size")


@dataclass
class Fault:
    """One scripted fault.

    :param kind: one of :data:`FAULT_KINDS`.
    :param times: how many more requests it applies to; None for always.
    :param path_contains: substring the raw request path must contain.
    :param page: the ``page`` parameter the request must carry, None for any.
    :param params: the kind's parameters (defaults filled in).
    :param hits: how many requests it has been applied to.
    """

    kind: str
    times: int | None
    path_contains: str
    page: int | None
    params: dict[str, Any]
    hits: int = 0


@dataclass
class FaultPlan:
    """The faults taken for one request, by what they do.

    :param delay: seconds to sleep before answering.
    :param respond: the fault replacing the response, if any.
    :param transport: the fault mangling the body bytes, if any.
    :param after: faults changing the data once the page is rendered.
    :param tweaks: pagination faults, for the API.
    :param summary: the kinds applied, comma-separated, for the request log; None when none applied.
    """

    delay: float = 0.0
    respond: Fault | None = None
    transport: Fault | None = None
    after: list[Fault] = field(default_factory=list)
    tweaks: PageTweaks = field(default_factory=PageTweaks)
    summary: str | None = None


def _tweak(tweaks: PageTweaks, fault: Fault) -> None:
    params = fault.params
    if fault.kind == "ignore_page":
        tweaks.ignore_page, tweaks.echo_page = True, bool(params["echo_page"])
    elif fault.kind == "wrong_total_pages":
        tweaks.total_pages_delta = int(params["delta"])
        tweaks.total_pages_value = None if params["value"] is None else int(params["value"])
    else:
        tweaks.max_size = max(1, int(params["max_size"]))


class FaultSet:
    """The scripted faults, in the order added, and the steady latency; safe to use from tests while serving.

    :param latency: seconds added to every request.
    """

    def __init__(self, latency: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.latency = latency

    @property
    def latency(self) -> float:
        """Seconds every request waits before being answered (0 by default)."""
        return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("latency must be >= 0")
        self._latency = float(seconds)

    def add(
        self,
        kind: FaultKind,
        times: int | None = 1,
        path_contains: str = "logBackupTasks",
        page: int | None = None,
        **params: Any,
    ) -> Fault:
        """Script a fault after those already queued.

        :param kind: what goes wrong (see the module documentation for the kinds and their parameters).
        :param times: how many matching requests it applies to; None for every one.
        :param path_contains: substring of the raw request path to match (the default targets task queries).
        :param page: only requests with this ``page`` parameter; None for any.
        :param params: the kind's parameters.
        :raises ValueError: for an unknown kind or parameter, or ``times`` < 1.
        """
        if kind not in _DEFAULTS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(FAULT_KINDS)}")
        unknown = set(params) - set(_DEFAULTS[kind])
        if unknown:
            raise ValueError(f"fault {kind!r} takes {sorted(_DEFAULTS[kind])}, not {sorted(unknown)}")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 or None (always)")
        fault = Fault(kind, times, path_contains, page, {**_DEFAULTS[kind], **params})
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault: Fault) -> None:
        """Drop one fault (no error if it is already gone).

        :param fault: the value :meth:`add` returned.
        """
        with self._lock:
            self._faults = [f for f in self._faults if f is not fault]

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
        """Choose the faults for a request and consume one use of each.

        :param path: the raw request path.
        :param page: the request's ``page`` parameter, None when absent or not an integer.
        """
        plan = FaultPlan()
        with self._lock:
            matching = [f for f in self._faults if f.path_contains in path and f.page in (None, page)]
            first: dict[str, Fault] = {}
            for fault in matching:
                first.setdefault(fault.kind, fault)
            plan.respond = next((f for f in first.values() if f.kind in RESPOND_KINDS), None)
            plan.transport = next((f for f in first.values() if f.kind in TRANSPORT_KINDS), None)
            taken = [f for f in (plan.respond, plan.transport, first.get("slow")) if f is not None]
            if plan.respond is None:  # a replaced response never reaches pagination or the data
                plan.after = [f for f in matching if f.kind in AFTER_KINDS]
                shaping = [f for f in first.values() if f.kind in SHAPE_KINDS]
                for fault in shaping:
                    _tweak(plan.tweaks, fault)
                taken += plan.after + shaping
            applied = [f for f in matching if id(f) in {id(t) for t in taken}]
            for fault in applied:
                fault.hits += 1
                fault.times = None if fault.times is None else fault.times - 1
            self._faults = [f for f in self._faults if f.times is None or f.times > 0]
        if "slow" in first:
            plan.delay = float(first["slow"].params["seconds"])
        plan.summary = ",".join(f.kind for f in applied) or None
        return plan
