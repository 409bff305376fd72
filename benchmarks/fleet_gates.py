"""One fleet of deferred gates in this process, for benchmark 5 (:mod:`benchmarks.fleet`): the triggers of each
variant, and one run of them in an asyncio loop, measured: OCP requests per interval, the loop's lag, CPU and RSS per
gate, and the time from the crossing of the threshold to each gate's event. Airflow is imported only when gates are
made or run."""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from benchmarks.common import FETCH_ALLOWANCE
from benchmarks.figures import LoopLag

THRESHOLD, DELAY_HIGH, FALL_FROM = 60.0, 600.0, 120.0
VARIANTS = ("coalesced", "alone", "http anchor")


def rss_mib() -> float:
    """This process's resident set size now (Linux ``/proc``), in MiB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def make_gates(variant: str, emu: Any, gates: int, poke: float) -> list[Any]:
    """The triggers of a variant, spread round-robin over the emulator's clusters.

    :param variant: one of :data:`VARIANTS`.
    :param emu: the running emulator (cluster ids).
    :param gates: how many.
    :param poke: their poke interval.
    """
    ids = emu.cluster_ids
    if variant == "http anchor":
        from airflow.providers.http.triggers.http import HttpSensorTrigger

        path = "/api/v2/ob/clusters/{}/backup/task/logBackupTasks"
        return [
            HttpSensorTrigger(endpoint=path.format(ids[n % len(ids)]), http_conn_id="http_ocp", poke_interval=poke)
            for n in range(gates)
        ]
    from airflow_provider_ocp.log_backup.criteria import GateCriteria
    from airflow_provider_ocp.triggers.log_backup import OCPLogBackupDelayTrigger

    criteria = GateCriteria.build(max_delay=THRESHOLD).to_dict()
    return [
        OCPLogBackupDelayTrigger(
            cluster_id=ids[n % len(ids)], criteria=criteria, poke_interval=poke, coalesce=variant != "alone"
        )
        for n in range(gates)
    ]


async def run_gates(emu: Any, variant: str, gates: int, poke: float, steady: int, fall: bool) -> dict[str, Any]:
    """Start the gates at once, wait until every one has polled (task queries >= gates for the anchor), count
    requests over ``steady`` intervals, then (``fall``) make the delay cross the threshold and time every event.

    :param emu: the emulator (delay constant at :data:`DELAY_HIGH`); ``command`` answers ``requests``.
    :param variant: one of :data:`VARIANTS`.
    :param gates: how many.
    :param poke: the poke interval.
    :param steady: intervals counted once all gates have started.
    :param fall: whether to end with the crossing (else the gates are cancelled).
    """
    loop = asyncio.get_running_loop()

    async def ask(line: str) -> dict[str, Any]:
        return await loop.run_in_executor(None, emu.command, line)

    polled: set[int] = set()
    if variant != "http anchor":
        from airflow_provider_ocp.triggers.log_backup import OCPLogBackupDelayTrigger

        check = OCPLogBackupDelayTrigger._check

        async def counted(trigger: Any, *args: Any) -> Any:
            polled.add(id(trigger))
            return await check(trigger, *args)

        OCPLogBackupDelayTrigger._check = counted  # type: ignore[method-assign]
    fired: list[float] = []
    lag = LoopLag()

    async def first_event(trigger: Any) -> None:
        events = trigger.run()
        try:
            async for _event in events:
                fired.append(time.time())
                return
        finally:
            await events.aclose()

    rss_before = rss_mib()
    lag.start()
    started = time.time()
    tasks = [asyncio.create_task(first_event(trigger)) for trigger in make_gates(variant, emu, gates, poke)]
    before_all = (await ask("requests"))["task_queries"]
    while len(polled) < gates if variant != "http anchor" else (await ask("requests"))["task_queries"] < gates:
        await asyncio.sleep(0.1)
    all_started = time.time()
    count0, cpu0 = await ask("requests"), time.process_time()
    await asyncio.sleep(steady * poke)
    count1, cpu1, rss_steady = await ask("requests"), time.process_time(), rss_mib()
    intervals = (count1["wall"] - count0["wall"]) / poke
    result = {
        "variant": variant,
        "gates": gates,
        "clusters": len(emu.cluster_ids),
        "poke_s": poke,
        "startup_s": all_started - started,
        "startup_requests": count0["task_queries"] - before_all,
        "requests_per_interval": (count1["task_queries"] - count0["task_queries"]) / intervals,
        "cpu_ms_per_gate_interval": 1000 * (cpu1 - cpu0) / intervals / gates,
        "rss_kib_per_gate": 1024 * (rss_steady - rss_before) / gates,
        "steady_window": [count0["wall"], count1["wall"]],
    }
    if fall:
        over = 3 * poke  # from FALL_FROM to 0: crosses THRESHOLD half way
        set_wall = (await ask(f"delay {FALL_FROM} 0 {over}"))["set_wall"]
        crossing = set_wall + over * (FALL_FROM - THRESHOLD) / FALL_FROM
        await asyncio.wait(tasks, timeout=over + 4 * poke + 30)
        result["fired"] = len(fired)
        result["last_fire_after_crossing_s"] = max(fired, default=float("inf")) - crossing
        result["all_fired_within_2_intervals"] = (
            len(fired) == gates and result["last_fire_after_crossing_s"] <= 2 * poke + FETCH_ALLOWANCE
        )
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await lag.stop()
    result["lag_p99_ms"] = {
        "whole run": lag.percentile_ms(started),
        "steady": lag.percentile_ms(count0["wall"], count1["wall"]),
    }
    return result
