"""Property tests (hypothesis): the gate never passes where its rule says it must not, whatever OCP sends.

Task lists are generated as OCP would send them, and as a hostile or broken server might: fields missing, null or of
the wrong type (lists, objects, booleans, NaN), tenants renamed, tasks duplicated, tied at one ``createTime`` and out
of order. The oracle below states the rule of :mod:`airflow_provider_ocp.log_backup.gate` again, plainly and without
the provider's code (one list comprehension per unit, no streaming, no merging): whenever the gate passes, every
condition the oracle lists must hold. On clean data (readable fields, consistent tenants) the oracle's verdict and the
gate's must be the same, so the gate is not merely cautious.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_support import examples

from airflow_provider_ocp.log_backup.criteria import GateCriteria
from airflow_provider_ocp.log_backup.gate import LatestTasks, evaluate
from airflow_provider_ocp.log_backup.records import normalize_task

NOW = datetime(2024, 8, 6, 12, 0, tzinfo=timezone.utc)
SKEW = timedelta(minutes=5)  # the documented tolerance, written here again on purpose
RUNNING_STATUSES = {"RUNNING", "INPROGRESS", "DOING"}
NAME_OF = {2001: "t1", 2002: "t2"}

HOSTILE = st.one_of(
    st.lists(st.integers(0, 3000), max_size=2),
    st.dictionaries(st.sampled_from(["id", "x"]), st.integers(0, 3000), max_size=1),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=3),
)


def _java(moment: datetime, hours: int) -> str:
    return moment.astimezone(timezone(timedelta(hours=hours))).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + (
        moment.astimezone(timezone(timedelta(hours=hours))).strftime("%z")
    )


CREATED = st.builds(lambda h, tz: _java(NOW - timedelta(hours=h), tz), st.integers(0, 4), st.sampled_from([0, 8, -5]))
CHECKPOINT = st.builds(
    lambda s: (NOW + timedelta(seconds=s)).isoformat(),
    st.one_of(st.integers(-2000, 400), st.just(86_400)),
)
STATUS = st.sampled_from(["RUNNING", "running ", " INPROGRESS", "DOING", "STOPPED", "FAILED", "BEGINNING", "PAUSED"])
DELAY = st.one_of(st.floats(-1000, 1000), st.integers(-1000, 1000))


@st.composite
def clean_task(draw: st.DrawFn) -> dict[str, Any]:
    """A task as a sane OCP sends it: every field readable, each tenant with one name."""
    raw: dict[str, Any] = {"clusterId": 1000001, "status": draw(STATUS), "createTime": draw(CREATED)}
    tenant = draw(st.sampled_from([2001, 2002, None]))
    if tenant is not None:
        raw.update(tenantId=tenant, tenantName=NAME_OF[tenant])
    if draw(st.booleans()):
        raw["checkpoint"] = draw(CHECKPOINT)
    if draw(st.booleans()):
        raw["delay"] = draw(DELAY)
    return raw


@st.composite
def ready_task(draw: st.DrawFn) -> dict[str, Any]:
    """A clean task the gate would pass on its own: running, checkpoint 5 s behind OCP's clock, delay 5 s."""
    status = draw(st.sampled_from(["RUNNING", "running ", "DOING", "INPROGRESS"]))
    raw = {**draw(clean_task()), "status": status, "checkpoint": (NOW - timedelta(seconds=5)).isoformat()}
    return {**raw, "delay": 5}


def _maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.just("absent"), st.none(), value, HOSTILE)


@st.composite
def hostile_task(draw: st.DrawFn) -> dict[str, Any]:
    """A task a broken or hostile server might send: any field absent, null, of the wrong type, or inconsistent."""
    raw = draw(st.one_of(clean_task(), ready_task()))
    fields = {
        "tenantId": _maybe(st.sampled_from([2001, 2002, "2001"])),
        "tenantName": _maybe(st.sampled_from(["t1", "t2", ""])),
        "createTime": _maybe(st.one_of(CREATED, st.just("2024-08-06 12:00 CST"), st.integers(0, 2**40))),
        "status": _maybe(STATUS),
        "checkpoint": _maybe(st.one_of(CHECKPOINT, st.just("yesterday"))),
        "delay": _maybe(st.one_of(DELAY, st.sampled_from(["NaN", "7.5", "-Infinity", "1e400"]))),
    }
    for name in draw(st.lists(st.sampled_from(sorted(fields)), unique=True)):
        value = draw(fields[name])
        if value == "absent":
            raw.pop(name, None)
        else:
            raw[name] = value
    return raw


@st.composite
def half_identity_task(draw: st.DrawFn) -> dict[str, Any]:
    """A tenant's task sent with ``tenantId`` or ``tenantName`` only (OCP leaves null fields out)."""
    raw = draw(st.one_of(clean_task(), ready_task()))
    raw.pop(draw(st.sampled_from(["tenantId", "tenantName"])), None)
    return raw


CRITERIA = st.builds(
    lambda max_delay, which, wait, target: GateCriteria.build(
        max_delay=max_delay,
        tenant_ids=[2001] if which == "id" else None,
        tenant_names=["t1"] if which == "name" else None,
        wait_for_missing_tenants=wait,
        target_time=NOW - timedelta(seconds=target) if target is not None else None,
    ),
    st.sampled_from([0, 10, 500, 5000, 5000]),
    st.sampled_from(["all", "id", "name"]),
    st.booleans(),
    st.one_of(st.none(), st.integers(0, 1500)),
)


# -- the oracle ----------------------------------------------------------------------------------------------------


def _id(task: dict[str, Any]) -> int | None:
    value = task.get("tenantId")
    return value if type(value) is int and value >= 0 else None


def _name(task: dict[str, Any]) -> str | None:
    value = task.get("tenantName")
    return value if isinstance(value, str) and value.strip() else None


def _created(task: dict[str, Any]) -> datetime | None:
    value = task.get("createTime")
    return value if isinstance(value, datetime) and value.utcoffset() is not None else None


def _unreadable_identity(task: dict[str, Any]) -> bool:
    return (task.get("tenantId") is not None and _id(task) is None) or (
        task.get("tenantName") is not None and _name(task) is None
    )


def _task_ready(task: dict[str, Any], server_time: datetime | None, criteria: GateCriteria) -> bool:
    status = task.get("status")
    checkpoint = task.get("checkpoint")
    if not isinstance(status, str) or status.strip().upper() not in RUNNING_STATUSES:
        return False
    if not isinstance(checkpoint, datetime) or server_time is None or checkpoint > server_time + SKEW:
        return False
    delay = task.get("delay")
    behind = (server_time - checkpoint).total_seconds()  # how old the checkpoint is on OCP's clock
    if delay is None:
        delay = behind
    if isinstance(delay, bool) or not isinstance(delay, int | float) or not math.isfinite(delay):
        return False
    if delay < -SKEW.total_seconds():
        return False
    if behind > delay + SKEW.total_seconds():  # OCP's delay may not hide an older checkpoint
        delay = behind
    if max(delay, 0.0) > criteria.max_delay:
        return False
    return criteria.target_time is None or checkpoint >= criteria.target_time


def _unit_may_pass(tasks: list[dict[str, Any]], server_time: datetime | None, criteria: GateCriteria) -> bool:
    """Necessary conditions for one unit: its latest task(s) known, one status, each ready."""
    if any(_created(task) is None for task in tasks):
        return False
    if not tasks:
        return False
    latest = max(_created(task) for task in tasks)  # type: ignore[type-var]
    top = [task for task in tasks if _created(task) == latest]
    if any(_unreadable_identity(task) for task in top):
        return False
    if len({str(task.get("status")).strip().upper() for task in top}) > 1:
        return False
    return all(_task_ready(task, server_time, criteria) for task in top)


def oracle_may_pass(tasks: list[dict[str, Any]], server_time: datetime | None, criteria: GateCriteria) -> bool:
    """False where the gate's rule forbids passing (a necessary condition fails); True otherwise."""
    owners: dict[str, set[int]] = {}
    for task in tasks:
        if _id(task) is not None and _name(task) is not None:
            owners.setdefault(_name(task), set()).add(_id(task))  # type: ignore[arg-type]
    nameless_doubts = [t for t in tasks if _id(t) is None and _name(t) is None and _unreadable_identity(t)]
    units: dict[Any, list[dict[str, Any]]] = {}
    for task in tasks:
        tenant, name = _id(task), _name(task)
        if tenant is not None:
            units.setdefault(("id", tenant), []).append(task)
        elif name is not None and len(owners.get(name, ())) == 1:
            units.setdefault(("id", next(iter(owners[name]))), []).append(task)
        elif name is not None and not owners.get(name):
            units.setdefault(("name", name), []).append(task)
        elif task.get("tenantId") is None and task.get("tenantName") is None:
            units.setdefault(("cluster",), []).append(task)
    filtered = criteria.tenant_ids is not None or criteria.tenant_names is not None
    selected = {
        key: unit_tasks
        for key, unit_tasks in units.items()
        if not filtered
        or (key[0] == "id" and key[1] in (criteria.tenant_ids or ()))
        or bool({_name(t) for t in unit_tasks} & set(criteria.tenant_names or ()))
    }
    seen_names = {_name(t) for unit_tasks in units.values() for t in unit_tasks}
    if not selected or any(("id", i) not in units for i in criteria.tenant_ids or ()):
        return False  # nothing to judge, or a selected tenant without a task
    if any(name not in seen_names for name in criteria.tenant_names or ()):
        return False

    def nameless(key: Any) -> bool:
        return key[0] == "id" and not {_name(t) for t in units[key]} - {None}

    for key, unit_tasks in selected.items():
        names = {_name(t) for t in unit_tasks} - {None}
        shared = [t for t in tasks if _id(t) is None and _name(t) in names and len(owners.get(_name(t) or "", ())) > 1]
        # A tenant known by id only and one known by name only may be one tenant: a left-out one's tasks count too.
        other_half = [
            t
            for other, other_tasks in units.items()
            if other not in selected
            and ((nameless(key) and other[0] == "name") or (key[0] == "name" and nameless(other)))
            for t in other_tasks
        ]
        if not _unit_may_pass(unit_tasks + shared + nameless_doubts + other_half, server_time, criteria):
            return False
    return True


# -- the properties ------------------------------------------------------------------------------------------------


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
