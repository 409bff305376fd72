"""The emulated REST API: routing under ``/api/v2``, authentication, parameter validation and pagination.

As OCP: an unknown path under ``/api`` answers HTTP 400 ("no handler") once authenticated; a path outside ``/api``
is redirected (302) to the console's login page, which answers 200 with HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from airflow_provider_ocp.testing.clock import ServerClock, parse_query_time
from airflow_provider_ocp.testing.credentials import Authenticator
from airflow_provider_ocp.testing.data import Dataset, UnknownClusterError, UnknownTenantError
from airflow_provider_ocp.testing.envelope import (
    CODE_FORBIDDEN,
    CODE_FRAMEWORK,
    CODE_ILLEGAL_ARGUMENT,
    CODE_NOT_FOUND,
    CODE_TIME_RANGE_ONE_BOUND,
    CODE_TIME_RANGE_REVERSED,
    CODE_TIME_RANGE_TOO_LONG,
    ApiError,
    console_page,
    failure,
    login_redirect,
    success,
)
from airflow_provider_ocp.testing.wire import IncomingRequest, Response, query_params

MAX_PAGE_SIZE = 2000
DEFAULT_PAGE_SIZE = 10
_LONG = re.compile(r"^[+-]?\d{1,19}$")
_SEGMENT = r"[^/]+"
_ROUTES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^/api/v2/ob/clusters$"), "clusters"),
    (re.compile(rf"^/api/v2/ob/clusters/(?P<cluster>{_SEGMENT})/backup/task/logBackupTasks$"), "log_tasks"),
    (
        re.compile(
            rf"^/api/v2/ob/clusters/(?P<cluster>{_SEGMENT})/tenants/(?P<tenant>{_SEGMENT})"
            r"/backup/task/logBackupTasks$"
        ),
        "log_tasks",
    ),
)


@dataclass
class PageTweaks:
    """Pagination misbehaviour requested by faults for one request.

    :param ignore_page: serve page 1 whatever ``page`` says.
    :param echo_page: with ``ignore_page``, still report the requested number in ``page.number``.
    :param total_pages_delta: added to the real ``totalPages`` (negative: fewer), floored at 0.
    :param total_pages_value: reported instead of the real ``totalPages`` when set.
    :param max_size: a lower page size maximum than 2000.
    """

    ignore_page: bool = False
    echo_page: bool = False
    total_pages_delta: int = 0
    total_pages_value: int | None = None
    max_size: int | None = None


def _bad_request(message: str, target: str, code: int = CODE_FRAMEWORK) -> ApiError:
    return ApiError(400, code, message, target)


def _long(text: str, name: str) -> int:
    if not _LONG.match(text):
        raise _bad_request(f"Failed to convert {name} {text!r} to a Long", name)
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise _bad_request(f"{name} {text!r} is out of the range of a Long", name)
    return value


def _int_param(params: dict[str, str], name: str, default: int | None) -> int:
    text = params.get(name)
    if text is None:
        if default is None:
            raise _bad_request(f"Required request parameter '{name}' is not present", name)
        return default
    return _long(text, name)


def _time_window(params: dict[str, str], max_range: timedelta | None) -> tuple[datetime | None, datetime | None]:
    bounds: dict[str, datetime] = {}
    for name in ("startTime", "endTime"):
        text = params.get(name) or None
        if text is None:
            continue
        try:
            bounds[name] = parse_query_time(text)
        except ValueError:
            raise _bad_request(
                f"Failed to convert {name} {text!r} to an OffsetDateTime: use ISO-8601 with a colon offset or Z, "
                "e.g. 2021-09-16T15:14:51.397+08:00",
                name,
            ) from None
    if not bounds:
        return None, None
    if len(bounds) == 1:
        raise ApiError(500, CODE_TIME_RANGE_ONE_BOUND, "Start time and end time must be both filled in or both empty")
    start, end = bounds["startTime"], bounds["endTime"]
    if start > end:
        raise ApiError(400, CODE_TIME_RANGE_REVERSED, "Start time must not be later than end time")
    if max_range is not None and end - start > max_range:
        raise ApiError(
            500, CODE_TIME_RANGE_TOO_LONG, f"The time range {end - start} is too large: at most {max_range} is allowed"
        )
    return start, end


class EmulatorApi:
    """Answers API requests with OCP envelopes.

    :param dataset: the clusters and tasks.
    :param auth: the credential checks.
    :param clock: the server clock.
    :param path_prefix: a prefix in front of ``/api/v2`` (e.g. ``/ocp``), empty for none.
    :param max_page_size: the silent clamp on ``size``.
    :param max_time_range: the longest ``endTime - startTime`` accepted on task queries, None for no limit.
    """

    def __init__(
        self,
        dataset: Dataset,
        auth: Authenticator,
        clock: ServerClock,
        *,
        path_prefix: str = "",
        max_page_size: int = MAX_PAGE_SIZE,
        max_time_range: timedelta | None = None,
    ) -> None:
        self.dataset = dataset
        self.auth = auth
        self.clock = clock
        self.path_prefix = path_prefix
        self.max_page_size = max_page_size
        self.max_time_range = max_time_range

    def local_path(self, raw_path: str) -> str | None:
        """The received path without the path prefix, None when it lies outside the prefix.

        :param raw_path: the path as received, prefix included.
        """
        if not raw_path.startswith(self.path_prefix + "/"):
            return None
        return raw_path[len(self.path_prefix) :]

    @staticmethod
    def route(path: str) -> tuple[str, dict[str, str]] | None:
        """The endpoint name and path variables for a path, None when no endpoint serves it.

        :param path: the path after the prefix, as received (percent-encoded).
        """
        for pattern, name in _ROUTES:
            match = pattern.match(unquote(path))
            if match:
                return name, match.groupdict()
        return None

    def handle(self, request: IncomingRequest, tweaks: PageTweaks) -> Response:
        """Answer one request.

        :param request: the request as received.
        :param tweaks: pagination faults to apply.
        """
        path = self.local_path(request.raw_path)
        if path is None or not (path == "/api" or path.startswith("/api/")):
            return console_page() if path == "/login" else login_redirect(self.path_prefix)
        try:
            principal = self.auth.authenticate(request, self.clock.now())
            route = self.route(path)
            if route is None:  # Spring's DispatcherServlet: NoHandlerFoundException, after the security filter
                raise ApiError(400, CODE_FRAMEWORK, f"No handler found for {request.method} {path}")
            name, variables = route
            if request.method != "GET":
                raise ApiError(405, CODE_FRAMEWORK, f"Request method {request.method!r} not supported")
            if name == "log_tasks" and not principal.backup_permission:
                raise ApiError(403, CODE_FORBIDDEN, f"User {principal.name!r} has no permission for this operation")
            params = query_params(request.raw_query)
            cluster_id = _long(variables["cluster"], "id") if "cluster" in variables else None
            data = self._dispatch(name, cluster_id, variables, params, tweaks)
            return success(request, self.clock, data, cluster_id=cluster_id)
        except ApiError as error:
            return failure(request, self.clock, error)
        except (UnknownClusterError, UnknownTenantError) as error:
            return failure(request, self.clock, ApiError(404, CODE_NOT_FOUND, str(error)))

    def _dispatch(
        self,
        name: str,
        cluster_id: int | None,
        variables: dict[str, str],
        params: dict[str, str],
        tweaks: PageTweaks,
    ) -> Any:
        if name == "clusters":
            page, served, size = self._paging(params, tweaks, required=False)
            items, total = self.dataset.list_clusters(params.get("name") or None, served, size)
            return self._page(items, total, page, size, tweaks)
        assert cluster_id is not None
        tenant_id = _long(variables["tenant"], "tenantId") if "tenant" in variables else None
        page, served, size = self._paging(params, tweaks, required=True)
        start, end = _time_window(params, self.max_time_range)
        self.dataset.cluster(cluster_id)  # 404 for an unknown cluster before validating more
        contents, total = self.dataset.query_tasks(cluster_id, tenant_id, start, end, served, size)
        return self._page(contents, total, page, size, tweaks)

    def _paging(self, params: dict[str, str], tweaks: PageTweaks, *, required: bool) -> tuple[int, int, int]:
        page = _int_param(params, "page", None if required else 1)
        size = _int_param(params, "size", None if required else DEFAULT_PAGE_SIZE)
        if page < 1:
            raise _bad_request("page must be 1 or greater (pages are 1-based)", "page", CODE_ILLEGAL_ARGUMENT)
        if size < 1:
            raise _bad_request("size must be 1 or greater", "size", CODE_ILLEGAL_ARGUMENT)
        limit = self.max_page_size if tweaks.max_size is None else min(self.max_page_size, tweaks.max_size)
        size = min(size, limit)
        return page, 1 if tweaks.ignore_page else page, size

    @staticmethod
    def _page(contents: list[dict[str, Any]], total: int, page: int, size: int, tweaks: PageTweaks) -> Any:
        total_pages = -(-total // size)
        if tweaks.total_pages_value is not None:
            total_pages = tweaks.total_pages_value
        else:
            total_pages = max(0, total_pages + tweaks.total_pages_delta)
        number = 1 if tweaks.ignore_page and not tweaks.echo_page else page
        return {
            "contents": contents,
            "page": {"number": number, "size": size, "totalElements": total, "totalPages": total_pages},
        }
