"""When to retry a request and how long to wait: one policy and one predicate for the sync and async hooks.

A GET is repeated after any failure that says it may pass next time. A POST starts work in OCP (a restore, a backup):
it is repeated only when the failed attempt provably never left (no connection was made), since a POST that may have
reached OCP could start a second restore; the operators re-attach to what it started instead.

The hooks drive it with tenacity (already shipped with Airflow): :meth:`RetryPolicy.retry_args` builds the arguments
of both ``tenacity.Retrying`` and ``tenacity.AsyncRetrying``, so the two transports cannot drift apart.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tenacity import RetryCallState, retry_if_exception, stop_after_attempt

from airflow_provider_ocp.client.errors import OCPAPIError
from airflow_provider_ocp.client.settings import OCPSettings


def retryable_error(error: BaseException, *, starts_work: bool = False) -> bool:
    """Whether a failed attempt may be repeated: only an :class:`OCPAPIError` that says so.

    Connection failures, timeouts, 429 and 5xx are retryable; bad credentials, unknown ids, TLS failures and
    anything that is not an OCP error (a bug, a bad argument) are final. A request that starts work (a POST) is
    repeated only after a failure that proves it was never sent (:attr:`OCPAPIError.unsent`).

    :param error: what the attempt raised.
    :param starts_work: the request is a POST.
    """
    return isinstance(error, OCPAPIError) and error.retryable and (error.unsent or not starts_work)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, honouring ``Retry-After`` up to a cap.

    :param max_retries: retries after the first attempt; 0 disables retrying.
    :param backoff: the first wait in seconds; each further wait doubles it.
    :param max_wait: the cap on any single wait, the server's ``Retry-After`` included.
    """

    max_retries: int = 5
    backoff: float = 1.0
    max_wait: float = 60.0

    @classmethod
    def from_settings(cls, settings: OCPSettings) -> RetryPolicy:
        """The policy a connection configures (extras ``max_retries``, ``retry_backoff``, ``retry_max_wait``).

        :param settings: the connection's settings.
        """
        return cls(settings.max_retries, settings.retry_backoff, settings.retry_max_wait)

    def wait_before(self, retry_number: int, error: BaseException | None, *, starts_work: bool = False) -> float | None:
        """Seconds to wait before retry ``retry_number`` (1-based), or None when the error is final.

        :param retry_number: which retry this would be.
        :param error: the failure of the previous attempt.
        :param starts_work: the request is a POST (see :func:`retryable_error`).
        """
        if (
            not isinstance(error, OCPAPIError)
            or not retryable_error(error, starts_work=starts_work)
            or retry_number > self.max_retries
        ):
            return None
        if error.retry_after is not None:
            return min(error.retry_after, self.max_wait)
        exponential = min(self.max_wait, self.backoff * 2 ** (retry_number - 1))
        return exponential * random.uniform(0.5, 1.0)

    def retry_args(
        self,
        on_retry: Callable[[int, float, BaseException], None],
        sleep: Callable[[float], Any],
        *,
        starts_work: bool = False,
    ) -> dict[str, Any]:
        """Keyword arguments for ``tenacity.Retrying`` or ``tenacity.AsyncRetrying`` (same for both).

        :param on_retry: called with (retry number, wait, error) before each wait, to log it.
        :param sleep: how to wait: ``time.sleep`` for the sync hook, an ``asyncio.sleep`` for the async one.
        :param starts_work: the request is a POST (see :func:`retryable_error`).
        """

        def wait(state: RetryCallState) -> float:
            return self.wait_before(state.attempt_number, _error_of(state), starts_work=starts_work) or 0.0

        def before_sleep(state: RetryCallState) -> None:
            error = _error_of(state)
            if error is not None and state.next_action is not None:
                on_retry(state.attempt_number, state.next_action.sleep, error)

        return {
            "retry": retry_if_exception(functools.partial(retryable_error, starts_work=starts_work)),
            "stop": stop_after_attempt(self.max_retries + 1),
            "wait": wait,
            "before_sleep": before_sleep,
            "sleep": sleep,
            "reraise": True,
        }


def _error_of(state: RetryCallState) -> BaseException | None:
    return state.outcome.exception() if state.outcome is not None else None
