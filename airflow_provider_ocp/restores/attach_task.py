"""Which OCP task a restore record without ``ocpJobId`` is the record of (OCP leaves null fields out, and nothing
else in a restore record names its task [inferred]).

The operator reads OCP's task instances of the restore cluster and tenant name (``GET /tasks/instances``, any
status) and takes the one that can be the record's task, by these rules (tests in ``tests/drills/test_attach_task.py``):

- Only a restore task: its ``name`` contains "restore" or its ``type`` contains "RESTORE" (case-insensitively), as
  the emulator's ``Restore tenant drill_1`` of type ``RESTORE_TENANT``. OCP's ``type`` may instead say how a task was
  started (``MANUAL``, ``SCHEDULED``) [uncertain]: then the name decides. Any other task on that tenant (a parameter
  change, a backup) is never taken.
- Of that cluster and tenant: a ``clusterId`` or ``tenantName`` (case-insensitively) that OCP sends must be the
  restore's; one it leaves out does not exclude the task (the list was asked for that cluster and tenant).
- In the record's state: for a running record, a task OCP calls neither ``SUCCESSFUL`` nor failed; for a successful
  record, a ``SUCCESSFUL`` one.
- Created within :data:`~airflow_provider_ocp.restores.attach.CLOCK_SKEW_MARGIN` of the record, when both creation
  times can be read (a tenant name that daily drills reuse has many older restore tasks).
- Exactly one task must remain. None or several fail with :class:`~airflow_provider_ocp.exceptions.OCPAPIError`
  naming the tasks, rather than wait on a guess; an Airflow retry looks again, and still never POSTs a second
  restore, since the record is found again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from airflow_provider_ocp.client.errors import OCPAPIError
from airflow_provider_ocp.log_backup.records import parse_id
from airflow_provider_ocp.restores.attach import CLOCK_SKEW_MARGIN, RESTORE_TERMINAL, FoundRestore, positive_id
from airflow_provider_ocp.restores.tasks import FAILED, SUCCEEDED, task_instant

SHOWN_TASKS = 10
"""At most this many tasks are named in an error."""


def _task_id(task: Mapping[str, Any]) -> int | None:
    return positive_id(parse_id(task.get("id")))


def _text(value: Any) -> str:
    return value.strip().casefold() if isinstance(value, str) else ""


def is_restore_task(task: Mapping[str, Any]) -> bool:
    """Whether a task instance is a restore, per the module's first rule.

    :param task: one record of ``GET /tasks/instances``.
    """
    return "restore" in _text(task.get("name")) or "restore" in _text(task.get("type"))


def _could_be(task: Mapping[str, Any], found: FoundRestore, cluster_id: int, tenant_name: str) -> bool:
    cluster, tenant = parse_id(task.get("clusterId")), task.get("tenantName")
    status = str(task.get("status") or "").strip().upper()
    if found.status in RESTORE_TERMINAL:  # never RESTORE_FAIL: a failed restore is not attached to
        in_state = status in (SUCCEEDED if found.status == "RESTORE_SUCCESS" else FAILED)
    else:
        in_state = status not in SUCCEEDED | FAILED
    created = task_instant("createTime", task.get("createTime"))
    in_time = found.created is None or created is None or abs(created - found.created) <= CLOCK_SKEW_MARGIN
    return (
        _task_id(task) is not None
        and is_restore_task(task)
        and (cluster is None or cluster == cluster_id)
        and (tenant is None or _text(tenant) == tenant_name.casefold())
        and in_state
        and in_time
    )


def _describe(tasks: list[Mapping[str, Any]]) -> str:
    shown = "; ".join(
        f"task {task.get('id')!r} {task.get('name')!r} (type {task.get('type')!r}, status {task.get('status')!r}, "
        f"created {task.get('createTime')!r})"
        for task in tasks[:SHOWN_TASKS]
    )
    more = f"; and {len(tasks) - SHOWN_TASKS} more" if len(tasks) > SHOWN_TASKS else ""
    return shown + more


def restore_task_of(found: FoundRestore, tasks: Iterable[Mapping[str, Any]], cluster_id: int, tenant_name: str) -> int:
    """The OCP task id of a restore record that names none, per the module's rules.

    :param found: the restore attached to (its ``ocp_task_id`` None).
    :param tasks: OCP's task instances of the restore cluster and tenant name, any status.
    :param cluster_id: the restore cluster.
    :param tenant_name: the restored tenant's name.
    :raises OCPAPIError: no task, or several, can be the record's (the message names them).
    """
    listed = [task for task in tasks if isinstance(task, Mapping)]
    candidates = [task for task in listed if _could_be(task, found, cluster_id, tenant_name)]
    ids = {_task_id(task) for task in candidates}
    if len(ids) == 1:
        (chosen,) = ids
        if chosen is not None:
            return chosen
    record = (
        f"OCP's restore record {found.record_id!r} into tenant {tenant_name!r} (cluster {cluster_id}, status "
        f"{found.status!r}) names no OCP task (ocpJobId)"
    )
    if candidates:
        seen = f"several restore tasks could be its: {_describe(candidates)}"
    elif listed:
        seen = f"none of OCP's tasks for that tenant can be its restore task: {_describe(listed)}"
    else:
        seen = "OCP's task list shows no task for that tenant"
    raise OCPAPIError(
        f"{record}, and {seen}. Rather than wait on a guess, follow the restore in OCP's Task Center; a retry of this "
        "task looks for it again and does not start a second restore."
    )
