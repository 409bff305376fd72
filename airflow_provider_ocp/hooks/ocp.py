"""OCPHook: the synchronous client for OCP's REST API, configured by an Airflow connection of type ``ocp``."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import Any

import requests
from airflow.sdk import BaseHook
from requests.adapters import HTTPAdapter

from airflow_provider_ocp.client.pagination import PageWalk, parse_page
from airflow_provider_ocp.client.prefetch import PagePrefetcher
from airflow_provider_ocp.client.request import OCPRequest, build_get
from airflow_provider_ocp.client.response import Envelope, parse_response, redact
from airflow_provider_ocp.client.retry import RetryPolicy
from airflow_provider_ocp.client.settings import OCPSettings, ca_bundle_message, settings_from_airflow_connection
from airflow_provider_ocp.exceptions import OCPAPIError, OCPInputError
from airflow_provider_ocp.log_backup.query import LogBackupSnapshot, log_backup_tasks_query, parse_server_time
from airflow_provider_ocp.log_backup.records import normalize_task
from airflow_provider_ocp.provider_info import UI_FIELD_BEHAVIOUR
from airflow_provider_ocp.validation import validate_page_size

_ERRNO_REASON = re.compile(r"\[Errno -?\d+\] [^'\")]+|Connection aborted|IncompleteRead|Response ended prematurely")


@dataclass(frozen=True)
class PageResult:
    """Records new in one page of a walk, with progress for logging.

    :param records: the records of this page not returned before (raw, or normalised by the caller's method).
    :param page_number: the 1-based page just read.
    :param records_so_far: distinct records returned by the walk, this page included.
    :param total_elements: OCP's ``totalElements``, if it sent one.
    :param total_pages: OCP's page count (sent or computed), if known.
    :param server_time: OCP's clock at this response.
    """

    records: list[dict[str, Any]]
    page_number: int
    records_so_far: int
    total_elements: int | None
    total_pages: int | None
    server_time: datetime | None


class OCPHook(BaseHook):
    """Talk to OceanBase Cloud Platform: authentication, retries, pagination and OCP's response envelope.

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

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Form labels for Airflow versions before declarative ``conn-fields`` (3.0, 3.1)."""
        return {
            "hidden_fields": UI_FIELD_BEHAVIOUR["hidden-fields"],
            "relabeling": UI_FIELD_BEHAVIOUR["relabeling"],
            "placeholders": UI_FIELD_BEHAVIOUR["placeholders"],
        }

    @cached_property
    def settings(self) -> OCPSettings:
        """The validated connection settings (read once per hook)."""
        return settings_from_airflow_connection(self.ocp_conn_id, self.get_connection(self.ocp_conn_id))

    @cached_property
    def session(self) -> requests.Session:
        """One pooled HTTP session per hook; TLS verification and proxies come from the connection."""
        session = requests.Session()
        session.verify = self.settings.verify
        session.trust_env = True
        session.auth = _KeepAuthorization()  # else requests would replace our header with ~/.netrc credentials
        if self.settings.proxies:
            session.proxies.update(self.settings.proxies)
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    def get_conn(self) -> requests.Session:
        """The HTTP session, as Airflow's hook contract expects."""
        return self.session

    @cached_property
    def retry_policy(self) -> RetryPolicy:
        """The retry policy from the connection extras."""
        return RetryPolicy.from_settings(self.settings)

    def get_envelope(
        self, path: str, params: Sequence[tuple[str, str]] = (), *, retry_policy: RetryPolicy | None = None
    ) -> Envelope:
        """GET an API path with retries and return OCP's envelope, or raise :class:`OCPAPIError`.

        :param path: the path below ``/api/v2``.
        :param params: query parameters, sent sorted and strictly encoded.
        :param retry_policy: overrides the connection's policy (``test_connection`` must answer quickly).
        """
        policy = retry_policy or self.retry_policy
        retry_number = 0
        while True:
            request = build_get(self.settings, path, params)
            try:
                return self._send(request)
            except OCPAPIError as error:
                retry_number += 1
                wait = policy.wait_before(retry_number, error)
                if wait is None:
                    raise
                self.log.warning(
                    "OCP request %s failed (retry %s of %s in %.1fs): %s",
                    request.target,
                    retry_number,
                    policy.max_retries,
                    wait,
                    error,
                )
                time.sleep(wait)

    def _send(self, request: OCPRequest) -> Envelope:
        try:
            response = self.session.get(
                request.url,
                headers=request.headers,
                timeout=(self.settings.connect_timeout, self.settings.read_timeout),
                allow_redirects=False,
                # Per request: requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override ``session.verify`` (so the
                # connection's ca_bundle or verify=false), but never an explicit per-request value.
                verify=self.settings.verify,
            )
            body = response.content
        except requests.RequestException as exc:
            raise transport_error(exc, request, self.settings) from None
        except OSError as exc:  # requests' own check of the CA bundle path (a plain OSError, before any request)
            if isinstance(self.settings.verify, str):
                raise OCPInputError(ca_bundle_message(self.settings.verify, exc)) from None
            raise
        return parse_response(
            response.status_code,
            response.headers,
            body,
            target=request.target,
            sent_trace_id=request.trace_id,
            secrets=request.secrets,
        )

    def iter_pages(
        self, path: str, params: Sequence[tuple[str, str]] = (), page_size: int | None = None
    ) -> Iterator[PageResult]:
        """Walk every page of a paginated endpoint, yielding each page's new records (no duplicates).

        :param path: the path below ``/api/v2``.
        :param params: query parameters other than ``page`` and ``size``.
        :param page_size: records per page; defaults to the connection's (2000, OCP's maximum).

        Once the first page announces the page count, up to ``concurrency`` (connection extra, default 4) pages are
        fetched ahead in parallel; they are still accepted strictly in order.
        """
        size = validate_page_size(page_size if page_size is not None else self.settings.page_size)
        walk = PageWalk(page_size=size, max_pages=self.settings.max_pages, target=path)

        def fetch(number: int) -> Envelope:
            return self.get_envelope(path, [*params, ("page", str(number)), ("size", str(size))])

        with PagePrefetcher(fetch, self.settings.concurrency) as pages:
            while walk.next_page is not None:
                number = walk.next_page
                envelope = pages.get(number, walk.total_pages)
                fresh = walk.accept(parse_page(envelope.data, target=path))
                yield PageResult(
                    fresh,
                    number,
                    walk.records_returned,
                    walk.total_elements,
                    walk.total_pages,
                    parse_server_time(envelope.timestamp),
                )

    def iter_log_backup_task_pages(
        self,
        cluster_id: int | str,
        start_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
        page_size: int | None = None,
        tenant_id: int | str | None = None,
    ) -> Iterator[PageResult]:
        """Like :meth:`iter_log_backup_tasks`, page by page, with progress; records are normalised.

        :param cluster_id: OCP cluster id.
        :param start_time: window start (aware); both bounds or neither.
        :param end_time: window end (aware).
        :param page_size: records per page, at most 2000.
        :param tenant_id: restrict to one tenant (OCP 4.x tenant endpoint).
        """
        query = log_backup_tasks_query(cluster_id, start_time, end_time, tenant_id)
        for page in self.iter_pages(query.path, query.params, page_size):  # validates page_size before any request
            yield replace(page, records=[normalize_task(record) for record in page.records])

    def iter_log_backup_tasks(
        self,
        cluster_id: int | str,
        start_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
        page_size: int | None = None,
        tenant_id: int | str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield the log backup tasks of a cluster, optionally within a time window, across all pages.

        Input is validated before any request: a positive integer cluster id, aware times, both bounds or neither,
        start not after end, a page size from 1 (above 2000 it is lowered with a warning).

        :param cluster_id: OCP cluster id.
        :param start_time: window start (aware datetime or ISO text with offset).
        :param end_time: window end.
        :param page_size: records per page; default the connection's page size (2000).
        :param tenant_id: restrict to one tenant (OCP 4.x tenant endpoint).
        """
        for page in self.iter_log_backup_task_pages(cluster_id, start_time, end_time, page_size, tenant_id):
            yield from page.records

    def get_log_backup_tasks(
        self,
        cluster_id: int | str,
        start_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
        page_size: int | None = None,
        tenant_id: int | str | None = None,
    ) -> list[dict[str, Any]]:
        """Return :meth:`iter_log_backup_tasks` as a list.

        :param cluster_id: OCP cluster id.
        :param start_time: window start.
        :param end_time: window end.
        :param page_size: records per page.
        :param tenant_id: restrict to one tenant.
        """
        return list(self.iter_log_backup_tasks(cluster_id, start_time, end_time, page_size, tenant_id))

    def get_log_backup_snapshot(self, cluster_id: int | str) -> LogBackupSnapshot:
        """Every log backup task of a cluster now, with OCP's clock (for delays OCP leaves out).

        :param cluster_id: OCP cluster id.
        """
        tasks: list[dict[str, Any]] = []
        server_time = None
        for page in self.iter_log_backup_task_pages(cluster_id):
            tasks.extend(page.records)
            server_time = page.server_time or server_time
        return LogBackupSnapshot(tasks, server_time)

    def list_clusters(self, name: str | None = None) -> list[dict[str, Any]]:
        """Return OCP's clusters (id, name, ...), e.g. to find a cluster id by name.

        :param name: optional name filter, passed to OCP.
        """
        params = [("name", name)] if name else []
        return [record for page in self.iter_pages("/ob/clusters", params) for record in page.records]

    def test_connection(self) -> tuple[bool, str]:
        """Check URL, TLS and credentials with a cheap authenticated read (one cluster)."""
        try:
            quick = RetryPolicy(max_retries=1, backoff=0.5, max_wait=2.0)
            envelope = self.get_envelope("/ob/clusters", [("page", "1"), ("size", "1")], retry_policy=quick)
        except Exception as error:  # the UI shows the message; it never carries credentials
            return False, str(error)
        return True, f"Connected to OCP (traceId {envelope.trace_id})."


class _KeepAuthorization(requests.auth.AuthBase):
    """Leaves the ``Authorization`` header that :func:`build_get` set untouched.

    A session without ``auth`` lets requests (with ``trust_env``, needed for proxy and CA variables) fill in
    credentials from ``~/.netrc``, replacing the connection's basic or AccessKey header.
    """

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


def transport_error(exc: requests.RequestException, request: OCPRequest, settings: OCPSettings) -> OCPAPIError:
    """Turn a requests failure (no usable response) into an :class:`OCPAPIError`, saying whether to retry.

    :param exc: what requests raised.
    :param request: the request that failed.
    :param settings: the connection's settings, for timeouts in the message.
    """
    if isinstance(exc, requests.exceptions.SSLError):
        message = (
            "TLS verification of OCP's certificate failed: if OCP uses a private or self-signed CA, set the "
            "connection extra 'ca_bundle' to that CA's PEM file (certificate verify failed)"
        )
        retryable = False
    elif isinstance(exc, requests.exceptions.ConnectTimeout):
        message, retryable = f"Could not connect to OCP within {settings.connect_timeout:g}s", True
    elif isinstance(exc, requests.exceptions.ReadTimeout):
        message, retryable = f"OCP did not answer within the read timeout of {settings.read_timeout:g}s", True
    elif isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.ChunkedEncodingError):
        reason = _ERRNO_REASON.search(str(exc))
        detail = f": {reason.group(0)}" if reason else ""
        message, retryable = f"Connection to OCP failed or was dropped ({type(exc).__name__}{detail})", True
    else:
        message, retryable = f"Request to OCP failed ({type(exc).__name__})", False
    return OCPAPIError(
        redact(message, request.secrets), trace_id=request.trace_id, path=request.target, retryable=retryable
    )
