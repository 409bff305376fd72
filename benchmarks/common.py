"""Shared helpers: isolated Airflow home, the emulator in its own process, statistics, tables, machine facts.

Nothing here imports Airflow, so the orchestrator stays light and each benchmark runs in a fresh process.
"""

from __future__ import annotations

import argparse
import atexit
import io
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
PYTHON = sys.executable
EMULATOR_LIFETIME = 900.0
"""Seconds after which a benchmark emulator process stops by itself, whatever happens to its parent."""
BASELINE_REF = "01517b9"
"""The provider before issue #14 (2026-11-26): "not worse" and "faster than before" are judged against it, run
alternately with the shipped code in the same benchmark run."""


_TEMP_HOMES: list[str] = []


def _remove_temp_homes() -> None:
    for home in _TEMP_HOMES:
        shutil.rmtree(home, ignore_errors=True)


atexit.register(_remove_temp_homes)


def temp_airflow_home() -> str:
    """A fresh temporary directory for AIRFLOW_HOME, removed when this process exits."""
    home = tempfile.mkdtemp(prefix="ocp-bench-airflow-")
    _TEMP_HOMES.append(home)
    return home


def ensure_airflow_home() -> str:
    """Point AIRFLOW_HOME at a fresh temporary directory unless one is set; call before importing Airflow."""
    home = os.environ.get("AIRFLOW_HOME")
    if not home:
        home = temp_airflow_home()
        os.environ["AIRFLOW_HOME"] = home
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    return home


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a benchmark subprocess: a fresh AIRFLOW_HOME, the repository on the path.

    :param extra: more variables.
    """
    env = dict(os.environ)
    env["AIRFLOW_HOME"] = temp_airflow_home()
    env["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH", "")]))
    env.update(extra)
    return env


@dataclass
class EmulatorConfig:
    """How to start a benchmark emulator (see :mod:`benchmarks.emulator_server`).

    :param clusters: cluster specs as ``{"tasks": n}`` dicts (2 tenants each), or a count of small clusters.
    :param tenants: tenants per cluster.
    :param tasks_per_tenant: history tasks per tenant for a cluster count.
    :param latency: seconds added to every request.
    :param task_interval_s: seconds between consecutive tasks' ``createTime``.
    :param delay: ``[start, end, over]`` of a linear delay profile, or None for the emulator's default.
    :param fast: freeze the clock and cache responses (warm-up first), so the emulator's own rendering cost does
        not stand in for a distant OCP's latency.
    :param warm: ``[cluster_index, page_size, pages]`` to request once before the latency is switched on.
    """

    clusters: int | list[dict[str, Any]] = 1
    tenants: int = 2
    tasks_per_tenant: int = 3
    latency: float = 0.02
    task_interval_s: float = 60.0
    delay: list[float] | None = None
    fast: bool = False
    warm: list[list[int]] = field(default_factory=list)


@dataclass
class RunningEmulator:
    """What the emulator process reports once it listens.

    :param url: base URL.
    :param cluster_ids: the cluster ids, in configuration order.
    :param connection: an Airflow connection (JSON form) with Basic auth.
    :param started_wall: ``time.time()`` when the emulator started (origin of delay profiles).
    :param pid: the process id.
    :param info: everything else it reported.
    """

    url: str
    cluster_ids: list[int]
    connection: dict[str, Any]
    started_wall: float
    pid: int
    info: dict[str, Any]
    _stdin: IO[str] | None = None
    _stdout: IO[str] | None = None

    def connection_json(self, **extra: Any) -> str:
        """The Airflow connection as JSON, with more ``extra`` fields.

        :param extra: added to the connection's extra (e.g. ``concurrency=1``).
        """
        conn = json.loads(json.dumps(self.connection))
        conn["extra"] = {**conn.get("extra", {}), **extra}
        return json.dumps(conn)

    def _command(self, line: str) -> dict[str, Any]:
        assert self._stdin is not None and self._stdout is not None
        self._stdin.write(line + "\n")
        self._stdin.flush()
        return dict(json.loads(self._stdout.readline()))

    def stats(self) -> dict[str, Any]:
        """The emulator's CPU seconds (since it became ready) and request count so far."""
        return self._command("stats")

    def set_delay(self, start: float, end: float, over: float) -> float:
        """Make every current task's delay go linearly from ``start`` to ``end`` over ``over`` seconds, from now.

        :param start: seconds of delay now.
        :param end: seconds of delay after ``over``.
        :param over: seconds.
        :returns: ``time.time()`` in the emulator when the profile took effect.
        """
        return float(self._command(f"delay {start} {end} {over}")["set_wall"])

    def set_latency(self, seconds: float) -> None:
        """Change the latency added to every request.

        :param seconds: the new latency.
        """
        self._command(f"latency {seconds}")


@contextmanager
def emulator_process(config: EmulatorConfig, timeout: float = 300.0) -> Iterator[RunningEmulator]:
    """Run an emulator in its own process (its CPU and GIL apart from the client, like a remote OCP).

    The process stops when this context ends, when its stdin closes, or after :data:`EMULATOR_LIFETIME` seconds.

    :param config: what to serve.
    :param timeout: seconds to wait until it listens (warm-up included).
    """
    payload = json.dumps(config.__dict__)
    proc = subprocess.Popen(
        [PYTHON, "-m", "benchmarks.emulator_server", payload, str(EMULATOR_LIFETIME)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=child_env(),
        cwd=REPO_ROOT,
    )
    try:
        assert proc.stdout is not None and proc.stdin is not None
        deadline = time.monotonic() + timeout
        line = ""
        while not line:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the benchmark emulator did not start (exit code {proc.returncode})")
            line = proc.stdout.readline()
        info = json.loads(line)
        yield RunningEmulator(
            url=info["url"],
            cluster_ids=info["cluster_ids"],
            connection=info["connection"],
            started_wall=info["started_wall"],
            pid=proc.pid,
            info=info,
            _stdin=proc.stdin,
            _stdout=proc.stdout,
        )
    finally:
        try:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            proc.terminate()
            proc.wait(timeout=10)


def run_benchmark_process(module: str, args: Sequence[str], timeout: float, quiet: bool = False) -> dict[str, Any]:
    """Run ``python -m benchmarks.<module> --json-out FILE args`` in a fresh process and return its JSON.

    :param module: the benchmark module name.
    :param args: its command-line arguments.
    :param timeout: seconds before it is killed.
    :param quiet: keep its output (Airflow's log lines, its tables) to show only if it fails.
    """
    with tempfile.TemporaryDirectory(prefix="ocp-bench-") as tmp:
        out = Path(tmp) / "result.json"
        command = [PYTHON, "-m", f"benchmarks.{module}", "--json-out", str(out), *args]
        completed = subprocess.run(
            command, env=child_env(), cwd=REPO_ROOT, timeout=timeout, check=False, capture_output=quiet, text=True
        )
        if completed.returncode != 0 or not out.exists():
            tail = f":\n{(completed.stdout or '')[-2000:]}{(completed.stderr or '')[-4000:]}" if quiet else ""
            raise RuntimeError(f"benchmark {module} failed with exit code {completed.returncode}{tail}")
        return dict(json.loads(out.read_text()))


def extract_baseline(ref: str, into: Path) -> dict[str, Any]:
    """The provider package at git ``ref``, extracted under ``into``: ``root`` (for ``sys.path``), ``commit`` and
    ``subject``; or ``skipped`` with the reason (no git, or a checkout without that commit).

    :param ref: a commit.
    :param into: an empty directory.
    """

    def git(*command: str) -> bytes:
        return subprocess.run(["git", *command], cwd=REPO_ROOT, capture_output=True, check=True, timeout=60).stdout

    try:
        commit = git("rev-parse", "--verify", f"{ref}^{{commit}}").decode().strip()
        subject = git("log", "-1", "--format=%cs %s", commit).decode().strip()
        archive = git("archive", "--format=tar", commit, "airflow_provider_ocp")
    except (OSError, subprocess.SubprocessError) as error:
        return {"ref": ref, "skipped": f"git cannot provide {ref} here ({type(error).__name__})"}
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return {"ref": ref, "commit": commit, "subject": subject, "root": str(into)}


def use_provider_root(root: str | None) -> None:
    """Import the provider from ``root`` (a baseline from :func:`extract_baseline`) rather than this checkout; call
    before anything imports it. Fails if another copy was imported already.

    :param root: the directory holding ``airflow_provider_ocp``, or None for this checkout.
    """
    if root:
        sys.path.insert(0, root)
    import airflow_provider_ocp

    measured = Path(airflow_provider_ocp.__file__).resolve()
    expected = Path(root or REPO_ROOT).resolve()
    if expected not in measured.parents:
        raise RuntimeError(f"measuring {measured}, not the provider under {expected}")


# -- statistics --------------------------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    """The median (NaN for no values).

    :param values: the samples.
    """
    ordered = sorted(values)
    if not ordered:
        return math.nan
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


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


# -- output ------------------------------------------------------------------------------------------------------


def format_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (readable in a terminal too) under a ``###`` title.

    :param title: the heading.
    :param headers: column names.
    :param rows: cells; floats are printed as given by the caller (format them first).
    """
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |"

    separator = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([f"### {title}", "", line(cells[0]), separator, *(line(row) for row in cells[1:]), ""])


def fmt(value: float, digits: int = 2) -> str:
    """A number with a fixed count of decimals, or ``n/a``.

    :param value: the number.
    :param digits: decimals.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.{digits}f}"


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def _git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.rstrip() if done.returncode == 0 else ""


def _sha256(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:16] if text else ""


def machine_info() -> dict[str, Any]:
    """The machine and software the figures come from."""
    cpu_model = "unknown"
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu_model = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gib = math.nan
    try:
        import psutil

        ram_gib = psutil.virtual_memory().total / 2**30
    except ImportError:
        pass
    return {
        "nproc": os.cpu_count(),
        "ram_gib": round(ram_gib, 1),
        "cpu_model": cpu_model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "apache_airflow": _package_version("apache-airflow"),
        "apache_airflow_core": _package_version("apache-airflow-core"),
        "apache_airflow_task_sdk": _package_version("apache-airflow-task-sdk"),
        "apache_airflow_providers_http": _package_version("apache-airflow-providers-http"),
        "requests": _package_version("requests"),
        "httpx": _package_version("httpx"),
        "airflow_provider_ocp": _package_version("airflow-provider-ocp"),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "git_head": _git("rev-parse", "HEAD"),
        "provider_uncommitted": _git("status", "--porcelain", "--", "airflow_provider_ocp").splitlines(),
        "provider_diff_sha256": _sha256(_git("diff", "HEAD", "--", "airflow_provider_ocp")),
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON (indented, keys in insertion order), creating the directory.

    :param path: the file.
    :param data: the content.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")


def benchmark_parser(module: str) -> argparse.ArgumentParser:
    """The command line every benchmark module shares: ``python -m benchmarks.<module> --json-out FILE [--quick]``.

    :param module: the module's short name, e.g. ``throughput``.
    """
    parser = argparse.ArgumentParser(prog=f"python -m benchmarks.{module}")
    parser.add_argument("--json-out", type=Path, required=True)
    parser.add_argument("--quick", action="store_true")
    return parser


def report(args: argparse.Namespace, measure: Any, render: Any) -> int:
    """Measure, write the JSON figures to ``--json-out`` and print the tables; the exit code.

    :param args: the parsed command line.
    :param measure: the module's ``measure(args) -> dict``.
    :param render: the module's ``render(result) -> str``.
    """
    result = measure(args)
    write_json(args.json_out, result)
    print(render(result), flush=True)
    return 0
