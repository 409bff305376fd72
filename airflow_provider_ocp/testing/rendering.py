"""Rendering records (LogBackupWrapperTask, cluster list items, backup overview) from indices, as OCP serializes them.

Null fields are omitted, never sent as ``null``. ``createTime``/``modifyTime`` use Java's no-colon form
(``2021-09-23T14:33:17.357+0800``); ``checkpoint`` too unless configured otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Literal

from airflow_provider_ocp.testing.clock import from_epoch_us, to_epoch_us
from airflow_provider_ocp.testing.clusters import HISTORY_STATUS, ClusterState, UnitState
from airflow_provider_ocp.testing.stamps import epoch_us_formatter, java_timestamp

CheckpointFormat = Literal["java", "iso"]
DelayFormat = Literal["number", "string", "omit"]

_MASK64 = (1 << 64) - 1
_MIX_START = 0x9E3779B97F4A7C15


@dataclass
class RenderOptions:
    """How records are serialized; mutable at runtime (``emu.options.delay_format = "string"``).

    :param checkpoint_format: ``"java"`` (``+0800``, default) or ``"iso"`` (``+08:00``) for ``checkpoint``.
    :param delay_format: ``"number"`` (``77.6421``), ``"string"`` (``"77.6421"``) or ``"omit"``.
    :param ids_as_strings: send ``clusterId``, ``obClusterId``, ``tenantId``, ``obTenantId`` (and cluster ``id``)
        as JSON strings, as OCP may do for large ids.
    :param include_agent_ip: add the undocumented ``agentServerIp`` field seen in OCP's sample.
    """

    checkpoint_format: CheckpointFormat = "java"
    delay_format: DelayFormat = "number"
    ids_as_strings: bool = False
    include_agent_ip: bool = True


def mix(*values: int) -> int:
    """A deterministic 64-bit hash of integers (splitmix64 steps), for cheap seeded per-record variation.

    :param values: the integers to combine (seed, cluster id, task index...). ``mix(a, b, c)`` is one more step
        from ``mix(a, b)``, so a page hashes its common prefix once.
    """
    state = _MIX_START
    for value in values:
        state = _mix_step(state, value)
    return state


def _mix_step(state: int, value: int) -> int:
    state = (state + (value & _MASK64) + 0x9E3779B97F4A7C15) & _MASK64
    state = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    state = ((state ^ (state >> 27)) * 0x94D049BB133111EB) & _MASK64
    return state ^ (state >> 31)


@dataclass(frozen=True)
class RenderContext:
    """What rendering needs besides the cluster: the moment, the zone, options and seed.

    :param now: the server time of the response.
    :param elapsed: server-elapsed seconds since the emulator started (for delay profiles).
    :param tz: the server zone.
    :param options: serialization options.
    :param seed: the dataset seed.
    """

    now: datetime
    elapsed: float
    tz: tzinfo
    options: RenderOptions
    seed: int


Renderer = Callable[[ClusterState, list[int], RenderContext], list[Any]]  # render_tasks, or the API's HistoryRecords


def _id(value: int, options: RenderOptions) -> int | str:
    return str(value) if options.ids_as_strings else value


def agent_ip(seed: int, cluster_id: int, unit: int) -> str:
    """The synthetic ``agentServerIp`` of a unit.

    :param seed: the dataset seed.
    :param cluster_id: the cluster id.
    :param unit: the unit number.
    """
    h = mix(seed, cluster_id, unit, 7)
    return f"10.{(h >> 16) & 255}.{(h >> 8) & 255}.{(h & 253) + 1}"


@dataclass(frozen=True)
class _Unit:
    """What the records of one unit share in a response.

    :param current: the index of the unit's current task.
    :param fields: ``(name, value)`` in OCP's field order; a None value is a per-task field, filled per record.
    :param history: a history record with its per-task fields still None, copied for each history record.
    """

    current: int | None
    fields: tuple[tuple[str, Any], ...]
    history: dict[str, Any]


def _unit(cluster: ClusterState, unit: int, ctx: RenderContext) -> _Unit:
    spec, options = cluster.spec, ctx.options
    tenant = cluster.tenant_of_unit(unit)
    fields: list[tuple[str, Any]] = []
    if options.include_agent_ip:
        fields.append(("agentServerIp", agent_ip(ctx.seed, spec.cluster_id, unit)))
    fields.append(("backupMode", spec.backup_mode))
    fields.append(("backupUri", f"{spec.backup_uri.rstrip('/')}/{spec.name}" + (f"/{tenant.name}" if tenant else "")))
    fields += [("checkpoint", None), ("clusterId", _id(spec.cluster_id, options)), ("clusterName", spec.name)]
    fields += [("clusterType", spec.cluster_type), ("createTime", None), ("delay", None), ("errorMsg", None)]
    fields += [("modifyTime", None), ("obClusterId", _id(spec.ob_cluster_id, options))]
    if tenant is not None:
        fields.append(("obTenantId", _id(tenant.ob_tenant_id, options)))
    fields.append(("status", None))
    if tenant is not None:
        fields += [("tenantId", _id(tenant.tenant_id, options)), ("tenantName", tenant.name)]
    history = {name: value for name, value in fields if name != "errorMsg"}
    if options.delay_format == "omit":
        del history["delay"]
    history["status"] = HISTORY_STATUS
    return _Unit(cluster.current_index(unit), tuple(fields), history)


def render_task(cluster: ClusterState, index: int, ctx: RenderContext) -> dict[str, Any]:
    """One LogBackupWrapperTask record, computed from its index.

    :param cluster: the cluster state.
    :param index: the task index in the cluster's timeline.
    :param ctx: the rendering context.
    """
    return render_tasks(cluster, (index,), ctx)[0]


def render_tasks(cluster: ClusterState, indices: Iterable[int], ctx: RenderContext) -> list[dict[str, Any]]:
    """LogBackupWrapperTask records of one cluster, each computed from its index, in the order given.

    What a unit's records share (tenant fields, agent IP, backup URI, which task is current) is worked out once per
    call, a history record is a copy of its unit's with four values set, and times are printed straight from epoch
    microseconds: a page of 2,000 records costs a few ms.

    :param cluster: the cluster state.
    :param indices: task indices in the cluster's timeline.
    :param ctx: the rendering context.
    """
    spec, timeline, options = cluster.spec, cluster.timeline, ctx.options
    stamp = epoch_us_formatter(ctx.tz, "java")
    checkpoint_stamp = stamp if options.checkpoint_format == "java" else epoch_us_formatter(ctx.tz, "iso")
    with_delay, delay_as_text = options.delay_format != "omit", options.delay_format == "string"
    units: list[_Unit | None] = [None] * timeline.units
    history_start = mix(ctx.seed, spec.cluster_id)
    half_span_ms = max(1, timeline.units * timeline.step_us // 2000)
    base_count, base_start_us, step_us = timeline.base_count, timeline.base_start_us, timeline.step_us
    records = []
    for index in indices:
        if index < base_count:  # timeline.unit_of and create_us, inlined for the synthetic history
            unit, create_us = index % timeline.units, base_start_us + index * step_us
        else:
            unit, create_us = timeline.unit_of(index), timeline.create_us(index)
        shared = units[unit] or _unit(cluster, unit, ctx)
        units[unit] = shared
        if shared.current == index:
            records.append(_current_record(cluster.units[unit], shared, create_us, ctx))
            continue
        h = _mix_step(history_start, index)
        modify_us = create_us
        if index < base_count:
            modify_us += (half_span_ms + h % half_span_ms) * 1000 - 1000
        delay = ((h >> 20) % 1_195_000 + 5_000) / 10_000
        record = shared.history.copy()
        record["checkpoint"] = checkpoint_stamp(modify_us - round(delay * 1_000_000))
        record["createTime"] = stamp(create_us)
        if with_delay:
            record["delay"] = repr(delay) if delay_as_text else delay
        record["modifyTime"] = stamp(modify_us)
        records.append(record)
    return records


def _current_record(state: UnitState, shared: _Unit, create_us: int, ctx: RenderContext) -> dict[str, Any]:
    options = ctx.options
    delay = state.delay_at(ctx.elapsed)
    checkpoint_us = to_epoch_us(ctx.now) - round(delay * 1_000_000)
    modify_us = max(create_us, checkpoint_us - checkpoint_us % 1000)
    shown_delay = None if state.omit_delay or options.delay_format == "omit" else delay
    values = {
        "checkpoint": epoch_us_formatter(ctx.tz, options.checkpoint_format)(checkpoint_us),
        "createTime": epoch_us_formatter(ctx.tz, "java")(create_us),
        "delay": repr(shown_delay) if shown_delay is not None and options.delay_format == "string" else shown_delay,
        "errorMsg": state.error_msg or None,
        "modifyTime": epoch_us_formatter(ctx.tz, "java")(modify_us),
        "status": state.status,
    }
    record = {}
    for name, value in shared.fields:
        if name not in values:
            record[name] = value
        elif values[name] is not None:  # OCP omits null fields
            record[name] = values[name]
    return record


def render_cluster(cluster: ClusterState, ctx: RenderContext) -> dict[str, Any]:
    """One item of ``GET /ob/clusters``.

    :param cluster: the cluster state.
    :param ctx: the rendering context.
    """
    spec, timeline = cluster.spec, cluster.timeline
    created = from_epoch_us(timeline.base_start_us - timeline.step_us)
    item: dict[str, Any] = {
        "id": _id(spec.cluster_id, ctx.options),
        "name": spec.name,
        "obClusterId": _id(spec.ob_cluster_id, ctx.options),
        "type": spec.cluster_type,
        "status": spec.status,
        "obVersion": spec.ob_version,
        "createTime": java_timestamp(created, ctx.tz),
    }
    if not spec.cluster_level:
        item["tenants"] = [
            {"id": _id(t.tenant_id, ctx.options), "name": t.name, "obTenantId": _id(t.ob_tenant_id, ctx.options)}
            for t in spec.tenants
        ]
    return item


def render_overview(cluster: ClusterState, ctx: RenderContext) -> dict[str, Any]:
    """An approximate ``GET /ob/clusters/{id}/backup/overview``: the worst current log backup delay and its checkpoint.

    :param cluster: the cluster state.
    :param ctx: the rendering context.
    """
    current = [i for u in range(cluster.spec.units) if (i := cluster.current_index(u)) is not None]
    records = render_tasks(cluster, current, ctx)
    worst = max(records, key=lambda r: float(r.get("delay", 0) or 0), default=None)
    overview: dict[str, Any] = {"clusterId": cluster.spec.cluster_id, "clusterName": cluster.spec.name}
    if worst is not None:
        overview["logBackupStatus"] = worst["status"]
        overview["logBackupCheckpoint"] = worst["checkpoint"]
        if "delay" in worst:
            overview["logBackupDelay"] = worst["delay"]
    return overview
