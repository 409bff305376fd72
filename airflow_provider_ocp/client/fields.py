"""Reading each field of an ``ocp`` connection: the URL, the extras' JSON, TLS, proxies and numeric limits.

Every error names the connection and the field, says how to fix it, and never repeats a password (a URL is shown
without its user-info part). Nothing here sends a request.
"""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import SplitResult, urlsplit

from airflow_provider_ocp.client.errors import OCPInputError

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


def without_credentials(url: str) -> str:
    """``url`` for a message: everything between ``://`` and the last ``@`` replaced by ``***``.

    The last ``@``, not the first ``/``: a password may itself hold ``/``, ``@`` or ``:``.

    :param url: a URL as typed in a connection field.
    """
    scheme, separator, rest = url.partition("://")
    if not separator or "@" not in rest:
        return url
    return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"


def _split(conn_id: str, url: str, field: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as error:
        # urllib's message may quote part of a password that holds a "/" (it then reads as the port): leave it out.
        detail = f" ({error})" if "@" not in url else ""
        raise OCPInputError(
            f"Connection {conn_id!r}: the {field} {without_credentials(url)!r} is not a valid URL{detail}."
        ) from None
    return parts


def base_url_field(conn_id: str, host: str | None, schema: str | None, port: int | None) -> tuple[str, str]:
    """The OCP base URL (scheme, host, port, path prefix) and the ``Host`` header value, from the host field.

    :param conn_id: the connection id, for messages.
    :param host: an OCP URL with scheme, or a bare host name.
    :param schema: ``http`` or ``https`` for a bare host name.
    :param port: the port for a bare host name.
    """
    host = (host or "").strip()
    if not host:
        raise OCPInputError(
            f"Connection {conn_id!r} has no host; set it to the OCP URL, e.g. https://ocp.example.com:8080"
        )
    if "://" not in host:
        scheme = (schema or "https").strip().lower()
        host = f"{scheme}://{host}{f':{port}' if port else ''}"
    if "@" in host.partition("://")[2]:
        raise OCPInputError(
            f"Connection {conn_id!r}: the OCP URL {without_credentials(host)!r} carries credentials; remove them "
            "from the host and put them in login and password."
        )
    parts = _split(conn_id, host, "OCP URL")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OCPInputError(
            f"Connection {conn_id!r}: host {host!r} is not an http(s) URL; use e.g. https://ocp.example.com:8080"
        )
    if parts.query or parts.fragment:
        raise OCPInputError(f"Connection {conn_id!r}: the OCP URL must not carry a query or fragment; remove them.")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}", parts.netloc


def extra_field(conn_id: str, raw: object, parsed: object) -> dict[str, Any]:
    """The extras as a dict, refusing text that is not a JSON object.

    Airflow turns unparseable extras into ``{}`` with only a log line: an AccessKey connection would then silently
    fall back to basic auth and send the AccessKey as a password. The text itself is never quoted (it may hold
    secrets).

    :param conn_id: the connection id, for messages.
    :param raw: the connection's ``extra`` text, if the connection object has it.
    :param parsed: the extras as Airflow parsed them.
    """
    if isinstance(raw, str) and raw.strip():
        try:
            parsed = json.loads(raw)
        except ValueError as error:
            raise OCPInputError(
                f"Connection {conn_id!r}: the extra field is not valid JSON ({error.__class__.__name__} at "
                f"character {getattr(error, 'pos', '?')}); write it as a JSON object, e.g. "
                '{"auth_type": "access_key"}.'
            ) from None
    if parsed is None:
        return {}
    if not isinstance(parsed, dict):
        raise OCPInputError(
            f"Connection {conn_id!r}: the extra field is a JSON {type(parsed).__name__}, not an object; write it as "
            '{"auth_type": "access_key", ...}.'
        )
    return parsed


def verify_field(extra: dict[str, Any]) -> bool | str:
    """TLS verification: True, False, or a CA bundle path (``ca_bundle``, or a path given in ``verify``).

    :param extra: the connection's extras.
    """
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


def proxies_field(conn_id: str, extra: dict[str, Any]) -> dict[str, str] | None:
    """Proxies by scheme, from ``proxies`` (a JSON object) or ``proxy`` (one URL for http and https).

    :param conn_id: the connection id, for messages.
    :param extra: the connection's extras.
    """
    proxies = extra.get("proxies")
    if proxies:
        if not isinstance(proxies, dict):
            raise OCPInputError(
                f"Connection {conn_id!r}: extra field 'proxies' must be a JSON object like "
                '{"https": "http://proxy:3128"}.'
            )
        return {str(k): _proxy_url(conn_id, f"proxies.{k}", v) for k, v in proxies.items()}
    proxy = extra.get("proxy")
    if not proxy:
        return None
    url = _proxy_url(conn_id, "proxy", proxy)
    return {"http": url, "https": url}


def _proxy_url(conn_id: str, field: str, value: object) -> str:
    url = str(value).strip()
    parts = _split(conn_id, url, f"extra field {field!r}")
    if parts.scheme not in PROXY_SCHEMES or not parts.hostname:
        raise OCPInputError(
            f"Connection {conn_id!r}: extra field {field!r} is {without_credentials(url)!r}; set a proxy URL with "
            f"scheme and host, e.g. http://proxy.example:3128 (schemes: {', '.join(PROXY_SCHEMES)})."
        )
    return url


def number_field(
    conn_id: str,
    extra: dict[str, Any],
    name: str,
    default: float,
    *,
    minimum: float,
    maximum: float,
    integer: bool = False,
) -> float:
    """A numeric extra within ``[minimum, maximum]`` (the UI form sends text; ``"30"`` is accepted).

    :param conn_id: the connection id, for messages.
    :param extra: the connection's extras.
    :param name: the extra's name.
    :param default: the value when the extra is absent or empty.
    :param minimum: the smallest sensible value.
    :param maximum: the largest sensible value (a timeout of 1e300 seconds overflows the clients' timers).
    :param integer: whether only whole numbers make sense.
    """
    raw = extra.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError, OverflowError):
        value = math.nan
    if (
        isinstance(raw, bool)
        or not math.isfinite(value)
        or not minimum <= value <= maximum
        or (integer and value != int(value))
    ):
        kind = "a whole number" if integer else "a number"
        raise OCPInputError(
            f"Connection {conn_id!r}: extra field {name!r} is {raw!r}; set {kind} from {minimum:g} to {maximum:g}."
        )
    return value
