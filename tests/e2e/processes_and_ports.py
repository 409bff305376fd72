"""Local processes and TCP ports, by PID and port number only: free ports to listen on, the process table read from
``/proc``, and stopping a process started in its own session together with everything it left behind.

Nothing is matched by name. Standard library only.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (the kernel's choice).

    :param host: the address to check on.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts TCP connections on ``host:port``.

    :param port: the port.
    :param host: the address.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def _stat(pid: int) -> tuple[int, int, int, str] | None:
    """``(session id, parent pid, start time in clock ticks, state)`` of a process from ``/proc``, or None if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()  # after "pid (comm)": state, ppid, pgrp, session, ... starttime (22nd)
    return int(fields[3]), int(fields[1]), int(fields[19]), fields[0]


def _live_processes() -> dict[int, tuple[int, int, int, str]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None and stat[3] != "Z":
            found[int(entry)] = stat
    return found


def session_processes(session_id: int) -> list[int]:
    """PIDs of every live (not zombie) process in a session, the leader included.

    :param session_id: the session id (the PID of a process started with ``start_new_session=True``).
    """
    return sorted(pid for pid, stat in _live_processes().items() if stat[0] == session_id)


def process_tree(root: int) -> dict[int, int]:
    """``{pid: start time}`` of a process and all its live descendants, whatever their session.

    :param root: the top process.
    """
    processes = _live_processes()
    tree = {root: processes[root][2]} if root in processes else {}
    grew = True
    while grew:
        grew = False
        for pid, (_, ppid, started, _) in processes.items():
            if ppid in tree and pid not in tree:
                tree[pid] = started
                grew = True
    return tree


def processes_left(session: int, tree: Mapping[int, int]) -> list[int]:
    """The live processes of a session, plus those of an earlier :func:`process_tree` still running (same PID and
    start time, so a reused PID does not count).

    :param session: the session id.
    :param tree: ``{pid: start time}`` as :func:`process_tree` returned it.
    """
    live = _live_processes()
    in_session = {pid for pid, stat in live.items() if stat[0] == session}
    from_tree = {pid for pid, started in tree.items() if pid in live and live[pid][2] == started}
    return sorted(in_session | from_tree)


def default_sigint() -> None:
    """Run in the child before exec: SIGINT must reach Python as KeyboardInterrupt, even from a background job."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stop_session(process: subprocess.Popen[bytes], name: str, timeout: float, report: list[str]) -> list[int]:
    """Stop a process started with ``start_new_session=True`` by PID: SIGINT to it, then SIGTERM and SIGKILL for
    anything left of it, and return the processes that survived everything (empty when all is gone).

    "Left" is every process of its session, plus every descendant seen just before the SIGINT (in case one started a
    session of its own).

    :param process: the session leader.
    :param name: what to call it in ``report``.
    :param timeout: seconds to wait after SIGINT before SIGTERM (then a third of it before SIGKILL).
    :param report: what had to be forced is appended here (nothing after a clean stop).
    """
    session = process.pid
    tree = process_tree(process.pid)
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            report.append(f"{name} (pid {process.pid}) ignored SIGINT for {timeout:.0f}s")
    for sig, grace in ((signal.SIGTERM, timeout / 3), (signal.SIGKILL, 10.0)):
        left = processes_left(session, tree)
        if not left:
            break
        report.append(f"{sig.name} to {len(left)} process(es) left: {left}")
        for pid in left:
            with suppress(ProcessLookupError):
                os.kill(pid, sig)
        end = time.monotonic() + grace
        while time.monotonic() < end and processes_left(session, tree):
            time.sleep(0.2)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    return processes_left(session, tree)
