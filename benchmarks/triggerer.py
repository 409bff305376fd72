"""Benchmark 3: many ``OCPLogBackupDelayTrigger`` instances in one asyncio event loop, as in a triggerer.

The emulator serves 10 clusters (2 tenants each) whose current log backup delay starts far above the threshold. The
triggers (spread over the clusters) all start at once and poll every ``poke_interval`` seconds. Once every trigger
has polled at least once, the delay is made to fall linearly, crossing the threshold at a known instant; every
trigger must then fire ``success``. Measured:

* event-loop lag: a ticker coroutine sleeping 20 ms, the overshoot of each sleep (p50/p99/max), for the start-up
  phase (until every trigger has polled once) and the steady phase (after that);
* CPU seconds of the process per 1,000 polls (steady phase, and overall);
* time from the crossing to the first and to the last trigger firing.

Polls (and failed polls) are counted by wrapping the method a trigger awaits once per poll (instrumentation only).
The "as shipped" runs patch nothing else: the staggered, jittered polls and the httpx client shared by the hooks of
one event loop and connection are the provider's own code.

"Not worse than before" is judged in the same run: the provider as it was before issue #14 (:data:`BASELINE_REF`,
taken from git into a temporary directory) runs the same benchmark, alternating with the shipped code, pair after
pair. Every run is a fresh interpreter with an emulator of its own, so neither inherits the other's warm state, and
the machine's drift (the same code's figures move by half from one run to the next on this shared machine) hits both
alike. Without git (an sdist) the baseline is skipped, and said so.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    BASELINE_REF,
    EmulatorConfig,
    RunningEmulator,
    benchmark_parser,
    emulator_process,
    ensure_airflow_home,
    extract_baseline,
    fmt,
    format_table,
    median,
    percentile,
    report,
    run_benchmark_process,
    use_provider_root,
)

TICK = 0.02
DELAY_HIGH = 600.0
THRESHOLD = 60.0
FALL_FROM = 120.0
SHIPPED, BASELINE = "as shipped", "baseline"
BEFORE_14 = ", the provider before issue #14"


def polled_method() -> tuple[Any, str]:
    """The class and method a trigger awaits once per poll: ``OCPAsyncHook.iter_query_pages`` (a walk of pages), or
    in older layouts ``OCPAsyncHook.iter_log_backup_task_pages`` or ``OCPAsyncClient.get_log_backup_snapshot``."""
    try:
        from airflow_provider_ocp.hooks.ocp import OCPAsyncHook
    except ImportError:
        from airflow_provider_ocp.async_client import OCPAsyncClient

        return OCPAsyncClient, "get_log_backup_snapshot"
    if hasattr(OCPAsyncHook, "iter_query_pages"):
        return OCPAsyncHook, "iter_query_pages"
    return OCPAsyncHook, "iter_log_backup_task_pages"


def caught_up(statuses: dict[str, int]) -> int:
    """Triggers that fired because log backup caught up: ``caught_up`` events (``success`` before the name was one)."""
    return statuses.get("caught_up", 0) + statuses.get("success", 0)


def gate_criteria() -> Any:
    """``GateCriteria``, wherever the provider being measured keeps it (the baseline's layout differs)."""
    try:
        from airflow_provider_ocp.log_backup.gate import GateCriteria
    except ImportError:
        from airflow_provider_ocp.log_backup_gate import GateCriteria  # type: ignore[no-redef]
    return GateCriteria


class PollCounter:
    """Wraps the method a trigger awaits once per poll (see :func:`polled_method`): counts polls, failed polls and
    which clients have polled."""

    def __init__(self) -> None:
        self.polls = 0
        self.failed = 0
        self.clients_polled: set[int] = set()
        self._original: Any = None

    def install(self) -> None:
        """Patch the client class (undo with :meth:`remove`)."""
        owner, name = polled_method()
        original = getattr(owner, name)
        counter = self

        def polled(client: Any) -> None:
            counter.polls += 1
            counter.clients_polled.add(id(client))

        @functools.wraps(original)
        async def counted(client: Any, cluster_id: int | str) -> Any:
            try:
                snapshot = await original(client, cluster_id)
            except Exception:
                counter.failed += 1
                raise
            polled(client)
            return snapshot

        @functools.wraps(original)
        async def counted_walk(client: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                async for page in original(client, *args, **kwargs):
                    yield page
            except Exception:
                counter.failed += 1
                raise
            polled(client)

        self._original = original
        setattr(owner, name, counted if name == "get_log_backup_snapshot" else counted_walk)

    def remove(self) -> None:
        """Restore the client class."""
        if self._original is not None:
            owner, name = polled_method()
            setattr(owner, name, self._original)


async def run_once(
    emu: RunningEmulator, triggers: int, poke: float, label: str, steady_cycles: int = 1
) -> dict[str, Any]:
    """Start ``triggers`` triggers at once, make the delay cross the threshold, wait for every event.

    :param emu: the emulator (delay constant at :data:`DELAY_HIGH`).
    :param triggers: how many triggers.
    :param poke: their poke interval.
    :param label: a name for this run.
    :param steady_cycles: poll cycles in steady state before the delay starts to fall: more ticks for the steady
        phase's percentiles (its p99 is the 1 % worst of them).
    """
    from airflow_provider_ocp.triggers.log_backup import OCPLogBackupDelayTrigger

    criteria = gate_criteria().build(max_delay=THRESHOLD).to_dict()
    counter = PollCounter()
    counter.install()
    lags: list[tuple[float, float]] = []
    fired: list[tuple[float, str]] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        while not stop.is_set():
            before = time.perf_counter()
            await asyncio.sleep(TICK)
            lags.append((time.time(), time.perf_counter() - before - TICK))

    async def first_event(trigger: OCPLogBackupDelayTrigger) -> None:
        events = trigger.run()
        try:
            async for event in events:
                fired.append((time.time(), str(event.payload.get("status"))))
                return
        finally:
            await events.aclose()  # type: ignore[attr-defined]

    tick_task = asyncio.create_task(ticker())
    await asyncio.sleep(0.2)
    started_wall, started_cpu = time.time(), time.process_time()
    tasks = [
        asyncio.create_task(
            first_event(
                OCPLogBackupDelayTrigger(
                    cluster_id=emu.cluster_ids[number % len(emu.cluster_ids)],
                    criteria=criteria,
                    poke_interval=poke,
                    max_consecutive_failures=3,
                )
            )
        )
        for number in range(triggers)
    ]
    # Start-up: until every trigger has completed one poll.
    while len(counter.clients_polled) < triggers and not any(t.done() for t in tasks):
        await asyncio.sleep(0.05)
    steady_wall, steady_cpu, steady_polls = time.time(), time.process_time(), counter.polls
    await asyncio.sleep(steady_cycles * poke)  # full poll cycles in steady state before the delay starts to fall
    over = 3 * poke  # from FALL_FROM to 0: crosses THRESHOLD (half way) 1.5 poke intervals after it is set
    loop = asyncio.get_running_loop()
    set_wall = await loop.run_in_executor(None, emu.set_delay, FALL_FROM, 0.0, over)
    crossing_wall = set_wall + over * (FALL_FROM - THRESHOLD) / FALL_FROM
    await asyncio.wait(tasks, timeout=over + 4 * poke + 30)
    end_wall, end_cpu, end_polls = time.time(), time.process_time(), counter.polls
    stop.set()
    await tick_task
    counter.remove()
    await loop.run_in_executor(None, emu.set_delay, DELAY_HIGH, DELAY_HIGH, 0.0)

    startup_lags = [lag for when, lag in lags if started_wall <= when < steady_wall]
    steady_lags = [lag for when, lag in lags if steady_wall <= when <= end_wall]
    all_lags = [lag for when, lag in lags if started_wall <= when <= end_wall]
    statuses: dict[str, int] = {}
    for _, status in fired:
        statuses[status] = statuses.get(status, 0) + 1
    fire_times = sorted(when for when, _ in fired)
    steady_poll_count = end_polls - steady_polls
    return {
        "label": label,
        "triggers": triggers,
        "poke_interval_s": poke,
        "steady_cycles": steady_cycles,
        "threshold_s": THRESHOLD,
        "fired": len(fired),
        "statuses": statuses,
        "startup_s": steady_wall - started_wall,
        "polls_total": end_polls,
        "polls_failed": counter.failed,
        "polls_steady": steady_poll_count,
        "polls_per_s_steady": steady_poll_count / max(end_wall - steady_wall, 1e-9),
        "cpu_s_total": end_cpu - started_cpu,
        "cpu_s_startup": steady_cpu - started_cpu,
        "cpu_s_steady": end_cpu - steady_cpu,
        "cpu_s_per_1000_polls_steady": 1000 * (end_cpu - steady_cpu) / max(steady_poll_count, 1),
        "cpu_s_per_1000_polls_total": 1000 * (end_cpu - started_cpu) / max(end_polls, 1),
        "lag_ms": {
            phase: {
                "samples": len(values),
                "p50": 1000 * percentile(values, 50),
                "p99": 1000 * percentile(values, 99),
                "max": 1000 * max(values, default=float("nan")),
                "over_100ms_s": sum(value for value in values if value > 0.1),
            }
            for phase, values in (("startup", startup_lags), ("steady", steady_lags), ("whole run", all_lags))
        },
        "crossing_to_first_fire_s": (fire_times[0] - crossing_wall) if fire_times else None,
        "crossing_to_last_fire_s": (fire_times[-1] - crossing_wall) if fire_times else None,
        "all_fired_within_two_intervals": bool(
            len(fired) == triggers and caught_up(statuses) == triggers and fire_times[-1] - crossing_wall <= 2 * poke
        ),
    }


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Run the shipped code and the baseline ``args.runs`` times each, alternating, each run in a fresh process; or,
    with ``--single-run``, one run of the provider found first on the path (this process is then such a child).

    :param args: the command-line arguments.
    """
    ensure_airflow_home()
    if args.single_run:
        return {"latency_s": args.latency, "tick_s": TICK, "runs": [measure_one(args)]}
    with tempfile.TemporaryDirectory(prefix="ocp-bench-baseline-") as tmp:
        baseline = {"skipped": "--baseline none"}
        if args.baseline != "none":
            baseline = extract_baseline(args.baseline, Path(tmp))
        variants: list[tuple[str, str | None]] = [(SHIPPED, None)]
        if "root" in baseline:
            variants.append((BASELINE, baseline.pop("root")))
        runs = []
        for number in range(1, args.runs + 1):
            for variant, root in variants if number % 2 else reversed(variants):  # alternate which goes first
                command = [
                    "--single-run",
                    f"--variant={variant}",
                    f"--run-number={number}",
                    f"--latency={args.latency}",
                    f"--triggers={args.triggers}",
                    f"--poke-interval={args.poke_interval}",
                    f"--steady-cycles={args.steady_cycles}",
                    *([f"--provider-root={root}"] if root else []),
                ]
                runs.extend(run_benchmark_process("triggerer", command, timeout=600.0, quiet=True)["runs"])
    return {"latency_s": args.latency, "tick_s": TICK, "baseline": baseline, "runs": runs}


def measure_one(args: argparse.Namespace) -> dict[str, Any]:
    """One run in this process, against an emulator of its own, of the provider at ``--provider-root`` if given.

    :param args: the command-line arguments.
    """
    use_provider_root(args.provider_root)
    config = EmulatorConfig(
        clusters=10,
        tenants=2,
        tasks_per_tenant=3,
        latency=args.latency,
        delay=[DELAY_HIGH, DELAY_HIGH, 0.0],
    )
    with emulator_process(config) as emu:
        os.environ["AIRFLOW_CONN_OCP_DEFAULT"] = emu.connection_json(max_retries=2, retry_backoff=0.5)
        label = f"{args.variant}, run {args.run_number}"
        run = asyncio.run(run_once(emu, args.triggers, args.poke_interval, label, args.steady_cycles))
        run["emulator_cpu_s"] = emu.stats()["cpu_seconds"]
    run.update(variant=args.variant, pair=args.run_number)
    return run


def pairs(result: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(baseline run, shipped run) of each pair, in order; empty without a baseline.

    :param result: what :func:`measure` returned.
    """
    by_pair: dict[int, dict[str, dict[str, Any]]] = {}
    for run in result["runs"]:
        by_pair.setdefault(run.get("pair", 0), {})[run.get("variant", SHIPPED)] = run
    return [(runs[BASELINE], runs[SHIPPED]) for _, runs in sorted(by_pair.items()) if len(runs) == 2]


def pair_ratios(result: dict[str, Any], phase: str) -> list[float]:
    """Shipped over baseline lag p99 of each pair for ``phase``.

    :param result: what :func:`measure` returned.
    :param phase: ``startup``, ``steady`` or ``whole run``.
    """
    return [new["lag_ms"][phase]["p99"] / old["lag_ms"][phase]["p99"] for old, new in pairs(result)]


def render(result: dict[str, Any]) -> str:
    """The benchmark's tables as Markdown.

    :param result: what :func:`measure` returned.
    """
    first = result["runs"][0]
    rows = []
    for run in result["runs"]:
        for phase in ("startup", "steady", "whole run"):
            lag = run["lag_ms"][phase]
            rows.append(
                [
                    run["label"],
                    phase,
                    lag["samples"],
                    fmt(lag["p50"], 1),
                    fmt(lag["p99"], 1),
                    fmt(lag["max"], 1),
                    fmt(lag["over_100ms_s"], 1),
                ]
            )
    title = (
        f"3. Triggerer scale: {first['triggers']:,} OCPLogBackupDelayTrigger in one event loop, poke "
        f"{first['poke_interval_s']:g} s, {result['latency_s'] * 1000:g} ms per request: event-loop lag"
    )
    headers = ["run", "phase", "ticks", "lag p50 ms", "lag p99 ms", "lag max ms", "sum of lags > 100 ms, s"]
    text = format_table(title, headers, rows)
    rows = [
        [
            run["label"],
            fmt(run["startup_s"], 1),
            f"{run['polls_total']:,}",
            f"{run['polls_failed']:,}",
            fmt(run["polls_per_s_steady"], 0),
            fmt(run["cpu_s_per_1000_polls_steady"], 2),
            fmt(run["cpu_s_per_1000_polls_total"], 2),
            fmt(run["crossing_to_first_fire_s"], 2),
            fmt(run["crossing_to_last_fire_s"], 2),
            f"{caught_up(run['statuses']):,}/{run['triggers']:,}",
            "yes" if run["all_fired_within_two_intervals"] else "NO",
        ]
        for run in result["runs"]
    ]
    text += "\n" + format_table(
        "3b. Triggerer scale: polls, CPU and firing",
        [
            "run",
            "start-up s",
            "polls",
            "failed polls",
            "polls/s (steady)",
            "CPU s / 1,000 polls (steady)",
            "CPU s / 1,000 polls (all)",
            "crossing to first fire s",
            "crossing to last fire s",
            "success events",
            f"all within 2 x {first['poke_interval_s']:g} s",
        ],
        rows,
    )
    return text + "\n" + render_pairs(result)


def render_pairs(result: dict[str, Any]) -> str:
    """Table 3c: each pair's lag p99 and CPU per poll, shipped against the baseline, and the median ratios.

    :param result: what :func:`measure` returned.
    """
    baseline = result.get("baseline")
    if baseline is None:  # one run of a child process
        return ""
    title = "3c. Triggerer, same run: as shipped against the baseline, pair by pair"
    if "skipped" in baseline:
        return f"### {title}\n\nNo baseline: {baseline['skipped']}.\n"
    phases = ("startup", "steady", "whole run")
    rows = []
    for old, new in pairs(result):
        cells = [f"pair {new['pair']}"]
        for phase in phases:
            before, after = old["lag_ms"][phase]["p99"], new["lag_ms"][phase]["p99"]
            cells.append(f"{fmt(before, 1)} -> {fmt(after, 1)} ({after / before:.2f}x)")
        before, after = old["cpu_s_per_1000_polls_steady"], new["cpu_s_per_1000_polls_steady"]
        cells.append(f"{fmt(before)} -> {fmt(after)} ({after / before:.2f}x)")
        rows.append(cells)
    cpu = [new["cpu_s_per_1000_polls_steady"] / old["cpu_s_per_1000_polls_steady"] for old, new in pairs(result)]
    rows.append(
        ["median of pairs", *(f"{median(pair_ratios(result, phase)):.2f}x" for phase in phases), f"{median(cpu):.2f}x"]
    )
    headers = ["pair", *(f"lag p99 ms, {phase}" for phase in phases), "CPU s / 1,000 polls, steady"]
    which = BEFORE_14 if baseline["ref"] == BASELINE_REF else ""
    note = (
        f"Baseline: `{baseline['commit'][:7]}` ({baseline['subject']}){which}. "
        "Each cell: baseline -> as shipped (ratio); each run is a fresh process with its own emulator, and the order "
        "within a pair alternates.\n"
    )
    return format_table(title, headers, rows) + "\n" + note


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m benchmarks.triggerer --json-out FILE [--quick]``.

    :param argv: the arguments.
    """
    parser = benchmark_parser("triggerer")
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--triggers", type=int, default=None)
    parser.add_argument("--poke-interval", type=float, default=None)
    parser.add_argument("--steady-cycles", type=int, default=None, help="poll cycles before the delay falls")
    parser.add_argument("--runs", type=int, default=None, help="runs of each variant (pairs)")
    parser.add_argument("--baseline", default=BASELINE_REF, help="git commit to compare with, or 'none'")
    parser.add_argument("--single-run", action="store_true", help=argparse.SUPPRESS)  # a child of measure()
    parser.add_argument("--variant", default=SHIPPED, help=argparse.SUPPRESS)
    parser.add_argument("--run-number", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--provider-root", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.runs = args.runs or (1 if args.quick else 3)
    args.triggers = args.triggers or (50 if args.quick else 1000)
    args.poke_interval = args.poke_interval or (1.0 if args.quick else 5.0)
    args.steady_cycles = args.steady_cycles or (1 if args.quick else 4)
    return report(args, measure, render)


if __name__ == "__main__":
    raise SystemExit(main())
