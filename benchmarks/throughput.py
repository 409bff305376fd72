"""Benchmark 1: 100,000 log backup tasks in pages of 2,000, from an emulator adding 20 ms to every request.

Three clients read the same pages, interleaved round by round so that load drift hits each alike:

* ``OCPHook.iter_log_backup_tasks`` with the connection extra ``concurrency`` 4 (pages read ahead), records
  normalised (aware datetimes, ints, floats);
* Airflow's ``HttpOperator`` with a ``pagination_function`` and a ``response_filter``, run through ``execute()`` as a
  task would (records as raw JSON dicts);
* the reference: plain ``requests`` in 4 threads and ``json.loads``, nothing else (raw dicts).

Reported: wall time (the hook against HttpOperator) and the client's CPU seconds (the hook against the reference).
"""

from __future__ import annotations

import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks.common import benchmark_main, ensure_airflow_home
from benchmarks.emulator_process import EmulatorConfig, emulator_process
from benchmarks.figures import format_table, median, timed

PAGE = 2000
HOOK, HTTP_OPERATOR, REFERENCE = "hook, concurrency 4", "HttpOperator", "reference: requests + json.loads, 4 threads"


def run_hook(cluster_id: int, expected: int) -> None:
    """Walk every page with the provider's hook (connection ``ocp_bench``, concurrency 4).

    :param cluster_id: the cluster.
    :param expected: how many tasks it has.
    """
    from airflow_provider_ocp.hooks.ocp import OCPHook

    count = sum(1 for _ in OCPHook("ocp_bench").iter_log_backup_tasks(cluster_id))
    if count != expected:
        raise AssertionError(f"hook returned {count} records, expected {expected}")


def run_http_operator(path: str, expected: int) -> None:
    """Page with Airflow's HttpOperator as a user would (pagination_function + response_filter, execute()).

    :param path: the endpoint below the connection's host.
    :param expected: how many tasks the cluster has.
    """
    from airflow.providers.http.operators.http import HttpOperator

    def next_page(response: Any) -> dict[str, Any] | None:
        page = response.json()["data"]["page"]
        return None if page["number"] >= page["totalPages"] else {"data": {"page": page["number"] + 1, "size": PAGE}}

    operator = HttpOperator(
        task_id="http_operator",
        http_conn_id="http_bench",
        method="GET",
        endpoint=path,
        data={"page": 1, "size": PAGE},
        pagination_function=next_page,
        response_filter=lambda responses: [r for response in responses for r in response.json()["data"]["contents"]],
    )
    count = len(operator.execute(context={}))
    if count != expected:
        raise AssertionError(f"HttpOperator returned {count} records, expected {expected}")


def run_reference(url: str, auth: tuple[str, str], pages: int, expected: int) -> None:
    """Fetch every page with 4 threads of plain ``requests`` and only decode it with ``json.loads``.

    :param url: the endpoint's full URL.
    :param auth: login and password.
    :param pages: how many pages.
    :param expected: the task count.
    """
    import requests

    local = threading.local()

    def fetch(number: int) -> int:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.auth = auth
        response = local.session.get(url, params={"page": number, "size": PAGE})
        return len(json.loads(response.content)["data"]["contents"])

    with ThreadPoolExecutor(4) as pool:
        count = sum(pool.map(fetch, range(1, pages + 1)))
    if count != expected:
        raise AssertionError(f"the reference read {count} records, expected {expected}")


def measure(args: Any) -> dict[str, Any]:
    """Run the three clients ``repeats`` times, interleaved, after one untimed pass each.

    :param args: the command line.
    """
    ensure_airflow_home()
    tasks, repeats = (6_000, 1) if args.quick else (100_000, 7)
    pages = -(-tasks // PAGE)
    config = EmulatorConfig(clusters=[{"tasks": tasks}], latency=args.latency, fast=True, warm=[[0, PAGE, pages]])
    with emulator_process(config) as emu:
        os.environ["AIRFLOW_CONN_OCP_BENCH"] = emu.connection_json(concurrency=4)
        login, password = emu.connection["login"], emu.connection["password"]
        http = {"conn_type": "http", "host": emu.url, "login": login, "password": password}
        os.environ["AIRFLOW_CONN_HTTP_BENCH"] = json.dumps(http)
        cluster_id = emu.cluster_ids[0]
        path = f"/api/v2/ob/clusters/{cluster_id}/backup/task/logBackupTasks"
        clients = {
            HOOK: lambda: run_hook(cluster_id, tasks),
            HTTP_OPERATOR: lambda: run_http_operator(path, tasks),
            REFERENCE: lambda: run_reference(emu.url + path, (login, password), pages, tasks),
        }
        for client in clients.values():  # imports, connection look-ups, first TCP connections
            client()
        samples: dict[str, list[dict[str, float]]] = {name: [] for name in clients}
        for _ in range(repeats):
            for name, client in clients.items():
                samples[name].append(timed(client))
    summary = {
        name: {"wall_s": median([s["wall"] for s in runs]), "cpu_s": median([s["cpu"] for s in runs])}
        for name, runs in samples.items()
    }
    return {"tasks": tasks, "pages": pages, "latency_s": args.latency, "repeats": repeats, "samples": samples,
            "summary": summary}  # fmt: skip


def render(result: dict[str, Any]) -> str:
    """The benchmark's table as Markdown.

    :param result: what :func:`measure` returned.
    """
    s = result["summary"]
    rows = [
        [
            name,
            f"{e['wall_s']:.2f}",
            f"{s[HTTP_OPERATOR]['wall_s'] / e['wall_s']:.2f}",
            f"{e['cpu_s']:.2f}",
            f"{e['cpu_s'] / s[REFERENCE]['cpu_s']:.2f}",
        ]
        for name, e in s.items()
    ]
    title = (
        f"1. Throughput: {result['tasks']:,} tasks in {result['pages']} pages of {PAGE}, "
        f"{result['latency_s'] * 1000:g} ms per request, median of {result['repeats']} interleaved runs"
    )
    headers = ["client", "time s", "speed x HttpOperator", "client CPU s", "CPU x reference"]
    return format_table(title, headers, rows)


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.throughput --json-out FILE [--quick] [--latency S]``.

    :param argv: the arguments.
    """
    return benchmark_main("throughput", argv, measure)


if __name__ == "__main__":
    raise SystemExit(main())
