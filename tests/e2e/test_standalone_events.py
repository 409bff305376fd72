"""Backup events through a real ``AssetWatcher`` in the session's ``airflow standalone``: the scenario of
``events_scenario.py`` (also run by ``scripts/demo``), checked."""

from __future__ import annotations

import pytest
from airflow_standalone import AirflowStandalone
from events_scenario import BREACH_DELAY, run_backup_event
from scenario import EVENTS_MAX_DELAY, E2EScenario

pytestmark = [pytest.mark.standalone, pytest.mark.timeout(600)]


def test_a_delay_breach_runs_the_event_dag_with_its_payload(airflow: AirflowStandalone, scenario: E2EScenario) -> None:
    outcome = run_backup_event(airflow, scenario)
    cluster, tenant_2 = scenario.cluster_id, outcome.breached_tenant
    assert outcome.result.state == "success", f"{outcome.result.seen_states}\n{airflow.output_tail()}"
    assert outcome.run["run_type"] == "asset_triggered", outcome.run
    (payload,) = outcome.payloads
    assert payload["kind"] == "delay_above_threshold", payload
    assert (payload["cluster_id"], payload["tenant_id"], payload["tenant_name"]) == (cluster, tenant_2, "tenant_2")
    assert payload["threshold"] == EVENTS_MAX_DELAY and payload["delay"] >= BREACH_DELAY, payload
    assert payload["event_key"].startswith(f"delay_above_threshold/{cluster}/id:{tenant_2}/"), payload
    assert len(outcome.runs_later) == 1, outcome.runs_later  # one breach, one event, one run
    assert outcome.paused_at_creation  # nothing was watched before this test
