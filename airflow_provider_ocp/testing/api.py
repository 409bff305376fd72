"""The emulated REST API: routing under ``/api/v2``, parameter validation and pagination (credentials:
:mod:`~airflow_provider_ocp.testing.auth`)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from airflow_provider_ocp.testing import wire
from airflow_provider_ocp.testing.clock import parse_query_time
from airflow_provider_ocp.testing.data import TaskQuery, UnknownClusterError, UnknownTenantError
from airflow_provider_ocp.testing.wire import ApiError, RecordedRequest, Response

if TYPE_CHECKING:
    from airflow_provider_ocp.testing.emulator import OCPEmulator

MAX_PAGE_SIZE = 2000
DEFAULT_PAGE_SIZE = 10
_LONG = re.compile(r"^[+-]?\d{1,19}$")
_TASKS = re.compile(r"^/api/v2/ob/clusters/([^/]+)(?:/tenants/([^/]+))?/backup/task/logBackupTasks$")


def bad_request(message: str, target: str, code: int = wire.CODE_FRAMEWORK) -> ApiError:
    """A 400 error naming the parameter or (dotted) body field at fault, as OCP's parameter binding reports it."""
    return ApiError(400, code, message, target)


def long_param(text: str, name: str) -> int:
    """A path or query value ``text`` read as Java's Long, else 400 naming it (``name``)."""
    if not _LONG.match(text):
        raise bad_request(f"Failed to convert {name} {text!r} to a Long", name)
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise bad_request(f"{name} {text!r} is out of the range of a Long", name)
    return value


def _int_param(params: dict[str, str], name: str, default: int | None) -> int:
    if (text := params.get(name)) is not None:
        return long_param(text, name)
    if default is None:
        raise bad_request(f"Required request parameter '{name}' is not present", name)
    return default


def time_window(params: dict[str, str], max_range: timedelta | None) -> tuple[datetime | None, datetime | None]:
    """The inclusive ``startTime``..``endTime`` window of a query (None, None: no filter), with OCP's errors."""
    bounds: dict[str, datetime] = {}
    for name in (name for name in ("startTime", "endTime") if params.get(name)):
        text = params[name]
        try:
            bounds[name] = parse_query_time(text)
        except ValueError:
            raise bad_request(
                f"Failed to convert {name} {text!r} to an OffsetDateTime: use ISO-8601 with a colon offset or Z, "
                "e.g. 2021-09-16T15:14:51.397+08:00",
                name,
            ) from None
    if not bounds:
        return None, None
    if len(bounds) == 1:
        raise ApiError(500, wire.CODE_TIME_RANGE_ONE_BOUND, "Start and end time must be both filled in or both empty")
    start, end = bounds["startTime"], bounds["endTime"]
    if start > end:
        raise ApiError(400, wire.CODE_TIME_RANGE_REVERSED, "Start time must not be later than end time")
    if max_range is not None and end - start > max_range:
        raise ApiError(500, wire.CODE_TIME_RANGE_TOO_LONG, f"Time range {end - start} too large: at most {max_range}")
    return start, end


Page = tuple[list[Any], int]  # a page's items and how many match in all
Lister = Callable[[int, int], Page]  # (page, size) -> that page


@dataclass
class ApiCall:
    """An authenticated request being answered: its decoded query ``params``, the pagination faults taken for it
    (``shape``: their parameters, by kind), who sent it and whether they may use the backup endpoints."""

    request: RecordedRequest
    params: dict[str, str]
    shape: dict[str, dict[str, Any]]
    who: str
    permitted: bool

    def require_permission(self) -> None:
        """403 for a user without the backup permission."""
        if not self.permitted:
            raise ApiError(403, wire.CODE_FORBIDDEN, f"User {self.who!r} has no permission for this operation")


class EmulatorApi:
    """Answers API requests with OCP envelopes, from the emulator's data, credentials and clock."""

    def __init__(self, emulator: OCPEmulator) -> None:
        self.emu = emulator

    def handle(self, request: RecordedRequest, shape: dict[str, dict[str, Any]]) -> Response:
        """Answer one request, with the pagination faults ``shape`` (their parameters, by kind)."""
        emu, prefix = self.emu, self.emu.path_prefix
        path = request.path[len(prefix) :] if request.path.startswith(prefix + "/") else None
        if path is None or not (path == "/api" or path.startswith("/api/")):
            return wire.console_page() if path == "/login" else wire.login_redirect(prefix)
        try:
            who, permitted = emu.auth.authenticate(request, emu.clock.now())
            actual = hashlib.md5(request.body, usedforsecurity=False).hexdigest()  # a Content-MD5 sent must match
            if (sent := request.headers.get("Content-MD5")) is not None and sent.strip().lower() != actual:
                message = f"Content-MD5 {sent!r} does not match the MD5 of the body received ({actual})"
                raise bad_request(message, "Content-MD5")
            call = ApiCall(request, request.params, shape, who, permitted)
            if (routed := self.route(call, decoded := unquote(path))) is not None:
                return routed
            tasks = _TASKS.match(decoded)
            if tasks is None and decoded != "/api/v2/ob/clusters":
                # Spring's DispatcherServlet: NoHandlerFoundException, after the security filter
                raise ApiError(400, wire.CODE_FRAMEWORK, f"No handler found for {request.method} {path}")
            if request.method != "GET":
                raise ApiError(405, wire.CODE_FRAMEWORK, f"Request method {request.method!r} not supported")
            if tasks is None:
                return self.paged(call, partial(emu.list_clusters, call.params.get("name") or None))
            call.require_permission()
            return self.task_list(call, (tasks[1], tasks[2]), emu.query_tasks, data_faults=True)
        except ApiError as error:
            return wire.failure(request, emu.clock, error)
        except (UnknownClusterError, UnknownTenantError) as error:
            return wire.failure(request, emu.clock, ApiError(404, wire.CODE_NOT_FOUND, str(error)))

    def route(self, call: ApiCall, path: str) -> Response | None:
        """More endpoints (subclasses): the response to ``call`` for ``path`` (decoded, without the prefix), or None to
        let the log backup routes answer it."""
        return None

    def paged(self, call: ApiCall, lister: Lister, *, required: bool = False, cluster: int | None = None) -> Response:
        """One page of ``lister`` in OCP's page envelope, as the pagination faults bend it: ``page`` (1-based) and
        ``size`` (clamped to 2000) must be sent if ``required`` (task lists), else default to 1 and 10; ``cluster``: the
        cluster whose tasks are listed, for faults that change them after answering."""
        params, shape = call.params, call.shape
        page = _int_param(params, "page", None if required else 1)
        size = _int_param(params, "size", None if required else DEFAULT_PAGE_SIZE)
        if page < 1:
            raise bad_request("page must be 1 or greater (pages are 1-based)", "page", wire.CODE_ILLEGAL_ARGUMENT)
        if size < 1:
            raise bad_request("size must be 1 or greater", "size", wire.CODE_ILLEGAL_ARGUMENT)
        clamp = shape.get("clamp_size")
        size = min(size, MAX_PAGE_SIZE, max(1, int(clamp["max_size"])) if clamp else MAX_PAGE_SIZE)
        contents, total = lister(1 if "ignore_page" in shape else page, size)
        total_pages = -(-total // size)
        wrong = shape.get("wrong_total_pages")
        if wrong and wrong["value"] is not None:
            total_pages = int(wrong["value"])
        elif wrong:
            total_pages = max(0, total_pages + int(wrong["delta"]))
        ignored = shape.get("ignore_page")
        number = 1 if ignored and not ignored["echo_page"] else page
        info = {"number": number, "size": size, "totalElements": total, "totalPages": total_pages}
        return wire.success(call.request, self.emu.clock, {"contents": contents, "page": info}, cluster_id=cluster)

    def task_list(
        self, call: ApiCall, ids: tuple[str, str | None], query: Callable[[TaskQuery], Page], data_faults: bool = False
    ) -> Response:
        """A task list (log backup, data backup or restore tasks), paged and filtered by ``startTime``/``endTime``, of
        the cluster and tenant ``ids`` as the path spells them (tenant None: the cluster variant), read from ``query``;
        ``data_faults``: whether faults that change the cluster's log backup tasks apply after answering."""
        cluster_id = long_param(ids[0], "id")
        tenant_id = long_param(ids[1], "tenantId") if ids[1] is not None else None

        def page_of(page: int, size: int) -> Page:
            start, end = time_window(call.params, self.emu.max_time_range)
            self.emu.cluster(cluster_id)  # 404 for an unknown cluster before its tenant is looked up
            return query(TaskQuery(cluster_id, tenant_id, start, end, page, size))

        return self.paged(call, page_of, required=True, cluster=cluster_id if data_faults else None)
