"""What every benchmark module shares: the paths, a fresh Airflow home per process, a benchmark module run in a fresh
interpreter, and the command line and JSON result of each. Nothing here imports Airflow, so the orchestrator stays
light. The emulator process: :mod:`benchmarks.emulator_process`; the baseline from git: :mod:`benchmarks.baseline`;
statistics and tables: :mod:`benchmarks.figures`."""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
PYTHON = sys.executable
FETCH_ALLOWANCE = 1.0
"""Seconds allowed beyond two poke intervals for a gate to fire after its condition holds: the bound of coalesced
gates (``triggers/coalescing.py``) is two intervals plus the fetch a gate awaits, here one 20 ms request."""

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
