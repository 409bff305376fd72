"""Turn an Airflow connection of type ``ocp`` into validated client settings.

Both the synchronous hook and the trigger (which reads the connection asynchronously) build their settings here, so a
connection means exactly the same thing on a worker and in the triggerer. Every error names the connection field and
the fix, and is raised before any request is sent.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from airflow_provider_ocp.client.errors import OCPInputError
from airflow_provider_ocp.client.fields import (
    base_url_field,
    ca_bundle_message,
    extra_field,
    number_field,
    proxies_field,
    verify_field,
)
from airflow_provider_ocp.client.hints import SchemeOrigin, scheme_origin

__all__ = [
    "AUTH_TYPES",
    "MAX_PAGE_SIZE",
    "OCPSettings",
    "ca_bundle_message",
    "settings_from_airflow_connection",
    "settings_from_connection",
]

log = logging.getLogger(__name__)

AuthType = Literal["basic", "access_key"]
AUTH_TYPES: tuple[str, ...] = ("basic", "access_key")
MAX_PAGE_SIZE = 2000
MIB = 2**20
DAY = 86_400.0
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
    :param trust_env: whether the environment's proxy variables (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``,
        ``NO_PROXY``) and CA bundle variables apply, as they do for requests and httpx; off, a worker's environment
        (set for other traffic) cannot route OCP requests and their credentials through a proxy.
    :param connect_timeout: seconds to establish a TCP/TLS connection.
    :param read_timeout: seconds to wait for each read of a response.
    :param request_deadline: seconds one request may take in all, so a server trickling bytes cannot hold it open.
    :param max_response_bytes: the largest body accepted, counted after decompression, so a huge or inflating
        response cannot exhaust the worker's or the triggerer's memory.
    :param max_retries: retries per request for transient failures.
    :param retry_backoff: base of the exponential backoff, in seconds.
    :param retry_max_wait: cap on one wait, for the backoff and for ``Retry-After``.
    :param page_size: records per page requested by default.
    :param max_pages: guard against a server that never stops paging, and the bound on one walk's records
        (``max_pages * page_size``: 2,000,000 by default, hundreds of times what a cluster's log backup history holds).
    :param concurrency: pages fetched in parallel once the page count is known; 1 is sequential.
    :param scheme_origin: where the URL's scheme came from (the host's URL, the schema field, or https assumed), so
        an error can say how to change it.
    """

    base_url: str
    host_header: str
    auth_type: AuthType
    login: str
    secret: str = field(repr=False)
    verify: bool | str = True
    proxies: dict[str, str] | None = None
    trust_env: bool = True
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    request_deadline: float = 300.0
    max_response_bytes: int = 64 * MIB
    max_retries: int = 5
    retry_backoff: float = 1.0
    retry_max_wait: float = 60.0
    page_size: int = MAX_PAGE_SIZE
    max_pages: int = 1_000
    concurrency: int = 4
    scheme_origin: SchemeOrigin = "url"

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
    base_url, host_header = base_url_field(conn_id, host, schema, port)
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
    number = functools.partial(number_field, conn_id, extra)
    settings = OCPSettings(
        base_url=base_url,
        host_header=host_header,
        auth_type=auth_type,  # type: ignore[arg-type]
        login=login,
        secret=password,
        verify=verify_field(extra),
        proxies=proxies_field(conn_id, extra),
        trust_env=_flag_field(conn_id, extra, "trust_env", default=True),
        connect_timeout=number("connect_timeout", 10.0, minimum=0.001, maximum=DAY),
        read_timeout=number("timeout", 60.0, minimum=0.001, maximum=DAY),
        request_deadline=number("request_deadline", 300.0, minimum=0.001, maximum=DAY),
        max_response_bytes=int(number("max_response_bytes", 64 * MIB, minimum=1024, maximum=2**40, integer=True)),
        max_retries=int(number("max_retries", 5, minimum=0, maximum=100, integer=True)),
        retry_backoff=number("retry_backoff", 1.0, minimum=0, maximum=DAY),
        retry_max_wait=number("retry_max_wait", 60.0, minimum=0, maximum=DAY),
        page_size=int(number("page_size", MAX_PAGE_SIZE, minimum=1, maximum=10**9, integer=True)),
        max_pages=int(number("max_pages", 1_000, minimum=1, maximum=10**9, integer=True)),
        concurrency=int(number("concurrency", 4, minimum=1, maximum=64, integer=True)),
        scheme_origin=scheme_origin(host, schema),
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
        extra=extra_field(conn_id, getattr(conn, "extra", None), conn.extra_dejson if extra is None else extra),
    )


def _flag_field(conn_id: str, extra: dict[str, Any], name: str, *, default: bool) -> bool:
    """A true/false extra (a JSON boolean, or text as a URI query or an older form sends it).

    :param conn_id: the connection id, for messages.
    :param extra: the connection's extras.
    :param name: the extra's name.
    :param default: the value when it is missing or empty.
    """
    raw = extra.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise OCPInputError(f"Connection {conn_id!r}: extra field {name!r} is {raw!r}; set it to true or false.")


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
