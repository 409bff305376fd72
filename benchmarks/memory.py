"""Benchmark 2: peak RSS of ``OCPLogBackupTasksOperator`` in storage mode (local ``file://``, JSON lines).

One emulator serves two clusters, of 10,000 and 100,000 tasks. Each extraction runs in a fresh interpreter that runs
the operator's ``execute()`` over a window holding every task and reports its own peak RSS (``ru_maxrss``) and the
lines it wrote; the sizes alternate, run after run. The figure is how much the peak grows from the small to the large.
"""

from __future__ import annotations

import os
import resource
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import benchmark_main, run_module
from benchmarks.emulator_process import EmulatorConfig, emulator_process
from benchmarks.figures import format_table, median

MIB = 2**20


def child(cluster_id: int, tasks: int) -> dict[str, Any]:
    """In a fresh process (``AIRFLOW_CONN_OCP_DEFAULT`` set): run the operator once over every task.

    :param cluster_id: the cluster.
    :param tasks: its task count (checked against the lines written).
    """
    from airflow_provider_ocp.operators.log_backup import OCPLogBackupTasksOperator

    with tempfile.TemporaryDirectory(prefix="ocp-bench-out-") as out_dir:
        target = Path(out_dir) / "tasks.jsonl"
        operator = OCPLogBackupTasksOperator(
            task_id="extract",
            cluster_id=cluster_id,
            start_time="2000-01-01T00:00:00Z",
            end_time="2100-01-01T00:00:00Z",
            output_path=f"file://{target}",
            output_format="jsonl",
        )
        operator.execute(context={})
        with target.open("rb") as handle:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(MIB), b""))
    if lines != tasks:
        raise AssertionError(f"expected {tasks} lines, got {lines}")
    return {"tasks": tasks, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def measure(args: Any) -> dict[str, Any]:
    """Each size ``runs`` times, alternating, each in a fresh process; or, with ``--child``, one run here.

    :param args: the command line.
    """
    if args.child:
        os.environ["AIRFLOW_CONN_OCP_DEFAULT"] = args.conn
        cluster_id, tasks = map(int, args.child.split(":"))
        return child(cluster_id, tasks)
    sizes, runs = ([1_000, 5_000], 1) if args.quick else ([10_000, 100_000], 3)
    config = EmulatorConfig(clusters=[{"tasks": size} for size in sizes], latency=args.latency, fast=True)
    peaks: dict[int, list[float]] = {size: [] for size in sizes}
    with emulator_process(config) as emu:
        for _ in range(runs):
            for cluster_id, size in zip(emu.cluster_ids, sizes, strict=True):
                child_args = [f"--child={cluster_id}:{size}", f"--conn={emu.connection_json()}"]
                peaks[size].append(run_module("memory", child_args, timeout=600)["peak_rss_mib"])
    small, large = (median(peaks[size]) for size in sizes)
    return {"latency_s": args.latency, "sizes": sizes, "peaks_mib": peaks, "growth_mb": (large - small) * MIB / 1e6}


def render(result: dict[str, Any]) -> str:
    """The benchmark's table as Markdown.

    :param result: what :func:`measure` returned.
    """
    small, large = result["sizes"]
    rows = [
        [f"{int(size):,}", ", ".join(f"{peak:.1f}" for peak in peaks), f"{median(peaks):.1f}"]
        for size, peaks in result["peaks_mib"].items()
    ]
    title = (
        f"2. Memory: OCPLogBackupTasksOperator to a JSON-lines file, fresh process per run, "
        f"{result['latency_s'] * 1000:g} ms per request"
    )
    text = format_table(title, ["tasks", "peak RSS MiB, each run", "median MiB"], rows)
    return text + f"\nPeak RSS growth from {small:,} to {large:,} tasks: {result['growth_mb']:.1f} MB.\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.memory --json-out FILE [--quick] [--latency S]``.

    :param argv: the arguments.
    """
    return benchmark_main("memory", argv, measure, "child", "conn")


if __name__ == "__main__":
    raise SystemExit(main())
