"""Plain data types passed between the HTTP layer and the emulated API."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl


class Headers:
    """Request headers as received: order and original names kept, lookups case-insensitive.

    :param items: ``(name, value)`` pairs.
    """

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._items = tuple(items)

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of a header.

        :param name: the header name, any case.
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
    """One request as received.

    :param method: the HTTP method.
    :param raw_path: the path exactly as received (with any prefix), without the query.
    :param raw_query: the query string exactly as received, without ``?``.
    :param headers: the request headers.
    :param body: the request body (empty when none).
    :param trace_id: the ``x-trace-id`` to echo, or a generated one.
    :param started: monotonic time when the request arrived.
    """

    method: str
    raw_path: str
    raw_query: str
    headers: Headers
    body: bytes
    trace_id: str
    started: float


@dataclass
class Response:
    """A response to write.

    :param status: the HTTP status.
    :param body: the full body.
    :param content_type: the ``Content-Type`` header.
    :param headers: extra headers.
    :param cluster_id: the cluster the request addressed, if any (faults that mutate data act on it).
    """

    status: int
    body: bytes
    content_type: str = "application/json;charset=UTF-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    cluster_id: int | None = None


class ApiError(Exception):
    """An error answered with OCP's error envelope.

    :param status: the HTTP status.
    :param code: ``error.code``.
    :param message: ``error.message`` (English).
    :param target: ``error.target``, e.g. the offending parameter.
    """

    def __init__(self, status: int, code: int, message: str, target: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.target = target
