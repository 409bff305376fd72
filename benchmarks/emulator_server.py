"""The benchmark emulator process: ``python -m benchmarks.emulator_server CONFIG_JSON LIFETIME_SECONDS``.

It serves :class:`airflow_provider_ocp.testing.OCPEmulator` on 127.0.0.1 in its own process, so the client under
test shares no GIL or core with the server, as with a real, remote OCP. It prints one JSON line once it listens (URL,
cluster ids, an Airflow connection), then answers stdin lines: ``stats`` (its CPU seconds since then), ``requests``
(task queries received so far) and ``delay START END OVER`` (every current task's delay, linear from now). It stops
when stdin closes or after LIFETIME_SECONDS.

With ``fast`` (a benchmark-only adjustment; the provider is not touched) the clock is frozen and each distinct answer
is cached after a warm-up: rendering 2,000 synthetic records in Python takes tens of ms of CPU per page, which would
otherwise replace the injected network latency as what the client waits for.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import sys
import threading
import time
from datetime import timedelta
from typing import Any

from airflow_provider_ocp.testing import ClusterSpec, DelayProfile, OCPEmulator


class CachingApi:
    """Wraps the emulator's API object: a successful answer is computed once per distinct request.

    :param api: the emulator's API (anything with ``handle(request, tweaks)``).
    """

    def __init__(self, api: Any) -> None:
        self._api = api
        self._cache: dict[tuple[str, str, str, str | None], Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)

    def handle(self, request: Any, tweaks: Any) -> Any:
        """Answer from the cache, or compute (authentication included) and cache a 200 answer.

        :param request: the incoming request.
        :param tweaks: pagination faults (none in benchmarks).
        """
        key = (request.method, request.path, request.query, request.headers.get("Authorization"))
        cached = self._cache.get(key)
        if cached is None:
            cached = self._api.handle(request, tweaks)
            if cached.status == 200:
                self._cache[key] = cached
        return cached


def build_emulator(config: dict[str, Any]) -> OCPEmulator:
    """The emulator described by a :class:`benchmarks.emulator_process.EmulatorConfig`.

    :param config: the decoded config.
    """
    delay: float | DelayProfile = DelayProfile.linear(*config["delay"]) if config["delay"] else 30.0
    if isinstance(config["clusters"], list):
        specs = [
            ClusterSpec.synthetic(
                number, tenants=config["tenants"], tasks=spec["tasks"], interval=timedelta(minutes=1), delay=delay
            )
            for number, spec in enumerate(config["clusters"], start=1)
        ]
        return OCPEmulator(clusters=specs, latency=0.0, frozen_clock=False)
    return OCPEmulator(
        clusters=config["clusters"],
        tenants=config["tenants"],
        tasks_per_tenant=config["tasks_per_tenant"],
        task_interval=timedelta(minutes=1),
        delay=delay,
        latency=0.0,
        frozen_clock=False,  # time passes as for a real OCP; ``fast`` freezes it once warmed up
    )


def warm_up(emu: OCPEmulator, warm: list[list[int]]) -> None:
    """Request pages once (latency off), so that the cache holds them before anything is timed.

    :param emu: the started emulator.
    :param warm: ``[cluster_index, page_size, pages]`` triples.
    """
    conn = emu.airflow_connection()
    token = base64.b64encode(f"{conn['login']}:{conn['password']}".encode()).decode()
    client = http.client.HTTPConnection(emu.host, emu.port, timeout=60)
    for cluster_index, size, pages in warm:
        for page in range(1, pages + 1):
            path = f"/api/v2/ob/clusters/{emu.cluster_ids[cluster_index]}/backup/task/logBackupTasks"
            client.request("GET", f"{path}?page={page}&size={size}", headers={"Authorization": f"Basic {token}"})
            client.getresponse().read()
    client.close()


def main(argv: list[str]) -> int:
    """Serve until stdin closes or the lifetime ends.

    :param argv: ``[CONFIG_JSON, LIFETIME_SECONDS]``.
    """
    config = json.loads(argv[0])
    emu = build_emulator(config)
    if config["fast"]:
        emu.api = CachingApi(emu.api)  # type: ignore[assignment]
    emu.start()
    if config["fast"]:
        emu.clock.freeze()
    warm_up(emu, config["warm"])
    if config.get("not_found"):
        emu.faults.add("http_error", times=None, status=404)
    emu.latency = float(config["latency"])
    cpu_at_ready = sum(os.times()[:2])
    ready = {"url": emu.url, "cluster_ids": emu.cluster_ids, "connection": emu.airflow_connection()}
    print(json.dumps(ready), flush=True)
    done = threading.Event()

    def read_commands() -> None:
        for line in sys.stdin:
            command, _, argument = line.strip().partition(" ")
            if command == "delay":
                profile = DelayProfile.linear(*(float(x) for x in argument.split()))
                for cluster_id in emu.cluster_ids:
                    emu.set_current_task(cluster_id, delay=profile)
                print(json.dumps({"set_wall": time.time()}), flush=True)
            elif command == "requests":
                queries = sum("logBackupTasks" in request.path for request in emu.requests)
                print(json.dumps({"task_queries": queries, "wall": time.time()}), flush=True)
            elif command == "stats":
                print(json.dumps({"cpu_seconds": sum(os.times()[:2]) - cpu_at_ready}), flush=True)
        done.set()

    threading.Thread(target=read_commands, daemon=True).start()
    done.wait(float(argv[1]))
    emu.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
