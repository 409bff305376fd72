"""The errors the OCP client, the log-backup domain and the validators raise: plain Python, no Airflow.

They are the provider's public exceptions (:mod:`airflow_provider_ocp.exceptions` re-exports them): code that calls
the hooks catches these classes. Airflow's meaning of a failure (fail the task without retries) is the adapters'
business (:mod:`airflow_provider_ocp.hooks.failures`), so this layer runs, and is tested, without Airflow.

Every message is safe to log: none carries a password, an AccessKey secret, a signature or an Authorization header.
"""

from __future__ import annotations

from typing import Any


class OCPError(Exception):
    """Base class of every error the OCP provider raises on purpose."""


class OCPInputError(OCPError, ValueError):
    """A parameter or connection field is invalid; raised before any request is sent.

    A :class:`ValueError`, so plain Python callers can catch it naturally. No retry can fix a typo: the hooks,
    operators and sensor raise it as an ``AirflowFailException`` too, so the task fails at once.
    """


class OCPAPIError(OCPError):
    """OCP answered with an error, with something that is not OCP's JSON envelope, or could not be reached.

    :param message: what went wrong and, where known, what to check.
    :param status: the HTTP status, None when no response arrived (connection error, timeout).
    :param code: OCP's ``error.code`` when the body carried one.
    :param trace_id: OCP's ``traceId``; OCP support asks for it.
    :param path: the request path (with query), never credentials.
    :param retryable: whether a retry may succeed (connection errors, 429, 5xx, truncated bodies).
    :param retry_after: seconds the server asked us to wait (``Retry-After``), if it said so.
    :param unsent: the request provably never reached a server (no connection was made): the only failure after
        which a POST, which starts work in OCP, may be sent again.
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
        unsent: bool = False,
    ) -> None:
        self.message = message
        self.status = status
        self.code = code
        self.trace_id = trace_id
        self.path = path
        self.retryable = retryable
        self.retry_after = retry_after
        self.unsent = unsent
        super().__init__(self._render())

    def _render(self) -> str:
        details = [
            f"HTTP {self.status}" if self.status is not None else "no HTTP response",
            f"error code {self.code}" if self.code else None,  # 0 is OCP's code of framework errors: it tells nothing
            f"traceId {self.trace_id}" if self.trace_id else None,
            f"path {self.path}" if self.path else None,
        ]
        return f"{self.message} ({', '.join(d for d in details if d)})"

    def keywords(self) -> dict[str, Any]:
        """The keyword attributes, to rebuild the same error (as another class, or after pickling)."""
        return {
            "status": self.status,
            "code": self.code,
            "trace_id": self.trace_id,
            "path": self.path,
            "retryable": self.retryable,
            "retry_after": self.retry_after,
            "unsent": self.unsent,
        }

    def __reduce__(self):  # type: ignore[no-untyped-def]
        # Keep the class and the keyword attributes when the exception crosses a process boundary (pickling).
        return (_rebuild_api_error, (type(self), self.message, self.keywords()))


class OCPRequestRejectedError(OCPAPIError):
    """OCP refused the request itself: HTTP 400 or 404, or a time-range rule (codes 10005, 10006, 10007).

    The same request would get the same answer, so neither the hook nor Airflow retries it: the hooks, operators
    and sensor raise it as an ``AirflowFailException`` too, so the task fails at once, whatever its ``retries``.
    Authentication and permission errors (401, 403) stay plain :class:`OCPAPIError`: the hook does not repeat them,
    but task retries do apply, so a rotated secret or a granted permission can be fixed between tries.
    """


def _rebuild_api_error(cls: type[OCPAPIError], message: str, keywords: dict[str, Any]) -> OCPAPIError:
    return cls(message, **keywords)
