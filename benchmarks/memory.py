"""Benchmark 2: peak RSS of ``OCPLogBackupTasksOperator`` in storage mode (local ``file://``, JSON lines).

One emulator process serves three clusters (10,000, 100,000 and 1,000,000 tasks). Each extraction runs in a fresh
interpreter that imports everything first, notes its RSS, runs the operator's ``execute()`` with a minimal context
over a window holding every task, and reports ``ru_maxrss`` (its own peak RSS) and the file it wrote.

The largest size also runs with the provider before issue #14 (:data:`~benchmarks.common.BASELINE_REF`, taken from
git), alternating with the shipped code, so "how much faster than before" is a ratio from one run.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    BASELINE_REF,
    PYTHON,
    REPO_ROOT,
    EmulatorConfig,
    benchmark_parser,
    child_env,
    emulator_process,
    extract_baseline,
    fmt,
    format_table,
    median,
    report,
    use_provider_root,
)

MIB = 2**20
WINDOW_START = "2000-01-01T00:00:00Z"
WINDOW_END = "2100-01-01T00:00:00Z"
"""A fixed window holding every task: identical queries, so the emulator's response cache serves repeat runs."""


def child(args: argparse.Namespace) -> int:
    """In a fresh process: run the operator once and print one JSON line of figures.

    :param args: ``--cluster-id``, ``--tasks``, ``--conn`` (connection JSON), ``--provider-root`` (a baseline).
    """
    import psutil

    use_provider_root(args.provider_root)
    os.environ["AIRFLOW_CONN_OCP_DEFAULT"] = args.conn
    from airflow_provider_ocp.hooks.ocp import OCPHook  # noqa: F401 - imported before the baseline is taken
    from airflow_provider_ocp.operators.log_backup import OCPLogBackupTasksOperator

    with tempfile.TemporaryDirectory(prefix="ocp-bench-out-") as out_dir:
        target = Path(out_dir) / "log_backup_tasks.jsonl"
        operator = OCPLogBackupTasksOperator(
            task_id="extract",
            cluster_id=args.cluster_id,
            start_time=WINDOW_START,
            end_time=WINDOW_END,
            output_path=f"file://{target}",
            output_format="jsonl",
        )
        rss_before = psutil.Process().memory_info().rss
        peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        cpu, wall = time.process_time(), time.perf_counter()
        summary = operator.execute(context={})
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        lines = 0
        with target.open("rb") as handle:
            while chunk := handle.read(8 * MIB):
                lines += chunk.count(b"\n")
        figures = {
            "tasks": args.tasks,
            "records": summary["records"],
            "lines": lines,
            "file_bytes": target.stat().st_size,
            "rss_before_bytes": rss_before,
            "peak_before_bytes": peak_before,
            "peak_rss_bytes": peak,
            "wall_s": wall,
            "cpu_s": cpu,
        }
    if figures["records"] != args.tasks or figures["lines"] != args.tasks:
        raise AssertionError(f"expected {args.tasks} records, got {figures['records']} ({figures['lines']} lines)")
    print(json.dumps(figures), flush=True)
    return 0


def walk_state_child(count: int) -> int:
    """In a fresh process: what ``PageWalk`` (the provider's, as shipped) retains after walking ``count`` records.

    Synthetic records with distinct identities are fed in pages of 2,000 (each page dropped after ``accept``), with
    ``tracemalloc`` on: the memory still allocated once the last page is gone is the walk's own state.

    :param count: how many records.
    """
    import tracemalloc

    from airflow_provider_ocp.client.pagination import Page, PageWalk
    from airflow_provider_ocp.log_backup.records import record_identity

    size = 2000
    pages = -(-count // size)
    walk = PageWalk(page_size=size, max_pages=pages + 10, target="/bench", identity=record_identity)
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    returned = 0
    for number in range(1, pages + 1):
        first = (number - 1) * size
        records = [
            {
                "clusterId": 1000001,
                "obClusterId": 1,
                "tenantId": 2001001 + index % 2,
                "obTenantId": 1001 + index % 2,
                "tenantName": f"tenant_{1 + index % 2}",
                "createTime": f"2026-01-01T00:00:00.{index:09d}+0800",
                "backupUri": "file:///obbackup",
            }
            for index in range(first, min(first + size, count))
        ]
        page = Page(records=records, number=number, size=size, total_elements=count, total_pages=pages)
        returned += len(walk.accept(page))
        del records, page
    retained = tracemalloc.get_traced_memory()[0] - baseline
    tracemalloc.stop()
    if returned != count or walk.records_returned != count or walk.next_page is not None:
        raise AssertionError(f"walk returned {returned} of {count} records")
    print(json.dumps({"count": count, "retained_bytes": retained}), flush=True)
    return 0


def walk_state_mib(count: int) -> float:
    """MiB that ``PageWalk`` retains after ``count`` records, measured in a fresh interpreter.

    :param count: how many records.
    """
    command = [PYTHON, "-m", "benchmarks.memory", "--walk-state", str(count), "--json-out", os.devnull]
    done = subprocess.run(command, env=child_env(), cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    return float(json.loads(done.stdout.strip().splitlines()[-1])["retained_bytes"]) / MIB


def run_child(cluster_id: int, tasks: int, conn: str, timeout: float, root: str | None = None) -> dict[str, Any]:
    """Run :func:`child` in a fresh interpreter (its own AIRFLOW_HOME) and return its figures.

    :param cluster_id: the cluster.
    :param tasks: its task count.
    :param conn: the connection JSON.
    :param timeout: seconds before it is killed.
    :param root: where the baseline provider is, or None for this checkout's.
    """
    command = [PYTHON, "-m", "benchmarks.memory", "--child", "--cluster-id", str(cluster_id)]
    command += ["--tasks", str(tasks), "--conn", conn, "--json-out", os.devnull]
    command += [f"--provider-root={root}"] if root else []
    with tempfile.TemporaryFile(mode="w+") as log:
        done = subprocess.run(
            command, env=child_env(), cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=log, text=True, timeout=timeout
        )
        if done.returncode != 0:
            log.seek(0)
            sys.stderr.write(log.read()[-4000:])
            raise RuntimeError(f"memory child for {tasks} tasks failed ({done.returncode})")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Run each size ``runs`` times, interleaved, each in a fresh process.

    :param args: the command-line arguments.
    """
    sizes = [1_000, 5_000] if args.quick else [10_000, 100_000]
    runs = {size: (1 if args.quick else (2 if size >= 1_000_000 else 3)) for size in sizes}
    # fast: the first run of each size renders its pages, later runs are served from the emulator's cache.
    config = EmulatorConfig(
        clusters=[{"tasks": size} for size in sizes], latency=args.latency, task_interval_s=60.0, fast=True
    )
    samples: dict[int, list[dict[str, Any]]] = {size: [] for size in sizes}
    largest = sizes[-1]
    before: list[dict[str, Any]] = []  # the largest size with the baseline, alternating with the shipped code
    with tempfile.TemporaryDirectory(prefix="ocp-bench-baseline-") as tmp, emulator_process(config) as emu:
        baseline = {"skipped": "--baseline none"}
        if args.baseline != "none":
            baseline = extract_baseline(args.baseline, Path(tmp))
        root = baseline.pop("root", None)
        conn = emu.connection_json()
        for round_number in range(max(runs.values())):
            for index, size in enumerate(sizes):
                if round_number >= runs[size]:
                    continue
                shipped = functools.partial(run_child, emu.cluster_ids[index], size, conn, 900)
                if size != largest or root is None:
                    samples[size].append(shipped())
                    continue
                order = ((samples[size], shipped), (before, functools.partial(shipped, root=root)))
                for store, run in order if round_number % 2 == 0 else reversed(order):  # alternate which goes first
                    store.append(run())
    summary = {}
    for size, values in samples.items():
        summary[str(size)] = {
            "runs": len(values),
            "peak_rss_mib": median([v["peak_rss_bytes"] for v in values]) / MIB,
            "peak_rss_max_mib": max(v["peak_rss_bytes"] for v in values) / MIB,
            "rss_before_mib": median([v["rss_before_bytes"] for v in values]) / MIB,
            "execute_growth_mib": median([v["peak_rss_bytes"] - v["rss_before_bytes"] for v in values]) / MIB,
            "file_mib": values[0]["file_bytes"] / MIB,
            "wall_s": median([v["wall_s"] for v in values]),
            "cpu_s": median([v["cpu_s"] for v in values]),
        }
    first, last = str(sizes[0]), str(sizes[-1])
    growth = summary[last]["peak_rss_mib"] - summary[first]["peak_rss_mib"]
    return {
        "walk_state_mib": {
            str(sizes[0]): walk_state_mib(sizes[0]),
            str(sizes[-1]): walk_state_mib(sizes[-1]),
        },
        "latency_s": args.latency,
        "sizes": sizes,
        "samples": {str(k): v for k, v in samples.items()},
        "summary": summary,
        "growth_mib": growth,
        "growth_from": int(first),
        "growth_to": int(last),
        "baseline": baseline,
        "baseline_samples": before,
        "speedups": [old["wall_s"] / new["wall_s"] for old, new in zip(before, samples[largest], strict=False)],
    }


def render(result: dict[str, Any]) -> str:
    """The benchmark's table as Markdown.

    :param result: what :func:`measure` returned.
    """
    rows = [
        [
            f"{int(size):,}",
            e["runs"],
            fmt(e["rss_before_mib"], 1),
            fmt(e["peak_rss_mib"], 1),
            fmt(e["execute_growth_mib"], 1),
            fmt(e["file_mib"], 1),
            fmt(e["wall_s"]),
            f"{int(size) / e['wall_s']:,.0f}",
        ]
        for size, e in result["summary"].items()
    ]
    title = (
        f"2. Memory: OCPLogBackupTasksOperator, storage mode (file://, jsonl), fresh process per run, "
        f"{result['latency_s'] * 1000:g} ms per request"
    )
    text = format_table(
        title,
        [
            "tasks",
            "runs",
            "RSS before execute MiB",
            "peak RSS MiB",
            "peak - before MiB",
            "file MiB",
            "time s",
            "tasks/s",
        ],
        rows,
    )
    text += (
        f"\nPeak RSS growth from {result['growth_from']:,} to {result['growth_to']:,} tasks: "
        f"{result['growth_mib']:.1f} MiB (target < 50 MB = 47.7 MiB).\n"
    )
    baseline = result.get("baseline", {})
    if result.get("baseline_samples"):
        pairs = zip(result["baseline_samples"], result["samples"][str(result["growth_to"])], strict=False)
        text += (
            f"Before issue #14 (`{baseline['commit'][:7]}`), run alternately here, {result['growth_to']:,} tasks: "
            + ", ".join(f"{old['wall_s']:.2f} s -> {new['wall_s']:.2f} s" for old, new in pairs)
            + f"; {median(result['speedups']):.2f}x faster as shipped (median of the pairs' ratios).\n"
        )
    elif "skipped" in baseline:
        text += f"No baseline run: {baseline['skipped']}.\n"
    state = result.get("walk_state_mib", {})
    if state:
        parts = ", ".join(f"after {int(n):,} records: {mib:.2f} MiB" for n, mib in state.items())
        text += f"Memory PageWalk retains (tracemalloc, fresh process, pages of 2,000): {parts}.\n"
    return text


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m benchmarks.memory --json-out FILE [--quick]``.

    :param argv: the arguments.
    """
    parser = benchmark_parser("memory")
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--walk-state", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--cluster-id", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--tasks", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--conn", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", default=BASELINE_REF, help="git commit to compare with, or 'none'")
    parser.add_argument("--provider-root", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)
    if args.walk_state:
        return walk_state_child(args.walk_state)
    return report(args, measure, render)


if __name__ == "__main__":
    raise SystemExit(main())
