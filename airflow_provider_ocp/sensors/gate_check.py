"""One synchronous check of the log backup gate, as the sensor runs it on the worker.

The deferred half (:class:`~airflow_provider_ocp.triggers.log_backup.OCPLogBackupDelayTrigger`) makes the same check
with the async hook, and may share its read of the tasks with the cluster's other gates; both judge by the rules of
:mod:`~airflow_provider_ocp.log_backup.gate` and :mod:`~airflow_provider_ocp.log_backup.recoverable`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_ocp.log_backup.gate import LatestTasks, evaluate
from airflow_provider_ocp.log_backup.recoverable import judge_recoverable, wants_windows, window_request_tenants

if TYPE_CHECKING:
    from airflow_provider_ocp.hooks.ocp import OCPHook
    from airflow_provider_ocp.log_backup.criteria import GateCriteria
    from airflow_provider_ocp.log_backup.query import LogBackupQuery
    from airflow_provider_ocp.log_backup.verdict import GateVerdict


def read_verdict(hook: OCPHook, query: LogBackupQuery, criteria: GateCriteria) -> GateVerdict:
    """Read the cluster's log backup tasks once and judge them; with ``check_recoverable``, read the recoverable
    windows too when the delay rule holds (one more request, only then).

    :param hook: the sensor's hook.
    :param query: the query every check sends (every status: a stopped task must be seen to fail the gate).
    :param criteria: the sensor's validated criteria.
    """
    table = LatestTasks()  # the latest task of each unit only, not the cluster's whole history
    for page in hook.iter_query_pages(query, every_status=True):
        table.take(page)
    verdict = evaluate(table, criteria, cluster_id=query.cluster_id)
    if wants_windows(verdict, criteria) and criteria.target_time is not None:
        windows = hook.get_recoverable_windows(query.cluster_id, tenant_ids=window_request_tenants(verdict))
        verdict = judge_recoverable(verdict, windows, criteria.target_time)
    return verdict
