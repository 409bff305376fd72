"""The emulated REST API: routing under ``/api/v2``, authentication, parameter validation and pagination.

Both authentication modes are checked against what arrived: for AccessKey the string to sign is rebuilt from the
received request, **raw** path and query included, so a client that signs one query and sends another fails as it
would against OCP.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from airflow_provider_ocp.client.auth import ACCESS_KEY_SCHEME, compute_signature, string_to_sign
from airflow_provider_ocp.testing import wire
from airflow_provider_ocp.testing.clock import parse_query_time
from airflow_provider_ocp.testing.data import UnknownClusterError, UnknownTenantError
from airflow_provider_ocp.testing.wire import ApiError, RecordedRequest, Response

if TYPE_CHECKING:
    from airflow_provider_ocp.testing.server import OCPEmulator

DEFAULT_USERNAME = "admin"
DEFAULT_PASSWORD = "emulator-password"  # noqa: S105 - documented emulator default
DEFAULT_ACCESS_KEY_ID = "emulator-access-key-id"
DEFAULT_ACCESS_KEY_SECRET = "emulator-access-key-secret"  # noqa: S105 - documented emulator default
MAX_DATE_SKEW = timedelta(minutes=15)

_RFC1123_GMT = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
    r"\d{2}:\d{2}:\d{2} GMT$"
)


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, wire.CODE_FRAMEWORK, message)


@dataclass
class Authenticator:
    """Credentials and switches, each changeable at runtime: Basic ``users`` with backup permission and
    ``restricted_users`` without (403 on backup endpoints), ``access_keys`` ``{id: secret}``, which modes are
    accepted."""

    users: dict[str, str] = field(default_factory=lambda: {DEFAULT_USERNAME: DEFAULT_PASSWORD})
    restricted_users: dict[str, str] = field(default_factory=dict)
    access_keys: dict[str, str] = field(default_factory=lambda: {DEFAULT_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_SECRET})
    basic_enabled: bool = True
    access_key_enabled: bool = True

    def authenticate(self, request: RecordedRequest, now: datetime) -> tuple[str, bool]:
        """Check a request's credentials against the server time ``now``; ApiError 401 when they fail.

        :returns: who it authenticated as (user name or AccessKey id) and whether it may read backup tasks (else 403).
        """
        header = request.headers.get("Authorization")
        if not header:
            raise _unauthorized("Authentication required: send Basic credentials or an AccessKey signature")
        scheme, _, credentials = header.strip().partition(" ")
        if scheme.lower() == "basic":
            if not self.basic_enabled:
                raise _unauthorized("Basic authentication is disabled on this OCP; use an AccessKey signature")
            return self._basic(credentials.strip())
        if scheme == ACCESS_KEY_SCHEME:
            if not self.access_key_enabled:
                raise _unauthorized("AccessKey authentication is disabled on this OCP")
            return self._access_key(request, credentials.strip(), now)
        raise _unauthorized(f"Unsupported authorization scheme {scheme!r}")

    def _basic(self, token: str) -> tuple[str, bool]:
        try:
            decoded = base64.b64decode(token, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise _unauthorized("Malformed Basic credentials") from None
        username, separator, password = decoded.partition(":")
        if not separator:
            raise _unauthorized("Malformed Basic credentials")
        for table, permitted in ((self.users, True), (self.restricted_users, False)):
            expected = table.get(username)
            if expected is not None and hmac.compare_digest(expected.encode(), password.encode()):
                return username, permitted
        raise _unauthorized("Bad credentials: unknown user or wrong password")

    def _access_key(self, request: RecordedRequest, credentials: str, now: datetime) -> tuple[str, bool]:
        key_id, separator, signature = credentials.partition(":")
        if not separator or not key_id or not signature:
            raise _unauthorized(f"Malformed {ACCESS_KEY_SCHEME} header: expected <AccessKeyId>:<signature>")
        date = request.headers.get("Date", "") or ""
        self._check_date(date, now)
        secret = self.access_keys.get(key_id)
        if secret is None:
            raise _unauthorized("Unknown AccessKey id")
        # OceanBase's own signer writes a body's MD5 hex in upper case, others in lower case: accept both
        candidates = {compute_signature(secret, self.string_to_sign(request, upper)) for upper in (False, True)}
        if not any(hmac.compare_digest(expected.encode(), signature.encode()) for expected in candidates):
            raise _unauthorized(
                "AccessKey signature does not match: the AccessKey secret is not the one of this AccessKey id, or a "
                "proxy changed the request on the way (its Host, path or query)"
            )
        return key_id, True

    def _check_date(self, date: str, now: datetime) -> None:
        if not _RFC1123_GMT.match(date):
            raise _unauthorized(
                "The Date header is missing or not an RFC 1123 GMT date (e.g. Tue, 17 Jan 2023 03:36:01 GMT)"
            )
        try:
            sent = parsedate_to_datetime(date)
        except (TypeError, ValueError):
            raise _unauthorized(f"The Date header {date!r} is not a valid date") from None
        if abs(sent - now) > MAX_DATE_SKEW:
            raise _unauthorized(
                f"The Date header {date!r} is more than 15 minutes away from the server clock; check the client's clock"
            )

    @staticmethod
    def string_to_sign(request: RecordedRequest, upper_md5: bool = False) -> str:
        """The string to sign as the server rebuilds it from the received request (body MD5 hex in lower case, or
        upper case if ``upper_md5``)."""
        headers = request.headers
        md5 = hashlib.md5(request.body, usedforsecurity=False).hexdigest() if request.body else ""
        md5 = md5.upper() if upper_md5 else md5
        ocp = {name.lower(): value for name, value in headers.items() if name.lower().startswith("x-ocp-")}
        sent = {key: headers.get(name, "") or "" for key, name in (("content_type", "Content-Type"), ("host", "Host"))}
        sent["date"] = headers.get("Date", "") or ""
        return string_to_sign(
            method=request.method, body_md5=md5, ocp_headers=ocp, path=request.path, query=request.query, **sent
        )


MAX_PAGE_SIZE = 2000
DEFAULT_PAGE_SIZE = 10
_LONG = re.compile(r"^[+-]?\d{1,19}$")
_TASKS = re.compile(r"^/api/v2/ob/clusters/([^/]+)(?:/tenants/([^/]+))?/backup/task/logBackupTasks$")


def _bad_request(message: str, target: str, code: int = wire.CODE_FRAMEWORK) -> ApiError:
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
    for name in (name for name in ("startTime", "endTime") if params.get(name)):
        text = params[name]
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
        raise ApiError(500, wire.CODE_TIME_RANGE_ONE_BOUND, "Start and end time must be both filled in or both empty")
    start, end = bounds["startTime"], bounds["endTime"]
    if start > end:
        raise ApiError(400, wire.CODE_TIME_RANGE_REVERSED, "Start time must not be later than end time")
    if max_range is not None and end - start > max_range:
        raise ApiError(500, wire.CODE_TIME_RANGE_TOO_LONG, f"Time range {end - start} too large: at most {max_range}")
    return start, end


def _check_content_md5(request: RecordedRequest) -> None:
    """A ``Content-MD5`` header, when sent, must be the hex MD5 of the body received (either case), else 400."""
    sent = request.headers.get("Content-MD5")
    if sent is None:
        return
    actual = hashlib.md5(request.body, usedforsecurity=False).hexdigest()
    if sent.strip().lower() != actual:
        raise _bad_request(
            f"Content-MD5 {sent!r} does not match the MD5 of the body received ({actual})", "Content-MD5"
        )


class EmulatorApi:
    """Answers API requests with OCP envelopes, from the emulator's data, credentials and clock."""

    def __init__(self, emulator: OCPEmulator) -> None:
        self.emu = emulator
        self.max_time_range: timedelta | None = None

    def handle(self, request: RecordedRequest, shape: dict[str, dict[str, Any]]) -> Response:
        """Answer one request, with the pagination faults ``shape`` (their parameters, by kind)."""
        emu, prefix = self.emu, self.emu.path_prefix
        path = request.path[len(prefix) :] if request.path.startswith(prefix + "/") else None
        if path is None or not (path == "/api" or path.startswith("/api/")):
            return wire.console_page() if path == "/login" else wire.login_redirect(prefix)
        try:
            who, permitted = emu.auth.authenticate(request, emu.clock.now())
            _check_content_md5(request)
            routed = self.route(request, unquote(path), shape, who, permitted)
            if routed is not None:
                return routed
            tasks = _TASKS.match(unquote(path))
            if tasks is None and unquote(path) != "/api/v2/ob/clusters":
                # Spring's DispatcherServlet: NoHandlerFoundException, after the security filter
                raise ApiError(400, wire.CODE_FRAMEWORK, f"No handler found for {request.method} {path}")
            if request.method != "GET":
                raise ApiError(405, wire.CODE_FRAMEWORK, f"Request method {request.method!r} not supported")
            params = wire.query_params(request.query)
            if tasks is None:
                page, served, size = self._paging(params, shape, required=False)
                items, total = emu.list_clusters(params.get("name") or None, served, size)
                return wire.success(request, emu.clock, self._page(items, total, page, size, shape))
            self.forbid_unless(permitted, who)
            cluster_id = _long(tasks[1], "id")
            tenant_id = _long(tasks[2], "tenantId") if tasks[2] is not None else None
            page, served, size = self._paging(params, shape, required=True)
            start, end = _time_window(params, self.max_time_range)
            emu.cluster(cluster_id)  # 404 for an unknown cluster before validating more
            contents, total = emu.query_tasks(cluster_id, tenant_id, start, end, served, size)
            data = self._page(contents, total, page, size, shape)
            return wire.success(request, emu.clock, data, cluster_id=cluster_id)
        except ApiError as error:
            return wire.failure(request, emu.clock, error)
        except (UnknownClusterError, UnknownTenantError) as error:
            return wire.failure(request, emu.clock, ApiError(404, wire.CODE_NOT_FOUND, str(error)))

    def route(
        self, request: RecordedRequest, path: str, shape: dict[str, dict[str, Any]], who: str, permitted: bool
    ) -> Response | None:
        """More endpoints (subclasses): the response for an authenticated request to ``path`` (decoded, without the
        prefix), or None to let the log backup routes answer it."""
        return None

    @staticmethod
    def forbid_unless(permitted: bool, who: str) -> None:
        """403 for a user without the backup permission."""
        if not permitted:
            raise ApiError(403, wire.CODE_FORBIDDEN, f"User {who!r} has no permission for this operation")

    def _paging(
        self, params: dict[str, str], shape: dict[str, dict[str, Any]], *, required: bool
    ) -> tuple[int, int, int]:
        page = _int_param(params, "page", None if required else 1)
        size = _int_param(params, "size", None if required else DEFAULT_PAGE_SIZE)
        if page < 1:
            raise _bad_request("page must be 1 or greater (pages are 1-based)", "page", wire.CODE_ILLEGAL_ARGUMENT)
        if size < 1:
            raise _bad_request("size must be 1 or greater", "size", wire.CODE_ILLEGAL_ARGUMENT)
        clamp = shape.get("clamp_size")
        size = min(size, MAX_PAGE_SIZE, max(1, int(clamp["max_size"])) if clamp else MAX_PAGE_SIZE)
        return page, 1 if "ignore_page" in shape else page, size

    @staticmethod
    def _page(
        contents: list[dict[str, Any]], total: int, page: int, size: int, shape: dict[str, dict[str, Any]]
    ) -> Any:
        total_pages = -(-total // size)
        wrong = shape.get("wrong_total_pages")
        if wrong and wrong["value"] is not None:
            total_pages = int(wrong["value"])
        elif wrong:
            total_pages = max(0, total_pages + int(wrong["delta"]))
        ignored = shape.get("ignore_page")
        number = 1 if ignored and not ignored["echo_page"] else page
        return {
            "contents": contents,
            "page": {"number": number, "size": size, "totalElements": total, "totalPages": total_pages},
        }
