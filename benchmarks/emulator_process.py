"""The emulator in a process of its own (its CPU and GIL apart from the client, like a remote OCP): how to start it,
and the handle the benchmarks drive it through. Nothing here imports Airflow."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from benchmarks.common import PYTHON, child_env


@dataclass
class EmulatorConfig:
    """How to start a benchmark emulator (see :mod:`benchmarks.emulator_server`).

    :param clusters: cluster specs as ``{"tasks": n}`` dicts (2 tenants each), or a count of small clusters.
    :param tenants: tenants per cluster.
    :param tasks_per_tenant: history tasks per tenant for a cluster count.
    :param latency: seconds added to every request.
    :param delay: ``[start, end, over]`` of a linear delay profile, or None for the emulator's default.
    :param fast: freeze the clock and cache responses, so the emulator's rendering does not stand in for latency.
    :param warm: ``[cluster_index, page_size, pages]`` to request once before the latency is switched on.
    :param not_found: answer every task query 404 (OCP's error envelope): what keeps ``HttpSensorTrigger`` waiting.
    """

    clusters: int | list[dict[str, Any]] = 1
    tenants: int = 2
    tasks_per_tenant: int = 3
    latency: float = 0.02
    delay: list[float] | None = None
    fast: bool = False
    warm: list[list[int]] = field(default_factory=list)
    not_found: bool = False


@dataclass
class RunningEmulator:
    """The emulator process once it listens: its URL, cluster ids and an Airflow connection (JSON form)."""

    url: str
    cluster_ids: list[int]
    connection: dict[str, Any]
    _stdin: IO[str]
    _stdout: IO[str]

    def connection_json(self, **extra: Any) -> str:
        """The Airflow connection as JSON, with more ``extra`` fields (e.g. ``concurrency=4``).

        :param extra: added to the connection's extra.
        """
        return json.dumps({**self.connection, "extra": {**self.connection.get("extra", {}), **extra}})

    def command(self, line: str) -> dict[str, Any]:
        """Send ``stats`` (CPU seconds since ready), ``requests`` (task queries received so far) or ``delay START END
        OVER`` (every current task's delay, linear from now; answers ``set_wall``) and return the emulator's answer.

        :param line: the command.
        """
        self._stdin.write(line + "\n")
        self._stdin.flush()
        return dict(json.loads(self._stdout.readline()))


@contextmanager
def emulator_process(config: EmulatorConfig) -> Iterator[RunningEmulator]:
    """Run an emulator in its own process (its CPU and GIL apart from the client, like a remote OCP); it stops when
    this context ends (its stdin closes) or after 15 minutes.

    :param config: what to serve.
    """
    command = [PYTHON, "-m", "benchmarks.emulator_server", json.dumps(asdict(config)), "900"]
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=child_env())
    assert proc.stdin is not None and proc.stdout is not None
    try:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the benchmark emulator did not start (exit code {proc.wait()})")
        info = json.loads(line)
        yield RunningEmulator(info["url"], info["cluster_ids"], info["connection"], proc.stdin, proc.stdout)
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait(timeout=10)
