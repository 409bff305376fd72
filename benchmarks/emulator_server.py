"""The benchmark emulator process: ``python -m benchmarks.emulator_server CONFIG_JSON LIFETIME_SECONDS``.

It serves :class:`airflow_provider_ocp.testing.OCPEmulator` on 127.0.0.1 in its own process, so the client under
test does not share a GIL or a core with the server, as with a real, remote OCP. It prints one JSON line once it
listens (URL, cluster ids, an Airflow connection, the start time), answers ``stats`` lines on stdin with its CPU
seconds and request count (``latency SECONDS`` changes the latency, ``delay START END OVER`` starts a linear
delay profile on every current task), and stops when stdin closes or after LIFETIME_SECONDS.

One benchmark-only adjustment (nothing in the provider is changed; see benchmarks/README.md for why):

* ``fast``: freeze the server clock and cache each distinct response after a warm-up, so that rendering 2,000
  synthetic records in Python (~60 ms of CPU per page, serialised by the dataset lock) does not replace the
  injected network latency as what the client waits for.

TCP_NODELAY and a listen backlog above socketserver's 5 used to be patched in here too; the emulator now ships both
(``EmulatorRequestHandler.disable_nagle_algorithm``, ``EmulatorHTTPServer.request_queue_size``), and the ready line
reports the values it runs with.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import sys
import threading
import time
from typing import Any

from airflow_provider_ocp.testing import ClusterSpec, DelayProfile, OCPEmulator
from airflow_provider_ocp.testing.server import EmulatorHTTPServer, EmulatorRequestHandler


class CachingApi:
    """Wraps the emulator's API object: successful answers are computed once per distinct request.

    :param api: the emulator's API (anything with ``handle(request, tweaks)``).
    """

    def __init__(self, api: Any) -> None:
        self._api = api
        self._cache: dict[tuple[str, str, str, str | None], Any] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)

    def handle(self, request: Any, tweaks: Any) -> Any:
        """Answer from the cache, or compute (authentication included) and cache a 200 answer.

        :param request: the incoming request.
        :param tweaks: pagination faults (none are registered in benchmarks).
        """
        key = (request.method, request.path, request.query, request.headers.get("Authorization"))
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self.hits += 1
                return cached
        response = self._api.handle(request, tweaks)
        if response.status == 200:
            with self._lock:
                self._cache[key] = response
                self.misses += 1
        return response


def build_emulator(config: dict[str, Any]) -> OCPEmulator:
    """The emulator described by the config (see :class:`benchmarks.common.EmulatorConfig`).

    :param config: the decoded config.
    """
    from datetime import timedelta

    delay: float | DelayProfile = 30.0
    if config.get("delay"):
        start, end, over = config["delay"]
        delay = DelayProfile.linear(start, end, over)
    interval = timedelta(seconds=config.get("task_interval_s", 60.0))
    clusters = config.get("clusters", 1)
    tenants = int(config.get("tenants", 2))
    if isinstance(clusters, list):
        specs = [
            ClusterSpec.synthetic(number, tenants=tenants, tasks=int(spec["tasks"]), interval=interval, delay=delay)
            for number, spec in enumerate(clusters, start=1)
        ]
        return OCPEmulator(clusters=specs, latency=0.0, frozen_clock=False)
    return OCPEmulator(
        clusters=int(clusters),
        tenants=tenants,
        tasks_per_tenant=int(config.get("tasks_per_tenant", 3)),
        task_interval=interval,
        delay=delay,
        latency=0.0,
        frozen_clock=False,  # time passes as for a real OCP; ``fast`` freezes it once warmed up
    )


def warm_up(emu: OCPEmulator, warm: list[list[int]]) -> int:
    """Request pages once (latency off) so that the cache holds them before anything is timed.

    :param emu: the started emulator.
    :param warm: ``[cluster_index, page_size, pages]`` triples.
    :returns: how many requests were made.
    """
    conn_info = emu.airflow_connection()
    token = base64.b64encode(f"{conn_info['login']}:{conn_info['password']}".encode()).decode()
    client = http.client.HTTPConnection(emu.host, emu.port, timeout=60)
    made = 0
    for cluster_index, size, pages in warm:
        cluster_id = emu.cluster_ids[cluster_index]
        for page in range(1, pages + 1):
            path = f"/api/v2/ob/clusters/{cluster_id}/backup/task/logBackupTasks?page={page}&size={size}"
            client.request("GET", path, headers={"Authorization": f"Basic {token}"})
            client.getresponse().read()
            made += 1
    client.close()
    return made


def main(argv: list[str]) -> int:
    """Serve until stdin closes or the lifetime ends.

    :param argv: ``[CONFIG_JSON, LIFETIME_SECONDS]``.
    """
    config = json.loads(argv[0])
    lifetime = float(argv[1]) if len(argv) > 1 else 900.0
    emu = build_emulator(config)
    caching: CachingApi | None = None
    if config.get("fast"):
        caching = CachingApi(emu.api)
        emu.api = caching  # type: ignore[assignment]
    emu.start()
    started_wall = time.time()
    if config.get("fast"):
        emu.clock.freeze()
    warm_started = time.perf_counter()
    warmed = warm_up(emu, config.get("warm", []))
    warm_seconds = time.perf_counter() - warm_started
    emu.latency = float(config.get("latency", 0.0))
    cpu_at_ready = sum(os.times()[:2])
    print(
        json.dumps(
            {
                "url": emu.url,
                "cluster_ids": emu.cluster_ids,
                "connection": emu.airflow_connection(),
                "started_wall": started_wall,
                "cache": caching is not None,
                "tcp_nodelay": bool(EmulatorRequestHandler.disable_nagle_algorithm),
                "listen_backlog": int(EmulatorHTTPServer.request_queue_size),
                "warm_requests": warmed,
                "warm_seconds": round(warm_seconds, 3),
            }
        ),
        flush=True,
    )
    done = threading.Event()

    def read_commands() -> None:
        for line in sys.stdin:
            command, _, argument = line.strip().partition(" ")
            if command == "latency":
                emu.latency = float(argument)
                print(json.dumps({"latency": emu.latency}), flush=True)
            elif command == "delay":  # START END OVER: every current task's delay, linear from now
                start, end, over = (float(x) for x in argument.split())
                for cluster_id in emu.cluster_ids:
                    emu.set_current_task(cluster_id, delay=DelayProfile.linear(start, end, over))
                print(json.dumps({"set_wall": time.time()}), flush=True)
            elif command == "stats":
                stats = {
                    "cpu_seconds": sum(os.times()[:2]) - cpu_at_ready,
                    "requests": len(emu.requests),
                    "cache_hits": caching.hits if caching else None,
                    "cache_misses": caching.misses if caching else None,
                }
                print(json.dumps(stats), flush=True)
        done.set()

    threading.Thread(target=read_commands, daemon=True).start()
    done.wait(lifetime)
    emu.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
