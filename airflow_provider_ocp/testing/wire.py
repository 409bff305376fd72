"""What travels between a client and the emulator: requests as received, and responses as bytes to write.

:mod:`airflow_provider_ocp.testing.envelope` builds the bodies, in OCP's envelope or as HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from urllib.parse import parse_qsl

JSON_TYPE = "application/json;charset=UTF-8"
HTML_TYPE = "text/html;charset=UTF-8"


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
    :param headers: the request headers as received, order and names kept (lookups are case-insensitive).
    :param body: the request body (empty when none).
    :param trace_id: the ``x-trace-id`` to echo, or a generated one.
    :param started: monotonic time when the request arrived, for the envelope's ``duration``.
    """

    method: str
    raw_path: str
    raw_query: str
    headers: Message
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
    headers: Message
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
