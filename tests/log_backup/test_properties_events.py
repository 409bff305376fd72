"""Property tests (hypothesis) of the backup event rules (:mod:`airflow_provider_ocp.log_backup.events`): whatever
sequence of observations comes, hostile ones included (statuses flapping, tenants appearing and vanishing, ambiguous
data, the same poll twice, restarts with the stored state), the events keep their promises:

* never two ``delay_above_threshold`` for a tenant without a ``delay_recovered`` between, and no recovery without a
  breach before it (the same for ``log_backup_stopped`` of one occurrence and ``log_backup_running``);
* never an event for a tenant not watched, never one from ``unknown`` data;
* the same observation twice fires nothing the second time; a restart with the stored (JSON) state fires exactly
  what an uninterrupted run fires;
* a data backup fires at most once, never at the first look.

The second half feeds raw OCP records through the gate's reading (:mod:`~airflow_provider_ocp.log_backup.
event_reading`), so the same promises hold for what OCP sends, not only for observations built by hand.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_support import examples

from airflow_provider_ocp.log_backup.event_reading import event_criteria, observe_log_backup
from airflow_provider_ocp.log_backup.events import (
    ClusterObservation,
    DataBackupObservation,
    TenantObservation,
    Watch,
    step,
)
from airflow_provider_ocp.log_backup.records import normalize_task
from airflow_provider_ocp.log_backup.units import LatestTasks

T0 = datetime(2024, 8, 6, 12, tzinfo=timezone.utc)
TENANTS = {1: "t1", 2: "t2", 3: "t3"}
THRESHOLD = 60.0

units = st.builds(
    TenantObservation,
    tenant_id=st.sampled_from([1, 2, 3, None]),
    tenant_name=st.sampled_from(["t1", "t2", "t3", None]),
    condition=st.sampled_from(["ok", "behind", "stopped", "unknown"]),
    status=st.sampled_from(["RUNNING", "STOPPED", "FAILED", "INTERRUPTED", "BEGINNING", None]),
    delay=st.one_of(st.none(), st.floats(0, 500)),
    checkpoint=st.sampled_from([None, "2024-08-06T11:00:00Z", "2024-08-06T11:59:00Z"]),
    created=st.sampled_from([None, "2024-08-06T10:00:00Z", "2024-08-06T11:00:00Z"]),
)
backups = st.builds(
    lambda task_id, status, show_finish: DataBackupObservation(
        task_id,
        1 + task_id % 3,
        TENANTS[1 + task_id % 3],
        status,
        T0 + timedelta(minutes=task_id) if show_finish and status != "DOING" else None,
    ),
    st.integers(1, 6),
    st.sampled_from(["DOING", "DONE", "FAILED", None]),
    st.booleans(),
)
polls = st.lists(
    st.tuples(st.lists(units, max_size=5), st.one_of(st.none(), st.lists(backups, max_size=5))), max_size=12
)
watches = st.sampled_from([Watch(), Watch(tenant_ids=(1,)), Watch(tenant_names=("t2",)), Watch((3,), ("t1",))])


def run(sequence: Any, watch: Watch, restart_at: int | None = None) -> list[list[dict[str, Any]]]:
    """Every poll's events; the state goes through JSON (the store) at each poll, and is the stored one after a
    restart."""
    state: Any = None
    fired = []
    for number, (tenants, data) in enumerate(sequence):
        seen = ClusterObservation(7, "c", "2024-08-06T12:00:00Z", tuple(tenants), None if data is None else tuple(data))
        events, state = step(state, seen, watch, THRESHOLD)
        state = json.loads(json.dumps(state))  # what the asset state store keeps: JSON, nothing else
        if number == restart_at:
            state = json.loads(json.dumps(state))  # a new trigger instance starts from the stored state
        fired.append(events)
    return fired


def check_alternation(events: list[dict[str, Any]]) -> None:
    delay_state: dict[str, str] = {}
    stop_state: dict[str, str | None] = defaultdict(lambda: None)
    data_fired: set[int] = set()
    for event in events:
        who = event["event_key"].split("/")[2]  # the unit's key: id:<tenantId>, name:<tenantName> or cluster
        kind = event["kind"]
        if kind == "delay_above_threshold":
            assert delay_state.get(who) != "above", f"two breaches without a recovery: {events}"
            delay_state[who] = "above"
        elif kind == "delay_recovered":
            assert delay_state.get(who) == "above", f"a recovery without a breach: {events}"
            delay_state[who] = "ok"
        elif kind == "log_backup_stopped":
            assert stop_state[who] != event["event_key"], f"one stop fired twice: {events}"
            stop_state[who] = event["event_key"]
        elif kind == "log_backup_running":
            assert stop_state[who] is not None, f"running again without a stop: {events}"
            stop_state[who] = None
        else:
            assert kind == "data_backup_finished"
            assert event["task_id"] not in data_fired, f"a data backup fired twice: {events}"
            data_fired.add(event["task_id"])


@settings(max_examples=examples(300), deadline=None)
@given(polls, watches)
def test_events_alternate_and_only_for_watched_tenants(sequence: Any, watch: Watch) -> None:
    fired = run(sequence, watch)
    check_alternation([event for events in fired for event in events])
    for events in fired:
        for event in events:
            assert watch.selects(event["tenant_id"], event["tenant_name"]), event
            assert json.loads(json.dumps(event)) == event
    if sequence and sequence[0][1] is not None:
        assert not [e for e in fired[0] if e["kind"] == "data_backup_finished"], "first look fired old backups"


@settings(max_examples=examples(300), deadline=None)
@given(polls, watches)
def test_the_same_observation_twice_fires_nothing_new(sequence: Any, watch: Watch) -> None:
    doubled = [poll for poll in sequence for _ in range(2)]
    fired = run(doubled, watch)
    assert all(events == [] for events in fired[1::2]), fired


@settings(max_examples=examples(300), deadline=None)
@given(polls, watches)
def test_unknown_fires_nothing_and_forgets_nothing(sequence: Any, watch: Watch) -> None:
    state: Any = None
    for tenants, _ in sequence:
        unknown = tuple(TenantObservation(u.tenant_id, u.tenant_name, "unknown", u.status) for u in tenants)
        seen = ClusterObservation(7, None, "x", tuple(tenants), None)
        _, state = step(state, seen, watch, THRESHOLD)
        events, after = step(state, ClusterObservation(7, None, "x", unknown, None), watch, THRESHOLD)
        assert events == [] and after == state


@settings(max_examples=examples(200), deadline=None)
@given(polls, watches, st.integers(0, 11))
def test_a_restart_with_the_stored_state_fires_what_an_uninterrupted_run_fires(
    sequence: Any, watch: Watch, restart_at: int
) -> None:
    assert run(sequence, watch, restart_at) == run(sequence, watch)


# -- through the gate's reading of OCP's records -----------------------------------------------------------------------

STATUSES = ["RUNNING", "STOPPED", "FAILED", "INTERRUPTED", "BEGINNING", "STOPPING", "running", "??", None, 7]


@st.composite
def raw_tasks(draw: Any) -> list[dict[str, Any]]:
    """One poll's tasks: each tenant's latest (sometimes two tied with another status, sometimes without a
    createTime or with an unreadable tenant), delays and checkpoints in any shape."""
    tasks = []
    for tenant_id, name in TENANTS.items():
        for _ in range(draw(st.integers(0, 2))):
            created = draw(st.sampled_from([T0 - timedelta(hours=1), T0 - timedelta(hours=2), None, "junk"]))
            checkpoint = draw(st.sampled_from([T0 - timedelta(seconds=10), T0 - timedelta(seconds=500), None, "x"]))
            delay = draw(st.sampled_from([10, 500, None, "12", -5, float("nan")]))
            task: dict[str, Any] = {
                "tenantId": draw(st.sampled_from([tenant_id, tenant_id, str(tenant_id), "?", None])),
                "tenantName": name,
                "status": draw(st.sampled_from(STATUSES)),
                "createTime": created.isoformat() if isinstance(created, datetime) else created,
                "checkpoint": checkpoint.isoformat() if isinstance(checkpoint, datetime) else checkpoint,
                "delay": delay,
            }
            tasks.append(task)
    return tasks


def observe(tasks: list[dict[str, Any]], watch: Watch, clock: bool) -> ClusterObservation:
    table = LatestTasks.of([normalize_task(task) for task in tasks], T0 if clock else None)
    criteria = event_criteria(THRESHOLD, watch.tenant_ids, watch.tenant_names)
    seen, _ = observe_log_backup(table, criteria, 7)
    return ClusterObservation(7, "c", "2024-08-06T12:00:00Z", seen)


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.tuples(raw_tasks(), st.booleans()), max_size=8), watches)
def test_ocp_records_keep_the_promises(sequence: Any, watch: Watch) -> None:
    state: Any = None
    every: list[dict[str, Any]] = []
    for tasks, clock in sequence:
        seen = observe(tasks, watch, clock)
        events, state = step(state, seen, watch, THRESHOLD)
        again, _ = step(state, seen, watch, THRESHOLD)
        assert again == []
        every += events
    check_alternation(every)
    for event in every:
        assert watch.selects(event["tenant_id"], event["tenant_name"]), event


@settings(max_examples=examples(300), deadline=None)
@given(raw_tasks())
def test_ambiguous_or_clockless_data_never_fires_a_recovery(tasks: list[dict[str, Any]]) -> None:
    """A tenant reported stopped and behind, then data without OCP's clock or with tied tasks: no recovery."""
    watch = Watch()
    state: dict[str, Any] = {
        "tenants": {f"id:{t}": {"delay": "above", "stop": "STOPPED@x"} for t in TENANTS},
    }
    events, _ = step(state, observe(tasks, watch, clock=False), watch, THRESHOLD)
    assert not [e for e in events if e["kind"] in ("delay_recovered", "log_backup_running")], events
    tied = [dict(task, status=status) for task in tasks[:1] for status in ("RUNNING", "STOPPED")]
    for task in tied:
        task.update(createTime=(T0 - timedelta(hours=1)).isoformat(), tenantId=1, checkpoint=T0.isoformat(), delay=1)
    events, _ = step(state, observe(tied, watch, clock=True), watch, THRESHOLD)
    assert events == [], events
