"""OCPBaseHook: what OCPHook and OCPAsyncHook share, the ``ocp`` connection type and one retry driver.

Both hooks build their retry driver here, from the same policy and predicate (:mod:`airflow_provider_ocp.client.retry`),
as tenacity ``Retrying`` and ``AsyncRetrying``: the Databricks hook's ``_get_retry_object`` and ``_a_get_retry_object``
are the model. Only the sleeping differs.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from airflow.providers.common.compat.sdk import BaseHook
from tenacity import AsyncRetrying, Retrying

from airflow_provider_ocp.client.prefetch import ReadAheadCancelled
from airflow_provider_ocp.client.retry import RetryPolicy
from airflow_provider_ocp.exceptions import OCPAPIError

P = ParamSpec("P")
R = TypeVar("R")


def takes_arguments_of(source: Callable[P, Any]) -> Callable[[Callable[..., R]], Callable[P, R]]:
    """Give a method that forwards ``*args, **kwargs`` the signature of ``source``, for type checkers and IDEs.

    :param source: the method whose parameters the decorated one forwards to.
    """

    def decorate(method: Callable[..., R]) -> Callable[P, R]:
        return method

    return decorate


class OCPBaseHook(BaseHook):
    """What both OCP hooks share: the ``ocp`` connection type and one retry driver.

    Nothing is read in ``__init__``: the connection is read on first use, so DAG parsing touches neither secrets nor
    the network.

    :param ocp_conn_id: the Airflow connection of type ``ocp`` to use.
    """

    conn_name_attr = "ocp_conn_id"
    default_conn_name = "ocp_default"
    conn_type = "ocp"
    hook_name = "OceanBase Cloud Platform"

    def __init__(self, ocp_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ocp_conn_id = ocp_conn_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}(ocp_conn_id={self.ocp_conn_id!r})"

    def _log_retry(self, retry_number: int, wait: float, error: BaseException, max_retries: int) -> None:
        target = error.path if isinstance(error, OCPAPIError) else None
        self.log.warning(
            "OCP request %s failed (retry %s of %s in %.1fs): %s", target, retry_number, max_retries, wait, error
        )

    def _retry_args(self, policy: RetryPolicy, sleep: Callable[[float], Any]) -> dict[str, Any]:
        def on_retry(retry_number: int, wait: float, error: BaseException) -> None:
            self._log_retry(retry_number, wait, error, policy.max_retries)

        return policy.retry_args(on_retry, sleep)

    def _get_retry_object(self, policy: RetryPolicy, stop: threading.Event | None = None) -> Retrying:
        """The synchronous retry driver for one request (blocking sleeps, cut short when ``stop`` is set).

        :param policy: the connection's policy, or a quicker one (``test_connection``).
        :param stop: set when the page walk this request belongs to has failed: no further attempt is made.
        """
        return Retrying(**self._retry_args(policy, _stoppable_sleep(stop or threading.Event())))

    def _a_get_retry_object(self, policy: RetryPolicy) -> AsyncRetrying:
        """The same driver for the event loop (``asyncio`` sleeps).

        :param policy: the connection's policy.
        """
        return AsyncRetrying(**self._retry_args(policy, _async_sleep))


def pause(stop: threading.Event, seconds: float) -> bool:
    """Wait ``seconds`` before a retry, or less if ``stop`` is set meanwhile; return whether it was.

    :param stop: the page walk's stop signal.
    :param seconds: the retry policy's wait.
    """
    return stop.wait(seconds)


def _stoppable_sleep(stop: threading.Event) -> Callable[[float], None]:
    def sleep(seconds: float) -> None:
        if pause(stop, seconds):
            raise ReadAheadCancelled  # the walk has failed meanwhile: send nothing more

    return sleep


async def _async_sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)
