"""When and how long to wait before retrying a GET. Pure, so the sync and async clients share it."""

from __future__ import annotations

import random
from dataclasses import dataclass

from airflow_provider_ocp.client.settings import OCPSettings
from airflow_provider_ocp.exceptions import OCPAPIError


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

    def wait_before(self, retry_number: int, error: OCPAPIError) -> float | None:
        """Seconds to wait before retry ``retry_number`` (1-based), or None when the error is final.

        :param retry_number: which retry this would be.
        :param error: the failure of the previous attempt.
        """
        if not error.retryable or retry_number > self.max_retries:
            return None
        if error.retry_after is not None:
            return min(error.retry_after, self.max_wait)
        exponential = min(self.max_wait, self.backoff * 2 ** (retry_number - 1))
        return exponential * random.uniform(0.5, 1.0)
