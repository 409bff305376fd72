"""Exceptions raised by the OCP provider.

Every message is safe to log: none carries a password, an AccessKey secret, a signature or an Authorization header.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException


class OCPInputError(AirflowFailException, ValueError):
    """A parameter or connection field is invalid; raised before any request is sent.

    It subclasses :class:`AirflowFailException` because retrying a task cannot fix a typo, and :class:`ValueError`
    so plain Python callers can catch it naturally.
    """


class OCPAPIError(AirflowException):
    """OCP answered with an error, with something that is not OCP's JSON envelope, or could not be reached.

    :param message: what went wrong and, where known, what to check.
    :param status: the HTTP status, None when no response arrived (connection error, timeout).
    :param code: OCP's ``error.code`` when the body carried one.
    :param trace_id: OCP's ``traceId``; OCP support asks for it.
    :param path: the request path (with query), never credentials.
    :param retryable: whether a retry may succeed (connection errors, 429, 5xx, truncated bodies).
    :param retry_after: seconds the server asked us to wait (``Retry-After``), if it said so.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        trace_id: str | None = None,
        path: str | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        self.message = message
        self.status = status
        self.code = code
        self.trace_id = trace_id
        self.path = path
        self.retryable = retryable
        self.retry_after = retry_after
        super().__init__(self._render())

    def _render(self) -> str:
        details = [
            f"HTTP {self.status}" if self.status is not None else "no HTTP response",
            f"error code {self.code}" if self.code is not None else None,
            f"traceId {self.trace_id}" if self.trace_id else None,
            f"path {self.path}" if self.path else None,
        ]
        return f"{self.message} ({', '.join(d for d in details if d)})"

    def __reduce__(self):  # type: ignore[no-untyped-def]
        # Keep the class and the keyword attributes when the exception crosses a process boundary (pickling).
        keywords = {
            "status": self.status,
            "code": self.code,
            "trace_id": self.trace_id,
            "path": self.path,
            "retryable": self.retryable,
            "retry_after": self.retry_after,
        }
        return (_rebuild_api_error, (type(self), self.message, keywords))


class OCPRequestRejectedError(OCPAPIError, AirflowFailException):
    """OCP refused the request itself: HTTP 400 or 404, or a time-range rule (codes 10005, 10006, 10007).

    The same request would get the same answer, so neither the hook nor Airflow retries it: the task fails at once
    (``AirflowFailException``), whatever its ``retries``. Authentication and permission errors (401, 403) stay plain
    :class:`OCPAPIError`: the hook does not repeat them, but task retries do apply, so a rotated secret or a granted
    permission can be fixed between tries.
    """


class OCPLogBackupPollError(RuntimeError):
    """The deferred log backup check gave up after consecutive OCP API failures (or a failure no retry can fix).

    Not an ``AirflowException`` on purpose: like an API error in poke mode it fails the task (task retries apply)
    and is not turned into a skip by ``soft_fail``, which only covers the gate failing and the sensor timing out.
    """


def _rebuild_api_error(cls: type[OCPAPIError], message: str, keywords: dict[str, Any]) -> OCPAPIError:
    return cls(message, **keywords)
