"""Snapshot extraction: every log backup task as OCP reports it now, stamped so that hourly files form a history.

An OceanBase log archive task lives for weeks: extracting the tasks *created* in each interval is nearly always
empty. A snapshot records instead what a backup SLA report needs, each run: every task's status, checkpoint and delay
at OCP's own clock (``snapshotTime``), which task is each tenant's current one (``current``), and the delay filled in
from OCP's clock where OCP leaves it out (``delaySource``), exactly as the delay gate computes it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from airflow_provider_ocp.client.page import PageResult
from airflow_provider_ocp.log_backup.delay import effective_delay
from airflow_provider_ocp.log_backup.units import LatestTasks

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LogBackupSnapshot:
    """All log backup tasks of a cluster at one moment, with OCP's clock at that moment.

    :param tasks: normalised task records.
    :param server_time: the last response's ``timestamp``; used to compute a delay OCP left out.
    """

    tasks: list[dict[str, Any]]
    server_time: datetime | None

    @classmethod
    def from_pages(cls, pages: Iterable[PageResult]) -> LogBackupSnapshot:
        """Collect a walk's pages: every record, and the clock of the last page that carried one (OCP's clock when the
        walk ended, as :meth:`~airflow_provider_ocp.log_backup.units.LatestTasks.take` keeps it for the gate).

        :param pages: the normalised pages of one walk.
        """
        tasks: list[dict[str, Any]] = []
        server_time = None
        for page in pages:
            tasks.extend(page.records)
            server_time = page.server_time or server_time
        return cls(tasks, server_time)


def snapshot_records(snapshot: LogBackupSnapshot, now: datetime | None = None) -> list[dict[str, Any]]:
    """The snapshot's records, each stamped with ``snapshotTime``, ``current`` and ``delaySource``.

    ``delay`` is the task's effective delay, the number the gate would judge
    (:func:`~airflow_provider_ocp.log_backup.delay.effective_delay`: a small negative delay is 0, a missing one is
    computed from OCP's clock, and so is one that hides an older checkpoint, such as a stopped task's delay, frozen
    when it stopped: its checkpoint's age is the delay then). Where there is none to judge, OCP's ``delay`` stays as
    sent and ``delaySource`` is None. ``current`` marks each unit's latest task(s), as the gate picks them
    (:class:`~airflow_provider_ocp.log_backup.units.LatestTasks`).

    :param snapshot: every normalised task of a cluster with OCP's clock.
    :param now: our clock, used only when OCP sent no timestamp (with a warning): a history needs some instant.
    """
    taken_at = snapshot.server_time
    if taken_at is None:
        taken_at = now or datetime.now(timezone.utc)
        log.warning("OCP sent no timestamp with the snapshot; stamping it with this worker's clock instead.")
    taken_at = taken_at.astimezone(timezone.utc)
    current = {id(task) for unit in LatestTasks.of(snapshot.tasks).units() for task in unit.latest}
    records = []
    for task in snapshot.tasks:
        checkpoint = task.get("checkpoint") if isinstance(task.get("checkpoint"), datetime) else None
        delay = effective_delay(task.get("delay"), checkpoint, snapshot.server_time)
        usable = delay.seconds is not None
        stamps = {
            "snapshotTime": taken_at,
            "current": id(task) in current,
            "delaySource": delay.source if usable else None,
        }
        records.append({**task, "delay": delay.seconds if usable else task.get("delay"), **stamps})
    return records
