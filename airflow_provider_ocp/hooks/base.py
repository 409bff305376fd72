"""OCPBaseHook: what OCPHook and OCPAsyncHook share, the ``ocp`` connection type and one retry driver; and the
functions both hooks call to start a page walk and read a response.

Both hooks build their retry driver here, from the same policy and predicate (:mod:`airflow_provider_ocp.client.retry`),
as tenacity ``Retrying`` and ``AsyncRetrying``: the Databricks hook's ``_get_retry_object`` and ``_a_get_retry_object``
are the model. Only the sleeping differs.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from airflow.providers.common.compat.sdk import BaseHook
from tenacity import AsyncRetrying, Retrying

from airflow_provider_ocp.client.page import Identity
from airflow_provider_ocp.client.pagination import PageWalk
from airflow_provider_ocp.client.prefetch import ReadAheadCancelled
from airflow_provider_ocp.client.request import OCPRequest, connection_secrets
from airflow_provider_ocp.client.response import Envelope, parse_response
from airflow_provider_ocp.client.retry import RetryPolicy
from airflow_provider_ocp.client.settings import OCPSettings
from airflow_provider_ocp.validation import validate_page_size


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

    def _settings_if_read(self) -> OCPSettings | None:
        """The connection's settings if this hook has read them already, else None (never reads them)."""
        return vars(self).get("settings")  # the sync hook's cached property; the async hook overrides this

    def _known_secrets(self) -> tuple[str, ...]:
        """What the hooks' errors must not quote (:func:`~airflow_provider_ocp.hooks.public_methods.hook_errors`)."""
        settings = self._settings_if_read()
        return connection_secrets(settings) if settings is not None else ()

    def _log_retry(self, retry_number: int, wait: float, error: BaseException, max_retries: int) -> None:
        # An OCPAPIError names its path (with the query) itself: written once, by the error.
        self.log.warning("OCP request failed (retry %s of %s in %.1fs): %s", retry_number, max_retries, wait, error)

    def _retry_args(
        self,
        policy: RetryPolicy,
        sleep: Callable[[float], Any],
        starts_work: bool,
        stop: threading.Event | None = None,
    ) -> dict[str, Any]:
        def on_retry(retry_number: int, wait: float, error: BaseException) -> None:
            if stop is not None and stop.is_set():
                return  # the walk has ended: the sleep gives up at once, so no retry follows to announce
            self._log_retry(retry_number, wait, error, policy.max_retries)

        return policy.retry_args(on_retry, sleep, starts_work=starts_work)

    def _get_retry_object(
        self, policy: RetryPolicy, stop: threading.Event | None = None, *, starts_work: bool = False
    ) -> Retrying:
        """The synchronous retry driver for one request (blocking sleeps, cut short when ``stop`` is set).

        :param policy: the connection's policy, or a quicker one (``test_connection``).
        :param stop: set when the page walk this request belongs to has failed: no further attempt is made.
        :param starts_work: a POST: repeated only when it provably never left.
        """
        stop = stop or threading.Event()
        return Retrying(**self._retry_args(policy, _stoppable_sleep(stop), starts_work, stop))

    def _a_get_retry_object(self, policy: RetryPolicy, *, starts_work: bool = False) -> AsyncRetrying:
        """The same driver for the event loop (``asyncio`` sleeps).

        :param policy: the connection's policy.
        :param starts_work: a POST: repeated only when it provably never left.
        """
        return AsyncRetrying(**self._retry_args(policy, _async_sleep, starts_work))


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


def envelope_of(status: int, headers: Any, body: bytes, request: OCPRequest) -> Envelope:
    """OCP's envelope of a response to ``request``, or the error, scrubbed of the request's secrets.

    :param status: the HTTP status.
    :param headers: the response headers.
    :param body: the whole (capped) body.
    :param request: the request it answers.
    """
    return parse_response(
        status,
        headers,
        body,
        target=request.target,
        sent_trace_id=request.trace_id,
        secrets=request.secrets,
        auth_type=request.auth_type,
    )


def cluster_filter(name: str | None) -> list[tuple[str, str]]:
    """OCP's cluster list parameters: its own ``name`` filter (any part of the name, any case) when given.

    :param name: the filter, or None for every cluster.
    """
    return [("name", name)] if name else []


def start_walk(settings: OCPSettings, path: str, page_size: int | None, identity: Identity) -> PageWalk:
    """A page walk of ``path``, its page size checked before any request.

    :param settings: the connection's settings (default page size, page limit).
    :param path: the path below ``/api/v2``.
    :param page_size: records per page, or None for the connection's.
    :param identity: tells records apart.
    """
    size = validate_page_size(page_size if page_size is not None else settings.page_size)  # before any request
    return PageWalk(page_size=size, max_pages=settings.max_pages, target=path, identity=identity)
