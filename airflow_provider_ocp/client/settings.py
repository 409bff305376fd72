"""Turn an Airflow connection of type ``ocp`` into validated client settings.

Both the synchronous hook and the trigger (which reads the connection asynchronously) build their settings here, so a
connection means exactly the same thing on a worker and in the triggerer. Every error names the connection field and
the fix, and is raised before any request is sent.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from airflow_provider_ocp.exceptions import OCPInputError

log = logging.getLogger(__name__)

AuthType = Literal["basic", "access_key"]
AUTH_TYPES: tuple[str, ...] = ("basic", "access_key")
MAX_PAGE_SIZE = 2000
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


@dataclass(frozen=True)
class OCPSettings:
    """Everything a client needs to talk to one OCP; secrets are kept out of ``repr``.

    :param base_url: scheme, host, optional port and optional path prefix, without a trailing slash.
    :param host_header: ``host[:port]`` exactly as addressed; the AccessKey signature covers it.
    :param auth_type: ``basic`` or ``access_key``.
    :param login: console username or AccessKey ID.
    :param secret: password or AccessKey secret.
    :param verify: True, False, or the path of a CA bundle.
    :param proxies: requests-style proxies mapping, or None.
    :param connect_timeout: seconds to establish a TCP/TLS connection.
    :param read_timeout: seconds to wait for a response.
    :param max_retries: retries per request for transient failures.
    :param retry_backoff: base of the exponential backoff, in seconds.
    :param retry_max_wait: cap on one wait, for the backoff and for ``Retry-After``.
    :param page_size: records per page requested by default.
    :param max_pages: guard against a server that never stops paging.
    :param concurrency: pages fetched in parallel once the page count is known; 1 is sequential.
    """

    base_url: str
    host_header: str
    auth_type: AuthType
    login: str
    secret: str = field(repr=False)
    verify: bool | str = True
    proxies: dict[str, str] | None = None
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_retries: int = 5
    retry_backoff: float = 1.0
    retry_max_wait: float = 60.0
    page_size: int = MAX_PAGE_SIZE
    max_pages: int = 100_000
    concurrency: int = 4

    @property
    def is_loopback(self) -> bool:
        """Whether the OCP URL points at this machine (the emulator), where clear-text HTTP is harmless."""
        return (urlsplit(self.base_url).hostname or "") in LOOPBACK_HOSTS


def settings_from_connection(
    *,
    conn_id: str,
    host: str | None,
    schema: str | None,
    port: int | None,
    login: str | None,
    password: str | None,
    extra: dict[str, Any],
) -> OCPSettings:
    """Validate the fields of an ``ocp`` connection and build :class:`OCPSettings`.

    :param conn_id: the connection id, only to name it in error messages.
    :param host: an OCP URL with scheme (``https://ocp:8080/ocp``) or a bare host name.
    :param schema: ``http`` or ``https``, used only when ``host`` carries no scheme (default ``https``).
    :param port: used only when ``host`` carries no scheme.
    :param login: username or AccessKey ID.
    :param password: password or AccessKey secret.
    :param extra: the connection's extra fields (``auth_type``, ``verify``, ``ca_bundle``, timeouts, retries...).
    """
    base_url, host_header = _base_url(conn_id, host, schema, port)
    auth_type = str(extra.get("auth_type") or "basic").strip().lower()
    if auth_type not in AUTH_TYPES:
        raise OCPInputError(
            f"Connection {conn_id!r}: extra field 'auth_type' is {auth_type!r}; "
            f"set it to one of {', '.join(AUTH_TYPES)}."
        )
    if not login or not password:
        who = (
            "AccessKey ID (login) and AccessKey secret (password)"
            if auth_type == "access_key"
            else "login and password"
        )
        raise OCPInputError(f"Connection {conn_id!r}: {auth_type} auth needs a {who}; fill in the connection.")
    settings = OCPSettings(
        base_url=base_url,
        host_header=host_header,
        auth_type=auth_type,  # type: ignore[arg-type]
        login=login,
        secret=password,
        verify=_verify(extra),
        proxies=_proxies(conn_id, extra),
        connect_timeout=_number(conn_id, extra, "connect_timeout", 10.0, minimum=0.001),
        read_timeout=_number(conn_id, extra, "timeout", 60.0, minimum=0.001),
        max_retries=int(_number(conn_id, extra, "max_retries", 5, minimum=0, integer=True)),
        retry_backoff=_number(conn_id, extra, "retry_backoff", 1.0, minimum=0),
        retry_max_wait=_number(conn_id, extra, "retry_max_wait", 60.0, minimum=0),
        page_size=int(_number(conn_id, extra, "page_size", MAX_PAGE_SIZE, minimum=1, integer=True)),
        max_pages=int(_number(conn_id, extra, "max_pages", 100_000, minimum=1, integer=True)),
        concurrency=int(_number(conn_id, extra, "concurrency", 4, minimum=1, integer=True)),
    )
    _warn_about_transport_security(conn_id, settings)
    return settings


def settings_from_airflow_connection(conn_id: str, conn: Any, extra: dict[str, Any] | None = None) -> OCPSettings:
    """:func:`settings_from_connection` for an Airflow ``Connection`` object.

    :param conn_id: the connection id, to name it in error messages.
    :param conn: the Airflow connection (``host``, ``schema``, ``port``, ``login``, ``password``, ``extra_dejson``).
    :param extra: its extras when already read another way (the triggerer reads them asynchronously).
    """
    return settings_from_connection(
        conn_id=conn_id,
        host=conn.host,
        schema=conn.schema,
        port=conn.port,
        login=conn.login,
        password=conn.password,
        extra=conn.extra_dejson if extra is None else extra,
    )


def _base_url(conn_id: str, host: str | None, schema: str | None, port: int | None) -> tuple[str, str]:
    host = (host or "").strip()
    if not host:
        raise OCPInputError(
            f"Connection {conn_id!r} has no host; set it to the OCP URL, e.g. https://ocp.example.com:8080"
        )
    if "://" not in host:
        scheme = (schema or "https").strip().lower()
        host = f"{scheme}://{host}{f':{port}' if port else ''}"
    parts = urlsplit(host)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OCPInputError(
            f"Connection {conn_id!r}: host {host!r} is not an http(s) URL; use e.g. https://ocp.example.com:8080"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise OCPInputError(
            f"Connection {conn_id!r}: the OCP URL must not carry a query, fragment or credentials; "
            "put credentials in login and password."
        )
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as err:
        raise OCPInputError(f"Connection {conn_id!r}: the port in the OCP URL is invalid ({err}).") from None
    base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    return base, parts.netloc


def _verify(extra: dict[str, Any]) -> bool | str:
    ca_bundle = extra.get("ca_bundle")
    raw = extra.get("verify", True)
    if raw is None or raw == "":
        raw = True
    text = str(raw).strip().lower()
    if isinstance(raw, bool):
        flag = raw
    elif text in ("true", "1", "yes", "on"):
        flag = True
    elif text in ("false", "0", "no", "off"):
        flag = False
    else:  # a path given in "verify", as requests allows
        return str(raw)
    if flag and ca_bundle:
        return str(ca_bundle)
    return flag


def ca_bundle_message(path: str, error: BaseException) -> str:
    """The error for a CA bundle a client cannot load, naming the file and the connection extra.

    :param path: the configured ``ca_bundle`` (or ``verify`` path).
    :param error: what loading it raised.
    """
    return (
        f"Cannot load the CA bundle {path!r} set in the connection extra 'ca_bundle' (or 'verify'): {error}. "
        "The PEM file must exist and be readable on every worker and triggerer that uses this connection."
    )


def _proxies(conn_id: str, extra: dict[str, Any]) -> dict[str, str] | None:
    proxies = extra.get("proxies")
    if proxies:
        if not isinstance(proxies, dict):
            raise OCPInputError(
                f"Connection {conn_id!r}: extra field 'proxies' must be a JSON object like "
                '{"https": "http://proxy:3128"}.'
            )
        return {str(k): str(v) for k, v in proxies.items()}
    proxy = extra.get("proxy")
    return {"http": str(proxy), "https": str(proxy)} if proxy else None


def _number(
    conn_id: str, extra: dict[str, Any], name: str, default: float, *, minimum: float, integer: bool = False
) -> float:
    raw = extra.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = math.nan
    if isinstance(raw, bool) or not math.isfinite(value) or value < minimum or (integer and value != int(value)):
        kind = "a whole number" if integer else "a number"
        raise OCPInputError(f"Connection {conn_id!r}: extra field {name!r} is {raw!r}; set {kind} >= {minimum:g}.")
    return value


def _warn_about_transport_security(conn_id: str, settings: OCPSettings) -> None:
    if settings.verify is False:
        log.warning(
            "Connection %s: TLS certificate verification is OFF; anyone on the path can read and alter traffic. "
            "Set ca_bundle instead for a private CA.",
            conn_id,
        )
    if settings.base_url.startswith("http://") and settings.auth_type == "basic" and not settings.is_loopback:
        log.warning(
            "Connection %s: basic auth over plain http:// sends the password in clear text; use an https:// OCP URL.",
            conn_id,
        )
