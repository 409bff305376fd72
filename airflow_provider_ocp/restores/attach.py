"""Re-attaching instead of POSTing twice: which restore or data backup OCP already runs for the same request.

A POST whose answer was lost, or an Airflow retry after the POST, must not start a second restore (two restores
into one tenant name fail each other, and a second restore of a big tenant costs hours). So before POSTing, the
operators read OCP's task lists and apply these rules (tests in ``tests/drills/test_attach*.py``):

- **Restores** (records as ``OCPHook.iter_restore_tasks`` normalises them). Only restores into the same tenant name
  (compared case-insensitively, as OceanBase does) and the same restore cluster count, and of those only the
  running ones (any status but ``RESTORE_SUCCESS`` / ``RESTORE_FAIL``, unknown ones included) and the successful
  ones created at or after ``since`` (the DAG run's start minus a clock-skew margin: an earlier try of this run).
  A restore that failed is never attached to: a retry then starts a new one, which is what a retry is for.
- Such a restore is ours when it is the same request: the same backup tenant and the same restore point, compared
  to the millisecond (OCP keeps milliseconds). A running restore into that tenant name that is not the same request
  is a conflict: :class:`RestoreConflict` names both (tenant name, backup tenants, restore points, OCP's record and
  task), and nothing is POSTed.
- A record whose identifying fields cannot be read (no tenant name, cluster, backup tenant or restore point) is never
  ours; when it is running into the same tenant name it is a conflict, because OCP would refuse the POST anyway. So
  is a running record into that name without a readable restore cluster (OCP leaves ``restoreClusterId`` out when
  null), even when it is otherwise the same request: it may be an earlier try of this task or a restore into
  another cluster, nothing else in it tells which, and only failing is sure never to start a second restore.
- A restore whose record names no OCP task (no ``ocpJobId``) is matched to one by
  :func:`~airflow_provider_ocp.restores.attach_task.restore_task_of`.
- **Data backups**: :mod:`~airflow_provider_ocp.restores.backup_attach`, with the same ``since`` and helpers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from airflow_provider_ocp.client.timestamps import isoformat_utc
from airflow_provider_ocp.restores.errors import RestoreConflict
from airflow_provider_ocp.restores.submissions import RestoreRequest

CLOCK_SKEW_MARGIN = timedelta(minutes=15)
"""How far before the DAG run's start a restore may have been created and still count as an earlier try's."""
RESTORE_TERMINAL = frozenset({"RESTORE_SUCCESS", "RESTORE_FAIL"})


@dataclass(frozen=True)
class FoundRestore:
    """A restore OCP already runs (or finished) for our request.

    :param record_id: the restore record's ``id``.
    :param ocp_task_id: its OCP task instance id (``ocpJobId`` [inferred]), None when OCP left it out.
    :param status: the record's status.
    :param created: the record's ``createTime`` (aware), None when unreadable.
    """

    record_id: Any
    ocp_task_id: int | None
    status: str
    created: datetime | None = None


def since_run_start(run_start: datetime) -> datetime:
    """The earliest creation time of a restore that an earlier try of this DAG run may have started.

    :param run_start: the DAG run's start (aware).
    """
    return run_start - CLOCK_SKEW_MARGIN


def since_of_run(context: Mapping[str, Any]) -> datetime:
    """:func:`since_run_start` of the DAG run of an Airflow task's context (its task instance's start, else now, when
    the run has none): what an earlier try of this run may have started is created after it.

    :param context: the task's context.
    """
    dag_run = context.get("dag_run")
    started = getattr(dag_run, "start_date", None) or getattr(context.get("ti"), "start_date", None)
    if not isinstance(started, datetime) or started.tzinfo is None:
        started = datetime.now(timezone.utc)
    return since_run_start(started)


def epoch_ms(moment: Any) -> int | None:
    """An aware instant as whole epoch milliseconds (exact integer arithmetic, no float rounding)."""
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        return None
    delta = moment - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def positive_id(value: Any) -> int | None:
    """An id as OCP's records hold it (an int after normalisation), or None when it is not a positive int."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def status_of(record: Mapping[str, Any]) -> str:
    """A record's ``status``, trimmed and upper case; empty when absent."""
    return str(record.get("status") or "").strip().upper()


def _same_name(value: Any, name: str) -> bool:
    return isinstance(value, str) and value.strip().casefold() == name.casefold()


def shown_instant(value: Any) -> str:
    """A record's time for an error message: ISO-8601 UTC when readable, else as OCP sent it."""
    return isoformat_utc(value) if isinstance(value, datetime) and epoch_ms(value) is not None else repr(value)


def _describe(record: Mapping[str, Any]) -> str:
    return (
        f"OCP restore record {record.get('id')!r} (OCP task {record.get('ocpJobId')!r}, status "
        f"{record.get('status')!r}) restoring backup tenant {record.get('backupTenantId')!r} to "
        f"{shown_instant(record.get('restoreEndTime'))}"
    )


def _conflict_message(
    request: RestoreRequest, conflicts: list[Mapping[str, Any]], unplaced: list[Mapping[str, Any]]
) -> str:
    name, parts = request.tenant_name, []
    if conflicts:
        described = "; ".join(_describe(record) for record in conflicts)
        parts.append(
            f"A different restore into tenant {name!r} (cluster {request.restore_cluster_id}) is running: {described}."
        )
    if unplaced:
        parts.append(
            f"A restore into tenant {name!r} whose record gives no readable restore cluster (restoreClusterId) is "
            f"running: {'; '.join(_describe(record) for record in unplaced)}. It may be an earlier try of this task "
            "or a restore into another cluster; this task cannot tell which, so it does not attach to it."
        )
    return (
        f"{' '.join(parts)} This task would restore backup tenant {request.backup_tenant_id} to "
        f"{isoformat_utc(request.restore_end_time)}. Wait for it to end or pick another restore_tenant_name; nothing "
        "was submitted."
    )


def find_restore(records: Iterable[Mapping[str, Any]], request: RestoreRequest, since: datetime) -> FoundRestore | None:
    """The restore to attach to, per the module's rules; None when a POST may go ahead.

    :param records: OCP's restore records, normalised.
    :param request: the restore we would POST.
    :param since: :func:`since_run_start` of the DAG run.
    :raises RestoreConflict: a different restore into the same tenant name is running.
    """
    point, since_ms = epoch_ms(request.restore_end_time), epoch_ms(since)
    ours: list[tuple[bool, int, Mapping[str, Any]]] = []
    conflicts: list[Mapping[str, Any]] = []
    unplaced: list[Mapping[str, Any]] = []  # running into the name, restore cluster unreadable
    for record in records:
        if not isinstance(record, Mapping) or not _same_name(record.get("restoreTenantName"), request.tenant_name):
            continue
        cluster = positive_id(record.get("restoreClusterId"))
        if cluster is not None and cluster != request.restore_cluster_id:
            continue
        status = status_of(record)
        running = status not in RESTORE_TERMINAL
        created = epoch_ms(record.get("createTime"))
        recent = status == "RESTORE_SUCCESS" and created is not None and since_ms is not None and created >= since_ms
        if not (running or recent):
            continue
        if cluster is None:  # never ours; a conflict while it runs
            if running:
                unplaced.append(record)
            continue
        same = (
            positive_id(record.get("backupTenantId")) == request.backup_tenant_id
            and epoch_ms(record.get("restoreEndTime")) == point
        )
        if same:
            ours.append((running, created if created is not None else -1, record))
        elif running:
            conflicts.append(record)
    if conflicts or unplaced:
        raise RestoreConflict(_conflict_message(request, conflicts, unplaced))
    if not ours:
        return None
    _, _, record = max(ours, key=lambda item: (item[0], item[1]))  # a running one first, then the newest
    made = record.get("createTime") if epoch_ms(record.get("createTime")) is not None else None
    return FoundRestore(record.get("id"), positive_id(record.get("ocpJobId")), status_of(record), made)
