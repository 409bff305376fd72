"""Benchmark 5: a fleet of deferred gates in one triggerer-like process, coalesced (issue 25).

One asyncio loop runs many ``OCPLogBackupDelayTrigger.run()`` over many clusters against the emulator in its own
process (20 ms per request). Once every gate has polled, OCP requests per interval are counted by the emulator over a
few steady intervals; a ticker measures the loop's lag; RSS growth and CPU are divided by the gates. Then every
cluster's delay falls across the threshold and each gate's event is timed from the crossing.

Side by side, each variant a fresh process with an emulator of its own:

* ``coalesced``: the gates as shipped (5,000 over 50 clusters).
* ``alone``: the same trigger with ``coalesce=False``, each gate polling on its own (what every gate did before),
  at 1,000 gates: its requests grow one per gate, so 5,000 gates send 5,000 per interval.
* ``http anchor``: ``HttpSensorTrigger`` (``HttpSensor(deferrable=True)``) polling the same task endpoint, kept
  waiting by a 404 (the only condition it can wait on), at 1,000 gates.
* ``two triggerers``: the coalesced gates split over two processes, as Airflow's HA set-up would: sharing is per
  triggerer, so OCP sees one request per cluster per triggerer.

The gates of a variant and one measured run of them: :mod:`benchmarks.fleet_gates`; here, the variants side by side,
their sizes, the two-triggerer run, the table and the command line.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks.common import benchmark_main, ensure_airflow_home, run_module
from benchmarks.emulator_process import EmulatorConfig, emulator_process
from benchmarks.figures import format_table
from benchmarks.fleet_gates import DELAY_HIGH, VARIANTS, run_gates


class Attached:
    """The parent's emulator seen from a shard process: its cluster ids, and commands refused (the parent counts)."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.cluster_ids = info["cluster_ids"]

    def command(self, line: str) -> dict[str, Any]:
        return {"task_queries": 0, "wall": time.time()}


def sizes(quick: bool) -> dict[str, Any]:
    """Gates, clusters, poke interval and steady intervals of a run."""
    if quick:
        return {"gates": 100, "clusters": 5, "anchor_gates": 20, "poke": 0.5, "steady": 2}
    return {"gates": 5000, "clusters": 50, "anchor_gates": 1000, "poke": 10.0, "steady": 3}


def measure(args: Any) -> dict[str, Any]:
    """Each variant in a fresh process with its own emulator, then the two-triggerer run; or, with ``--variant``,
    one run here (a shard with ``--attach``: the parent's emulator).

    :param args: the command line.
    """
    size = sizes(args.quick)
    config = EmulatorConfig(clusters=size["clusters"], latency=args.latency, delay=[DELAY_HIGH] * 2 + [0])
    if args.variant:
        ensure_airflow_home()
        gates = int(args.gates or (size["anchor_gates"] if args.variant != "coalesced" else size["gates"]))
        if args.attach:
            info = json.loads(args.attach)
            os.environ["AIRFLOW_CONN_OCP_DEFAULT"] = json.dumps(info["connection"])
            return asyncio.run(run_gates(Attached(info), "coalesced", gates, size["poke"], size["steady"] + 2, False))
        config.not_found = args.variant == "http anchor"
        with emulator_process(config) as emu:
            os.environ["AIRFLOW_CONN_OCP_DEFAULT"] = emu.connection_json(max_retries=2, retry_backoff=0.5)
            conn = emu.connection
            http = {"conn_type": "http", "host": emu.url, "login": conn["login"], "password": conn["password"]}
            os.environ["AIRFLOW_CONN_HTTP_OCP"] = json.dumps(http)
            fall = args.variant != "http anchor"
            return asyncio.run(run_gates(emu, args.variant, gates, size["poke"], size["steady"], fall))
    quick = ["--quick"] * args.quick
    runs = {v: run_module("fleet", [f"--variant={v}", f"--latency={args.latency}", *quick], 900) for v in VARIANTS}
    runs["two triggerers"] = two_triggerers(config, size, quick)
    return {"latency_s": args.latency, "load_average": os.getloadavg(), "runs": runs}


def two_triggerers(config: EmulatorConfig, size: dict[str, Any], quick: list[str]) -> dict[str, Any]:
    """Half the coalesced gates in each of two processes on one emulator; requests counted here over the window in
    which both were steady."""
    with emulator_process(config) as emu:
        info = {"cluster_ids": emu.cluster_ids, "connection": json.loads(emu.connection_json(max_retries=2))}
        child = ["--variant=coalesced", f"--gates={size['gates'] // 2}", f"--attach={json.dumps(info)}", *quick]
        timeline: list[tuple[float, int]] = []
        with ThreadPoolExecutor(2) as pool:
            shards = [pool.submit(run_module, "fleet", child, 900) for _ in range(2)]
            while not all(shard.done() for shard in shards):
                answer = emu.command("requests")
                timeline.append((answer["wall"], answer["task_queries"]))
                threading.Event().wait(0.25)
            results = [shard.result() for shard in shards]
    start = max(r["steady_window"][0] for r in results)
    end = min(r["steady_window"][1] for r in results)
    inside = [(wall, count) for wall, count in timeline if start <= wall <= end]
    (w0, c0), (w1, c1) = inside[0], inside[-1]
    return {
        "gates": size["gates"],
        "clusters": size["clusters"],
        "poke_s": size["poke"],
        "requests_per_interval": (c1 - c0) / ((w1 - w0) / size["poke"]),
        "shards": results,
    }


def render(result: dict[str, Any]) -> str:
    """The benchmark's table as Markdown.

    :param result: what :func:`measure` returned.
    """
    runs = result["runs"]
    first = runs["coalesced"]
    rows = []
    for name in VARIANTS:
        run = runs[name]
        fire = (
            f"{run['fired']}/{run['gates']}, last {run['last_fire_after_crossing_s']:.1f} s" if "fired" in run else "-"
        )
        rows.append(
            [
                name,
                f"{run['gates']:,}",
                f"{run['requests_per_interval']:.1f}",
                f"{run['requests_per_interval'] / run['gates']:.3f}",
                f"{run['lag_p99_ms']['steady']:.1f} / {run['lag_p99_ms']['whole run']:.1f}",
                f"{run['cpu_ms_per_gate_interval']:.3f}",
                f"{run['rss_kib_per_gate']:.1f}",
                fire,
            ]
        )
    two = runs["two triggerers"]
    rows.append(
        ["two triggerers (2 processes)", f"{two['gates']:,}", f"{two['requests_per_interval']:.1f}", "", "", "", "", ""]
    )
    title = (
        f"5. Fleet: deferred gates over {first['clusters']} clusters in one event loop, poke {first['poke_s']:g} s, "
        f"{result['latency_s'] * 1000:g} ms per request"
    )
    headers = ["variant", "gates", "OCP requests / interval", "per gate", "lag p99 ms steady / whole",
               "CPU ms / gate / interval", "RSS KiB / gate", "fired after crossing"]  # fmt: skip
    note = f"Load average {result['load_average'][0]:.1f} at the end of the run."
    return format_table(title, headers, rows) + f"\n{note}\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.fleet --json-out FILE [--quick] [--latency S]``.

    :param argv: the arguments.
    """
    return benchmark_main("fleet", argv, measure, "variant", "gates", "attach")


if __name__ == "__main__":
    raise SystemExit(main())
