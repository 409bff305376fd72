"""What the restore and back-up-now POSTs send, and the OCP task ids they answer with.

Input is checked here, before any request, and each error names its parameter; the body is built in one place for
both the hook and the tests. OCP's restore body (``POST /ob/clusters/{id}/backup/restore``, ``id`` = the backed-up
cluster) restores an ONLINE tenant's backup into a new tenant; back-up-now
(``POST .../backup/backupNow``, cluster or tenant) starts a data backup, sent in the reference's form
(``FULL_BACKUP``/``INCREMENTAL_BACKUP``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from airflow_provider_ocp.client.errors import OCPAPIError, OCPInputError, OCPRequestRejectedError
from airflow_provider_ocp.client.timestamps import isoformat_utc
from airflow_provider_ocp.log_backup.records import parse_id
from airflow_provider_ocp.validation import coerce_instant, short_repr, validate_positive_id, whole_number

# OceanBase tenant names: a letter, then letters, digits or underscores, at most 128 characters [inferred from
# OceanBase's CREATE TENANT rules; OCP may be stricter]
_TENANT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,127}$")
BACKUP_TYPES = {"FULL": "FULL_BACKUP", "INCREMENTAL": "INCREMENTAL_BACKUP"}
BackupType = Literal["FULL", "INCREMENTAL"]


@dataclass(frozen=True)
class RestoreRequest:
    """A restore, checked: build it with :meth:`check`.

    :param backup_cluster_id: the cluster whose backup is restored.
    :param backup_tenant_id: the tenant whose backup is restored.
    :param restore_cluster_id: the cluster the new tenant is created in.
    :param tenant_name: the new tenant's name.
    :param restore_end_time: the restore point (aware).
    :param zones: the new tenant's zone names.
    :param unit_spec_name: the resource unit spec of each zone's pool.
    :param unit_count: units per zone.
    :param primary_zone: the primary zone, or None for OCP's default.
    """

    backup_cluster_id: int
    backup_tenant_id: int
    restore_cluster_id: int
    tenant_name: str
    restore_end_time: datetime
    zones: tuple[str, ...]
    unit_spec_name: str
    unit_count: int = 1
    primary_zone: str | None = None

    @classmethod
    def check(
        cls,
        backup_cluster_id: object,
        backup_tenant_id: object,
        restore_cluster_id: object,
        tenant_name: object,
        restore_end_time: object,
        zones: object,
        unit_spec_name: object,
        unit_count: object = 1,
        primary_zone: object = None,
    ) -> RestoreRequest:
        """Check every parameter; each error names the parameter and how to fix it.

        :param backup_cluster_id: positive id.
        :param backup_tenant_id: positive id.
        :param restore_cluster_id: positive id.
        :param tenant_name: a new tenant name: a letter, then letters, digits or underscores.
        :param restore_end_time: aware datetime or ISO-8601 text with an offset.
        :param zones: a non-empty list of distinct zone names (one text also works for a single zone).
        :param unit_spec_name: the unit spec name OCP knows (e.g. ``"S1"``).
        :param unit_count: a positive number of units per zone.
        :param primary_zone: one of ``zones``, or None.
        """
        if not isinstance(tenant_name, str) or not _TENANT_NAME.match(tenant_name.strip()):
            raise OCPInputError(
                f"restore_tenant_name {tenant_name!r} is not a tenant name OceanBase accepts: start with a letter, "
                "then letters, digits or underscores (e.g. 'drill_20240806')."
            )
        zone_names = _zones(zones)
        count = whole_number(unit_count)
        if count is None or count < 1:
            raise OCPInputError(f"unit_count must be a positive whole number of units per zone; got {unit_count!r}.")
        if not isinstance(unit_spec_name, str) or not unit_spec_name.strip():
            raise OCPInputError(f"unit_spec_name must be the name of a unit spec OCP knows; got {unit_spec_name!r}.")
        if primary_zone is not None and primary_zone not in zone_names:
            raise OCPInputError(f"primary_zone {primary_zone!r} is not one of zones {list(zone_names)}.")
        return cls(
            backup_cluster_id=validate_positive_id(backup_cluster_id, "cluster_id"),
            backup_tenant_id=validate_positive_id(backup_tenant_id, "backup_tenant_id"),
            restore_cluster_id=validate_positive_id(restore_cluster_id, "restore_cluster_id"),
            tenant_name=tenant_name.strip(),
            restore_end_time=coerce_instant(restore_end_time, "restore_end_time"),
            zones=zone_names,
            unit_spec_name=unit_spec_name.strip(),
            unit_count=count,
            primary_zone=primary_zone if isinstance(primary_zone, str) else None,
        )

    @property
    def path(self) -> str:
        """The POST's path below ``/api/v2``."""
        return f"/ob/clusters/{self.backup_cluster_id}/backup/restore"

    def body(self) -> dict[str, Any]:
        """The POST's JSON body, in the shape of OCP's reference (null fields left out)."""
        tenant: dict[str, Any] = {"name": self.tenant_name}
        if self.primary_zone is not None:
            tenant["primaryZone"] = self.primary_zone
        tenant["zones"] = [
            {
                "name": zone,
                "replicaType": "FULL",
                "resourcePool": {"unitSpecName": self.unit_spec_name, "unitCount": self.unit_count},
            }
            for zone in self.zones
        ]
        return {
            "backupTenantStatus": "ONLINE",
            "restoreOnlineTenantRequiredParam": {
                "backupClusterId": self.backup_cluster_id,
                "backupTenantId": self.backup_tenant_id,
                "restoreClusterId": self.restore_cluster_id,
                "restoreEndTime": isoformat_utc(self.restore_end_time),
                "restoreTenantInfoParam": tenant,
            },
        }


def _zones(zones: object) -> tuple[str, ...]:
    names = [zones] if isinstance(zones, str) else zones
    if (
        not isinstance(names, Sequence)
        or not names
        or not all(isinstance(name, str) and name.strip() for name in names)
    ):
        raise OCPInputError(
            f"zones must be a non-empty list of the new tenant's zone names, e.g. ['zone1']; got {zones!r}."
        )
    cleaned = tuple(name.strip() for name in names)
    if len(set(cleaned)) != len(cleaned):
        raise OCPInputError(f"zones lists a zone twice: {list(cleaned)}.")
    return cleaned


def backup_now_request(cluster_id: int, tenant_id: int | None, backup_type: object) -> tuple[str, dict[str, Any]]:
    """The back-up-now POST's path and body, for a whole cluster or one tenant.

    :param cluster_id: a validated cluster id.
    :param tenant_id: a validated tenant id, or None for every tenant of the cluster.
    :param backup_type: ``"FULL"`` or ``"INCREMENTAL"``.
    """
    mode = BACKUP_TYPES.get(backup_type.strip().upper()) if isinstance(backup_type, str) else None
    if mode is None:
        raise OCPInputError(f"backup_type must be 'FULL' or 'INCREMENTAL'; got {backup_type!r}.")
    tenant = f"/tenants/{tenant_id}" if tenant_id is not None else ""
    return f"/ob/clusters/{cluster_id}{tenant}/backup/backupNow", {"dataBackupMode": mode}


def restore_task_id(data: Any, target: str) -> int:
    """The OCP task id a restore POST answered with (``taskIdList``).

    :param data: the envelope's ``data``.
    :param target: the request path, for the error.
    """
    ids = _task_ids(data.get("taskIdList") if isinstance(data, Mapping) else None)
    if len(ids) != 1:
        raise OCPAPIError(
            f"OCP accepted the restore but answered {len(ids)} task ids, not one ({short_repr(data)}): look the "
            "restore up in OCP's task list before starting another",
            path=target,
        )
    return ids[0]


def backup_task_ids(data: Any, target: str) -> list[int]:
    """The OCP task ids a back-up-now POST answered with, one or more; a refused part is an error with OCP's hint.

    :param data: the envelope's ``data``.
    :param target: the request path, for the error.
    """
    results = data.get("backupObjectOpsResultList") if isinstance(data, Mapping) else None
    if not isinstance(results, list) or not results:
        raise OCPAPIError(f"OCP's back-up-now answer has no backupObjectOpsResultList: {short_repr(data)}", path=target)
    refused = [result for result in results if not (isinstance(result, Mapping) and result.get("beSuccessful"))]
    ids = [task for result in results if isinstance(result, Mapping) for task in _task_ids(result.get("taskIdList"))]
    if refused:
        reasons = "; ".join(
            f"error code {r.get('errorCode')}: {r.get('hint')}" if isinstance(r, Mapping) else repr(r) for r in refused
        )
        started = f" (it started tasks {ids}: they run on)" if ids else ""
        raise OCPRequestRejectedError(  # OCP answered: what it refused did not start; repeating would not help
            f"OCP refused to back up {len(refused)} of {len(results)} objects: {reasons}{started}", path=target
        )
    if not ids:
        raise OCPAPIError(f"OCP accepted the backup but answered no task ids: {short_repr(data)}", path=target)
    return ids


def _task_ids(values: Any) -> list[int]:
    ids = [parse_id(value) for value in values] if isinstance(values, list) else []
    return [value for value in ids if isinstance(value, int) and not isinstance(value, bool) and value > 0]
