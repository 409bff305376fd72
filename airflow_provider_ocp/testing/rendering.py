"""Rendering records (LogBackupWrapperTask, cluster list items, backup overview) from indices, as OCP serializes them.

Null fields are omitted, never sent as ``null``. ``createTime``/``modifyTime`` use Java's no-colon form
(``2021-09-23T14:33:17.357+0800``); ``checkpoint`` too unless configured otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Literal

from airflow_provider_ocp.testing.clock import from_epoch_us, iso_timestamp, java_timestamp, to_epoch_us
from airflow_provider_ocp.testing.clusters import HISTORY_STATUS, ClusterState

CheckpointFormat = Literal["java", "iso"]
DelayFormat = Literal["number", "string", "omit"]

_MASK64 = (1 << 64) - 1


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

    :param values: the integers to combine (seed, cluster id, task index...).
    """
    state = 0x9E3779B97F4A7C15
    for value in values:
        state = (state + (value & _MASK64) + 0x9E3779B97F4A7C15) & _MASK64
        state = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        state = ((state ^ (state >> 27)) * 0x94D049BB133111EB) & _MASK64
        state ^= state >> 31
    return state


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


def _id(value: int, options: RenderOptions) -> int | str:
    return str(value) if options.ids_as_strings else value


def _delay_value(delay: float, options: RenderOptions) -> float | str:
    return repr(delay) if options.delay_format == "string" else delay


def agent_ip(seed: int, cluster_id: int, unit: int) -> str:
    """The synthetic ``agentServerIp`` of a unit.

    :param seed: the dataset seed.
    :param cluster_id: the cluster id.
    :param unit: the unit number.
    """
    h = mix(seed, cluster_id, unit, 7)
    return f"10.{(h >> 16) & 255}.{(h >> 8) & 255}.{(h & 253) + 1}"


def render_task(cluster: ClusterState, index: int, ctx: RenderContext) -> dict[str, Any]:
    """One LogBackupWrapperTask record, computed from its index.

    :param cluster: the cluster state.
    :param index: the task index in the cluster's timeline.
    :param ctx: the rendering context.
    """
    spec, timeline, options = cluster.spec, cluster.timeline, ctx.options
    unit = timeline.unit_of(index)
    create_us = timeline.create_us(index)
    state = cluster.units[unit]
    delay: float | None
    error_msg: str | None = None
    if cluster.current_index(unit) == index:
        status = state.status
        delay = state.delay_at(ctx.elapsed)
        checkpoint_us = to_epoch_us(ctx.now) - round(delay * 1_000_000)
        modify_us = max(create_us, checkpoint_us - checkpoint_us % 1000)
        error_msg = state.error_msg
        if state.omit_delay:
            delay = None
    else:
        h = mix(ctx.seed, spec.cluster_id, index)
        status = HISTORY_STATUS
        modify_us = create_us
        if timeline.is_base(index):
            half_span_ms = max(1, timeline.units * timeline.step_us // 2000)
            modify_us += (half_span_ms + h % half_span_ms) * 1000 - 1000
        delay = ((h >> 20) % 1_195_000 + 5_000) / 10_000
        checkpoint_us = modify_us - round(delay * 1_000_000)
    if options.delay_format == "omit":
        delay = None
    checkpoint = from_epoch_us(checkpoint_us)
    tenant = cluster.tenant_of_unit(unit)
    record: dict[str, Any] = {}
    if options.include_agent_ip:
        record["agentServerIp"] = agent_ip(ctx.seed, spec.cluster_id, unit)
    record["backupMode"] = spec.backup_mode
    record["backupUri"] = f"{spec.backup_uri.rstrip('/')}/{spec.name}" + (f"/{tenant.name}" if tenant else "")
    record["checkpoint"] = (
        java_timestamp(checkpoint, ctx.tz) if options.checkpoint_format == "java" else iso_timestamp(checkpoint, ctx.tz)
    )
    record["clusterId"] = _id(spec.cluster_id, options)
    record["clusterName"] = spec.name
    record["clusterType"] = spec.cluster_type
    record["createTime"] = java_timestamp(from_epoch_us(create_us), ctx.tz)
    if delay is not None:
        record["delay"] = _delay_value(delay, options)
    if error_msg:
        record["errorMsg"] = error_msg
    record["modifyTime"] = java_timestamp(from_epoch_us(modify_us), ctx.tz)
    record["obClusterId"] = _id(spec.ob_cluster_id, options)
    if tenant is not None:
        record["obTenantId"] = _id(tenant.ob_tenant_id, options)
    record["status"] = status
    if tenant is not None:
        record["tenantId"] = _id(tenant.tenant_id, options)
        record["tenantName"] = tenant.name
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
    records = [render_task(cluster, i, ctx) for i in current]
    worst = max(records, key=lambda r: float(r.get("delay", 0) or 0), default=None)
    overview: dict[str, Any] = {"clusterId": cluster.spec.cluster_id, "clusterName": cluster.spec.name}
    if worst is not None:
        overview["logBackupStatus"] = worst["status"]
        overview["logBackupCheckpoint"] = worst["checkpoint"]
        if "delay" in worst:
            overview["logBackupDelay"] = worst["delay"]
    return overview
