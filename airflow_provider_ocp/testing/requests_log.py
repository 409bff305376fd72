"""The record of requests the emulator received, for tests that count or inspect what a client sent."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from airflow_provider_ocp.testing.messages import Headers, query_params


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received, and the status it was answered with.

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


class RequestLog:
    """A thread-safe, append-only list of :class:`RecordedRequest` (until cleared)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []

    def append(self, item: RecordedRequest) -> None:
        """Record a request.

        :param item: the request.
        """
        with self._lock:
            self._items.append(item)

    def snapshot(self) -> list[RecordedRequest]:
        """A copy of the recorded requests, oldest first."""
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        """Forget every recorded request."""
        with self._lock:
            self._items.clear()
