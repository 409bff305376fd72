"""The asynchronous OCP client used by triggers: same requests, same parsing, never blocks the event loop.

It shares request building (:mod:`~airflow_provider_ocp.client.request`), the envelope
(:mod:`~airflow_provider_ocp.client.response`), the retry policy and the page walk with the synchronous
:class:`~airflow_provider_ocp.hooks.ocp.OCPHook`; only the transport (httpx instead of requests) differs.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import ssl
from collections.abc import AsyncIterator, Sequence
from types import TracebackType
from typing import Any

import certifi
import httpx

from airflow_provider_ocp.client.pagination import PageWalk, parse_page
from airflow_provider_ocp.client.request import OCPRequest, build_get
from airflow_provider_ocp.client.response import Envelope, parse_response, redact
from airflow_provider_ocp.client.retry import RetryPolicy
from airflow_provider_ocp.client.settings import OCPSettings, ca_bundle_message
from airflow_provider_ocp.exceptions import OCPAPIError, OCPInputError
from airflow_provider_ocp.log_backup.query import LogBackupSnapshot, log_backup_tasks_query, parse_server_time
from airflow_provider_ocp.log_backup.records import normalize_task

log = logging.getLogger(__name__)


class OCPAsyncClient:
    """An async context manager holding one pooled ``httpx.AsyncClient`` for one OCP connection.

    :param settings: the connection's settings (built with
        :func:`~airflow_provider_ocp.client.settings.settings_from_connection`).
    :param retry_policy: overrides the connection's retry policy.
    """

    def __init__(self, settings: OCPSettings, retry_policy: RetryPolicy | None = None) -> None:
        self.settings = settings
        self.retry_policy = retry_policy or RetryPolicy.from_settings(settings)
        self._verify = _ssl_verify(settings.verify)  # here, so a CA bundle that cannot load fails at construction
        self._client: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.settings.base_url!r})"

    async def __aenter__(self) -> OCPAsyncClient:
        self._client = httpx.AsyncClient(
            verify=self._verify,
            timeout=httpx.Timeout(self.settings.read_timeout, connect=self.settings.connect_timeout),
            follow_redirects=False,
            mounts=_proxy_mounts(self.settings.proxies),
            trust_env=True,
        )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def get_envelope(self, path: str, params: Sequence[tuple[str, str]] = ()) -> Envelope:
        """GET an API path with retries (async sleeps) and return OCP's envelope, or raise :class:`OCPAPIError`.

        :param path: the path below ``/api/v2``.
        :param params: query parameters.
        """
        retry_number = 0
        while True:
            request = build_get(self.settings, path, params)
            try:
                return await self._send(request)
            except OCPAPIError as error:
                retry_number += 1
                wait = self.retry_policy.wait_before(retry_number, error)
                if wait is None:
                    raise
                log.warning(
                    "OCP request %s failed (retry %s of %s in %.1fs): %s",
                    request.target,
                    retry_number,
                    self.retry_policy.max_retries,
                    wait,
                    error,
                )
                await asyncio.sleep(wait)

    async def _send(self, request: OCPRequest) -> Envelope:
        if self._client is None:
            raise RuntimeError("use OCPAsyncClient as 'async with OCPAsyncClient(settings) as client:'")
        try:
            response = await self._client.get(request.url, headers=request.headers)
        except httpx.HTTPError as exc:
            raise _transport_error(exc, request, self.settings) from None
        return parse_response(
            response.status_code,
            response.headers,
            response.content,
            target=request.target,
            sent_trace_id=request.trace_id,
            secrets=request.secrets,
        )

    async def iter_pages(
        self, path: str, params: Sequence[tuple[str, str]] = (), page_size: int | None = None
    ) -> AsyncIterator[tuple[list[dict[str, Any]], Envelope]]:
        """Walk every page, yielding each page's new raw records with its envelope.

        :param path: the path below ``/api/v2``.
        :param params: query parameters other than ``page`` and ``size``.
        :param page_size: records per page; defaults to the connection's.
        """
        size = page_size or self.settings.page_size
        walk = PageWalk(page_size=size, max_pages=self.settings.max_pages, target=path)
        while walk.next_page is not None:
            envelope = await self.get_envelope(path, [*params, ("page", str(walk.next_page)), ("size", str(size))])
            yield walk.accept(parse_page(envelope.data, target=path)), envelope

    async def get_log_backup_snapshot(self, cluster_id: int | str) -> LogBackupSnapshot:
        """Every log backup task of a cluster now, normalised, with OCP's clock.

        :param cluster_id: OCP cluster id.
        """
        query = log_backup_tasks_query(cluster_id)
        tasks: list[dict[str, Any]] = []
        server_time = None
        async for records, envelope in self.iter_pages(query.path, query.params):
            tasks.extend(normalize_task(record) for record in records)
            server_time = parse_server_time(envelope.timestamp) or server_time
        return LogBackupSnapshot(tasks, server_time)


def _ssl_verify(verify: bool | str) -> bool | ssl.SSLContext:
    """The TLS verification httpx should use, matching the synchronous hook (requests) exactly.

    ``verify=True`` trusts what the environment names, as requests does (``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``,
    then ``SSL_CERT_FILE``), else certifi's bundle; a path trusts that bundle; False turns verification off.
    """
    if verify is False:
        return False
    if isinstance(verify, str):
        return _ssl_context(verify)
    environment = next((os.environ[name] for name in _CA_BUNDLE_VARIABLES if os.environ.get(name)), None)
    return _ssl_context(environment or certifi.where())


_CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")


@functools.lru_cache(maxsize=16)
def _ssl_context(cafile: str) -> ssl.SSLContext:
    """One SSL context per CA bundle, shared by every client in the process.

    Building a context loads the CA store (tens of milliseconds of CPU); a triggerer running many triggers would
    otherwise stall its event loop building one per trigger.
    """
    try:
        return ssl.create_default_context(cafile=cafile)
    except OSError as error:  # missing, unreadable or not PEM: "[Errno 2]" alone would not say which file
        raise OCPInputError(ca_bundle_message(cafile, error)) from None


def _proxy_mounts(proxies: dict[str, str] | None) -> dict[str, httpx.AsyncBaseTransport | None] | None:
    if not proxies:
        return None
    return {
        f"{scheme}://": httpx.AsyncHTTPTransport(proxy=url)
        for scheme, url in proxies.items()
        if scheme in ("http", "https")
    }


def _transport_error(exc: httpx.HTTPError, request: OCPRequest, settings: OCPSettings) -> OCPAPIError:
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or (isinstance(exc, httpx.ConnectError) and "SSL" in text):
        message = (
            "TLS verification of OCP's certificate failed: if OCP uses a private or self-signed CA, set the "
            "connection extra 'ca_bundle' to that CA's PEM file (certificate verify failed)"
        )
        retryable = False
    elif isinstance(exc, httpx.ConnectTimeout):
        message, retryable = f"Could not connect to OCP within {settings.connect_timeout:g}s", True
    elif isinstance(exc, httpx.ReadTimeout):
        message, retryable = f"OCP did not answer within the read timeout of {settings.read_timeout:g}s", True
    elif isinstance(exc, httpx.TransportError):
        message, retryable = f"Connection to OCP failed or was dropped ({type(exc).__name__}: {text[:200]})", True
    else:
        message, retryable = f"Request to OCP failed ({type(exc).__name__})", False
    return OCPAPIError(
        redact(message, request.secrets), trace_id=request.trace_id, path=request.target, retryable=retryable
    )
