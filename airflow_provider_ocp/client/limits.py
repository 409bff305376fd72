"""Per-request limits that protect a worker or the triggerer from a hostile or broken server.

A body is collected chunk by chunk and refused past ``max_response_bytes`` (counted after decompression, so a small
gzip that inflates to gigabytes stops early); a request is abandoned past ``request_deadline`` (a server trickling a
byte a second would otherwise hold it open for hours). Transport-free: both hooks feed their own library's chunks.
"""

from __future__ import annotations

from airflow_provider_ocp.client.request import OCPRequest
from airflow_provider_ocp.client.settings import OCPSettings
from airflow_provider_ocp.exceptions import OCPAPIError

CHUNK_BYTES = 64 * 1024


class CappedBody:
    """Collects a response body, raising as soon as it grows past the connection's ``max_response_bytes``.

    :param settings: the connection's settings (the cap).
    :param request: the request, for the error.
    """

    def __init__(self, settings: OCPSettings, request: OCPRequest) -> None:
        self._cap = settings.max_response_bytes
        self._request = request
        self._chunks: list[bytes] = []
        self._size = 0

    def add(self, chunk: bytes) -> None:
        """Append a decoded chunk.

        :param chunk: the next bytes of the body, after decompression.
        """
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
        self._chunks.append(chunk)

    def bytes(self) -> bytes:
        """The whole body."""
        return b"".join(self._chunks)


def deadline_error(settings: OCPSettings, request: OCPRequest) -> OCPAPIError:
    """The error for a request that outlived ``request_deadline`` (retryable: a slow link may recover).

    :param settings: the connection's settings (the deadline).
    :param request: the request that took too long.
    """
    return OCPAPIError(
        f"OCP did not finish answering within the request deadline of {settings.request_deadline:g}s (connection "
        "extra 'request_deadline'); the server or a proxy is sending its response too slowly.",
        trace_id=request.trace_id,
        path=request.target,
        retryable=True,
    )
