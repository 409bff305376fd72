"""Shared helpers: a fresh Airflow home per process, the emulator in a process of its own, the baseline from git,
statistics and tables. Nothing here imports Airflow, so the orchestrator stays light."""

from __future__ import annotations

import argparse
import atexit
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
PYTHON = sys.executable
BASELINE_REF = "01517b9"
FETCH_ALLOWANCE = 1.0
"""Seconds allowed beyond two poke intervals for a gate to fire after its condition holds: the bound of coalesced
gates (``triggers/coalescing.py``) is two intervals plus the fetch a gate awaits, here one 20 ms request."""
"""The provider before issue #14 (2026-11-26): "not worse than before" is judged against it, run alternately with
this checkout's code in the same benchmark run."""

_TEMP_HOMES: list[str] = []
atexit.register(lambda: [shutil.rmtree(home, ignore_errors=True) for home in _TEMP_HOMES])


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a benchmark subprocess: a fresh AIRFLOW_HOME, this checkout first on the path.

    :param extra: more variables.
    """
    home = tempfile.mkdtemp(prefix="ocp-bench-airflow-")
    _TEMP_HOMES.append(home)
    env = dict(os.environ, AIRFLOW_HOME=home, AIRFLOW__CORE__LOAD_EXAMPLES="False")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH", "")]))
    env.update(extra)
    return env


def ensure_airflow_home() -> None:
    """Point AIRFLOW_HOME at a fresh temporary directory unless one is set; call before importing Airflow."""
    if not os.environ.get("AIRFLOW_HOME"):
        os.environ.update(child_env())


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


def run_module(module: str, args: Sequence[str], timeout: float, log: IO[str] | None = None) -> dict[str, Any]:
    """Run ``python -m benchmarks.<module> --json-out FILE args`` in a fresh interpreter and return its JSON.

    :param module: the benchmark module's short name.
    :param args: its command-line arguments.
    :param timeout: seconds before it is killed.
    :param log: where its output goes (None: kept, and shown only if it fails).
    """
    with tempfile.TemporaryDirectory(prefix="ocp-bench-") as tmp:
        out = Path(tmp) / "result.json"
        command = [PYTHON, "-m", f"benchmarks.{module}", "--json-out", str(out), *args]
        output: Any = log if log is not None else subprocess.PIPE
        done = subprocess.run(
            command, env=child_env(), cwd=REPO_ROOT, stdout=output, stderr=subprocess.STDOUT, text=True,
            timeout=timeout, check=False,
        )  # fmt: skip
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"benchmark {module} failed (exit {done.returncode}):\n{(done.stdout or '')[-3000:]}")
        return dict(json.loads(out.read_text()))


def extract_baseline(into: Path, ref: str | None = None) -> dict[str, Any]:
    """The provider package at ``ref`` (default :data:`BASELINE_REF`), extracted under ``into``: ``root`` (for
    ``sys.path``), ``commit`` and ``subject``; or ``skipped`` with the reason (no git here, or no such commit).

    :param into: an empty directory.
    :param ref: a commit, e.g. the code when an issue asked for "not worse than today".
    """
    ref = ref or BASELINE_REF

    def git(*command: str) -> bytes:
        return subprocess.run(["git", *command], cwd=REPO_ROOT, capture_output=True, check=True, timeout=60).stdout

    try:
        commit = git("rev-parse", "--verify", f"{ref}^{{commit}}").decode().strip()
        subject = git("log", "-1", "--format=%cs %s", commit).decode().strip()
        archive = git("archive", "--format=tar", commit, "airflow_provider_ocp")
    except (OSError, subprocess.SubprocessError) as error:
        return {"skipped": f"git cannot provide {ref} here ({type(error).__name__})"}
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return {"commit": commit, "subject": subject, "root": str(into)}


def use_provider_root(root: str | None) -> None:
    """Import the provider from ``root`` (a baseline) rather than this checkout; call before anything imports it.

    :param root: the directory holding ``airflow_provider_ocp``, or None for this checkout.
    """
    if root:
        sys.path.insert(0, root)
    import airflow_provider_ocp

    if Path(root or REPO_ROOT).resolve() not in Path(airflow_provider_ocp.__file__).resolve().parents:
        raise RuntimeError(f"measuring {airflow_provider_ocp.__file__}, not the provider under {root or REPO_ROOT}")


def timed(function: Callable[[], Any]) -> dict[str, float]:
    """Run once: wall seconds and CPU seconds of this process (all threads).

    :param function: the run.
    """
    cpu, wall = time.process_time(), time.perf_counter()
    function()
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}


def median(values: Sequence[float]) -> float:
    """The median (NaN for no values).

    :param values: the samples.
    """
    return percentile(values, 50)


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct``-th percentile, linear between closest ranks (NaN for no values).

    :param values: the samples.
    :param pct: 0 to 100.
    """
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * pct / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def format_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (readable in a terminal too) under a ``###`` title.

    :param title: the heading.
    :param headers: column names.
    :param rows: cells, formatted by the caller.
    """
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |"

    separator = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([f"### {title}", "", line(cells[0]), separator, *(line(row) for row in cells[1:]), ""])


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON, indented, creating the directory.

    :param path: the file.
    :param data: the content.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")


def benchmark_main(
    name: str, argv: list[str] | None, measure: Callable[[argparse.Namespace], dict[str, Any]], *options: str
) -> int:
    """The command line every benchmark module shares: ``python -m benchmarks.<name> --json-out FILE [--quick]``,
    plus ``options`` (names of string options a parent passes to its child processes).

    :param name: the module's short name.
    :param argv: the arguments.
    :param measure: the module's ``measure(args) -> dict``; its result is written to ``--json-out``.
    :param options: more ``--option`` names, each a string defaulting to None.
    """
    parser = argparse.ArgumentParser(prog=f"python -m benchmarks.{name}")
    parser.add_argument("--json-out", type=Path, required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--latency", type=float, default=0.02)
    for option in options:
        parser.add_argument(f"--{option}", default=None)
    args = parser.parse_args(argv)
    write_json(args.json_out, measure(args))
    return 0
