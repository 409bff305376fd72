"""The emulator's credential checks, Basic and AccessKey, against what arrived: for AccessKey the string to sign is
rebuilt from the received request, **raw** path and query included, so a client that signs one query and sends another
fails as it would against OCP."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from airflow_provider_ocp.client.auth import ACCESS_KEY_SCHEME, compute_signature, string_to_sign
from airflow_provider_ocp.testing import wire
from airflow_provider_ocp.testing.wire import ApiError, RecordedRequest

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
    """Credentials and switches, each changeable at runtime: Basic ``users`` with backup permission,
    ``restricted_users`` without (403 on backup endpoints), ``access_keys`` ``{id: secret}``, the modes accepted."""

    users: dict[str, str] = field(default_factory=lambda: {DEFAULT_USERNAME: DEFAULT_PASSWORD})
    restricted_users: dict[str, str] = field(default_factory=dict)
    access_keys: dict[str, str] = field(default_factory=lambda: {DEFAULT_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_SECRET})
    basic_enabled: bool = True
    access_key_enabled: bool = True

    def authenticate(self, request: RecordedRequest, now: datetime) -> tuple[str, bool]:
        """Check a request's credentials against the server time ``now`` (ApiError 401 when they fail): who it
        authenticated as (user name or AccessKey id) and whether it may read backup tasks (else 403)."""
        if not (header := request.headers.get("Authorization")):
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
        date = request.headers.get("Date") or ""
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

    @staticmethod
    def string_to_sign(request: RecordedRequest, upper_md5: bool = False) -> str:
        """The string to sign rebuilt from the received request (the body's MD5 hex in upper case if ``upper_md5``)."""
        headers = request.headers
        md5 = hashlib.md5(request.body, usedforsecurity=False).hexdigest() if request.body else ""
        md5 = md5.upper() if upper_md5 else md5
        ocp = {name.lower(): value for name, value in headers.items() if name.lower().startswith("x-ocp-")}
        sent = {key: headers.get(name, "") or "" for key, name in (("content_type", "Content-Type"), ("host", "Host"))}
        sent["date"] = headers.get("Date", "") or ""
        return string_to_sign(
            method=request.method, body_md5=md5, ocp_headers=ocp, path=request.path, query=request.query, **sent
        )
