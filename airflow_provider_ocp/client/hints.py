"""What a message says about the connection itself: which OCP URL was used, how its scheme was chosen, how to switch
the scheme, what to check when OCP refuses the credentials, and who a successful test connected as.

One place for these texts, so the transport errors, the TLS errors, the envelope's 401 and Test Connection all name
the same fields and fixes. Nothing here ever holds a password or an AccessKey secret: the base URL carries no user
information (the host field refuses it), and the login is a user name or an AccessKey ID.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from airflow_provider_ocp.client.settings import OCPSettings

SchemeOrigin = Literal["url", "schema", "default"]
"""Where the base URL's scheme came from: the host field's URL, the connection's schema field (the path of a
connection URI ``ocp://...@host:port/https``), or the default (https, the host having no scheme)."""

AUTH_HINTS = {
    "basic": (
        "OCP did not accept the login and password: check the connection's login and password (an OCP console "
        "user's). If they are an AccessKey ID and secret, set the connection extra 'auth_type' to access_key."
    ),
    "access_key": (
        "OCP did not accept the AccessKey: check the connection's login (the AccessKey ID) and password (the "
        "AccessKey secret), and this worker's clock: OCP refuses a request whose Date is more than 15 minutes away "
        "from its own (clock skew)."
    ),
}


def scheme_origin(host: str | None, schema: str | None) -> SchemeOrigin:
    """Where the scheme of the OCP URL comes from, by the rule of
    :func:`~airflow_provider_ocp.client.fields.base_url_field` (a scheme in the host wins; else the schema field;
    else https).

    :param host: the connection's host field.
    :param schema: the connection's schema field.
    """
    if "://" in (host or ""):
        return "url"
    return "schema" if (schema or "").strip() else "default"


def where(base_url: str, origin: SchemeOrigin) -> str:
    """The sentence every transport error ends with: the OCP URL used, and that https was assumed when it was.

    :param base_url: the settings' base URL (scheme, host, port, path prefix; never credentials).
    :param origin: where its scheme came from.
    """
    if origin == "default":
        return f"OCP URL {base_url}: no scheme in host {urlsplit(base_url).netloc!r}, so https was assumed"
    return f"OCP URL {base_url}"


def scheme_fix(base_url: str, origin: SchemeOrigin, scheme: str) -> str:
    """How to make the connection use ``scheme``, in the terms of the field the scheme came from.

    :param base_url: the settings' base URL.
    :param origin: where its scheme came from.
    :param scheme: ``http`` or ``https``, the scheme the port speaks.
    """
    parts = urlsplit(base_url)
    if origin == "url":
        return f"use {scheme}:// (set the connection's host to {scheme}://{parts.netloc}{parts.path})"
    return (
        f"set the connection's schema field to {scheme} (in a connection URI, its path: "
        f"ocp://<login>:<password>@{parts.netloc}/{scheme}), or give the host as {scheme}://{parts.netloc}{parts.path}"
    )


def port_speaks(base_url: str, origin: SchemeOrigin, scheme: str) -> str:
    """The message for a port that speaks another protocol than the URL's scheme.

    :param base_url: the settings' base URL.
    :param origin: where its scheme came from.
    :param scheme: what the port speaks: ``https``, or ``http`` (plain HTTP).
    """
    spoken = "HTTPS" if scheme == "https" else "plain HTTP"
    return f"OCP's port {urlsplit(base_url).netloc} speaks {spoken}: {scheme_fix(base_url, origin, scheme)}"


def auth_hint(auth_type: str | None, generic: str) -> str:
    """What to check when OCP answers 401, for the connection's auth type.

    :param auth_type: ``basic``, ``access_key``, or None when unknown.
    :param generic: the hint when the auth type is unknown.
    """
    return AUTH_HINTS.get(auth_type or "", generic)


def connected_message(settings: OCPSettings, trace_id: str | None) -> str:
    """Test Connection's success: the URL and the identity it connected as (never the secret).

    :param settings: the connection's settings (base URL, auth type, login: a user name or an AccessKey ID).
    :param trace_id: OCP's trace id of the check.
    """
    login = settings.login
    who = f"AccessKey ID {login!r}" if settings.auth_type == "access_key" else f"user {login!r}"
    return f"Connected to OCP at {settings.base_url} as {who} (traceId {trace_id})."
