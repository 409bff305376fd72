"""Benchmark 3: many ``OCPLogBackupDelayTrigger`` in one asyncio event loop, as in a triggerer.

The emulator serves 10 clusters whose current log backup delay starts far above the threshold. The triggers (spread
over the clusters) start at once and poll every ``poke`` seconds; once every one has polled, and after a few steady
poll cycles, the delay is made to fall linearly across the threshold, and every trigger must fire. Measured: the
event loop's lag (a ticker sleeping 20 ms: the overshoot of each sleep; its p99, the target, and its longest stall,
reported beside it) over the whole run and in the steady phase,
CPU seconds per 1,000 polls, and whether every trigger fired within two poke intervals of the crossing. Each trigger
polls alone (``coalesce=False``), as every trigger did before issue 25, so that the cost per poll compares with the
baseline's; deferred gates sharing their polls, the default since then, are benchmark 5's (:mod:`benchmarks.fleet`).

"Not worse than before" is judged in the same run: the provider before issue #14 (:data:`BASELINE_REF`, taken from
git) runs the same benchmark, alternating with this checkout's code pair after pair, each run a fresh interpreter
with an emulator of its own. Without git (an sdist) the baseline is skipped, and said so.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.baseline import extract_baseline, use_provider_root
from benchmarks.common import benchmark_main, ensure_airflow_home, run_module
from benchmarks.emulator_process import EmulatorConfig, emulator_process
from benchmarks.figures import LoopLag, format_table, median

THRESHOLD, DELAY_HIGH, FALL_FROM = 60.0, 600.0, 120.0
SHIPPED, BASELINE = "this checkout", "baseline"
PHASES = ("whole run", "steady")


def instrument() -> tuple[Any, list[int], set[int]]:
    """Wrap the method a trigger awaits once per poll to count polls and the clients that polled: in this checkout
    ``OCPAsyncHook.iter_query_pages`` (a walk of pages), in the baseline ``OCPAsyncClient.get_log_backup_snapshot``.
    Returns the trigger class, ``[polls]`` and the set of clients that polled."""
    polls, clients = [0], set()
    try:
        from airflow_provider_ocp.hooks.ocp import OCPAsyncHook
        from airflow_provider_ocp.log_backup.criteria import GateCriteria
    except ImportError:  # the baseline's layout
        from airflow_provider_ocp.async_client import OCPAsyncClient
        from airflow_provider_ocp.log_backup_gate import GateCriteria  # type: ignore[no-redef]

        original = OCPAsyncClient.get_log_backup_snapshot

        @functools.wraps(original)
        async def snapshot(client: Any, *args: Any) -> Any:
            result = await original(client, *args)
            polls[0] += 1
            clients.add(id(client))
            return result

        OCPAsyncClient.get_log_backup_snapshot = snapshot  # type: ignore[method-assign]
    else:
        if not hasattr(OCPAsyncHook, "iter_query_pages"):  # the trigger of late November awaits the snapshot
            original_snapshot = OCPAsyncHook.get_log_backup_snapshot

            @functools.wraps(original_snapshot)
            async def hook_snapshot(hook: Any, *args: Any, **kwargs: Any) -> Any:
                result = await original_snapshot(hook, *args, **kwargs)
                polls[0] += 1
                clients.add(id(hook))
                return result

            OCPAsyncHook.get_log_backup_snapshot = hook_snapshot  # type: ignore[method-assign]
            return GateCriteria, polls, clients
        walk = OCPAsyncHook.iter_query_pages

        @functools.wraps(walk)
        async def counted(hook: Any, *args: Any, **kwargs: Any) -> Any:
            async for page in walk(hook, *args, **kwargs):
                yield page
            polls[0] += 1
            clients.add(id(hook))

        OCPAsyncHook.iter_query_pages = counted  # type: ignore[method-assign]
    return GateCriteria, polls, clients


async def run_once(emu: Any, triggers: int, poke: float, steady_cycles: int) -> dict[str, Any]:
    """Start ``triggers`` triggers at once, let them poll, make the delay cross the threshold, wait for every event.

    :param emu: the emulator (delay constant at :data:`DELAY_HIGH`).
    :param triggers: how many triggers.
    :param poke: their poke interval.
    :param steady_cycles: poll cycles in steady state before the delay starts to fall.
    """
    criteria_class, polls, clients = instrument()
    from airflow_provider_ocp.triggers.log_backup import OCPLogBackupDelayTrigger

    criteria = criteria_class.build(max_delay=THRESHOLD).to_dict()
    fired: list[tuple[float, str]] = []
    lag = LoopLag()

    # Each trigger polls alone, as before issue 25, so that the cost per poll compares with the baseline's; gates
    # sharing their polls (the default now) are benchmark 5's.
    alone = {"coalesce": False} if "coalesce" in inspect.signature(OCPLogBackupDelayTrigger).parameters else {}

    async def first_event(cluster_id: int) -> None:
        trigger = OCPLogBackupDelayTrigger(
            cluster_id=cluster_id, criteria=criteria, poke_interval=poke, max_consecutive_failures=3, **alone
        )
        events = trigger.run()
        try:
            async for event in events:
                fired.append((time.time(), str(event.payload.get("status"))))
                return
        finally:
            await events.aclose()  # type: ignore[attr-defined]

    lag.start()
    await asyncio.sleep(0.2)
    started = time.time()
    ids = emu.cluster_ids
    tasks = [asyncio.create_task(first_event(ids[number % len(ids)])) for number in range(triggers)]
    while len(clients) < triggers and not any(task.done() for task in tasks):  # start-up: every trigger polls once
        if time.time() - started > 5 * poke + 60:
            raise RuntimeError(f"only {len(clients)} of {triggers} triggers polled within {5 * poke + 60:g} s")
        await asyncio.sleep(0.05)
    steady, steady_cpu, steady_polls = time.time(), time.process_time(), polls[0]
    await asyncio.sleep(steady_cycles * poke)
    over = 3 * poke  # from FALL_FROM to 0: crosses THRESHOLD half way, 1.5 poke intervals after it is set
    loop = asyncio.get_running_loop()
    set_wall = (await loop.run_in_executor(None, emu.command, f"delay {FALL_FROM} 0 {over}"))["set_wall"]
    crossing = set_wall + over * (FALL_FROM - THRESHOLD) / FALL_FROM
    await asyncio.wait(tasks, timeout=over + 4 * poke + 30)
    end, end_cpu, end_polls = time.time(), time.process_time(), polls[0]
    await lag.stop()
    caught_up = sum(status in ("caught_up", "success") for _, status in fired)  # "success" before it was renamed
    last = max((when for when, _ in fired), default=float("inf"))
    return {
        "triggers": triggers,
        "poke_s": poke,
        "lag_p99_ms": {
            "whole run": lag.percentile_ms(started, end),
            "steady": lag.percentile_ms(steady, end),
        },
        "lag_max_ms": {
            "whole run": lag.percentile_ms(started, end, pct=100),
            "steady": lag.percentile_ms(steady, end, pct=100),
        },
        "cpu_s_per_1000_polls_steady": 1000 * (end_cpu - steady_cpu) / max(end_polls - steady_polls, 1),
        "caught_up": caught_up,
        "last_fire_after_crossing_s": last - crossing,
        "all_fired_in_time": caught_up == triggers and last - crossing <= 2 * poke,
    }


def measure(args: Any) -> dict[str, Any]:
    """Run this checkout and the baseline ``runs`` times each, alternating, each run in a fresh process; or, with
    ``--variant``, one run here of the provider at ``--provider-root`` (or this checkout's).

    :param args: the command line.
    """
    triggers, poke, steady_cycles, runs = (50, 1.0, 1, 1) if args.quick else (1000, 5.0, 4, 3)
    if args.variant:
        ensure_airflow_home()
        use_provider_root(args.provider_root)
        with emulator_process(EmulatorConfig(clusters=10, latency=args.latency, delay=[DELAY_HIGH] * 2 + [0])) as emu:
            os.environ["AIRFLOW_CONN_OCP_DEFAULT"] = emu.connection_json(max_retries=2, retry_backoff=0.5)
            return {"variant": args.variant, **asyncio.run(run_once(emu, triggers, poke, steady_cycles))}
    with tempfile.TemporaryDirectory(prefix="ocp-bench-baseline-") as tmp:
        baseline = extract_baseline(Path(tmp), args.baseline)
        variants = [(SHIPPED, None)] + ([(BASELINE, baseline.pop("root"))] if "root" in baseline else [])
        pairs = []
        for number in range(runs):
            pair = {}
            for variant, root in variants if number % 2 == 0 else variants[::-1]:  # alternate which goes first
                child = [
                    f"--variant={variant}",
                    f"--latency={args.latency}",
                    *([f"--provider-root={root}"] * bool(root)),
                ]
                child += ["--quick"] * args.quick
                pair[variant] = run_module("triggerer", child, timeout=600)
            pairs.append(pair)
    return {"latency_s": args.latency, "baseline": baseline, "pairs": pairs}


def ratios(result: dict[str, Any], phase: str) -> list[float]:
    """This checkout's lag p99 over the baseline's, pair by pair (empty without a baseline).

    :param result: what :func:`measure` returned.
    :param phase: ``whole run`` or ``steady``.
    """
    pairs = [pair for pair in result["pairs"] if BASELINE in pair]
    return [pair[SHIPPED]["lag_p99_ms"][phase] / pair[BASELINE]["lag_p99_ms"][phase] for pair in pairs]


def render(result: dict[str, Any]) -> str:
    """The benchmark's table as Markdown.

    :param result: what :func:`measure` returned.
    """
    rows = []
    for number, pair in enumerate(result["pairs"], start=1):
        for variant, run in pair.items():
            rows.append(
                [
                    f"pair {number}, {variant}",
                    *(f"{run['lag_p99_ms'][phase]:.1f}" for phase in PHASES),
                    *(f"{run['lag_max_ms'][phase]:.0f}" if "lag_max_ms" in run else "-" for phase in PHASES),
                    f"{run['cpu_s_per_1000_polls_steady']:.2f}",
                    f"{run['caught_up']}/{run['triggers']}, last {run['last_fire_after_crossing_s']:.2f} s",
                ]
            )
    if ratios(result, "steady"):
        rows.append(
            ["median of pairs, this checkout / baseline", *(f"{median(ratios(result, p)):.2f}x" for p in PHASES)]
        )
        rows[-1] += ["", "", "", ""]
    first = result["pairs"][0][SHIPPED]
    title = (
        f"3. Triggerer: {first['triggers']:,} OCPLogBackupDelayTrigger in one event loop, poke {first['poke_s']:g} s, "
        f"{result['latency_s'] * 1000:g} ms per request"
    )
    headers = ["run", "lag p99 ms, whole run", "lag p99 ms, steady", "longest stall ms, whole run", "longest, steady"]
    headers += ["CPU s / 1,000 polls", "caught up after crossing"]
    baseline = result["baseline"]
    note = f"Baseline: `{baseline['commit'][:7]}` ({baseline['subject']})" if "commit" in baseline else "No baseline"
    return format_table(title, headers, rows) + f"\n{note}; {baseline.get('skipped', 'the order alternates')}.\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.triggerer --json-out FILE [--quick] [--latency S]``.

    :param argv: the arguments.
    """
    return benchmark_main("triggerer", argv, measure, "variant", "provider-root", "baseline")


if __name__ == "__main__":
    raise SystemExit(main())
