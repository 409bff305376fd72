"""Property (hypothesis): gates judging one shared table get the verdicts they would get from tables of their own.

Coalescing hands every gate of a cluster the same :class:`LatestTasks` object, so ``evaluate`` (and the metrics) must
only read it: judging it under many criteria, in any order, leaves it as it was and each verdict equals the verdict
on a fresh table built from the same tasks.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_support import examples

from airflow_provider_ocp.log_backup.criteria import GateCriteria
from airflow_provider_ocp.log_backup.gate import LatestTasks, evaluate
from airflow_provider_ocp.log_backup.records import normalize_task
from airflow_provider_ocp.triggers.metrics import emit_delay_gauges

NOW = datetime(2024, 8, 6, 12, 0, tzinfo=timezone.utc)

TASK = st.fixed_dictionaries(
    {
        "clusterId": st.just(1000001),
        "status": st.sampled_from(["RUNNING", "STOPPED", "FAILED", "BEGINNING", "PAUSED", None]),
        "createTime": st.one_of(
            st.integers(0, 4).map(lambda h: (NOW - timedelta(hours=h)).isoformat()), st.sampled_from([None, "x"])
        ),
    },
    optional={
        "tenantId": st.sampled_from([2001, 2002, "bad"]),
        "tenantName": st.sampled_from(["t1", "t2", ""]),
        "checkpoint": st.integers(-2000, 400).map(lambda s: (NOW + timedelta(seconds=s)).isoformat()),
        "delay": st.one_of(st.floats(-10, 1000), st.just("NaN")),
    },
)
CRITERIA = st.builds(
    lambda max_delay, which, wait, target: GateCriteria.build(
        max_delay=max_delay,
        tenant_ids=[2001] if which == "id" else None,
        tenant_names=["t2"] if which == "name" else None,
        wait_for_missing_tenants=wait,
        target_time=NOW - timedelta(seconds=target) if target is not None else None,
    ),
    st.sampled_from([0, 10, 500, 5000]),
    st.sampled_from(["all", "id", "name"]),
    st.booleans(),
    st.one_of(st.none(), st.integers(0, 1500)),
)


def _state(table: LatestTasks) -> Any:
    return copy.deepcopy(vars(table))


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(TASK, max_size=8), st.sampled_from([NOW, None]), st.lists(CRITERIA, min_size=1, max_size=4))
def test_gates_sharing_a_table_judge_it_as_if_it_were_their_own(
    raws: list[dict[str, Any]], server_time: datetime | None, gates: list[GateCriteria]
) -> None:
    tasks = [normalize_task(raw) for raw in raws]
    shared = LatestTasks.of(tasks, server_time)
    before = _state(shared)
    for criteria in gates + gates[::-1]:  # each gate, in both orders, as gates of one cluster poll in any order
        alone = evaluate(LatestTasks.of(tasks, server_time), criteria, cluster_id=1000001)
        verdict = evaluate(shared, criteria, cluster_id=1000001)
        assert verdict == alone
        emit_delay_gauges(verdict, 1000001)  # reads the shared table's tasks through the verdict
    assert _state(shared) == before  # evaluate and the metrics only read the shared table
