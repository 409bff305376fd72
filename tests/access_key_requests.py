"""AccessKey-signed GETs to the OCP emulator, built by hand as OCP's docs describe: what the emulator's authentication
tests send, with ways to send something other than what was signed."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlsplit

import requests

from airflow_provider_ocp.client.auth import (
    ACCESS_KEY_SCHEME,
    canonical_query,
    compute_signature,
    http_date,
    string_to_sign,
)
from airflow_provider_ocp.testing import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, OCPEmulator


def signed_get(
    emu: OCPEmulator,
    path: str,
    params: list[tuple[str, str]],
    *,
    secret: str = DEFAULT_ACCESS_KEY_SECRET,
    date: str | None = None,
    sent_query: str | None = None,
    headers: dict[str, str] | None = None,
    sent_headers: dict[str, str] | None = None,
    verify: str | bool = True,
) -> requests.Response:
    """A GET of ``path`` (below ``/api/v2``) signed over ``params``, ``date`` and the ``x-ocp-*`` of ``headers``.

    :param secret: the AccessKey secret to sign with.
    :param date: the ``Date`` header (default: now).
    :param sent_query: a query to send instead of the signed one.
    :param headers: headers to sign (their ``x-ocp-*`` ones) and send.
    :param sent_headers: headers to send instead of ``headers``.
    :param verify: requests' TLS verification.
    """
    query = canonical_query(params)
    host = f"{emu.host}:{emu.port}"
    full_path = urlsplit(emu.api_url).path + path
    date = date or http_date(datetime.now(timezone.utc))
    extra = headers or {}
    message = string_to_sign(
        method="GET",
        body_md5="",
        content_type="application/json",
        date=date,
        host=host,
        ocp_headers={k: v for k, v in extra.items() if k.lower().startswith("x-ocp-")},
        path=full_path,
        query=query,
    )
    signature = compute_signature(secret, message)
    headers_out = {
        "Authorization": f"{ACCESS_KEY_SCHEME} {DEFAULT_ACCESS_KEY_ID}:{signature}",
        "Date": date,
        "Content-Type": "application/json",
        **(extra if sent_headers is None else sent_headers),
    }
    query_out = query if sent_query is None else sent_query
    url = f"{emu.scheme}://{host}{full_path}" + (f"?{query_out}" if query_out else "")
    return requests.get(url, headers=headers_out, timeout=10, verify=verify)
