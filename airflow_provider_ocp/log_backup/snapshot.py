"""Snapshot extraction: every log backup task as OCP reports it now, stamped so that hourly files form a history.

An OceanBase log archive task lives for weeks: extracting the tasks *created* in each interval is nearly always
empty. A snapshot records instead what a backup SLA report needs, each run: every task's status, checkpoint and delay
at OCP's own clock (``snapshotTime``), which task is each tenant's current one (``current``), and the delay filled in
from OCP's clock where OCP leaves it out (``delaySource``), exactly as the delay gate computes it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from airflow_provider_ocp.log_backup.gate import effective_delay, latest_tasks
from airflow_provider_ocp.log_backup.query import LogBackupSnapshot

log = logging.getLogger(__name__)


def snapshot_records(snapshot: LogBackupSnapshot, now: datetime | None = None) -> list[dict[str, Any]]:
    """The snapshot's records, each stamped with ``snapshotTime``, ``current`` and ``delaySource``.

    :param snapshot: every normalised task of a cluster with OCP's clock.
    :param now: our clock, used only when OCP sent no timestamp (with a warning): a history needs some instant.
    """
    taken_at = snapshot.server_time
    if taken_at is None:
        taken_at = now or datetime.now(timezone.utc)
        log.warning("OCP sent no timestamp with the snapshot; stamping it with this worker's clock instead.")
    taken_at = taken_at.astimezone(timezone.utc)
    current = {id(task) for task in latest_tasks(snapshot.tasks).values()}
    records = []
    for task in snapshot.tasks:
        delay, source = task.get("delay"), "ocp" if isinstance(task.get("delay"), float) else None
        if delay is None:  # OCP left it out: OCP's clock minus the checkpoint, as the gate computes it
            checkpoint = task.get("checkpoint") if isinstance(task.get("checkpoint"), datetime) else None
            delay, source, _ = effective_delay(None, checkpoint, taken_at)
        stamps = {"snapshotTime": taken_at, "current": id(task) in current, "delaySource": source}
        records.append({**task, "delay": delay, **stamps})
    return records
