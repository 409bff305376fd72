"""The two HTTP transports behind the OCP hooks: requests (sync) and httpx (async), configured identically.

Everything protocol-level lives in :mod:`airflow_provider_ocp.client`; this module only opens sessions with the
connection's TLS, proxy and timeout settings, and turns either library's failure into one :class:`OCPAPIError`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import certifi
import httpx
import requests
import urllib3
from requests.adapters import HTTPAdapter

from airflow_provider_ocp.client.request import OCPRequest
from airflow_provider_ocp.client.response import redact
from airflow_provider_ocp.client.settings import OCPSettings, ca_bundle_message
from airflow_provider_ocp.exceptions import OCPAPIError, OCPInputError

CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")
TLS_FAILURE_MESSAGE = (
    "TLS verification of OCP's certificate failed: if OCP uses a private or self-signed CA, set the "
    "connection extra 'ca_bundle' to that CA's PEM file (certificate verify failed)"
)
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
TRANSPORT_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError)


def tls_verification(settings: OCPSettings) -> bool | ssl.SSLContext:
    """The TLS trust both transports use; a CA bundle that cannot load fails here, before any request.

    ``verify=True`` trusts what the environment names, as requests does (``REQUESTS_CA_BUNDLE``,
    ``CURL_CA_BUNDLE``, then ``SSL_CERT_FILE``), else certifi's bundle; a path trusts that bundle; False turns
    verification off.

    :param settings: the connection's settings.
    """
    if settings.verify is False:
        return False
    if isinstance(settings.verify, str):
        return _ssl_context(settings.verify)
    environment = next((os.environ[name] for name in CA_BUNDLE_VARIABLES if os.environ.get(name)), None)
    return _ssl_context(environment or certifi.where())


@functools.lru_cache(maxsize=16)
def _ssl_context(cafile: str) -> ssl.SSLContext:
    # One context per CA bundle, shared by every client in the process: loading the CA store costs tens of
    # milliseconds of CPU, which would stall a triggerer's event loop once per trigger.
    try:
        return ssl.create_default_context(cafile=cafile)
    except OSError as error:  # missing, unreadable or not PEM: "[Errno 2]" alone would not say which file
        raise OCPInputError(ca_bundle_message(cafile, error)) from None


def open_requests_session(settings: OCPSettings) -> requests.Session:
    """A pooled requests session with the connection's TLS trust and proxies.

    :param settings: the connection's settings.
    """
    tls_verification(settings)  # a bad CA bundle fails now, as it does for the async client
    session = requests.Session()
    session.verify = settings.verify
    session.trust_env = True
    session.auth = _KeepAuthorization()  # else requests would replace our header with ~/.netrc credentials
    if settings.proxies:
        session.proxies.update(settings.proxies)
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def open_httpx_client(settings: OCPSettings) -> httpx.AsyncClient:
    """A pooled httpx client trusting, proxying and timing out exactly as :func:`open_requests_session`.

    :param settings: the connection's settings.
    """
    proxies = settings.proxies or {}
    mounts: dict[str, httpx.AsyncBaseTransport | None] = {
        f"{scheme}://": httpx.AsyncHTTPTransport(proxy=url) for scheme, url in proxies.items() if scheme in _SCHEMES
    }
    return httpx.AsyncClient(
        verify=tls_verification(settings),
        timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
        follow_redirects=False,
        mounts=mounts or None,
        trust_env=True,
    )


_SCHEMES = ("http", "https")


class _KeepAuthorization(requests.auth.AuthBase):
    """Leaves the ``Authorization`` header that the request builder set untouched.

    A session without ``auth`` lets requests (with ``trust_env``, needed for proxy and CA variables) fill in
    credentials from ``~/.netrc``, replacing the connection's basic or AccessKey header.
    """

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


class DeadlineWatchdog:
    """Cuts a requests response off when its request outlives ``request_deadline``.

    requests has per-read timeouts only: a server sending a byte every few seconds never trips them. The watchdog
    shuts the response's socket down at the deadline, so the blocked read ends at once and the hook reports the
    deadline (see :attr:`expired`) instead of the read error that follows.

    :param seconds: the connection's ``request_deadline``, counted from construction (before the request is sent).
    """

    def __init__(self, seconds: float) -> None:
        self._ends_at = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._reading = False
        self.expired = False

    @contextlib.contextmanager
    def watching(self, response: requests.Response) -> Iterator[None]:
        """Watch the body being read from ``response``.

        :param response: a streamed response whose headers have arrived.
        """
        timer = threading.Timer(max(0.0, self._ends_at - time.monotonic()), self._cut, args=(response,))
        timer.daemon = True
        with self._lock:
            self._reading = True
        timer.start()
        try:
            yield
        finally:
            with self._lock:
                self._reading = False  # from here on the pooled connection may serve another request: never cut it
            timer.cancel()

    def _cut(self, response: requests.Response) -> None:
        with self._lock:
            if not self._reading:
                return
            self.expired = True
            sock = getattr(getattr(response.raw, "connection", None), "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    # The exception, what it was raised from, and what it wraps: urllib3 hands the ssl error to requests as an
    # argument (MaxRetryError.reason, SSLError.args), not as a cause.
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args[:1]]
        pending.extend(item for item in linked if isinstance(item, BaseException))


def _tls_message(exc: BaseException, settings: OCPSettings) -> str:
    """Say which TLS failure happened, since each has a different fix.

    :param exc: the transport failure.
    :param settings: the connection's settings, for the host name.
    """
    errors = [cause for cause in _causes(exc) if isinstance(cause, ssl.SSLError)]
    reasons = " ".join(f"{getattr(error, 'reason', '')} {error}" for error in errors).upper()
    host = urlsplit(settings.base_url).hostname
    if "WRONG_VERSION_NUMBER" in reasons or "RECORD_LAYER_FAILURE" in reasons or "HTTP_REQUEST" in reasons:
        return (
            "OCP's port answered the TLS handshake with something that is not TLS, most likely plain HTTP: use "
            "http:// in the connection's OCP URL, or the port where OCP serves HTTPS (wrong version number)"
        )
    verification = next((error for error in errors if isinstance(error, ssl.SSLCertVerificationError)), None)
    if verification is not None and (verification.verify_code in (62, 64) or "MISMATCH" in reasons):
        return (
            f"OCP's certificate is not valid for the host {host!r} in the connection's OCP URL: connect with a "
            "name the certificate lists (its subject alternative names), or have the certificate reissued for this "
            "name (hostname mismatch)"
        )
    if verification is not None or "CERTIFICATE_VERIFY_FAILED" in reasons:
        return TLS_FAILURE_MESSAGE
    return (
        "The TLS handshake with OCP failed: check the scheme and port of the connection's OCP URL and, for a private "
        f"CA, the connection extra 'ca_bundle' ({errors[0].reason if errors else type(exc).__name__})"
    )


def transport_error(exc: Exception, request: OCPRequest, settings: OCPSettings) -> OCPAPIError:
    """Turn a requests or httpx failure (no usable response) into an :class:`OCPAPIError`, saying whether to retry.

    Both libraries are classified by exception type (TLS failures by the :class:`ssl.SSLError` they wrap), so the
    worker and the triggerer report the same failure the same way.

    :param exc: what requests or httpx raised.
    :param request: the request that failed.
    :param settings: the connection's settings, for timeouts in the message.
    """
    if any(isinstance(cause, ssl.SSLError | requests.exceptions.SSLError) for cause in _causes(exc)):
        message, retryable = _tls_message(exc, settings), False
    elif isinstance(exc, _CONNECT_TIMEOUTS):
        message, retryable = f"Could not connect to OCP within {settings.connect_timeout:g}s", True
    elif isinstance(exc, _READ_TIMEOUTS):
        message, retryable = f"OCP did not answer within the read timeout of {settings.read_timeout:g}s", True
    elif isinstance(exc, _DROPPED):
        reason = _REASON.search(str(exc))
        detail = f": {reason.group(0)}" if reason else ""
        message, retryable = f"Connection to OCP failed or was dropped ({type(exc).__name__}{detail})", True
    else:
        message, retryable = f"Request to OCP failed ({type(exc).__name__})", False
    return OCPAPIError(
        redact(message, request.secrets), trace_id=request.trace_id, path=request.target, retryable=retryable
    )
