"""Per-request limits that protect a worker or the triggerer from a hostile or broken server.

A body is collected chunk by chunk and refused past ``max_response_bytes`` (counted after decompression, so a small
gzip that inflates to gigabytes stops early); a request is abandoned past ``request_deadline`` (a server trickling a
byte a second would otherwise hold it open for hours). Transport-free: both hooks feed their own library's chunks.
"""

from __future__ import annotations

import zlib

from airflow_provider_ocp.client.errors import OCPAPIError
from airflow_provider_ocp.client.hints import where
from airflow_provider_ocp.client.request import ACCEPT_ENCODING, OCPRequest
from airflow_provider_ocp.client.settings import OCPSettings

CHUNK_BYTES = 64 * 1024
_WBITS: dict[str, int | None] = {"identity": None, "gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS}
_WBITS["deflate"] = zlib.MAX_WBITS  # HTTP's "deflate" is zlib-wrapped
assert set(ACCEPT_ENCODING.replace(" ", "").split(",")) <= set(_WBITS)  # we inflate all we ask for


class CappedBody:
    """Collects and decodes a response body, raising as soon as it grows past ``max_response_bytes``.

    Decoding happens here, not in requests or httpx, because both inflate a whole network chunk at once: 64 KiB of
    gzip can become 64 MiB before anyone counts. Here each step inflates at most ``CHUNK_BYTES``.

    :param settings: the connection's settings (the cap).
    :param request: the request, for the errors.
    :param content_encoding: the response's ``Content-Encoding`` header (we ask for gzip or deflate only).
    """

    def __init__(self, settings: OCPSettings, request: OCPRequest, content_encoding: str | None) -> None:
        self._cap = settings.max_response_bytes
        self._request = request
        self._chunks: list[bytes] = []
        self._size = 0
        encoding = (content_encoding or "identity").strip().lower()
        if encoding not in _WBITS:
            raise OCPAPIError(
                f"OCP answered with Content-Encoding {encoding!r}, which this provider did not ask for (it accepts "
                "gzip and deflate): a proxy between Airflow and OCP may be re-encoding responses.",
                trace_id=request.trace_id,
                path=request.target,
                retryable=False,
            )
        wbits = _WBITS[encoding]
        self._wbits = wbits or zlib.MAX_WBITS
        self._inflater = zlib.decompressobj(wbits) if wbits is not None else None

    def add(self, raw: bytes) -> None:
        """Take the next bytes as they came off the wire (still encoded).

        :param raw: a chunk of the body, before content decoding.
        """
        if self._inflater is None:
            self._append(raw)
            return
        try:
            while raw:
                self._append(self._inflater.decompress(raw, CHUNK_BYTES))
                raw = self._inflater.unconsumed_tail
                if self._inflater.eof and self._inflater.unused_data:  # a gzip file may hold several members
                    raw, self._inflater = self._inflater.unused_data, zlib.decompressobj(self._wbits)
        except zlib.error:
            raise OCPAPIError(
                "OCP's compressed response is corrupt (it cannot be inflated)",
                trace_id=self._request.trace_id,
                path=self._request.target,
                retryable=True,
            ) from None

    def _append(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > self._cap:
            self._chunks.clear()
            raise OCPAPIError(
                f"OCP's response is larger than {self._cap} bytes (after decompression), the connection extra "
                "'max_response_bytes': lower the page size (extra 'page_size' or the task's page_size), or raise "
                "'max_response_bytes' if OCP's pages really are this large.",
                trace_id=self._request.trace_id,
                path=self._request.target,
                retryable=False,
            )
        if chunk:
            self._chunks.append(chunk)

    def bytes(self) -> bytes:
        """The whole decoded body."""
        if self._inflater is not None:
            self._append(self._inflater.flush())
        return b"".join(self._chunks)


def deadline_error(settings: OCPSettings, request: OCPRequest) -> OCPAPIError:
    """The error for a request that outlived ``request_deadline`` (retryable: a slow link may recover).

    :param settings: the connection's settings (the deadline).
    :param request: the request that took too long.
    """
    return OCPAPIError(
        f"OCP did not finish answering within the request deadline of {settings.request_deadline:g}s (connection "
        "extra 'request_deadline'); the server or a proxy is sending its response too slowly; "
        f"{where(settings.base_url, settings.scheme_origin)}.",
        trace_id=request.trace_id,
        path=request.target,
        retryable=True,
    )
