"""Command line: ``python -m airflow_provider_ocp.testing`` serves an emulator until SIGINT or SIGTERM.

It prints the URL and an ``export AIRFLOW_CONN_...='...'`` line that pastes into a shell, so a shell, a demo or another
process can point Airflow at it.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import tempfile
import threading
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from types import FrameType

from airflow_provider_ocp.testing.clock import DelayProfile
from airflow_provider_ocp.testing.credentials import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
)
from airflow_provider_ocp.testing.data import DEFAULT_DELAY_SECONDS
from airflow_provider_ocp.testing.server import AuthType, OCPEmulator

DEFAULT_PORT = 8777


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the emulator command."""
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider_ocp.testing",
        description="Serve an emulated OCP REST API (log backup tasks) for tests and demos.",
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    add("--port", type=int, default=DEFAULT_PORT, help=f"port; 0 picks a free one (default: {DEFAULT_PORT})")
    add("--path-prefix", default="", help="path in front of /api/v2, as behind a reverse proxy (e.g. /ocp)")
    add("--clusters", type=int, default=1, help="number of clusters (default: 1)")
    add("--tenants", type=int, default=2, help="tenants per cluster (default: 2)")
    add("--tasks-per-tenant", type=int, default=3, help="history tasks per tenant (default: 3)")
    add(
        "--current-task-age-days",
        type=float,
        default=None,
        help="long-lived current tasks, as real log archive tasks: each tenant's current task was created this many "
        "days ago (at least), its history behind it. Default: the newest task, 10 minutes ago",
    )
    add("--cluster-level", action="store_true", help="OCP 3.x cluster-level tasks without tenant fields")
    add("--latency", type=float, default=0.0, help="seconds added to every request (default: 0)")
    add(
        "--max-time-range-hours",
        type=float,
        default=None,
        help="longest startTime..endTime task queries accept; longer ones fail as OCP's (HTTP 500, code 10007). "
        "Default: no limit",
    )
    add("--delay", type=float, default=None, help=f"constant delay in seconds (default: {DEFAULT_DELAY_SECONDS})")
    add("--delay-from", type=float, default=None, help="delay at start, seconds (with --delay-to/--delay-over)")
    add("--delay-to", type=float, default=None, help="delay reached after --delay-over seconds")
    add("--delay-over", type=float, default=None, help="seconds the delay takes to go from --delay-from to --delay-to")
    add("--user", default=DEFAULT_USERNAME, help=f"Basic user (default: {DEFAULT_USERNAME})")
    add("--password", default=DEFAULT_PASSWORD, help="Basic password (default: the emulator's default)")
    add("--access-key-id", default=DEFAULT_ACCESS_KEY_ID, help="AccessKey id")
    add("--access-key-secret", default=DEFAULT_ACCESS_KEY_SECRET, help="AccessKey secret")
    add("--no-basic", action="store_true", help="disable Basic authentication")
    add("--no-access-key", action="store_true", help="disable AccessKey authentication")
    add("--auth-type", choices=["basic", "access_key"], default=None, help="auth of the printed connection")
    add("--conn-id", default="ocp_default", help="connection id of the printed AIRFLOW_CONN_ line")
    add("--certfile", default=None, help="PEM certificate: serve HTTPS")
    add("--keyfile", default=None, help="PEM private key of --certfile")
    add("--ready-file", default=None, help="write the URL to this file once listening (removed at exit)")
    add("--verbose", action="store_true", help="log every request to stderr")
    return parser


def _delay(args: argparse.Namespace, parser: argparse.ArgumentParser) -> float | DelayProfile:
    linear = (args.delay_from, args.delay_to, args.delay_over)
    if all(value is None for value in linear):
        return DEFAULT_DELAY_SECONDS if args.delay is None else args.delay
    if any(value is None for value in linear) or args.delay is not None:
        parser.error("--delay-from, --delay-to and --delay-over go together, without --delay")
    return DelayProfile.linear(args.delay_from, args.delay_to, args.delay_over)


def _write_ready_file(path: Path, url: str) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(descriptor, "w") as handle:
        handle.write(url + "\n")
    os.replace(temporary, path)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator until SIGINT or SIGTERM.

    :param argv: the arguments (default: ``sys.argv[1:]``).
    :returns: the exit status (0 after a clean stop).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.max_time_range_hours is not None and args.max_time_range_hours <= 0:
        parser.error("--max-time-range-hours must be positive")
    if args.current_task_age_days is not None and args.current_task_age_days < 0:
        parser.error("--current-task-age-days must not be negative")
    certfile, keyfile = args.certfile, args.keyfile
    emulator = OCPEmulator(
        host=args.host,
        port=args.port,
        path_prefix=args.path_prefix,
        certfile=certfile,
        keyfile=keyfile,
        clusters=args.clusters,
        tenants=args.tenants,
        tasks_per_tenant=args.tasks_per_tenant,
        cluster_level=args.cluster_level,
        current_task_age=None if args.current_task_age_days is None else timedelta(days=args.current_task_age_days),
        delay=_delay(args, parser),
        users={args.user: args.password},
        access_keys={args.access_key_id: args.access_key_secret},
        basic_auth=not args.no_basic,
        access_key_auth=not args.no_access_key,
        latency=args.latency,
        max_time_range=None if args.max_time_range_hours is None else timedelta(hours=args.max_time_range_hours),
        verbose=args.verbose,
        frozen_clock=False,  # a server run by hand follows real time, as the Airflow pointed at it does
    )
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    emulator.start()
    ready = Path(args.ready_file) if args.ready_file else None
    try:
        auth_type: AuthType = "basic"
        if args.auth_type == "access_key" or (args.auth_type is None and args.no_basic):
            auth_type = "access_key"
        print(f"OCP emulator listening on {emulator.url}")
        # A line that pastes into a shell as is: the JSON form keeps the extras' types.
        variable = f"AIRFLOW_CONN_{args.conn_id.upper()}"
        print(f"export {variable}={shlex.quote(emulator.airflow_connection_json(auth_type))}")
        if certfile:
            print(f"TLS certificate (trust it as a CA bundle): {certfile}")
        sys.stdout.flush()
        if ready is not None:
            _write_ready_file(ready, emulator.url)
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
        if ready is not None:
            ready.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
