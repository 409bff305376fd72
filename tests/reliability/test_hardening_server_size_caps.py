"""Hostile servers (issue 12), 3: size and decompression caps (a body over the cap, a gzip bomb, gzip below the cap)."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from http.server import BaseHTTPRequestHandler

import pytest
from hardening_server_support import CLIENTS, TASK, read
from hostile_server import Seen, hostile_server, page, send, use_server

from airflow_provider_ocp.exceptions import OCPAPIError

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)


# -- 3. size and decompression caps ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """About 250 KB of gzip that inflates to 256 MiB of JSON text."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    parts = [compressor.compress(b'{"successful": true, "data": {"contents": ["')]
    block = b"0" * (1 << 20)
    parts += [compressor.compress(block) for _ in range(256)]
    parts.append(compressor.compress(b'"]}}') + compressor.flush())
    return b"".join(parts)


@pytest.mark.parametrize("client", CLIENTS)
def test_a_body_over_the_cap_is_refused_naming_the_extra(monkeypatch: pytest.MonkeyPatch, client: str) -> None:
    body = page([{**TASK, "padding": "x" * 4096} for _ in range(600)], 1, 1, 600)  # about 2.5 MB

    with hostile_server(lambda handler, seen: send(handler, 200, body)) as server:
        use_server(monkeypatch, server.url, max_response_bytes=1 << 20)
        with pytest.raises(OCPAPIError, match="max_response_bytes") as info:
            read(client)
    assert not info.value.retryable and "larger than 1048576 bytes" in str(info.value)


@pytest.mark.parametrize("client", CLIENTS)
def test_a_gzip_bomb_stops_at_the_default_cap_with_bounded_memory(
    monkeypatch: pytest.MonkeyPatch, client: str, gzip_bomb: bytes
) -> None:
    def respond(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        send(handler, 200, gzip_bomb, Content_Encoding="gzip")

    with hostile_server(respond) as server:
        use_server(monkeypatch, server.url)  # the default cap: 64 MiB
        tracemalloc.start()
        try:
            with pytest.raises(OCPAPIError, match="max_response_bytes"):
                read(client)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert len(gzip_bomb) < 1 << 20
    assert peak < 160 << 20, f"peak {peak >> 20} MiB while the body inflates to 256 MiB"


def test_gzip_is_still_decoded_below_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    body = gzip.compress(page([TASK], 1, 1, 1))

    with hostile_server(lambda handler, seen: send(handler, 200, body, Content_Encoding="gzip")) as server:
        use_server(monkeypatch, server.url, max_response_bytes=4096)
        assert [task["tenantName"] for task in read("sync")] == ["t1"]
        assert [task["tenantName"] for task in read("async")] == ["t1"]
