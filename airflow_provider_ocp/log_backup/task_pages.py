"""A log backup walk's input and pages: checked once where it comes in, assembled once for both hooks.

An adapter (a hook's public method, the operator, the sensor) checks what it was given with :meth:`TaskInput.check`,
before any request, and turns it into a :class:`~airflow_provider_ocp.log_backup.query.LogBackupQuery`; the layers
below trust that query. :func:`walk_identity` and :func:`task_page` are how both hooks,
:class:`~airflow_provider_ocp.hooks.ocp.OCPHook` and :class:`~airflow_provider_ocp.hooks.ocp.OCPAsyncHook`, walk it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from airflow_provider_ocp.client.page import Identity
from airflow_provider_ocp.client.pagination import PageResult
from airflow_provider_ocp.log_backup.clusters import cluster_choice
from airflow_provider_ocp.log_backup.query import LogBackupQuery, validated_query
from airflow_provider_ocp.log_backup.records import (
    LOG_BACKUP_TASKS,
    TaskKind,
    normalize_tasks,
    record_identity,
    record_status_identity,
)
from airflow_provider_ocp.validation import validate_positive_id, validate_window


@dataclass(frozen=True)
class TaskInput:
    """A log backup query's input, checked: build it with :meth:`check`.

    :param cluster: the cluster id, or the cleaned name still to look up in OCP's cluster list.
    :param start: the aware window start, or None for every task.
    :param end: the aware window end.
    :param tenant_id: the tenant id, or None for the cluster's tasks.
    """

    cluster: int | str
    start: datetime | None = None
    end: datetime | None = None
    tenant_id: int | None = None

    @classmethod
    def check(
        cls, cluster_id: object, cluster_name: object, start_time: object, end_time: object, tenant_id: object
    ) -> TaskInput:
        """Check every parameter (each error names its parameter), before any request: a name's lookup included.

        :param cluster_id: a positive cluster id, or None with ``cluster_name``.
        :param cluster_name: the cluster's name, or None with ``cluster_id``.
        :param start_time: the window start (aware datetime or ISO text); both bounds or neither.
        :param end_time: the window end.
        :param tenant_id: a positive tenant id, or None.
        """
        cluster = cluster_choice(cluster_id, cluster_name)
        start, end = validate_window(start_time, end_time)
        tenant = None if tenant_id is None else validate_positive_id(tenant_id, "tenant_id")
        return cls(cluster, start, end, tenant)

    def query(self, cluster_id: int, kind: TaskKind = LOG_BACKUP_TASKS) -> LogBackupQuery:
        """The query, once the cluster is known by its id.

        :param cluster_id: :attr:`cluster`, or the id its name was found under.
        :param kind: which task list.
        """
        return validated_query(cluster_id, self.start, self.end, self.tenant_id, kind)


def walk_identity(every_status: bool, kind: TaskKind = LOG_BACKUP_TASKS) -> Identity:
    """What tells a walk's records apart: the task, or the task and its status (the gate's walk).

    :param every_status: whether a task seen again with another status comes again (the gate must see both).
    :param kind: which task list; other kinds than log backup tasks identify a task by its key field.
    """
    if kind is not LOG_BACKUP_TASKS:
        return kind.identity
    return record_status_identity if every_status else record_identity


def task_page(page: PageResult, kind: TaskKind = LOG_BACKUP_TASKS) -> PageResult:
    """A page of OCP's raw task records as both hooks yield it: normalised.

    :param page: a page of the walk.
    :param kind: which task list it came from.
    """
    return replace(page, records=normalize_tasks(page.records, kind))
