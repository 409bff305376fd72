"""Run the benchmarks and print their tables: ``python -m benchmarks [--quick] [--only NAME,...]``.

Each benchmark runs in a fresh interpreter with its own AIRFLOW_HOME and emulator process; its output (Airflow's
logs included) goes to ``<results>/logs/``. A full run writes ``benchmarks/results/<name>.json`` and ``summary.md``;
``--quick`` (tiny sizes, a smoke check) writes to a temporary directory unless ``--results-dir`` is given. Targets
are reported, never asserted: the exit status is non-zero only when a benchmark fails to run.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

if not __package__:  # run as a script: python benchmarks/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import fleet, memory, parse_cost, throughput, triggerer
from benchmarks.common import FETCH_ALLOWANCE, REPO_ROOT, RESULTS_DIR, run_module, write_json
from benchmarks.figures import format_table, median

MODULES = {
    "throughput": throughput,
    "memory": memory,
    "triggerer": triggerer,
    "parse_cost": parse_cost,
    "fleet": fleet,
}
NOISE = 1.25  # "not worse" allows 25 % of run-to-run noise on a shared machine


def targets(results: dict[str, dict[str, Any]]) -> list[list[str]]:
    """The issue's targets against this run's figures, one row each.

    :param results: benchmark name to result.
    """
    rows = []
    if "throughput" in results:
        s, latency_ms = results["throughput"]["summary"], results["throughput"]["latency_s"] * 1000
        hook, http, ref = s[throughput.HOOK], s[throughput.HTTP_OPERATOR], s[throughput.REFERENCE]
        cpu, speed = hook["cpu_s"] / ref["cpu_s"], http["wall_s"] / hook["wall_s"]
        rows.append(["1. hook client CPU <= 2.5x requests + json.loads", f"{cpu:.2f}x", cpu <= 2.5])
        rows.append(
            [f"2. hook, concurrency 4, >= 2x HttpOperator's speed at {latency_ms:g} ms", f"{speed:.2f}x", speed >= 2]
        )
    if "memory" in results:
        m = results["memory"]
        small, large = m["sizes"]
        rows.append(
            [
                f"3. peak RSS growth {small:,} -> {large:,} tasks < 50 MB",
                f"{m['growth_mb']:.1f} MB",
                m["growth_mb"] < 50,
            ]
        )
    if "parse_cost" in results:
        ms = results["parse_cost"]["median_ms"]
        if "baseline" in ms:
            ratio = ms["this checkout"] / ms["baseline"]
            text = f"{ms['this checkout']:.1f} ms vs {ms['baseline']:.1f} ms: {ratio:.2f}x"
            rows.append([f"4. parse cost not worse than the baseline (<= {NOISE}x)", text, ratio <= NOISE])
    if "triggerer" in results:
        t = results["triggerer"]
        for phase in triggerer.PHASES:
            if triggerer.ratios(t, phase):
                ratio = median(triggerer.ratios(t, phase))
                text = f"{ratio:.2f}x (pairs: {', '.join(f'{r:.2f}' for r in triggerer.ratios(t, phase))})"
                rows.append(
                    [f"5. triggerer lag p99 ({phase}) not worse than the baseline (<= {NOISE}x)", text, ratio <= NOISE]
                )
        runs = [pair[triggerer.SHIPPED] for pair in t["pairs"]]
        rows.append(
            [
                "5. every trigger fired within 2 poke intervals",
                f"{sum(r['all_fired_in_time'] for r in runs)}/{len(runs)} runs",
                all(r["all_fired_in_time"] for r in runs),
            ]
        )
    if "fleet" in results:
        rows += fleet_targets(results["fleet"]["runs"])
    return [[target, measured, "met" if met else "MISSED"] for target, measured, met in rows]


def fleet_targets(runs: dict[str, Any]) -> list[list[Any]]:
    """Issue 25's targets: requests per interval at most one per cluster, lag p99 < 100 ms, every gate in time.

    :param runs: the fleet benchmark's runs, by variant.
    """
    run = runs["coalesced"]
    size = f"{run['gates']:,} gates, {run['clusters']} clusters"
    requests, lag = run["requests_per_interval"], run["lag_p99_ms"]["steady"]
    fired = f"{run['fired']}/{run['gates']}, last {run['last_fire_after_crossing_s']:.1f} s after"
    return [
        [f"6. {size}: OCP requests per interval <= {run['clusters']}", f"{requests:.1f}", requests <= run["clusters"]],
        [f"6. {size}: lag p99 (steady) < 100 ms", f"{lag:.1f} ms", lag < 100],
        [
            f"6. every gate fires within 2 intervals + a fetch ({2 * run['poke_s']:g} + {FETCH_ALLOWANCE:g} s)",
            fired,
            run["all_fired_within_2_intervals"],
        ],
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks, print every table and the targets.

    :param argv: the arguments.
    """
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke check")
    parser.add_argument("--only", default=",".join(MODULES), help=f"comma-separated subset of {list(MODULES)}")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds added to every request (default 0.02)")
    parser.add_argument("--results-dir", type=Path, default=None, help="default: benchmarks/results (full runs)")
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.only.split(",") if name.strip()]
    if unknown := [name for name in names if name not in MODULES]:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {list(MODULES)}")
    results_dir = args.results_dir or (Path(tempfile.mkdtemp(prefix="ocp-bench-")) if args.quick else RESULTS_DIR)
    (results_dir / "logs").mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True
    ).stdout.strip()
    header = (
        f"# airflow-provider-ocp benchmarks{' (--quick)' if args.quick else ''}\n\n"
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, commit {commit or 'unknown'}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f} at start.\n"
    )
    print(header, flush=True)
    sections, results, failed = [header], {}, False
    for name in names:
        started = time.perf_counter()
        try:
            with (results_dir / "logs" / f"{name}.log").open("w") as log:
                command = ["--quick"] * args.quick + ([f"--latency={args.latency}"] if name != "parse_cost" else [])
                results[name] = run_module(name, command, timeout=1800, log=log)
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            print(f"!! {name}: {error}; log in {results_dir / 'logs'}\n", flush=True)
            failed = True
            continue
        write_json(results_dir / f"{name}.json", results[name])
        sections.append(MODULES[name].render(results[name]))
        print(f"{sections[-1]}\n({name}: {time.perf_counter() - started:.0f} s)\n", flush=True)
    sections.append(format_table("Targets", ["target", "measured", "result"], targets(results)))
    print(sections[-1], flush=True)
    (results_dir / "summary.md").write_text("\n".join(sections))
    print(f"Results: {results_dir}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
