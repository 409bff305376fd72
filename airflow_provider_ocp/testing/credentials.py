"""Server-side checks of OCP's two authentication modes, per request, against what actually arrived.

AccessKey: the string to sign is rebuilt from the received method, body MD5, ``Content-Type``, ``Date``, ``Host``,
``x-ocp-*`` headers, path and **raw** query string (not re-canonicalized), so a client that signs one query and
sends another fails exactly as it would against OCP.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from airflow_provider_ocp.client.auth import ACCESS_KEY_SCHEME, compute_signature, string_to_sign
from airflow_provider_ocp.testing.envelope import CODE_UNAUTHENTICATED, ApiError
from airflow_provider_ocp.testing.wire import IncomingRequest

DEFAULT_USERNAME = "admin"
DEFAULT_PASSWORD = "emulator-password"  # noqa: S105 - documented emulator default
DEFAULT_ACCESS_KEY_ID = "emulator-access-key-id"
DEFAULT_ACCESS_KEY_SECRET = "emulator-access-key-secret"  # noqa: S105 - documented emulator default
MAX_DATE_SKEW = timedelta(minutes=15)

_RFC1123_GMT = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
    r"\d{2}:\d{2}:\d{2} GMT$"
)


@dataclass(frozen=True)
class Principal:
    """Who a request authenticated as.

    :param name: the user name or AccessKey id.
    :param mode: ``"basic"`` or ``"access_key"``.
    :param backup_permission: whether it may read backup tasks (otherwise backup endpoints answer 403).
    """

    name: str
    mode: str
    backup_permission: bool = True


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, CODE_UNAUTHENTICATED, message)


@dataclass
class Authenticator:
    """Credentials and switches; every attribute may be changed at runtime.

    :param users: Basic users ``{username: password}`` with backup read permission.
    :param restricted_users: Basic users that authenticate but lack backup permission (403 on backup endpoints).
    :param access_keys: AccessKeys ``{access_key_id: secret}``.
    :param basic_enabled: accept Basic authentication.
    :param access_key_enabled: accept AccessKey signatures.
    :param max_date_skew: the largest accepted distance between ``Date`` and the server clock.
    """

    users: dict[str, str] = field(default_factory=lambda: {DEFAULT_USERNAME: DEFAULT_PASSWORD})
    restricted_users: dict[str, str] = field(default_factory=dict)
    access_keys: dict[str, str] = field(default_factory=lambda: {DEFAULT_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_SECRET})
    basic_enabled: bool = True
    access_key_enabled: bool = True
    max_date_skew: timedelta = MAX_DATE_SKEW

    def authenticate(self, request: IncomingRequest, now: datetime) -> Principal:
        """Check a request's credentials.

        :param request: the request as received.
        :param now: the server clock's current time (for the ``Date`` window).
        :raises ApiError: 401 with an English message when authentication fails.
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

    def _basic(self, token: str) -> Principal:
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
                return Principal(name=username, mode="basic", backup_permission=permitted)
        raise _unauthorized("Bad credentials: unknown user or wrong password")

    def _access_key(self, request: IncomingRequest, credentials: str, now: datetime) -> Principal:
        key_id, separator, signature = credentials.partition(":")
        if not separator or not key_id or not signature:
            raise _unauthorized(f"Malformed {ACCESS_KEY_SCHEME} header: expected <AccessKeyId>:<signature>")
        date = request.headers.get("Date", "") or ""
        self._check_date(date, now)
        secret = self.access_keys.get(key_id)
        if secret is None:
            raise _unauthorized("Unknown AccessKey id")
        expected = compute_signature(secret, self.string_to_sign(request))
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise _unauthorized("AccessKey signature mismatch: check the string to sign and the query sent")
        return Principal(name=key_id, mode="access_key")

    def _check_date(self, date: str, now: datetime) -> None:
        if not _RFC1123_GMT.match(date):
            raise _unauthorized(
                "The Date header is missing or not an RFC 1123 GMT date (e.g. Tue, 17 Jan 2023 03:36:01 GMT)"
            )
        try:
            sent = parsedate_to_datetime(date)
        except (TypeError, ValueError):
            raise _unauthorized(f"The Date header {date!r} is not a valid date") from None
        if abs(sent - now) > self.max_date_skew:
            minutes = int(self.max_date_skew.total_seconds() // 60)
            raise _unauthorized(
                f"The Date header {date!r} is more than {minutes} minutes away from the server clock; "
                "check the client's clock"
            )

    @staticmethod
    def string_to_sign(request: IncomingRequest) -> str:
        """The string to sign as the server rebuilds it from the received request.

        :param request: the request as received.
        """
        headers = request.headers
        body_md5 = hashlib.md5(request.body, usedforsecurity=False).hexdigest() if request.body else ""
        ocp_headers: Mapping[str, str] = {
            name.lower(): value for name, value in headers.items() if name.lower().startswith("x-ocp-")
        }
        return string_to_sign(
            method=request.method,
            body_md5=body_md5,
            content_type=headers.get("Content-Type", "") or "",
            date=headers.get("Date", "") or "",
            host=headers.get("Host", "") or "",
            ocp_headers=ocp_headers,
            path=request.raw_path,
            query=request.raw_query,
        )


def airflow_connection(
    auth: Authenticator, url: str, auth_type: str, login: str | None, password: str | None, extra: dict[str, Any]
) -> dict[str, Any]:
    """An Airflow connection (JSON form) to the emulator, with the first configured credentials of a mode by default.

    :param auth: the credentials configured on the emulator.
    :param url: the emulator's base URL (path prefix included).
    :param auth_type: ``"basic"`` (users with backup permission before restricted ones) or ``"access_key"``.
    :param login: the login (user name or AccessKey id); None for the first configured one.
    :param password: the password (or AccessKey secret); None for the first configured one's.
    :param extra: more ``extra`` fields (``auth_type`` is always set).
    :raises ValueError: for any other mode (before a connection with a mode the provider lacks is built), or when
        no credentials are configured for the mode and none are given.
    """
    if auth_type == "basic":
        table = auth.users or auth.restricted_users
    elif auth_type == "access_key":
        table = auth.access_keys
    else:
        raise ValueError(f"auth_type must be 'basic' or 'access_key', not {auth_type!r}")
    default_login, default_password = next(iter(table.items()), (None, None))
    login = login if login is not None else default_login
    password = password if password is not None else default_password
    if login is None or password is None:
        raise ValueError(f"no {auth_type} credentials configured; pass login and password")
    return {
        "conn_type": "ocp",
        "host": url,
        "login": login,
        "password": password,
        "extra": {"auth_type": auth_type, **extra},
    }
