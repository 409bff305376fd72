"""Request authentication for OCP's REST API.

Two modes exist (see OCP's API docs): HTTP Basic with a console user, and the OCP 4.x AccessKey signature
``OCP-ACCESS-KEY-HMACSHA1 <AccessKeyId>:<signature>``. Everything here is a pure function so that the client, the
emulator (which verifies signatures) and the tests share one definition of the string to sign.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from email.utils import format_datetime
from urllib.parse import quote

ACCESS_KEY_SCHEME = "OCP-ACCESS-KEY-HMACSHA1"


def percent_encode(value: str) -> str:
    """Percent-encode a query key or value with no safe characters (``+`` → ``%2B``, ``:`` → ``%3A``).

    :param value: the raw (decoded) text.
    """
    return quote(value, safe="")


def canonical_query(params: Iterable[tuple[str, str]]) -> str:
    """The query string OCP signs and that must be sent byte for byte: parameters sorted by key, encoded strictly.

    :param params: decoded ``(key, value)`` pairs, in any order.
    """
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params))


def http_date(moment: datetime) -> str:
    """Format an instant as an RFC 1123 ``Date`` header in GMT with English names (locale independent).

    :param moment: an aware datetime; it is converted to UTC.
    """
    return format_datetime(moment.astimezone(timezone.utc), usegmt=True)


def string_to_sign(
    *,
    method: str,
    body_md5: str,
    content_type: str,
    date: str,
    host: str,
    ocp_headers: Mapping[str, str],
    path: str,
    query: str,
) -> str:
    """Assemble OCP's seven-part string to sign, joined by newlines.

    :param method: the HTTP method; upper-cased here.
    :param body_md5: MD5 of the body, the empty string when there is no body (every GET).
    :param content_type: the ``Content-Type`` header exactly as sent.
    :param date: the ``Date`` header exactly as sent.
    :param host: ``host:port`` exactly as sent in the ``Host`` header.
    :param ocp_headers: every ``x-ocp-*`` header; sorted by lower-cased name here.
    :param path: the URL path, starting with ``/``.
    :param query: the canonical query string (:func:`canonical_query`), empty when there is none.
    """
    header_lines = "\n".join(
        f"{name.lower()}:{value}" for name, value in sorted(ocp_headers.items(), key=lambda kv: kv[0].lower())
    )
    resource = f"{path}?{query}" if query else path
    return "\n".join([method.upper(), body_md5, content_type, date, host, header_lines, resource])


def compute_signature(secret: str, message: str) -> str:
    """Base64 of HMAC-SHA1 over the string to sign, keyed by the AccessKey secret (both UTF-8).

    :param secret: the AccessKey secret.
    :param message: the string to sign.
    """
    digest = hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def access_key_authorization(access_key_id: str, signature: str) -> str:
    """The ``Authorization`` header value for AccessKey auth.

    :param access_key_id: the AccessKey ID (public).
    :param signature: the value from :func:`compute_signature`.
    """
    return f"{ACCESS_KEY_SCHEME} {access_key_id}:{signature}"


def basic_authorization(username: str, password: str) -> str:
    """The ``Authorization`` header value for HTTP Basic auth.

    :param username: the OCP console user.
    :param password: its password.
    """
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"
