"""Property test (hypothesis): a tenant whose tasks carry ``tenantId``, ``tenantName`` or both passes a gate filtered
on either field only when its newest task, whichever fields it carries, is ready by the rule of the oracle
(gate_oracle_support.py)."""

from __future__ import annotations

from typing import Any

from gate_oracle_support import _created, _task_ready
from gate_strategies_support import NOW, clean_task, ready_task
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_support import examples

from airflow_provider_ocp.log_backup.criteria import GateCriteria
from airflow_provider_ocp.log_backup.gate import LatestTasks, evaluate
from airflow_provider_ocp.log_backup.records import normalize_task


@settings(max_examples=examples(300), deadline=None)
@given(
    st.lists(
        st.tuples(st.one_of(ready_task(), clean_task()), st.sampled_from(["both", "tenantId", "tenantName"])),
        min_size=1,
        max_size=5,
    ),
    st.sampled_from(["id", "name"]),
)
def test_a_tenant_whose_tasks_carry_one_identity_field_or_the_other_passes_only_on_its_newest_task(
    history: list[tuple[dict[str, Any], str]], which: str
) -> None:
    """One tenant (2001, "t1"), each task sent with both identity fields or one: a gate filtered on either passes
    only if the tenant's newest task, whichever fields it carries, is ready."""
    tasks = []
    for raw, keep in history:
        raw = {**raw, "tenantId": 2001, "tenantName": "t1"}
        raw.pop({"tenantId": "tenantName", "tenantName": "tenantId"}.get(keep, ""), None)
        tasks.append(normalize_task(raw))
    criteria = GateCriteria.build(
        max_delay=500, **({"tenant_ids": [2001]} if which == "id" else {"tenant_names": ["t1"]})
    )
    if evaluate(LatestTasks.of(tasks, NOW), criteria).caught_up:
        latest = max(_created(task) for task in tasks)  # type: ignore[type-var]
        top = [task for task in tasks if _created(task) == latest]
        assert len({str(task["status"]).strip().upper() for task in top}) == 1
        assert all(_task_ready(task, NOW, criteria) for task in top)
