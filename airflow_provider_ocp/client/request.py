"""Building one OCP API request: URL with the exact (signed) query, headers with authentication, and a POST's body.

Shared by the synchronous hook (requests) and the trigger (httpx) so both send byte-for-byte the same thing.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal
from urllib.parse import quote, quote_plus, unquote, urlsplit

from airflow_provider_ocp import __version__
from airflow_provider_ocp.client.auth import (
    access_key_authorization,
    basic_authorization,
    canonical_query,
    compute_signature,
    http_date,
    string_to_sign,
)
from airflow_provider_ocp.client.settings import OCPSettings

API_PREFIX = "/api/v2"
CONTENT_TYPE = "application/json"
ACCEPT_ENCODING = "gzip, deflate"  # all that client.limits.CappedBody inflates (it bounds each step)
# Every known OCP client sends a signed x-ocp-* header, so OCP never sees a string to sign with an empty header line.
OCP_ORIGIN = ("x-ocp-origin", "airflow-provider-ocp")


@dataclass(frozen=True)
class OCPRequest:
    """A ready-to-send request. ``headers`` hold credentials: never log them; log ``target`` instead.

    :param url: the absolute URL, query included exactly as signed.
    :param target: path and query, safe to log and to put in errors.
    :param headers: every header to send, ``Authorization`` included.
    :param trace_id: the ``x-trace-id`` we sent; OCP echoes it as ``traceId``.
    :param secrets: values that must never appear in logs or errors (secret, signature, Authorization).
    :param auth_type: the connection's auth type, for the hint of a 401.
    :param method: ``GET``, or ``POST`` for the calls that start work in OCP (never repeated blindly).
    :param body: a POST's JSON body, exactly as signed.
    """

    url: str
    target: str
    headers: dict[str, str] = field(repr=False)
    trace_id: str
    secrets: tuple[str, ...] = field(repr=False)
    auth_type: str | None = None
    method: Literal["GET", "POST"] = "GET"
    body: bytes | None = field(default=None, repr=False)


def json_body(payload: Mapping[str, Any]) -> bytes:
    """A POST's body: compact UTF-8 JSON, keys in the caller's order (what is signed is exactly what is sent).

    :param payload: the JSON object to send.
    """
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def body_md5(body: bytes | None) -> str:
    """The MD5 of a body as OCP's AccessKey signature takes it: upper-case hex, as OceanBase's own signer writes it
    (the empty string when there is no body, as for every GET).

    :param body: the exact bytes sent, or None.
    """
    return hashlib.md5(body, usedforsecurity=False).hexdigest().upper() if body else ""


def secret_forms(*values: str) -> tuple[str, ...]:
    """Every form in which a server (or a proxy) could echo a secret back: as is, URL-encoded (either hex case,
    ``+`` or ``%20`` for spaces), base64-encoded, and its UTF-8 bytes as logs show raw header bytes (httpcore as a
    bytes repr, http.client decoded as latin-1). Longest first, so a longer form is scrubbed before a part of it.

    :param values: the password or AccessKey secret, the signature, the ``Authorization`` header and its token.
    """
    forms: set[str] = set()
    for value in values:
        if not value:
            continue
        encoded = quote(value, safe="")
        base64_form = base64.b64encode(value.encode("utf-8")).decode("ascii")
        forms.update({value, encoded, quote_plus(value), base64_form, base64_form.rstrip("=")})
        raw = value.encode("utf-8")
        forms.update({repr(raw)[2:-1], raw.decode("latin-1")})  # as httpcore and http.client show raw header bytes
        forms.update(_lower_hex(form) for form in (encoded, quote_plus(value)))
    return tuple(sorted(forms, key=len, reverse=True))


def connection_secrets(settings: OCPSettings) -> tuple[str, ...]:
    """The connection's own secrets in every form a server could echo them (:func:`secret_forms`): the password or
    AccessKey secret, a Basic ``Authorization`` header and its token, and proxy passwords. A request adds its
    AccessKey signature, which signs that request only.

    :param settings: the connection's settings.
    """
    return secret_forms(*_connection_secret_values(settings))


def _connection_secret_values(settings: OCPSettings) -> list[str]:
    # A proxy URL may carry its own credentials; a proxy error could quote them.
    values = [settings.secret]
    values += [unquote(password) for url in (settings.proxies or {}).values() if (password := urlsplit(url).password)]
    if settings.auth_type != "access_key":
        header = basic_authorization(settings.login, settings.secret)
        values += [header, header.split(" ", 1)[1]]
    return values


def _lower_hex(encoded: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda match: match.group(0).lower(), encoded)


@functools.cache
def user_agent() -> str:
    """``airflow-provider-ocp/<v> apache-airflow/<v>``: lets OCP admins see who calls."""
    try:
        airflow_version = version("apache-airflow-core")
    except PackageNotFoundError:
        airflow_version = "unknown"
    return f"airflow-provider-ocp/{__version__} apache-airflow/{airflow_version}"


def build_request(
    settings: OCPSettings,
    path: str,
    params: Sequence[tuple[str, str]] = (),
    *,
    body: bytes | None = None,
    now: datetime | None = None,
) -> OCPRequest:
    """Build a signed or basic-authenticated request for an OCP API path: a GET, or a POST when there is a body.

    A POST's body is signed as OCP documents it: its MD5 (also sent as ``Content-MD5``, the same upper-case hex) and
    its ``Content-Type`` are parts of the AccessKey string to sign.

    :param settings: the connection's settings.
    :param path: the path below ``/api/v2``, e.g. ``/ob/clusters``; ids in it must already be validated ints.
    :param params: decoded query parameters; they are sorted and percent-encoded once, here.
    :param body: a POST's JSON body (:func:`json_body`); None for a GET.
    :param now: the instant for the ``Date`` header (a retry builds a fresh request with a fresh Date).
    """
    method: Literal["GET", "POST"] = "GET" if body is None else "POST"
    md5 = body_md5(body)
    prefix = urlsplit(settings.base_url).path
    full_path = prefix + API_PREFIX + path
    query = canonical_query(params)
    target = f"{full_path}?{query}" if query else full_path
    date = http_date(now or datetime.now(timezone.utc))
    trace_id = uuid.uuid4().hex[:16]
    headers = {
        "Host": settings.host_header,
        "Accept": CONTENT_TYPE,
        "Accept-Encoding": ACCEPT_ENCODING,  # not what requests or httpx would offer (br, zstd when installed)
        "Accept-Language": "en-US",
        "Content-Type": CONTENT_TYPE,
        "Date": date,
        "User-Agent": user_agent(),
        "x-trace-id": trace_id,
        OCP_ORIGIN[0]: OCP_ORIGIN[1],
    }
    if md5:
        headers["Content-MD5"] = md5
    if settings.auth_type == "access_key":
        message = string_to_sign(
            method=method,
            body_md5=md5,
            content_type=CONTENT_TYPE,
            date=date,
            host=settings.host_header,
            ocp_headers=dict([OCP_ORIGIN]),
            path=full_path,
            query=query,
        )
        signature = compute_signature(settings.secret, message)
        headers["Authorization"] = access_key_authorization(settings.login, signature)
        secrets = secret_forms(*_connection_secret_values(settings), signature, headers["Authorization"])
    else:
        headers["Authorization"] = basic_authorization(settings.login, settings.secret)
        secrets = connection_secrets(settings)
    origin = settings.base_url[: len(settings.base_url) - len(prefix)]
    return OCPRequest(
        url=origin + target,
        target=target,
        headers=headers,
        trace_id=trace_id,
        secrets=secrets,
        auth_type=settings.auth_type,
        method=method,
        body=body,
    )
