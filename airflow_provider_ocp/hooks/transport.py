"""The two HTTP transports behind the OCP hooks: requests (sync) and httpx (async), configured identically.

Everything protocol-level lives in :mod:`airflow_provider_ocp.client`; this module only opens sessions with the
connection's TLS, proxy and timeout settings, and turns either library's failure into one :class:`OCPAPIError`.

What the environment means is decided here, once, for both: the CA bundle variables (:func:`ca_bundle`) and the
proxy variables (:func:`proxies_for`), both ignored with the connection extra ``trust_env: false``. Neither library
reads the environment itself (each would read it its own way, and requests lets ``HTTPS_PROXY`` override a
session's own proxy).
"""

from __future__ import annotations

import functools
import os
import re
import ssl
from typing import Literal
from urllib.parse import urlsplit

import certifi
import httpx
import requests
import urllib3

from airflow_provider_ocp.client.fields import without_credentials
from airflow_provider_ocp.client.hints import port_speaks, where
from airflow_provider_ocp.client.request import OCPRequest
from airflow_provider_ocp.client.response import redact
from airflow_provider_ocp.client.settings import OCPSettings, ca_bundle_message
from airflow_provider_ocp.exceptions import OCPAPIError, OCPInputError
from airflow_provider_ocp.hooks.deadline import DeadlineAdapter
from airflow_provider_ocp.hooks.tls import causes, speaks_tls, tls_message

CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")
_REASON = re.compile(
    r"\[Errno -?\d+\] [^'\")]+|Connection aborted|IncompleteRead|Response ended prematurely"
    r"|Server disconnected[^'\")]*|peer closed connection[^'\")]*"
)
_CONNECT_TIMEOUTS = (requests.exceptions.ConnectTimeout, httpx.ConnectTimeout)
# urllib3's own errors arrive unwrapped while the hook streams the raw body.
_READ_TIMEOUTS = (requests.exceptions.ReadTimeout, urllib3.exceptions.ReadTimeoutError, httpx.ReadTimeout)
_DROPPED = (
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    urllib3.exceptions.ProtocolError,
    httpx.TransportError,
)
# A connection made, then dropped or answered with what is not HTTP: what a TLS port does to a plain HTTP request.
_NOT_HTTP = re.compile(
    r"aborted|reset|RemoteDisconnected|BadStatusLine|Server disconnected|peer closed|illegal|invalid"
    r"|ReadError|RemoteProtocolError",  # httpx's names for the same
    re.IGNORECASE,
)
TRANSPORT_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError)
# No connection was made (refused, unresolvable, timed out connecting): nothing of the request left this machine.
_NOT_CONNECTED = (
    requests.exceptions.ConnectTimeout,
    urllib3.exceptions.NewConnectionError,  # refused or unresolvable, urllib3's own or under requests' error
    urllib3.exceptions.ConnectTimeoutError,
    httpx.ConnectError,
    httpx.ConnectTimeout,
)


def ca_bundle(settings: OCPSettings) -> str | Literal[False]:
    """The CA bundle both transports trust, or False when verification is off.

    ``verify=True`` trusts what the environment names, as requests does (``REQUESTS_CA_BUNDLE``,
    ``CURL_CA_BUNDLE``, then ``SSL_CERT_FILE``; not with ``trust_env: false``), else certifi's bundle; a path trusts
    that bundle.

    :param settings: the connection's settings.
    """
    if settings.verify is False:
        return False
    if isinstance(settings.verify, str):
        return settings.verify
    variables = CA_BUNDLE_VARIABLES if settings.trust_env else ()
    return next((os.environ[name] for name in variables if os.environ.get(name)), None) or certifi.where()


def tls_verification(settings: OCPSettings) -> bool | ssl.SSLContext:
    """The TLS trust of :func:`ca_bundle` as an SSL context; a bundle that cannot load fails here, before any request.

    :param settings: the connection's settings.
    """
    bundle = ca_bundle(settings)
    return False if bundle is False else _ssl_context(bundle)


@functools.lru_cache(maxsize=16)
def _ssl_context(cafile: str) -> ssl.SSLContext:
    # One context per CA bundle, shared by every client in the process: loading the CA store costs tens of
    # milliseconds of CPU, which would stall a triggerer's event loop once per trigger.
    try:
        return ssl.create_default_context(cafile=cafile)
    except OSError as error:  # missing, unreadable or not PEM: "[Errno 2]" alone would not say which file
        raise OCPInputError(ca_bundle_message(cafile, error)) from None


def proxies_for(settings: OCPSettings) -> dict[str, str]:
    """The proxies OCP requests go through, by scheme: the connection's own (extra ``proxy`` or ``proxies``), else
    the one the environment names for OCP's URL (``HTTPS_PROXY``, ``HTTP_PROXY`` or ``ALL_PROXY``, unless
    ``NO_PROXY`` covers OCP's host, as requests reads them), else none; the environment only with ``trust_env``.

    :param settings: the connection's settings.
    """
    if settings.proxies:
        return settings.proxies
    if not settings.trust_env:
        return {}
    scheme = urlsplit(settings.base_url).scheme
    environment = requests.utils.get_environ_proxies(settings.base_url)
    proxy = environment.get(scheme) or environment.get("all")
    return {scheme: proxy} if proxy else {}


def open_requests_session(settings: OCPSettings) -> requests.Session:
    """A pooled requests session with the connection's TLS trust and proxies, and ``request_deadline`` support.

    :param settings: the connection's settings.
    """
    tls_verification(settings)  # a bad CA bundle fails now, as it does for the async client
    session = requests.Session()
    session.trust_env = False  # no environment proxies, CA bundle or ~/.netrc credentials but those chosen here
    session.verify = ca_bundle(settings)
    session.proxies.update(proxies_for(settings))
    adapter = DeadlineAdapter(pool_connections=4, pool_maxsize=16, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def open_httpx_client(settings: OCPSettings) -> httpx.AsyncClient:
    """A pooled httpx client trusting, proxying and timing out exactly as :func:`open_requests_session`.

    :param settings: the connection's settings.
    """
    mounts: dict[str, httpx.AsyncBaseTransport | None] = {
        f"{scheme}://": httpx.AsyncHTTPTransport(proxy=url)
        for scheme, url in proxies_for(settings).items()
        if scheme in _SCHEMES
    }
    return httpx.AsyncClient(
        verify=tls_verification(settings),
        timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
        follow_redirects=False,
        mounts=mounts or None,
        trust_env=False,  # the environment is read once, above, for both clients
    )


_SCHEMES = ("http", "https")


def transport_error(exc: Exception, request: OCPRequest, settings: OCPSettings) -> OCPAPIError:
    """Turn a requests or httpx failure (no usable response) into an :class:`OCPAPIError`, saying whether to retry.

    Both libraries are classified by exception type (TLS failures by the :class:`ssl.SSLError` they wrap), so the
    worker and the triggerer report the same failure the same way. Every message names the OCP URL (never
    credentials); a failure through a proxy names the proxy, so that nobody looks for the fault at OCP. An
    ``http://`` request dropped by a port that answers a TLS handshake fails at once, saying to use https.
    Blocking: a certificate outside its dates is read again (:func:`~airflow_provider_ocp.hooks.tls.tls_message`),
    and a dropped ``http://`` connection is probed for TLS, so the async hook calls this in a thread.

    :param exc: what requests or httpx raised.
    :param request: the request that failed.
    :param settings: the connection's settings, for timeouts in the message.
    """
    proxy = proxies_for(settings).get(urlsplit(settings.base_url).scheme)
    if any(isinstance(cause, ssl.SSLError | requests.exceptions.SSLError) for cause in causes(exc)):
        message, retryable = tls_message(exc, settings, proxied=proxy is not None), False
    elif isinstance(exc, _CONNECT_TIMEOUTS):
        message, retryable = f"Could not connect to OCP within {settings.connect_timeout:g}s", True
    elif isinstance(exc, _READ_TIMEOUTS):
        message, retryable = f"OCP did not answer within the read timeout of {settings.read_timeout:g}s", True
    elif isinstance(exc, _DROPPED):
        reason = _REASON.search(str(exc))
        detail = f": {reason.group(0)}" if reason else ""
        message, retryable = f"Connection to OCP failed or was dropped ({type(exc).__name__}{detail})", True
        if _maybe_tls_port(exc, settings, proxy) and speaks_tls(settings):
            message, retryable = port_speaks(settings.base_url, settings.scheme_origin, "https"), False
    else:
        message, retryable = f"Request to OCP failed ({type(exc).__name__})", False
    if proxy is not None and retryable:
        message += f", through the proxy {without_credentials(proxy)} {_proxy_origin(settings)}"
    message += f"; {where(settings.base_url, settings.scheme_origin)}"
    unsent = any(isinstance(cause, _NOT_CONNECTED) for cause in causes(exc))
    return OCPAPIError(
        redact(message, request.secrets),
        trace_id=request.trace_id,
        path=request.target,
        retryable=retryable,
        unsent=unsent,
    )


def _maybe_tls_port(exc: Exception, settings: OCPSettings, proxy: str | None) -> bool:
    """Whether a dropped connection may be a TLS port refusing plain HTTP (a direct ``http://`` connection that was
    made, then reset or answered with what is not HTTP): only then is the port probed for TLS."""
    return (
        proxy is None
        and settings.base_url.startswith("http://")
        and _NOT_HTTP.search(f"{type(exc).__name__} {exc}") is not None
    )


def _proxy_origin(settings: OCPSettings) -> str:
    if settings.proxies:
        return "(connection extra 'proxy' or 'proxies')"
    return (
        "(from the environment's HTTPS_PROXY, HTTP_PROXY or ALL_PROXY; set the connection extra 'trust_env' to false "
        "to connect directly)"
    )
