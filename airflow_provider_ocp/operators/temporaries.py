"""Temporary files next to an output path: named for the attempt that writes them, removed only once abandoned.

On file systems with a rename, records go to a hidden temporary file next to the target first (see
:mod:`~airflow_provider_ocp.operators.storage`). Two runs may write one path at once (a rerun while the first attempt
still runs, two DAGs sharing a layout), so a temporary file is never assumed to be stale because it exists. Its name,
``.<name>.<writer>-<pid>-<32 hex digits>.tmp``, says who writes it: ``writer`` is a digest of the host name and the
process's PID namespace, ``pid`` the writing process. A later run removes it only when it is provably abandoned:

* written on this host, in this PID namespace, by a process that no longer exists (a killed run); or
* not modified for :data:`ABANDONED_AFTER` (one day), whatever wrote it: a live run writes each page as it arrives,
  and no page takes a day (the hook's request deadlines end a stalled request long before). This also covers other
  hosts sharing a network file system, and names of the earlier form ``.<name>.<32 hex digits>.tmp``.

Anything else is left alone, with a log line: at worst a dead run's file waits a day for its removal.
"""

from __future__ import annotations

import hashlib
import logging
import os
import posixpath
import re
import socket
import time
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import ObjectStoragePath

log = logging.getLogger(__name__)

ABANDONED_AFTER = timedelta(days=1)
"""A temporary file not modified for this long is abandoned, whoever wrote it."""


def writer_tag() -> str:
    """12 hex digits naming this host and PID namespace: PIDs can only be checked where they were handed out."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")  # containers on one host may share a host name, not PIDs
    except OSError:
        namespace = ""
    return hashlib.sha256(f"{socket.gethostname()}\0{namespace}".encode()).hexdigest()[:12]


def temporary_path(final: str) -> str:
    """A temporary path next to ``final`` that no other attempt, here or on another host, uses.

    :param final: the final path (without protocol).
    """
    directory, name = posixpath.split(final)
    return posixpath.join(directory, f".{name}.{writer_tag()}-{os.getpid()}-{uuid.uuid4().hex}.tmp")


def remove_abandoned_temp_files(path: ObjectStoragePath, now: float | None = None) -> list[str]:
    """Remove the temporary files next to ``path`` that are provably abandoned (see the module docstring); return
    their paths. Only names this module creates are considered.

    :param path: the final path.
    :param now: the current time (seconds since the epoch), for tests; default the real clock.
    """
    fs = path.fs
    directory, name = posixpath.split(path.path)
    pattern = re.compile(rf"^\.{re.escape(name)}\.(?:(?P<tag>[0-9a-f]{{12}})-(?P<pid>[0-9]+)-)?[0-9a-f]{{32}}\.tmp$")
    here, removed, kept = writer_tag(), [], []
    for entry in fs.ls(directory, detail=False):
        match = pattern.match(posixpath.basename(str(entry)))
        if match is None:
            continue
        dead_writer = match["tag"] == here and not _process_exists(int(match["pid"]))
        if dead_writer or _idle_for(fs, str(entry), now) >= ABANDONED_AFTER.total_seconds():
            try:
                fs.rm(entry)
            except FileNotFoundError:  # another run removed it first
                continue
            removed.append(str(entry))
        else:
            kept.append(str(entry))
    if removed:
        log.warning("Removed %s temporary file(s) left by earlier interrupted runs: %s", len(removed), removed)
    if kept:
        log.info(
            "Left %s temporary file(s) of runs that may still be writing this path (a live process, or another "
            "host, modified within %s): %s",
            len(kept),
            ABANDONED_AFTER,
            kept,
        )
    return removed


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # another user's live process (EPERM), or a PID this system never hands out
        return True
    return True


def _idle_for(fs: object, entry: str, now: float | None) -> float:
    """Seconds since the file was last modified; 0 when the file system cannot tell (then only its PID can)."""
    try:
        modified = fs.modified(entry)  # type: ignore[attr-defined]
    except (NotImplementedError, OSError, AttributeError):
        return 0.0
    return (now if now is not None else time.time()) - modified.timestamp()
