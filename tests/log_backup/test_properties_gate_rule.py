"""Property tests (hypothesis): the gate never passes where its rule says it must not, whatever OCP sends.

Task lists are generated as OCP would send them, and as a hostile or broken server might (gate_strategies_support.py);
whenever the gate passes, every condition the oracle (gate_oracle_support.py) lists must hold. On clean data (readable
fields, consistent tenants) the oracle's verdict and the gate's must be the same, so the gate is not merely cautious.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from gate_oracle_support import oracle_may_pass
from gate_strategies_support import CRITERIA, NOW, clean_task, half_identity_task, hostile_task, ready_task
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_support import examples

from airflow_provider_ocp.log_backup.criteria import GateCriteria
from airflow_provider_ocp.log_backup.gate import LatestTasks, evaluate
from airflow_provider_ocp.log_backup.records import normalize_task


@settings(max_examples=examples(400), deadline=None)
@given(
    st.lists(st.one_of(ready_task(), hostile_task(), half_identity_task()), max_size=8),
    st.sampled_from([NOW, NOW, None]),
    CRITERIA,
    st.randoms(use_true_random=False),
)
def test_the_gate_never_passes_where_the_rule_forbids_it(
    raws: list[dict[str, Any]], server_time: datetime | None, criteria: GateCriteria, rng: random.Random
) -> None:
    tasks = [normalize_task(raw) for raw in raws]
    verdict = evaluate(
        LatestTasks.of(tasks, server_time), criteria, cluster_id=1000001
    )  # never raises, whatever the fields
    if verdict.caught_up:
        assert oracle_may_pass(tasks, server_time, criteria), verdict.message
    shuffled = tasks[:]
    rng.shuffle(shuffled)
    duplicated = shuffled + shuffled[: len(shuffled) // 2]
    assert (
        evaluate(LatestTasks.of(duplicated, server_time), criteria).state == verdict.state
    )  # order and repeats change nothing


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.one_of(ready_task(), clean_task()), max_size=8), st.sampled_from([NOW, NOW, None]), CRITERIA)
def test_on_clean_data_the_gate_passes_exactly_where_the_rule_allows(
    raws: list[dict[str, Any]], server_time: datetime | None, criteria: GateCriteria
) -> None:
    tasks = [normalize_task(raw) for raw in raws]
    assert evaluate(LatestTasks.of(tasks, server_time), criteria).caught_up == oracle_may_pass(
        tasks, server_time, criteria
    )
