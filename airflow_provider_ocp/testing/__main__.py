"""``python -m airflow_provider_ocp.testing`` serves an emulator, on the real clock, until SIGINT or SIGTERM; it prints
the URL and an ``export AIRFLOW_CONN_...='...'`` line that pastes into a shell."""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from airflow_provider_ocp.testing.clock import DelayProfile
from airflow_provider_ocp.testing.emulator import AuthType, OCPEmulator
from airflow_provider_ocp.testing.specs import DEFAULT_DELAY_SECONDS

DEFAULT_PORT = 8777


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider_ocp.testing",
        description="Serve an emulated OCP REST API (log backup tasks, restore drills) for tests and demos.",
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    add("--port", type=int, default=DEFAULT_PORT, help=f"port; 0 picks a free one (default: {DEFAULT_PORT})")
    add("--path-prefix", default="", help="path in front of /api/v2, as behind a reverse proxy (e.g. /ocp)")
    add("--clusters", type=int, default=1, help="number of clusters (default: 1)")
    add("--tenants", type=int, default=2, help="tenants per cluster (default: 2)")
    add("--tasks-per-tenant", type=int, default=3, help="history tasks per tenant (default: 3)")
    add("--current-task-age-days", type=float, default=None, help="current tasks created this many days ago")
    add("--cluster-level", action="store_true", help="OCP 3.x cluster-level tasks without tenant fields")
    add("--latency", type=float, default=0.0, help="seconds added to every request (default: 0)")
    add("--max-time-range-hours", type=float, default=None, help="longest startTime..endTime accepted (500, 10007)")
    add("--delay", type=float, default=None, help=f"constant delay in seconds (default: {DEFAULT_DELAY_SECONDS})")
    add("--delay-from", type=float, default=None, help="delay at start, seconds (with --delay-to/--delay-over)")
    add("--delay-to", type=float, default=None, help="delay reached after --delay-over seconds")
    add("--delay-over", type=float, default=None, help="seconds the delay takes to go from --delay-from to --delay-to")
    add("--subtask-seconds", type=float, default=2.0, help="seconds a restore or backup subtask takes (default: 2)")
    add("--no-basic", action="store_true", help="AccessKey only (the printed connection uses it)")
    add("--no-access-key", action="store_true", help="disable AccessKey authentication")
    add("--certfile", default=None, help="PEM certificate: serve HTTPS")
    add("--keyfile", default=None, help="PEM private key of --certfile")
    add("--ready-file", default=None, help="write the URL to this file once listening (removed at exit)")
    add("--verbose", action="store_true", help="log every request to stderr")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator until SIGINT or SIGTERM; 0 after a clean stop."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.max_time_range_hours is not None and args.max_time_range_hours <= 0:
        parser.error("--max-time-range-hours must be positive")
    if args.current_task_age_days is not None and args.current_task_age_days < 0:
        parser.error("--current-task-age-days must not be negative")
    if args.subtask_seconds <= 0:
        parser.error("--subtask-seconds must be positive")
    linear = (args.delay_from, args.delay_to, args.delay_over)
    delay: float | DelayProfile = DEFAULT_DELAY_SECONDS if args.delay is None else args.delay
    if linear != (None, None, None):
        if None in linear or args.delay is not None:
            parser.error("--delay-from, --delay-to and --delay-over go together, without --delay")
        delay = DelayProfile.linear(*linear)
    emulator = OCPEmulator(
        host=args.host,
        port=args.port,
        path_prefix=args.path_prefix,
        certfile=args.certfile,
        keyfile=args.keyfile,
        clusters=args.clusters,
        tenants=args.tenants,
        tasks_per_tenant=args.tasks_per_tenant,
        cluster_level=args.cluster_level,
        current_task_age=None if args.current_task_age_days is None else timedelta(days=args.current_task_age_days),
        delay=delay,
        basic_auth=not args.no_basic,
        access_key_auth=not args.no_access_key,
        latency=args.latency,
        max_time_range=None if args.max_time_range_hours is None else timedelta(hours=args.max_time_range_hours),
        verbose=args.verbose,
        frozen_clock=False,  # a server run by hand follows real time, as the Airflow pointed at it does
    )
    emulator.subtask_seconds = {"restore": args.subtask_seconds, "backup": args.subtask_seconds}
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    emulator.start()
    ready = Path(args.ready_file) if args.ready_file else None
    try:
        auth_type: AuthType = "access_key" if args.no_basic else "basic"
        print(f"OCP emulator listening on {emulator.url}")
        # A line that pastes into a shell as is: the JSON form keeps the extras' types.
        print(f"export AIRFLOW_CONN_OCP_DEFAULT={shlex.quote(emulator.airflow_connection_json(auth_type))}", flush=True)
        if args.certfile:
            print(f"TLS certificate (trust it as a CA bundle): {args.certfile}", flush=True)
        if ready is not None:  # written whole, then renamed: a reader never sees half of it
            (temporary := ready.with_name(f".{ready.name}.tmp")).write_text(emulator.url + "\n")
            os.replace(temporary, ready)
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
        if ready is not None:
            ready.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
