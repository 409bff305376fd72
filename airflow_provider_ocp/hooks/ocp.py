"""OCPHook and OCPAsyncHook: OCP's REST API from a worker (requests, here) and from the triggerer (httpx,
:mod:`~airflow_provider_ocp.hooks.ocp_async`, importable from here too).

Both sit on the transport-free :mod:`airflow_provider_ocp.client` (requests, signing, envelope, page walk, limits)
and share one retry driver (:class:`~airflow_provider_ocp.hooks.base.OCPBaseHook`); only the transport differs. The
restore drill's calls (recoverable windows, restores, backups, OCP tasks) are :class:`~airflow_provider_ocp.hooks.
drills.DrillMethods`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Generator, Iterator, Sequence
from functools import cached_property
from typing import Any

import requests

from airflow_provider_ocp.client.errors import OCPRequestRejectedError
from airflow_provider_ocp.client.hints import connected_message
from airflow_provider_ocp.client.limits import CHUNK_BYTES, CappedBody, deadline_error
from airflow_provider_ocp.client.log_secrets import secrets_hidden
from airflow_provider_ocp.client.pagination import PageResult, whole_record_identity
from airflow_provider_ocp.client.prefetch import PagePrefetcher, ReadAheadCancelled
from airflow_provider_ocp.client.request import OCPRequest, build_request, json_body
from airflow_provider_ocp.client.response import Envelope
from airflow_provider_ocp.client.retry import RetryPolicy
from airflow_provider_ocp.client.settings import OCPSettings, settings_from_airflow_connection
from airflow_provider_ocp.hooks.base import Identity, OCPBaseHook, cluster_filter, envelope_of, start_walk
from airflow_provider_ocp.hooks.deadline import DeadlineWatchdog
from airflow_provider_ocp.hooks.drills import DrillMethods
from airflow_provider_ocp.hooks.ocp_async import OCPAsyncHook
from airflow_provider_ocp.hooks.public_methods import hook_errors
from airflow_provider_ocp.hooks.task_lists import listed, task_list, walk_task_list
from airflow_provider_ocp.hooks.transport import TRANSPORT_ERRORS, open_requests_session, transport_error
from airflow_provider_ocp.log_backup.clusters import cluster_choice, cluster_named, missing_cluster
from airflow_provider_ocp.log_backup.query import LogBackupQuery, validated_query
from airflow_provider_ocp.log_backup.records import LOG_BACKUP_TASKS, TaskKind
from airflow_provider_ocp.log_backup.snapshot import LogBackupSnapshot
from airflow_provider_ocp.log_backup.task_pages import TaskInput, task_page, walk_identity
from airflow_provider_ocp.provider_info import connection_form_widgets, ui_field_behaviour


@hook_errors(fail_at_once=True)  # bad input and rejected requests fail the task at once (AirflowFailException)
class OCPHook(DrillMethods, OCPBaseHook):
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
                return self._send(build_request(self.settings, path, params))  # a fresh Date and trace id per try
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def post_envelope(self, path: str, payload: dict[str, Any]) -> Envelope:
        """POST a JSON body that starts work in OCP (a restore, a backup) and return OCP's envelope.

        Never repeated once it may have reached OCP: only a failure before any connection was made is retried (a
        second POST could start a second restore). Whoever calls this re-attaches to what a lost answer started.

        :param path: the path below ``/api/v2``.
        :param payload: the JSON body; signed as sent.
        """
        body = json_body(payload)
        for attempt in self._get_retry_object(self.retry_policy, starts_work=True):
            with attempt:
                return self._send(build_request(self.settings, path, body=body))
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def _send(self, request: OCPRequest) -> Envelope:
        watchdog = DeadlineWatchdog(self.settings.request_deadline)  # from connecting to the body's last byte
        read_timeout = min(self.settings.read_timeout, self.settings.request_deadline)
        with secrets_hidden(request.secrets):  # nor may any library's log record show them
            try:
                # The watchdog lets go of the connection before the response, closing, hands it back to the pool.
                with contextlib.ExitStack() as closing, watchdog:
                    response = closing.enter_context(
                        self.session.request(
                            request.method,
                            request.url,
                            data=request.body,
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
            for page in self.iter_pages(query.path, query.params, page_size, walk_identity(every_status, query.kind)):
                yield task_page(page, query.kind)
        except OCPRequestRejectedError as error:  # a 404: a cluster OCP does not know? list those it does
            raise missing_cluster(error, query.cluster_id, self.list_clusters)  # noqa: B904

    iter_log_backup_tasks = task_list(
        walk_task_list,
        LOG_BACKUP_TASKS,
        "iter_log_backup_tasks",
        "Yield the log backup tasks of a cluster (as a list: get_log_backup_tasks); a task is its cluster, tenant,\n"
        "``createTime`` and ``backupUri`` (OCP gives it no id).",
    )
    get_log_backup_tasks = listed(iter_log_backup_tasks)

    def iter_tasks(
        self, kind: TaskKind, task_input: TaskInput, page_size: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """The one walk behind every task list (log backup, data backup, restore tasks): checked input in,
        normalised records out.

        :param kind: which task list.
        :param task_input: the checked input (:meth:`TaskInput.check`).
        :param page_size: records per page; default the connection's.
        """
        query = task_input.query(self.cluster_id_of(task_input.cluster), kind)
        for page in self.iter_query_pages(query, page_size):
            yield from page.records

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


__all__ = ["OCPAsyncHook", "OCPHook"]
