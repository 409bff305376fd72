"""OCPAsyncHook: OCP's REST API from the triggerer (httpx), with the same requests, parsing and retries as
:class:`~airflow_provider_ocp.hooks.ocp.OCPHook` (:mod:`airflow_provider_ocp.client` and one retry driver,
:class:`~airflow_provider_ocp.hooks.base.OCPBaseHook`); only the transport differs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from types import TracebackType
from typing import Any

import httpx
from airflow.providers.common.compat.connection import get_async_connection, get_async_extra_dejson

from airflow_provider_ocp.client.errors import OCPRequestRejectedError
from airflow_provider_ocp.client.limits import CHUNK_BYTES, CappedBody, deadline_error
from airflow_provider_ocp.client.log_secrets import secrets_hidden
from airflow_provider_ocp.client.pagination import PageResult, whole_record_identity
from airflow_provider_ocp.client.request import OCPRequest, build_request
from airflow_provider_ocp.client.response import Envelope
from airflow_provider_ocp.client.retry import RetryPolicy
from airflow_provider_ocp.client.settings import OCPSettings, settings_from_airflow_connection
from airflow_provider_ocp.hooks.base import Identity, OCPBaseHook, cluster_filter, envelope_of, start_walk
from airflow_provider_ocp.hooks.public_methods import hook_errors
from airflow_provider_ocp.hooks.shared_client import acquire_client, release_client
from airflow_provider_ocp.hooks.transport import transport_error
from airflow_provider_ocp.log_backup.clusters import a_missing_cluster, cluster_choice, cluster_named
from airflow_provider_ocp.log_backup.query import LogBackupQuery, validated_query
from airflow_provider_ocp.log_backup.records import DATA_BACKUP_TASKS
from airflow_provider_ocp.log_backup.snapshot import LogBackupSnapshot
from airflow_provider_ocp.log_backup.task_pages import task_page, walk_identity
from airflow_provider_ocp.restores.windows import Window, recoverable_windows


@hook_errors(fail_at_once=False)  # the trigger turns errors into events; they never quote the connection's secrets
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

    def _settings_if_read(self) -> OCPSettings | None:
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
                return await self._send(build_request(self.settings, path, params))
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def _send(self, request: OCPRequest) -> Envelope:
        if self._client is None:
            raise RuntimeError("use OCPAsyncHook as 'async with OCPAsyncHook(conn_id) as hook:'")
        with secrets_hidden(request.secrets):  # nor may any library's log record show them
            try:
                async with asyncio.timeout(self.settings.request_deadline):
                    async with self._client.stream(
                        request.method, request.url, headers=request.headers, content=request.body
                    ) as response:
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
            identity = walk_identity(every_status, query.kind)
            async for page in self.iter_pages(query.path, query.params, identity=identity):
                yield task_page(page, query.kind)
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

    async def get_data_backup_tasks(self, cluster_id: int) -> list[dict[str, Any]]:
        """A cluster's data backup tasks now (every page, no window), normalised, each once by ``taskId``: the event
        trigger's ``watch_data_backups``.

        :param cluster_id: a validated cluster id.
        """
        query = validated_query(int(cluster_id), kind=DATA_BACKUP_TASKS)
        return [record async for page in self.iter_query_pages(query) for record in page.records]

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

    async def get_task(self, task_id: int) -> dict[str, Any]:
        """One OCP task instance as sent, as :meth:`~airflow_provider_ocp.hooks.drills.DrillMethods.get_task`.

        :param task_id: OCP's task instance id (validated by the caller: the trigger got it from its operator).
        """
        data = (await self.get_envelope(f"/tasks/instances/{int(task_id)}")).data
        return dict(data) if isinstance(data, dict) else {}

    async def get_subtask_log(self, task_id: int, subtask_id: int) -> str:
        """A subtask's log text ("" when OCP has none).

        :param task_id: OCP's task instance id.
        :param subtask_id: the subtask's id.
        """
        data = (await self.get_envelope(f"/tasks/instances/{int(task_id)}/subtasks/{int(subtask_id)}/log")).data
        log = data.get("log") if isinstance(data, dict) else data
        return log if isinstance(log, str) else ""

    async def get_recoverable_windows(
        self, cluster_id: int, tenant_ids: Sequence[int] | None = None
    ) -> dict[int, list[Window]]:
        """Per tenant, the times OCP can restore it to, as :meth:`OCPHook.get_recoverable_windows
        <airflow_provider_ocp.hooks.drills.DrillMethods.get_recoverable_windows>` (the gate's trigger).

        :param cluster_id: a validated cluster id.
        :param tenant_ids: only these tenants; None: every tenant.
        """
        data = (await self.get_envelope(f"/ob/clusters/{int(cluster_id)}/backup/info")).data
        return recoverable_windows(data, tenant_ids)
