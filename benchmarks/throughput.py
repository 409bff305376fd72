"""Benchmark 1: extraction throughput of 100,000 tasks against an emulator with per-request latency.

Compared in one process run, interleaved round by round so that load drift hits every variant alike:

* ``OCPHook.iter_log_backup_task_pages`` with the connection extra ``concurrency`` 1, the default (4) and 8, page
  size 2000 (records normalised: aware datetimes, ints, floats);
* Airflow's ``HttpOperator`` with a ``pagination_function`` and a ``response_filter``, page size 2000, run through
  ``execute()`` as a task would (records as raw JSON dicts);
* a plain ``requests`` loop at OCP's default page size of 10 (raw dicts). At 20 ms per request, 10,000 pages take
  over 200 s, so it is timed on the first pages and extrapolated (per-page cost is flat).

Two references that are not products bound what any client can reach: 4 threads fetching the same pages and only
decoding them, with ``json.loads`` and with ``msgspec`` (the decoding floor on this machine: no normalisation). Every
row reports the client's CPU seconds per 100,000 tasks, so the hook's per-record cost reads against that floor.

Also measured: the emulator's CPU seconds, a cProfile of one hook run, and what-if runs of changes the provider has
NOT made (benchmark-only patches, labelled as such; the main rows always measure the provider as shipped).
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import os
import pstats
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import (
    EmulatorConfig,
    RunningEmulator,
    benchmark_parser,
    emulator_process,
    ensure_airflow_home,
    fmt,
    format_table,
    median,
    report,
)

HTTP_CONN_ID = "ocp_http_bench"
JSON_REFERENCE = "reference: 4 threads, json.loads only"
MSGSPEC_FLOOR = "floor: 4 threads, msgspec decode only"
PER_TASKS = 100_000  # CPU is reported per this many tasks, whatever the run's size
BIG_PAGE = 2000
OCP_DEFAULT_PAGE = 10


def hook_conn_id(concurrency: int | None) -> str:
    """The connection id used for one hook variant (None: the connection's default concurrency).

    :param concurrency: the ``concurrency`` extra, or None to leave it unset.
    """
    return "ocp_bench_default" if concurrency is None else f"ocp_bench_c{concurrency}"


def configure_connections(emu: RunningEmulator, concurrencies: list[int | None]) -> None:
    """Export ``AIRFLOW_CONN_*`` variables for the hook variants and for HttpOperator.

    :param emu: the running emulator.
    :param concurrencies: the hook variants.
    """
    import json

    for concurrency in concurrencies:
        extra = {} if concurrency is None else {"concurrency": concurrency}
        os.environ[f"AIRFLOW_CONN_{hook_conn_id(concurrency).upper()}"] = emu.connection_json(**extra)
    http = {
        "conn_type": "http",
        "host": emu.url,
        "login": emu.connection["login"],
        "password": emu.connection["password"],
    }
    os.environ[f"AIRFLOW_CONN_{HTTP_CONN_ID.upper()}"] = json.dumps(http)


def run_hook(cluster_id: int, concurrency: int | None, expected: int) -> int:
    """Walk every page with the provider's hook; returns the record count (checked: no loss, no duplicate).

    :param cluster_id: the cluster.
    :param concurrency: the connection's ``concurrency`` extra (None: default).
    :param expected: how many tasks the cluster has.
    """
    from airflow_provider_ocp.hooks.ocp import OCPHook

    hook = OCPHook(ocp_conn_id=hook_conn_id(concurrency))
    count, distinct = 0, 0
    for page in hook.iter_log_backup_task_pages(cluster_id):
        count += len(page.records)
        distinct = page.records_so_far
    if count != expected or distinct != expected:
        raise AssertionError(f"hook returned {count} records ({distinct} distinct), expected {expected}")
    return count


def run_http_operator(url_path: str, expected: int) -> int:
    """Page with Airflow's HttpOperator as a user would (pagination_function + response_filter, execute()).

    :param url_path: the endpoint below the connection's host.
    :param expected: how many tasks the cluster has.
    """
    from airflow.providers.http.operators.http import HttpOperator

    def next_page(response: Any) -> dict[str, Any] | None:
        page = response.json()["data"]["page"]
        if page["number"] >= page["totalPages"]:
            return None
        return {"data": {"page": page["number"] + 1, "size": BIG_PAGE}}

    def all_records(responses: list[Any]) -> list[dict[str, Any]]:
        return [record for response in responses for record in response.json()["data"]["contents"]]

    operator = HttpOperator(
        task_id="http_operator_baseline",
        http_conn_id=HTTP_CONN_ID,
        method="GET",
        endpoint=url_path,
        data={"page": 1, "size": BIG_PAGE},
        pagination_function=next_page,
        response_filter=all_records,
    )
    records = operator.execute(context={})
    if len(records) != expected:
        raise AssertionError(f"HttpOperator returned {len(records)} records, expected {expected}")
    return len(records)


def run_requests_loop(emu: RunningEmulator, url_path: str, pages: int) -> int:
    """A plain requests loop at OCP's default page size, over the first ``pages`` pages.

    :param emu: the emulator.
    :param url_path: the endpoint.
    :param pages: how many pages to read.
    """
    import requests

    records: list[dict[str, Any]] = []
    with requests.Session() as session:
        session.auth = (emu.connection["login"], emu.connection["password"])
        for number in range(1, pages + 1):
            response = session.get(f"{emu.url}{url_path}", params={"page": number, "size": OCP_DEFAULT_PAGE})
            response.raise_for_status()
            contents = response.json()["data"]["contents"]
            if not contents:
                break
            records.extend(contents)
    if len(records) != pages * OCP_DEFAULT_PAGE:
        raise AssertionError(f"requests loop read {len(records)} records from {pages} pages")
    return len(records)


def run_decode_floor(
    emu: RunningEmulator, url_path: str, pages: int, threads: int, expected: int, decoder: str = "json"
) -> int:
    """Reference, not a product: fetch every page with ``threads`` threads and only decode it.

    The least any CPython client must do at this concurrency: what is left above it is per-record work. With
    ``decoder="msgspec"`` it is the floor the hook's own decoding can reach (the same pages, no normalisation).

    :param emu: the emulator.
    :param url_path: the endpoint.
    :param pages: pages at size 2000.
    :param threads: requests in flight.
    :param expected: the task count.
    :param decoder: ``"json"`` (``json.loads``) or ``"msgspec"`` (``msgspec.json.decode``).
    """
    import json
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import msgspec
    import requests

    local = threading.local()

    def fetch(number: int) -> int:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.auth = (emu.connection["login"], emu.connection["password"])
        response = session.get(f"{emu.url}{url_path}", params={"page": number, "size": BIG_PAGE})
        return len(decode(response.content)["data"]["contents"])

    decode = msgspec.json.Decoder().decode if decoder == "msgspec" else json.loads

    with ThreadPoolExecutor(threads) as pool:
        count = sum(pool.map(fetch, range(1, pages + 1)))
    if count != expected:
        raise AssertionError(f"decode floor read {count} records, expected {expected}")
    return count


def skip_normalisation() -> Callable[[], None]:
    """What-if (benchmark-only): the hook yields raw records, no normalisation; returns an undo.

    Not a proposal: it shows what the hook's transport, page walk and read-ahead cost on their own.
    """
    from airflow_provider_ocp.log_backup import task_pages

    original = task_pages.normalize_tasks
    task_pages.normalize_tasks = list  # type: ignore[assignment]

    def undo() -> None:
        task_pages.normalize_tasks = original

    return undo


def read_ahead_one_page() -> Callable[[], None]:
    """What-if (benchmark-only): with ``concurrency=1``, fetch page n+1 in the background once page n arrived.

    Still one request in flight at a time (sequential for OCP), but the network wait overlaps the caller's work on
    the previous page. Returns an undo.
    """
    from concurrent.futures import ThreadPoolExecutor

    from airflow_provider_ocp.client.prefetch import PagePrefetcher

    original = PagePrefetcher.get

    def get(self: Any, number: int, last_page: int | None) -> Any:
        if self._concurrency != 1 or last_page is None:
            return original(self, number, last_page)
        if number <= self._last_asked:
            self._discard()
        self._last_asked = number
        future = self._inflight.pop(number, None)
        page = future.result() if future is not None else self._fetch(number)
        if number < last_page:
            self._pool = self._pool or ThreadPoolExecutor(1, thread_name_prefix="ocp-page")
            self._inflight[number + 1] = self._pool.submit(self._fetch, number + 1)
        return page

    PagePrefetcher.get = get  # type: ignore[method-assign]

    def undo() -> None:
        PagePrefetcher.get = original  # type: ignore[method-assign]

    return undo


def timed(function: Callable[[], int]) -> dict[str, float]:
    """Run once; wall seconds, process CPU seconds (all threads) and records.

    :param function: the run.
    """
    cpu, wall = time.process_time(), time.perf_counter()
    records = function()
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "records": records}


def per_record_costs(emu: RunningEmulator, url_path: str, repeats: int = 15) -> dict[str, float]:
    """Single-thread CPU cost of each step a client does per record, on page 1 (2,000 records), in microseconds.

    Medians of ``repeats`` timings of the whole page. ``json.loads`` is the reference and ``msgspec`` the decoding
    floor; the rest are the provider's shipped functions. Together they bound how fast a hook that normalises can go
    on one core.

    :param emu: the emulator.
    :param url_path: the endpoint.
    :param repeats: timings per step.
    """
    import io
    import json
    from datetime import datetime, timezone

    import msgspec
    import requests

    from airflow_provider_ocp.client.response import parse_response
    from airflow_provider_ocp.client.timestamps import parse_ocp_timestamp
    from airflow_provider_ocp.log_backup.formats import JsonLinesWriter
    from airflow_provider_ocp.log_backup.records import TIME_FIELDS, normalize_tasks, record_identity
    from airflow_provider_ocp.log_backup.window import ExtractionWindow

    response = requests.get(
        f"{emu.url}{url_path}",
        params={"page": 1, "size": BIG_PAGE},
        auth=(emu.connection["login"], emu.connection["password"]),
        timeout=60,
    )
    body, headers = response.content, dict(response.headers)
    records = json.loads(body)["data"]["contents"]
    stamps = [record[name] for record in records for name in TIME_FIELDS if isinstance(record.get(name), str)]

    def per_item(function: Callable[[], object], items: int) -> float:
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            function()
            times.append(time.perf_counter() - started)
        return 1e6 * median(times) / items

    count = len(records)
    normalised = normalize_tasks(records)
    # a window holding the whole page, as the operator's window holds what OCP returns for it
    window = ExtractionWindow(datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc), "")
    decoder = msgspec.json.Decoder()
    return {
        "records": count,
        "body_bytes": len(body),
        "json_loads_us": per_item(lambda: json.loads(body), count),
        "msgspec_decode_us": per_item(lambda: decoder.decode(body), count),
        "jsonl_write_us": per_item(lambda: JsonLinesWriter(io.BytesIO(), window).write_page(normalised), count),
        "parse_response_us": per_item(lambda: parse_response(200, headers, body, target=url_path), count),
        "normalize_tasks_us": per_item(lambda: normalize_tasks(records), count),
        "window_keep_us": per_item(lambda: window.keep(normalised), count),
        "parse_ocp_timestamp_us_each": per_item(lambda: [parse_ocp_timestamp(stamp) for stamp in stamps], len(stamps)),
        "timestamps_per_record": len(stamps) / count,
        "record_identity_us": per_item(lambda: [record_identity(record) for record in records], count),
    }


def profile_hook(cluster_id: int, concurrency: int | None, expected: int, top: int = 14) -> list[dict[str, Any]]:
    """cProfile one hook run (main thread only: page fetches in read-ahead threads are not profiled).

    :param cluster_id: the cluster.
    :param concurrency: the connection's ``concurrency``.
    :param expected: the task count.
    :param top: how many functions to keep, by own time.
    """
    profiler = cProfile.Profile()
    profiler.enable()
    run_hook(cluster_id, concurrency, expected)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    rows = []
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{Path(filename).name}:{line}({name})",
                "calls": calls,
                "own_s": round(tottime, 4),
                "cumulative_s": round(cumtime, 4),
            }
        )
    rows.sort(key=lambda row: row["own_s"], reverse=True)
    return rows[:top]


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Run the whole benchmark and return its figures.

    :param args: the command-line arguments.
    """
    ensure_airflow_home()
    tasks = args.tasks
    big_pages = -(-tasks // BIG_PAGE)
    sample_pages = args.sample_pages
    concurrencies: list[int | None] = [1, None, 8]
    config = EmulatorConfig(
        clusters=[{"tasks": tasks}],
        latency=args.latency,
        fast=True,
        warm=[[0, BIG_PAGE, big_pages], [0, OCP_DEFAULT_PAGE, sample_pages]],
    )
    result: dict[str, Any] = {
        "tasks": tasks,
        "latency_s": args.latency,
        "repeats": args.repeats,
        "sample_pages_size_10": sample_pages,
    }
    with emulator_process(config) as emu:
        keys = ("cache", "tcp_nodelay", "listen_backlog", "warm_requests", "warm_seconds")
        result["emulator"] = {k: emu.info[k] for k in keys}
        configure_connections(emu, concurrencies)
        cluster_id = emu.cluster_ids[0]
        url_path = f"/api/v2/ob/clusters/{cluster_id}/backup/task/logBackupTasks"

        variants: dict[str, Callable[[], int]] = {
            "hook c=1": lambda: run_hook(cluster_id, 1, tasks),
            "hook c=4 (default)": lambda: run_hook(cluster_id, None, tasks),
            "hook c=8": lambda: run_hook(cluster_id, 8, tasks),
            "HttpOperator": lambda: run_http_operator(url_path, tasks),
            "requests loop": lambda: run_requests_loop(emu, url_path, sample_pages),
            JSON_REFERENCE: lambda: run_decode_floor(emu, url_path, big_pages, 4, tasks),
            MSGSPEC_FLOOR: lambda: run_decode_floor(emu, url_path, big_pages, 4, tasks, "msgspec"),
        }
        # One untimed pass of each variant: imports, connection look-ups and first TCP connections.
        run_hook(cluster_id, None, tasks)
        run_http_operator(url_path, tasks)
        run_requests_loop(emu, url_path, min(sample_pages, 5))
        samples: dict[str, list[dict[str, float]]] = {name: [] for name in variants}
        for _ in range(args.repeats):
            for name, function in variants.items():
                before = emu.stats()["cpu_seconds"]
                sample = timed(function)
                sample["server_cpu"] = emu.stats()["cpu_seconds"] - before
                samples[name].append(sample)
        result["samples"] = samples

        if not args.quick:
            what_if: dict[str, list[dict[str, float]]] = {}
            both: tuple[tuple[str, int | None], ...] = (("hook c=1", 1), ("hook c=4 (default)", None))
            experiments: tuple[tuple[str, tuple[Callable[[], Callable[[], None]], ...], tuple[Any, ...]], ...] = (
                ("next page read ahead", (read_ahead_one_page,), both[:1]),
                ("no normalisation", (skip_normalisation,), both),
            )
            for label, patches, hooks in experiments:
                undos = [patch() for patch in patches]
                try:
                    for _ in range(args.repeats):
                        for name, concurrency in hooks:
                            sample = timed(functools.partial(run_hook, cluster_id, concurrency, tasks))
                            what_if.setdefault(f"{name}, {label}", []).append(sample)
                finally:
                    for undo in reversed(undos):
                        undo()
            result["what_if"] = what_if
            result["profile_hook_c4"] = profile_hook(cluster_id, None, tasks)
            result["per_record_us"] = per_record_costs(emu, url_path)
            result["calibration"] = calibrate(emu, url_path, args.latency)
        result["server_totals"] = emu.stats()
    if not args.quick:
        result["as_shipped_emulator"] = as_shipped(args, tasks, big_pages)
    summarise(result, big_pages)
    return result


def _one_request_seconds(emu: RunningEmulator, url_path: str, size: int, count: int) -> float:
    import requests

    times = []
    with requests.Session() as session:
        session.auth = (emu.connection["login"], emu.connection["password"])
        for number in range(1, count + 1):
            started = time.perf_counter()
            session.get(f"{emu.url}{url_path}", params={"page": number, "size": size}).raise_for_status()
            times.append(time.perf_counter() - started)
    return median(times[1:])


def calibrate(emu: RunningEmulator, url_path: str, latency: float) -> dict[str, float]:
    """Round trip of one request with the latency switched off, on the benchmark emulator (frozen clock, cache).

    :param emu: the benchmark emulator.
    :param url_path: the endpoint.
    :param latency: the latency to restore afterwards.
    """
    emu.set_latency(0.0)
    try:
        return {
            "rtt_size_10_ms": 1000 * _one_request_seconds(emu, url_path, OCP_DEFAULT_PAGE, 21),
            "rtt_size_2000_ms": 1000 * _one_request_seconds(emu, url_path, BIG_PAGE, 6),
        }
    finally:
        emu.set_latency(latency)


def as_shipped(args: argparse.Namespace, tasks: int, big_pages: int) -> dict[str, Any]:
    """The same client against the emulator as shipped (live clock, every page rendered): what the emulator costs.

    :param args: the command-line arguments.
    :param tasks: the task count.
    :param big_pages: pages at size 2000.
    """
    config = EmulatorConfig(clusters=[{"tasks": tasks}], latency=0.0, fast=False)
    with emulator_process(config) as emu:
        configure_connections(emu, [1, None])
        cluster_id = emu.cluster_ids[0]
        url_path = f"/api/v2/ob/clusters/{cluster_id}/backup/task/logBackupTasks"
        entry: dict[str, Any] = {
            "rtt_size_10_ms": 1000 * _one_request_seconds(emu, url_path, OCP_DEFAULT_PAGE, 21),
            "rtt_size_2000_ms": 1000 * _one_request_seconds(emu, url_path, BIG_PAGE, 6),
        }
        emu.set_latency(args.latency)
        for name, concurrency in (("hook c=1", 1), ("hook c=4 (default)", None)):
            before = emu.stats()["cpu_seconds"]
            sample = timed(functools.partial(run_hook, cluster_id, concurrency, tasks))
            sample["server_cpu"] = emu.stats()["cpu_seconds"] - before
            entry[name] = sample
    return {"as shipped (TCP_NODELAY, backlog 512; no cache)": entry}


def summarise(result: dict[str, Any], big_pages: int) -> None:
    """Add medians, rates, ideal bounds and ratios to the result.

    :param result: the raw result (modified).
    :param big_pages: pages at size 2000.
    """
    latency, tasks = result["latency_s"], result["tasks"]
    small_pages_total = -(-tasks // OCP_DEFAULT_PAGE)
    shape = {
        "hook c=1": (BIG_PAGE, big_pages, 1),
        "hook c=4 (default)": (BIG_PAGE, big_pages, 4),
        "hook c=8": (BIG_PAGE, big_pages, 8),
        "HttpOperator": (BIG_PAGE, big_pages, 1),
        "requests loop": (OCP_DEFAULT_PAGE, small_pages_total, 1),
        JSON_REFERENCE: (BIG_PAGE, big_pages, 4),
        MSGSPEC_FLOOR: (BIG_PAGE, big_pages, 4),
    }
    summary: dict[str, dict[str, Any]] = {}
    for name, samples in result["samples"].items():
        page_size, pages, concurrency = shape[name]
        wall = median([s["wall"] for s in samples])
        records = samples[0]["records"]
        rate = records / wall
        full_wall = tasks / rate  # the requests loop is extrapolated from its sample
        ideal = pages * latency / concurrency
        summary[name] = {
            "page_size": page_size,
            "pages": pages,
            "concurrency": concurrency,
            "runs": len(samples),
            "median_wall_s": full_wall,
            "measured_wall_s": wall,
            "min_wall_s": min(s["wall"] for s in samples),
            "max_wall_s": max(s["wall"] for s in samples),
            "tasks_per_s": rate,
            "ideal_s": ideal,
            "x_ideal": full_wall / ideal,
            "client_cpu_s": median([s["cpu"] for s in samples]) * tasks / records,
            "client_cpu_s_per_100k": median([s["cpu"] for s in samples]) * PER_TASKS / records,
            "server_cpu_s": median([s["server_cpu"] for s in samples]) * tasks / records,
            "extrapolated": records != tasks,
        }
    baseline = summary["HttpOperator"]["tasks_per_s"]
    reference_cpu = summary[JSON_REFERENCE]["client_cpu_s_per_100k"]
    for entry in summary.values():
        entry["x_http_operator"] = entry["tasks_per_s"] / baseline
        entry["x_reference_cpu"] = entry["client_cpu_s_per_100k"] / reference_cpu
    result["summary"] = summary
    if "what_if" in result:
        what_if = {}
        for name, samples in result["what_if"].items():
            wall = median([s["wall"] for s in samples])
            what_if[name] = {
                "median_wall_s": wall,
                "tasks_per_s": tasks / wall,
                "client_cpu_s": median([s["cpu"] for s in samples]),
                "client_cpu_s_per_100k": median([s["cpu"] for s in samples]) * PER_TASKS / tasks,
                "x_ideal": wall / summary[name.split(",")[0]]["ideal_s"],
                "speedup_vs_shipped": summary[name.split(",")[0]]["median_wall_s"] / wall,
                "x_http_operator": (tasks / wall) / baseline,
            }
        result["what_if_summary"] = what_if


def render(result: dict[str, Any]) -> str:
    """The benchmark's tables as Markdown.

    :param result: what :func:`measure` returned.
    """
    s = result["summary"]
    lat_ms = result["latency_s"] * 1000
    rows = []
    for name, e in s.items():
        label = f"{name} (extrapolated from {result['sample_pages_size_10']} pages)" if e["extrapolated"] else name
        rows.append(
            [
                label,
                e["page_size"],
                f"{e['pages']:,}",
                fmt(e["median_wall_s"]),
                f"{e['tasks_per_s']:,.0f}",
                fmt(e["ideal_s"]),
                fmt(e["x_ideal"]),
                fmt(e["x_http_operator"]),
                fmt(e["client_cpu_s_per_100k"]),
                fmt(e["x_reference_cpu"]),
                fmt(e["server_cpu_s"]),
            ]
        )
    title = (
        f"1. Extraction throughput: {result['tasks']:,} tasks, {lat_ms:g} ms per request, "
        f"median of {result['repeats']} interleaved runs"
    )
    headers = [
        "client",
        "page size",
        "pages",
        "time s",
        "tasks/s",
        "ideal s",
        "x ideal",
        "x HttpOperator",
        "client CPU s per 100k tasks",
        "x json.loads CPU",
        "emulator CPU s",
    ]
    text = format_table(title, headers, rows)
    text += (
        "\nideal = pages x latency / concurrency. Hook records are normalised (datetimes, ints, floats); "
        "HttpOperator, the requests loop and the two references return raw JSON dicts. x json.loads CPU = client "
        "CPU over the json.loads reference's; the msgspec row is the decoding floor (the same pages, decoded only).\n\n"
    )
    if "what_if_summary" in result:
        rows = [
            [
                name,
                fmt(e["median_wall_s"]),
                f"{e['tasks_per_s']:,.0f}",
                fmt(e["x_ideal"]),
                fmt(e["x_http_operator"]),
                fmt(e["speedup_vs_shipped"]),
                fmt(e["client_cpu_s_per_100k"]),
            ]
            for name, e in result["what_if_summary"].items()
        ]
        headers = ["client", "time s", "tasks/s", "x ideal", "x HttpOperator", "speed-up vs shipped"]
        text += format_table(
            "1b. What-if: changes NOT made (benchmark-only patches), median of the same number of runs",
            [*headers, "client CPU s per 100k tasks"],
            rows,
        )
        text += (
            "\nThe main rows above measure the provider as shipped. `next page read ahead`: with concurrency=1, "
            "page n+1 requested once page n arrived (still one request in flight). `no normalisation`: "
            "`normalize_tasks` replaced by `list` (not a proposal: transport, page walk and read-ahead alone).\n\n"
        )
    if "profile_hook_c4" in result:
        rows = [
            [p["function"], f"{p['calls']:,}", fmt(p["own_s"], 3), fmt(p["cumulative_s"], 3)]
            for p in result["profile_hook_c4"]
        ]
        text += format_table(
            "1c. cProfile of one hook run (c=4, main thread), by own time",
            ["function", "calls", "own s", "cumulative s"],
            rows,
        )
        text += "\n"
    if "per_record_us" in result:
        c = result["per_record_us"]
        http = s["HttpOperator"]["median_wall_s"]
        budget = 1e6 * http / 2.5 / result["tasks"]
        rows = [
            ["json.loads of the page (the reference)", fmt(c["json_loads_us"])],
            ["msgspec.json.decode of the page (the decoding floor)", fmt(c["msgspec_decode_us"])],
            ["parse_response (provider: envelope checks + msgspec decode)", fmt(c["parse_response_us"])],
            ["normalize_tasks (provider, normalize_task per record)", fmt(c["normalize_tasks_us"])],
            [
                f"  of which parse_ocp_timestamp x {c['timestamps_per_record']:g}",
                fmt(c["parse_ocp_timestamp_us_each"] * c["timestamps_per_record"]),
            ],
            ["record_identity (provider, page walk)", fmt(c["record_identity_us"])],
            [
                "sum (one core; the GIL serialises these across read-ahead threads)",
                fmt(c["parse_response_us"] + c["normalize_tasks_us"] + c["record_identity_us"]),
            ],
            [f"budget for 2.5x HttpOperator: {fmt(http)} s / 2.5 / {result['tasks']:,} records", fmt(budget)],
            ["ExtractionWindow.keep (provider, the operator; not in the walk)", fmt(c["window_keep_us"])],
            ["JsonLinesWriter.write_page (provider, the storage path; not in the walk)", fmt(c["jsonl_write_us"])],
        ]
        text += format_table(
            f"1d. CPU per record, single thread, page of {c['records']:,} records ({c['body_bytes'] / 2**20:.2f} MiB)",
            ["step", "us per record"],
            rows,
        )
        text += "\n"
    if "as_shipped_emulator" in result:
        rows = []
        cal = result.get("calibration", {})
        rows.append(
            [
                "benchmark mode (+ frozen clock and response cache)",
                fmt(cal.get("rtt_size_10_ms", float("nan")), 1),
                fmt(cal.get("rtt_size_2000_ms", float("nan")), 1),
                fmt(s["hook c=1"]["median_wall_s"]),
                fmt(s["hook c=4 (default)"]["median_wall_s"]),
                fmt(s["hook c=4 (default)"]["server_cpu_s"]),
            ]
        )
        for label, e in result["as_shipped_emulator"].items():
            rows.append(
                [
                    label,
                    fmt(e["rtt_size_10_ms"], 1),
                    fmt(e["rtt_size_2000_ms"], 1),
                    fmt(e["hook c=1"]["wall"]),
                    fmt(e["hook c=4 (default)"]["wall"]),
                    fmt(e["hook c=4 (default)"]["server_cpu"]),
                ]
            )
        text += format_table(
            "1e. The emulator's own cost: one request at 0 ms latency, and one hook run at "
            f"{lat_ms:g} ms (single runs)",
            ["emulator mode", "size 10 ms", "size 2000 ms", "hook c=1 s", "hook c=4 s", "emulator CPU s (c=4)"],
            rows,
        )
    return text


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m benchmarks.throughput --json-out FILE [--quick]``.

    :param argv: the arguments.
    """
    parser = benchmark_parser("throughput")
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--tasks", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--sample-pages", type=int, default=None)
    args = parser.parse_args(argv)
    args.tasks = args.tasks or (6_000 if args.quick else 100_000)
    args.repeats = args.repeats or (1 if args.quick else 7)
    args.sample_pages = args.sample_pages or (10 if args.quick else 150)
    return report(args, measure, render)


if __name__ == "__main__":
    raise SystemExit(main())
