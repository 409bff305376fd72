"""Records as OCP serializes them: log backup tasks (LogBackupWrapperTask) and cluster list items.

Null fields are omitted, never sent as ``null``. ``createTime``/``modifyTime`` use Java's no-colon form
(``2021-09-23T14:33:17.357+0800``); ``checkpoint`` too unless configured otherwise. A history (STOPPED) task's
values follow from its number alone, so the same task always reads the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any, Literal

from airflow_provider_ocp.testing.clock import iso_timestamp, java_timestamp

if TYPE_CHECKING:
    from airflow_provider_ocp.testing.data import ClusterSpec, Unit

CheckpointFormat = Literal["java", "iso"]
DelayFormat = Literal["number", "string", "omit"]


@dataclass
class RenderOptions:
    """How records are serialized; mutable at run time (``emu.options.delay_format = "string"``).

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


def _id(value: int, options: RenderOptions) -> int | str:
    return str(value) if options.ids_as_strings else value


def render_task(
    spec: ClusterSpec,
    unit: Unit,
    task: dict[str, Any],
    current: bool,
    now: datetime,
    elapsed: float,
    options: RenderOptions,
) -> dict[str, Any]:
    """One LogBackupWrapperTask record, fields in OCP's order.

    :param spec: the task's cluster.
    :param unit: the task's unit (tenant, or the cluster for OCP 3.x).
    :param task: the task (``id``, ``unit``, ``created``).
    :param current: whether it is its unit's newest task, which reports the unit's live status and delay, with a
        checkpoint that is the server clock minus the delay.
    :param now: the server time of the response.
    :param elapsed: server seconds since the emulator started, for the delay profile.
    :param options: how to serialize.
    """
    tz, created, number = now.tzinfo or timezone.utc, task["created"], task["id"]
    if current:
        delay: float | None = round(unit.profile.value_at(elapsed - unit.profile_since), 4)
        checkpoint = now - timedelta(seconds=delay or 0)
        modified = max(created, checkpoint - timedelta(microseconds=checkpoint.microsecond % 1000))
        status, error = unit.status, unit.error_msg
        delay = None if unit.omit_delay else delay
    else:  # a stopped task: modified some time after creation, its delay between 0.5 and 120 s
        delay = round(0.5 + number * 7.3 % 119.5, 4)
        modified = created + spec.interval / 2
        checkpoint = modified - timedelta(seconds=delay)
        status, error = "STOPPED", None
    tenant = unit.tenant
    record: dict[str, Any] = {}
    if options.include_agent_ip:
        record["agentServerIp"] = f"10.{spec.cluster_id % 250}.{task['unit'] % 250}.{spec.ob_cluster_id % 250 + 1}"
    record["backupMode"] = "PHYSICAL_BACKUP"
    record["backupUri"] = f"file:///obbackup/{spec.name}" + (f"/{tenant.name}" if tenant else "")
    stamp = java_timestamp if options.checkpoint_format == "java" else iso_timestamp
    record["checkpoint"] = stamp(checkpoint, tz)
    record["clusterId"] = _id(spec.cluster_id, options)
    record["clusterName"] = spec.name
    record["clusterType"] = "PRIMARY"
    record["createTime"] = java_timestamp(created, tz)
    if delay is not None and options.delay_format != "omit":
        record["delay"] = repr(delay) if options.delay_format == "string" else delay
    if error:
        record["errorMsg"] = error
    record["modifyTime"] = java_timestamp(modified, tz)
    record["obClusterId"] = _id(spec.ob_cluster_id, options)
    if tenant is not None:
        record["obTenantId"] = _id(tenant.ob_tenant_id, options)
    record["status"] = status
    if tenant is not None:
        record["tenantId"] = _id(tenant.tenant_id, options)
        record["tenantName"] = tenant.name
    return record


def render_cluster(spec: ClusterSpec, created: datetime, tz: tzinfo, options: RenderOptions) -> dict[str, Any]:
    """One item of ``GET /ob/clusters``.

    :param spec: the cluster.
    :param created: its ``createTime``, just before its first task.
    :param tz: the server zone.
    :param options: how to serialize ids.
    """
    item: dict[str, Any] = {
        "id": _id(spec.cluster_id, options),
        "name": spec.name,
        "obClusterId": _id(spec.ob_cluster_id, options),
        "type": "PRIMARY",
        "status": "RUNNING",
        "obVersion": "4.2.1.0",
        "createTime": java_timestamp(created, tz),
    }
    if not spec.cluster_level:
        item["tenants"] = [
            {"id": _id(t.tenant_id, options), "name": t.name, "obTenantId": _id(t.ob_tenant_id, options)}
            for t in spec.tenants
        ]
    return item
