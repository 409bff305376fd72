"""OCPHook and OCPAsyncHook: OCP's REST API from a worker (requests) and from the triggerer (httpx).

Both sit on the transport-free :mod:`airflow_provider_ocp.client` (requests, signing, envelope, page walk, limits)
and share one retry driver (:class:`~airflow_provider_ocp.hooks.base.OCPBaseHook`); only the transport differs.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Generator, Iterator, Sequence
from datetime import datetime
from functools import cached_property
from types import TracebackType
from typing import Any

import httpx
import requests
from airflow.providers.common.compat.connection import get_async_connection, get_async_extra_dejson

from airflow_provider_ocp.client.errors import OCPRequestRejectedError
from airflow_provider_ocp.client.hints import connected_message
from airflow_provider_ocp.client.limits import CHUNK_BYTES, CappedBody, deadline_error
from airflow_provider_ocp.client.log_secrets import secrets_hidden
from airflow_provider_ocp.client.pagination import PageResult, whole_record_identity
from airflow_provider_ocp.client.prefetch import PagePrefetcher, ReadAheadCancelled
from airflow_provider_ocp.client.request import OCPRequest, build_get
from airflow_provider_ocp.client.response import Envelope
from airflow_provider_ocp.client.retry import RetryPolicy
from airflow_provider_ocp.client.settings import OCPSettings, settings_from_airflow_connection
from airflow_provider_ocp.hooks.base import Identity, OCPBaseHook, cluster_filter, envelope_of, listed, start_walk
from airflow_provider_ocp.hooks.deadline import DeadlineWatchdog
from airflow_provider_ocp.hooks.failures import fails_at_once
from airflow_provider_ocp.hooks.shared_client import acquire_client, release_client
from airflow_provider_ocp.hooks.transport import TRANSPORT_ERRORS, open_requests_session, transport_error
from airflow_provider_ocp.log_backup.clusters import a_missing_cluster, cluster_choice, cluster_named, missing_cluster
from airflow_provider_ocp.log_backup.query import LogBackupQuery, validated_query
from airflow_provider_ocp.log_backup.snapshot import LogBackupSnapshot
from airflow_provider_ocp.log_backup.task_pages import TaskInput, task_page, walk_identity
from airflow_provider_ocp.provider_info import connection_form_widgets, ui_field_behaviour


@fails_at_once  # bad input and rejected requests fail the task at once (AirflowFailException)
class OCPHook(OCPBaseHook):
    """Talk to OceanBase Cloud Platform from a worker: authentication, retries, pagination and OCP's envelope.

    :param ocp_conn_id: the Airflow connection of type ``ocp`` to use.
    """

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """The connection form's extra fields on Airflow 3.0 and 3.1 (3.2+ reads ``conn-fields``): defined on this
        class, not inherited, as those lines look for both form methods in the hook class's ``__dict__``. Built from
        :data:`~airflow_provider_ocp.provider_info.CONNECTION_FIELDS` with wtforms only (3.0 needs it installed).
        """
        return connection_form_widgets()

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Form labels and placeholders on Airflow 3.0 and 3.1 (3.2+ reads ``ui-field-behaviour`` instead)."""
        return ui_field_behaviour()

    @cached_property
    def settings(self) -> OCPSettings:
        """The validated connection settings (read once per hook)."""
        return settings_from_airflow_connection(self.ocp_conn_id, self.get_connection(self.ocp_conn_id))

    @cached_property
    def session(self) -> requests.Session:
        """One pooled HTTP session per hook; TLS verification and proxies come from the connection."""
        return open_requests_session(self.settings)

    def get_conn(self) -> requests.Session:
        """The HTTP session, as Airflow's hook contract expects."""
        return self.session

    @cached_property
    def retry_policy(self) -> RetryPolicy:
        """The retry policy from the connection extras."""
        return RetryPolicy.from_settings(self.settings)

    def get_envelope(
        self,
        path: str,
        params: Sequence[tuple[str, str]] = (),
        *,
        retry_policy: RetryPolicy | None = None,
        stop: threading.Event | None = None,
    ) -> Envelope:
        """GET an API path with retries and return OCP's envelope, or raise :class:`OCPAPIError`.

        :param path: the path below ``/api/v2``.
        :param params: query parameters, sent sorted and strictly encoded.
        :param retry_policy: overrides the connection's policy (``test_connection`` must answer quickly).
        :param stop: the page walk's stop signal: once set, no further attempt is sent.
        """
        for attempt in self._get_retry_object(retry_policy or self.retry_policy, stop):
            with attempt:
                if stop is not None and stop.is_set():
                    raise ReadAheadCancelled
                return self._send(build_get(self.settings, path, params))  # a fresh Date and trace id per try
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def _send(self, request: OCPRequest) -> Envelope:
        watchdog = DeadlineWatchdog(self.settings.request_deadline)  # from connecting to the body's last byte
        read_timeout = min(self.settings.read_timeout, self.settings.request_deadline)
        with secrets_hidden(request.secrets):  # nor may any library's log record show them
            try:
                # The watchdog lets go of the connection before the response, closing, hands it back to the pool.
                with contextlib.ExitStack() as closing, watchdog:
                    response = closing.enter_context(
                        self.session.get(
                            request.url,
                            headers=request.headers,
                            timeout=(self.settings.connect_timeout, read_timeout),
                            allow_redirects=False,
                            stream=True,  # read in chunks, so the size cap applies while the body arrives
                        )
                    )
                    body = CappedBody(self.settings, request, response.headers.get("Content-Encoding"))
                    for chunk in response.raw.stream(CHUNK_BYTES, decode_content=False):
                        body.add(chunk)
            except TRANSPORT_ERRORS as exc:
                if not watchdog.expired:
                    raise transport_error(exc, request, self.settings) from None
            if watchdog.expired:  # the cut may also end the headers or the body early without an error
                raise deadline_error(self.settings, request) from None
            return envelope_of(response.status_code, response.headers, body.bytes(), request)

    def iter_pages(
        self,
        path: str,
        params: Sequence[tuple[str, str]] = (),
        page_size: int | None = None,
        identity: Identity = whole_record_identity,
    ) -> Generator[PageResult, None, None]:
        """Walk every page of a paginated endpoint, yielding each page's new records (no duplicates).

        Once the first page announces the page count, up to ``concurrency`` (connection extra, default 4) pages are
        fetched ahead in parallel; they are still accepted strictly in order.

        :param path: the path below ``/api/v2``.
        :param params: query parameters other than ``page`` and ``size``.
        :param page_size: records per page; defaults to the connection's (2000, OCP's maximum).
        :param identity: tells records apart, so a record shifted across pages is returned once.
        """
        walk = start_walk(self.settings, path, page_size, identity)
        stop = threading.Event()

        def fetch(number: int) -> Envelope:
            page_params = [*params, ("page", str(number)), ("size", str(walk.page_size))]
            return self.get_envelope(path, page_params, stop=stop)

        with PagePrefetcher(fetch, self.settings.concurrency, stop) as pages:
            while walk.next_page is not None:
                yield walk.take(pages.get(walk.next_page, walk.total_pages))

    def iter_query_pages(
        self, query: LogBackupQuery, page_size: int | None = None, *, every_status: bool = False
    ) -> Generator[PageResult, None, None]:
        """The pages of a query an adapter has validated (operator, sensor): nothing is checked again.

        :param query: the validated query (:func:`~airflow_provider_ocp.log_backup.query.validated_query`).
        :param page_size: records per page; default the connection's.
        :param every_status: return a task again when a later page shows it with another status (the gate must see
            both and wait); by default each task comes once, as first seen.
        """
        try:
            for page in self.iter_pages(query.path, query.params, page_size, walk_identity(every_status)):
                yield task_page(page)
        except OCPRequestRejectedError as error:  # a 404: a cluster OCP does not know? list those it does
            raise missing_cluster(error, query.cluster_id, self.list_clusters)  # noqa: B904

    def iter_log_backup_tasks(
        self,
        cluster_id: int | str | None = None,
        start_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
        page_size: int | None = None,
        tenant_id: int | str | None = None,
        *,
        cluster_name: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield the log backup tasks of a cluster, normalised, across all pages (as a list: get_log_backup_tasks).

        Input is checked before any request: a positive cluster id (or a name, looked up in OCP's list), aware times,
        both or neither, start not after end, a page size from 1 (above 2000 lowered with a warning). Each task comes
        once, as first seen, even if it moves between pages.

        :param cluster_id: OCP cluster id (or give ``cluster_name``).
        :param start_time: window start (aware datetime or ISO text with offset); both bounds or neither.
        :param end_time: window end.
        :param page_size: records per page; default the connection's page size (2000, OCP's maximum).
        :param tenant_id: restrict to one tenant (OCP 4.x tenant endpoint).
        :param cluster_name: the cluster's name as OCP shows it, instead of ``cluster_id``.
        """
        task_input = TaskInput.check(cluster_id, cluster_name, start_time, end_time, tenant_id)
        query = task_input.query(self.cluster_id_of(task_input.cluster))
        for page in self.iter_query_pages(query, page_size):
            yield from page.records

    get_log_backup_tasks = listed(iter_log_backup_tasks)

    def get_log_backup_snapshot(
        self, cluster_id: int | str | None = None, *, cluster_name: str | None = None
    ) -> LogBackupSnapshot:
        """Every log backup task of a cluster now, with OCP's clock (for delays OCP leaves out).

        :param cluster_id: OCP cluster id (or give ``cluster_name``).
        :param cluster_name: the cluster's name as OCP shows it.
        """
        query = validated_query(self.resolve_cluster_id(cluster_id, cluster_name))
        return LogBackupSnapshot.from_pages(self.iter_query_pages(query))

    def list_clusters(self, name: str | None = None) -> list[dict[str, Any]]:
        """Return OCP's clusters (id, name, ...), e.g. to find a cluster id by name.

        :param name: optional name filter, passed to OCP (which matches any part of the name, ignoring case).
        """
        return [record for page in self.iter_pages("/ob/clusters", cluster_filter(name)) for record in page.records]

    def resolve_cluster_id(self, cluster_id: object = None, cluster_name: object = None) -> int:
        """The cluster id, given either the id or the cluster's exact name; an unknown or ambiguous name is an
        :class:`~airflow_provider_ocp.exceptions.OCPInputError` listing the clusters OCP knows.

        :param cluster_id: OCP's cluster id.
        :param cluster_name: the name OCP shows for the cluster.
        """
        return self.cluster_id_of(cluster_choice(cluster_id, cluster_name))

    def cluster_id_of(self, choice: int | str) -> int:
        """A checked choice's cluster id: the id itself, or the named cluster's, from OCP's cluster list.

        :param choice: what :func:`~airflow_provider_ocp.log_backup.clusters.cluster_choice` returned (an adapter
            checks its input before any request, and looks the name up here, when it runs).
        """
        return choice if isinstance(choice, int) else cluster_named(choice, self.list_clusters())

    def test_connection(self) -> tuple[bool, str]:
        """Check URL, TLS and credentials with a cheap authenticated read (one cluster)."""
        try:
            quick = RetryPolicy(max_retries=1, backoff=0.5, max_wait=2.0)
            envelope = self.get_envelope("/ob/clusters", [("page", "1"), ("size", "1")], retry_policy=quick)
        except Exception as error:  # the UI shows the message; it never carries credentials
            return False, str(error)
        return True, connected_message(self.settings, envelope.trace_id)


class OCPAsyncHook(OCPBaseHook):
    """The triggerer's OCP hook: the same requests, parsing and retries as :class:`OCPHook`, never blocking the loop.

    Use it as ``async with OCPAsyncHook(conn_id) as hook:``; entering reads the connection the async-safe way and takes
    the loop's pooled ``httpx.AsyncClient`` of the connection, shared with up to 49 other hooks (so sensors on one OCP
    share a few connections: :mod:`~airflow_provider_ocp.hooks.shared_client`); a bad CA bundle fails there.

    :param ocp_conn_id: the Airflow connection of type ``ocp`` to use.
    :param settings: settings already read (tests, tools); the connection is then not read.
    :param retry_policy: overrides the connection's retry policy.
    """

    def __init__(
        self,
        ocp_conn_id: str = OCPBaseHook.default_conn_name,
        *,
        settings: OCPSettings | None = None,
        retry_policy: RetryPolicy | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(ocp_conn_id, **kwargs)
        self._settings = settings
        self._retry_policy = retry_policy
        self._client: httpx.AsyncClient | None = None

    @property
    def settings(self) -> OCPSettings:
        """The connection settings; read when the hook is entered."""
        if self._settings is None:
            raise RuntimeError("use OCPAsyncHook as 'async with OCPAsyncHook(conn_id) as hook:'")
        return self._settings

    async def __aenter__(self) -> OCPAsyncHook:
        if self._settings is None:
            conn = await get_async_connection(self.ocp_conn_id)  # never get_connection() in the event loop
            extra = await get_async_extra_dejson(conn)
            self._settings = settings_from_airflow_connection(self.ocp_conn_id, conn, extra)
        self._client = acquire_client(self._settings)  # shared with this loop's other hooks of the connection
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await release_client(self.settings, client)

    async def get_envelope(self, path: str, params: Sequence[tuple[str, str]] = ()) -> Envelope:
        """GET an API path with retries (async sleeps) and return OCP's envelope, or raise :class:`OCPAPIError`.

        :param path: the path below ``/api/v2``.
        :param params: query parameters.
        """
        policy = self._retry_policy or RetryPolicy.from_settings(self.settings)
        async for attempt in self._a_get_retry_object(policy):
            with attempt:
                return await self._send(build_get(self.settings, path, params))
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def _send(self, request: OCPRequest) -> Envelope:
        if self._client is None:
            raise RuntimeError("use OCPAsyncHook as 'async with OCPAsyncHook(conn_id) as hook:'")
        with secrets_hidden(request.secrets):  # nor may any library's log record show them
            try:
                async with asyncio.timeout(self.settings.request_deadline):
                    async with self._client.stream("GET", request.url, headers=request.headers) as response:
                        body = CappedBody(self.settings, request, response.headers.get("Content-Encoding"))
                        async for chunk in response.aiter_raw(CHUNK_BYTES):
                            body.add(chunk)
            except TimeoutError:
                raise deadline_error(self.settings, request) from None
            except httpx.HTTPError as exc:  # in a thread: a TLS failure may read OCP's certificate again
                raise await asyncio.to_thread(transport_error, exc, request, self.settings) from None
            return envelope_of(response.status_code, response.headers, body.bytes(), request)

    async def iter_pages(
        self,
        path: str,
        params: Sequence[tuple[str, str]] = (),
        page_size: int | None = None,
        identity: Identity = whole_record_identity,
    ) -> AsyncIterator[PageResult]:
        """Walk every page in order, as :meth:`OCPHook.iter_pages` does (without read-ahead).

        :param path: the path below ``/api/v2``.
        :param params: query parameters other than ``page`` and ``size``.
        :param page_size: records per page; defaults to the connection's.
        :param identity: tells records apart, so a record shifted across pages is returned once.
        """
        walk = start_walk(self.settings, path, page_size, identity)
        while walk.next_page is not None:
            page_params = [*params, ("page", str(walk.next_page)), ("size", str(walk.page_size))]
            yield walk.take(await self.get_envelope(path, page_params))

    async def iter_log_backup_task_pages(
        self, cluster_id: int | str | None = None, *, cluster_name: str | None = None, every_status: bool = False
    ) -> AsyncIterator[PageResult]:
        """Every log backup task of a cluster now, page by page, normalised (a gate keeps only what it needs).

        :param cluster_id: OCP cluster id (or give ``cluster_name``).
        :param cluster_name: the cluster's name as OCP shows it.
        :param every_status: as in :meth:`OCPHook.iter_query_pages`.
        """
        query = validated_query(await self.resolve_cluster_id(cluster_id, cluster_name))
        async for page in self.iter_query_pages(query, every_status=every_status):
            yield page

    async def iter_query_pages(self, query: LogBackupQuery, *, every_status: bool = False) -> AsyncIterator[PageResult]:
        """The pages of a validated query, as :meth:`OCPHook.iter_query_pages` (the trigger's polls).

        :param query: the validated query.
        :param every_status: as in :meth:`OCPHook.iter_query_pages`.
        """
        try:
            async for page in self.iter_pages(query.path, query.params, identity=walk_identity(every_status)):
                yield task_page(page)
        except OCPRequestRejectedError as error:  # a 404 may be a cluster OCP does not know: list those it does
            raise await a_missing_cluster(error, query.cluster_id, self.list_clusters)  # noqa: B904

    async def get_log_backup_snapshot(
        self, cluster_id: int | str | None = None, *, cluster_name: str | None = None
    ) -> LogBackupSnapshot:
        """Every log backup task of a cluster now, normalised, with OCP's clock.

        :param cluster_id: OCP cluster id (or give ``cluster_name``).
        :param cluster_name: the cluster's name as OCP shows it.
        """
        pages = self.iter_log_backup_task_pages(cluster_id, cluster_name=cluster_name)
        return LogBackupSnapshot.from_pages([page async for page in pages])

    async def list_clusters(self, name: str | None = None) -> list[dict[str, Any]]:
        """OCP's clusters, as :meth:`OCPHook.list_clusters`.

        :param name: optional name filter, passed to OCP.
        """
        pages = self.iter_pages("/ob/clusters", cluster_filter(name))
        return [record async for page in pages for record in page.records]

    async def resolve_cluster_id(self, cluster_id: object = None, cluster_name: object = None) -> int:
        """The cluster id from the id or the exact name, as :meth:`OCPHook.resolve_cluster_id`.

        :param cluster_id: OCP's cluster id.
        :param cluster_name: the name OCP shows for the cluster.
        """
        return await self.cluster_id_of(cluster_choice(cluster_id, cluster_name))

    async def cluster_id_of(self, choice: int | str) -> int:
        """A checked choice's cluster id, as :meth:`OCPHook.cluster_id_of`.

        :param choice: what :func:`~airflow_provider_ocp.log_backup.clusters.cluster_choice` returned.
        """
        return choice if isinstance(choice, int) else cluster_named(choice, await self.list_clusters())
