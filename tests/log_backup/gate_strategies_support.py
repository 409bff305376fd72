"""Hypothesis strategies of log backup task lists and gate criteria for the gate's property tests
(tests/log_backup/test_properties_gate_*.py).

Task lists are generated as OCP would send them, and as a hostile or broken server might: fields missing, null or of
the wrong type (lists, objects, booleans, NaN), tenants renamed, tasks duplicated, tied at one ``createTime`` and out
of order; and criteria with or without a tenant filter, a target time and a wait for missing tenants.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from airflow_provider_ocp.log_backup.criteria import GateCriteria

NOW = datetime(2024, 8, 6, 12, 0, tzinfo=timezone.utc)
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
