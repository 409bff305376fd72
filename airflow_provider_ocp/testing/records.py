"""Log backup tasks and clusters as OCP serializes them: null fields omitted, ``createTime``/``modifyTime`` in Java's
no-colon form (``2021-09-23T14:33:17.357+0800``), ``checkpoint`` too unless configured otherwise. A STOPPED task's
values follow from its number alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any, Literal

from airflow_provider_ocp.testing.clock import iso_timestamp, java_timestamp, whole_ms

if TYPE_CHECKING:
    from airflow_provider_ocp.testing.data import Cluster, Unit

CheckpointFormat = Literal["java", "iso"]
DelayFormat = Literal["number", "string", "omit"]


@dataclass
class RenderOptions:
    """How records are serialized; mutable at run time (``emu.options.delay_format = "string"``): ``checkpoint`` as
    ``"java"`` (``+0800``) or ``"iso"`` (``+08:00``), ``delay`` as a ``"number"``, a ``"string"`` or ``"omit"``-ted,
    ids as JSON strings (as OCP may send large ids), and the undocumented ``agentServerIp`` of OCP's sample."""

    checkpoint_format: CheckpointFormat = "java"
    delay_format: DelayFormat = "number"
    ids_as_strings: bool = False
    include_agent_ip: bool = True

    def id(self, value: int) -> int | str:
        """An id as configured: a JSON number or string."""
        return str(value) if self.ids_as_strings else value


def live_checkpoint(unit: Unit, now: datetime, elapsed: float) -> tuple[float | None, datetime]:
    """A unit's current delay (its profile ``elapsed`` s after start) and checkpoint (``now`` minus the delay)."""
    delay = round(unit.profile.value_at(elapsed - unit.profile_since), 4)
    return delay, now - timedelta(seconds=delay)


def render_task(
    cluster: Cluster, task: dict[str, Any], current: bool, now: datetime, elapsed: float, opts: RenderOptions
) -> dict[str, Any]:
    """One LogBackupWrapperTask record of ``cluster``, fields in OCP's order; a ``current`` task (its unit's newest)
    reports the unit's live status, delay and checkpoint (:func:`live_checkpoint`)."""
    spec, unit, created, number = cluster.spec, cluster.units[task["unit"]], task["created"], task["id"]
    tz = now.tzinfo or timezone.utc
    if current:
        delay, checkpoint = live_checkpoint(unit, now, elapsed)
        modified = max(created, whole_ms(checkpoint))
        status, error = unit.status, unit.error_msg
        delay = None if unit.omit_delay else delay
    else:  # a stopped task: modified some time after creation, its delay between 0.5 and 120 s
        delay = round(0.5 + number * 7.3 % 119.5, 4)
        modified = created + spec.interval / 2
        checkpoint = modified - timedelta(seconds=delay)
        status, error = "STOPPED", None
    tenant = unit.tenant
    record: dict[str, Any] = {}
    if opts.include_agent_ip:
        record["agentServerIp"] = f"10.{spec.cluster_id % 250}.{task['unit'] % 250}.{spec.ob_cluster_id % 250 + 1}"
    record["backupMode"] = "PHYSICAL_BACKUP"
    record["backupUri"] = f"file:///obbackup/{spec.name}" + (f"/{tenant.name}" if tenant else "")
    record["checkpoint"] = (java_timestamp if opts.checkpoint_format == "java" else iso_timestamp)(checkpoint, tz)
    record["clusterId"] = opts.id(spec.cluster_id)
    record["clusterName"] = spec.name
    record["clusterType"] = "PRIMARY"
    record["createTime"] = java_timestamp(created, tz)
    if delay is not None and opts.delay_format != "omit":
        record["delay"] = repr(delay) if opts.delay_format == "string" else delay
    if error:
        record["errorMsg"] = error
    record["modifyTime"] = java_timestamp(modified, tz)
    record["obClusterId"] = opts.id(spec.ob_cluster_id)
    if tenant is not None:
        record["obTenantId"] = opts.id(tenant.ob_tenant_id)
    record["status"] = status
    if tenant is not None:
        record["tenantId"] = opts.id(tenant.tenant_id)
        record["tenantName"] = tenant.name
    return record


def render_cluster(cluster: Cluster, tz: tzinfo, opts: RenderOptions) -> dict[str, Any]:
    """One item of ``GET /ob/clusters``, created just before its first task."""
    spec = cluster.spec
    item: dict[str, Any] = {
        "id": opts.id(spec.cluster_id),
        "name": spec.name,
        "obClusterId": opts.id(spec.ob_cluster_id),
        "type": "PRIMARY",
        "status": "RUNNING",
        "obVersion": "4.2.1.0",
        "createTime": java_timestamp(cluster.first_created, tz),
    }
    if not spec.cluster_level:
        item["tenants"] = [
            {"id": opts.id(t.tenant_id), "name": t.name, "obTenantId": opts.id(t.ob_tenant_id)} for t in spec.tenants
        ]
    return item
