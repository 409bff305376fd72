"""Benchmark 4: what importing the provider's operator and sensor modules adds to a DAG file's import.

Each sample is a fresh interpreter that first imports ``airflow.sdk`` (what any DAG file does), then times, with
``time.perf_counter``, the imports of ``airflow_provider_ocp.operators.log_backup`` and
``airflow_provider_ocp.sensors.log_backup``. Variants are interleaved, run by run.

Bytecode: a deployed provider is installed from a wheel, with compiled bytecode. This checkout may run with
``PYTHONDONTWRITEBYTECODE=1`` and an editable install, where every import compiles the provider's sources again. So
the main figures use a private ``PYTHONPYCACHEPREFIX`` warmed once (nothing is written into the repository); the
"compiled from source" row removes the provider's entries from that cache and forbids writing them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import (
    PYTHON,
    REPO_ROOT,
    benchmark_parser,
    child_env,
    fmt,
    format_table,
    median,
    report,
)

PROVIDER_IMPORTS = "import airflow_provider_ocp.operators.log_backup\nimport airflow_provider_ocp.sensors.log_backup\n"
VARIANTS: dict[str, tuple[str, str]] = {
    # name: (imported before the clock starts, imported while timed)
    "provider operator + sensor (target)": ("import airflow.sdk\n", PROVIDER_IMPORTS),
    "operator module only": ("import airflow.sdk\n", "import airflow_provider_ocp.operators.log_backup\n"),
    "sensor module only": ("import airflow.sdk\n", "import airflow_provider_ocp.sensors.log_backup\n"),
    "reference: HttpOperator (apache-airflow-providers-http)": (
        "import airflow.sdk\n",
        "import airflow.providers.http.operators.http\n",
    ),
}
QUICK_VARIANTS = ("provider operator + sensor (target)", "sensor module only")
HEAVY_MODULES = (
    "requests",
    "httpx",
    "msgspec",
    "airflow.triggers.base",
    "airflow_provider_ocp.hooks.ocp",
    "airflow_provider_ocp.triggers.log_backup",
    "airflow_provider_ocp.client.pagination",
    "airflow_provider_ocp.log_backup.gate",
    "airflow_provider_ocp.log_backup.snapshot",
    "airflow_provider_ocp.log_backup.extraction",
)
"""Modules a DAG file does not need (network clients, the hook, the trigger, the page walk, the gate, msgspec); the
sample reports which of them the timed imports loaded, and tests/operators/test_parse_imports.py fails on any."""

SAMPLE = """\
import json, sys, time
{before}
loaded = set(sys.modules)
started = time.perf_counter()
{timed}
elapsed = time.perf_counter() - started
heavy = [name for name in {heavy!r} if name in sys.modules and name not in loaded]
print(json.dumps({{"ms": elapsed * 1000, "modules": len(sys.modules), "new_modules": len(sys.modules) - len(loaded),
                  "heavy_loaded": heavy}}))
"""


def one_sample(before: str, timed: str, env: dict[str, str]) -> dict[str, float]:
    """Time one import in a fresh interpreter.

    :param before: code run before the clock starts.
    :param timed: the imports timed.
    :param env: the process environment.
    """
    code = SAMPLE.format(before=before, timed=timed, heavy=HEAVY_MODULES)
    out = subprocess.run(
        [PYTHON, "-c", code], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def provider_cache_dir(prefix: Path) -> Path:
    """Where PYTHONPYCACHEPREFIX keeps the provider package's bytecode.

    :param prefix: the cache prefix.
    """
    package = (REPO_ROOT / "airflow_provider_ocp").resolve()
    return prefix / str(package).lstrip(os.sep)


def import_profile(env: dict[str, str]) -> list[dict[str, Any]]:
    """``-X importtime`` of the timed imports (after ``airflow.sdk``): the biggest modules, by cumulative time.

    :param env: the process environment (cached bytecode).
    """
    code = "import airflow.sdk, sys\nsys.stderr.write('MARK\\n')\n" + PROVIDER_IMPORTS
    out = subprocess.run(
        [PYTHON, "-X", "importtime", "-c", code], env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    lines = out.stderr.split("MARK\n", 1)[-1].splitlines()
    pattern = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")
    rows: list[dict[str, Any]] = []
    for text in lines:
        match = pattern.match(text)
        if match:
            depth = len(match[3]) // 2
            rows.append(
                {
                    "module": match[4],
                    "depth": depth,
                    "self_ms": int(match[1]) / 1000,
                    "cumulative_ms": int(match[2]) / 1000,
                }
            )
    top = [row for row in rows if row["depth"] <= 2]
    top.sort(key=lambda row: row["cumulative_ms"], reverse=True)
    return top[:14]


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Run every variant ``args.runs`` times, interleaved.

    :param args: the command-line arguments.
    """
    names = list(QUICK_VARIANTS) if args.quick else list(VARIANTS)
    prefix = Path(tempfile.mkdtemp(prefix="ocp-bench-pycache-"))
    try:
        if args.quick:  # no private bytecode cache to warm: the environment as it is (smoke check only)
            cached = child_env()
        else:
            cached = child_env(PYTHONPYCACHEPREFIX=str(prefix))
            cached.pop("PYTHONDONTWRITEBYTECODE", None)
            # Warm the bytecode cache: every module any variant imports is compiled once, here.
            warm = "import airflow.sdk, requests, airflow.triggers.base\n" + PROVIDER_IMPORTS
            warm += "import airflow_provider_ocp.hooks.ocp, airflow_provider_ocp.triggers.log_backup\n"
            warm += "import airflow.providers.http.operators.http\n"
            subprocess.run([PYTHON, "-c", warm], env=cached, cwd=REPO_ROOT, check=True, capture_output=True)
        samples: dict[str, list[dict[str, float]]] = {name: [] for name in names}
        source = "provider compiled from source (no provider bytecode)"
        if not args.quick:
            samples[source] = []
        for _ in range(args.runs):
            for name in names:
                before, timed = VARIANTS[name]
                samples[name].append(one_sample(before, timed, cached))
        if not args.quick:
            shutil.rmtree(provider_cache_dir(prefix), ignore_errors=True)
            no_provider_bytecode = dict(cached, PYTHONDONTWRITEBYTECODE="1")
            before, timed = VARIANTS[names[0]]
            for _ in range(args.runs):
                samples[source].append(one_sample(before, timed, no_provider_bytecode))
            profile = import_profile(cached)
        else:
            profile = []
    finally:
        shutil.rmtree(prefix, ignore_errors=True)
    summary = {
        name: {
            "runs": len(values),
            "median_ms": median([v["ms"] for v in values]),
            "min_ms": min(v["ms"] for v in values),
            "max_ms": max(v["ms"] for v in values),
            "new_modules": values[0].get("new_modules"),
            "heavy_loaded": sorted({name for v in values for name in v.get("heavy_loaded", [])}),
        }
        for name, values in samples.items()
    }
    return {"runs": args.runs, "samples": samples, "summary": summary, "import_profile": profile}


def render(result: dict[str, Any]) -> str:
    """The benchmark's tables as Markdown.

    :param result: what :func:`measure` returned.
    """
    rows = [
        [
            name,
            e["runs"],
            fmt(e["median_ms"], 1),
            fmt(e["min_ms"], 1),
            fmt(e["max_ms"], 1),
            e.get("new_modules", "n/a"),
            ", ".join(e.get("heavy_loaded") or []) or "none",
        ]
        for name, e in result["summary"].items()
    ]
    text = format_table(
        "4. Parse cost: import time added after `import airflow.sdk`, fresh processes (target < 30 ms)",
        ["imports timed", "runs", "median ms", "min ms", "max ms", "modules loaded", "unneeded modules loaded"],
        rows,
    )
    text += "\nUnneeded modules watched (a DAG file does not need them): " + ", ".join(HEAVY_MODULES) + ".\n"
    if result.get("import_profile"):
        rows = [
            [p["module"], p["depth"], fmt(p["self_ms"], 1), fmt(p["cumulative_ms"], 1)]
            for p in result["import_profile"]
        ]
        text += "\n" + format_table(
            "4b. -X importtime of the provider imports (one run, bytecode cached; importtime inflates figures)",
            ["module", "depth (0 = imported by the DAG file)", "self ms", "cumulative ms"],
            rows,
        )
    return text


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m benchmarks.parse_cost --json-out FILE [--quick]``.

    :param argv: the arguments.
    """
    parser = benchmark_parser("parse_cost")
    parser.add_argument("--runs", type=int, default=None)
    args = parser.parse_args(argv)
    args.runs = args.runs or (1 if args.quick else 15)
    return report(args, measure, render)


if __name__ == "__main__":
    raise SystemExit(main())
