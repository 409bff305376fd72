"""Benchmark 4: what importing the provider's operator and sensor modules adds to a DAG file's import.

Each sample is a fresh interpreter that imports ``airflow.sdk`` (what any DAG file does), then times the imports of
``airflow_provider_ocp.operators.log_backup`` and ``airflow_provider_ocp.sensors.log_backup``. This checkout and the
provider before issue #14 (:data:`~benchmarks.baseline.BASELINE_REF`, from git) alternate, sample by sample. Bytecode is
compiled once into a private ``PYTHONPYCACHEPREFIX`` first, as a wheel install has it (nothing is written into the
repository); ``--quick`` skips that and measures the environment as it is.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.baseline import extract_baseline
from benchmarks.common import PYTHON, REPO_ROOT, benchmark_main, child_env
from benchmarks.figures import format_table, median

PROVIDER_IMPORTS = "import airflow_provider_ocp.operators.log_backup\nimport airflow_provider_ocp.sensors.log_backup\n"
HEAVY_MODULES = (
    "requests",
    "httpx",
    "msgspec",
    "airflow.triggers.base",
    "airflow_provider_ocp.hooks.ocp",
    "airflow_provider_ocp.triggers.log_backup",
    "airflow_provider_ocp.client.pagination",
    "airflow_provider_ocp.client.response",
    "airflow_provider_ocp.hooks.public_methods",
    "airflow_provider_ocp.log_backup.gate",
    "airflow_provider_ocp.log_backup.snapshot",
    "airflow_provider_ocp.log_backup.extraction",
)
"""Modules a DAG file does not need; tests/operators/test_parse_imports.py fails if the timed imports load any."""

SAMPLE = """\
import json, sys, time
import airflow.sdk
loaded = set(sys.modules)
started = time.perf_counter()
{timed}
elapsed = time.perf_counter() - started
import airflow_provider_ocp
heavy = [name for name in {heavy!r} if name in sys.modules and name not in loaded]
print(json.dumps({{"ms": elapsed * 1000, "new_modules": len(sys.modules) - len(loaded), "heavy_loaded": heavy,
                  "provider": airflow_provider_ocp.__file__}}))
"""


def one_sample(env: dict[str, str], root: Path = REPO_ROOT) -> dict[str, Any]:
    """Time the provider imports in a fresh interpreter, with the provider found first under ``root``.

    :param env: the process environment.
    :param root: the directory holding ``airflow_provider_ocp`` (the interpreter starts there, so it comes first).
    """
    code = SAMPLE.format(timed=PROVIDER_IMPORTS, heavy=HEAVY_MODULES)
    out = subprocess.run([PYTHON, "-c", code], env=env, cwd=root, capture_output=True, text=True, check=True)
    sample = dict(json.loads(out.stdout.strip().splitlines()[-1]))
    if Path(root).resolve() not in Path(sample["provider"]).resolve().parents:
        raise RuntimeError(f"imported {sample['provider']}, not the provider under {root}")
    return sample


def measure(args: Any) -> dict[str, Any]:
    """Time this checkout and the baseline ``runs`` times each, alternating.

    :param args: the command line.
    """
    runs = 1 if args.quick else 15
    with tempfile.TemporaryDirectory(prefix="ocp-bench-parse-") as tmp:
        baseline = extract_baseline(Path(tmp) / "baseline")
        roots = {"this checkout": REPO_ROOT}
        if "root" in baseline:
            roots["baseline"] = Path(baseline.pop("root"))
        env = child_env()
        if not args.quick:
            env = child_env(PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"))
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            for root in roots.values():  # compile once: every module a sample imports
                one_sample(env, root)
        samples: dict[str, list[float]] = {name: [] for name in roots}
        for number in range(runs):
            for name, root in roots.items() if number % 2 == 0 else list(roots.items())[::-1]:
                samples[name].append(one_sample(env, root)["ms"])
    return {
        "runs": runs,
        "baseline": baseline,
        "samples": samples,
        "median_ms": {k: median(v) for k, v in samples.items()},
    }


def render(result: dict[str, Any]) -> str:
    """The benchmark's table as Markdown.

    :param result: what :func:`measure` returned.
    """
    rows = [
        [name, f"{result['median_ms'][name]:.1f}", f"{min(v):.1f}", f"{max(v):.1f}"]
        for name, v in result["samples"].items()
    ]
    title = (
        f"4. Parse cost: operator + sensor imports after `import airflow.sdk`, {result['runs']} fresh processes each"
    )
    baseline = result["baseline"]
    note = f"Baseline: `{baseline['commit'][:7]}` ({baseline['subject']})" if "commit" in baseline else "No baseline"
    return format_table(title, ["provider", "median ms", "min ms", "max ms"], rows) + f"\n{note}.\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.parse_cost --json-out FILE [--quick]``.

    :param argv: the arguments.
    """
    return benchmark_main("parse_cost", argv, measure)


if __name__ == "__main__":
    raise SystemExit(main())
