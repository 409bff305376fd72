"""Normalisation of OCP log backup task records.

Records keep OCP's field names. Times become aware datetimes, ``delay`` a float, numeric ids ints, absent documented
fields None; fields OCP adds beyond its docs pass through unchanged.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from airflow_provider_ocp.client.timestamps import isoformat_utc, parse_ocp_timestamp

log = logging.getLogger(__name__)

TIME_FIELDS = ("createTime", "modifyTime", "checkpoint")
ID_FIELDS = ("clusterId", "obClusterId", "tenantId", "obTenantId")
DOCUMENTED_FIELDS = (
    "createTime",
    "modifyTime",
    "clusterName",
    "clusterId",
    "obClusterId",
    "obTenantId",
    "clusterType",
    "tenantId",
    "tenantName",
    "status",
    "errorMsg",
    "backupUri",
    "checkpoint",
    "backupMode",
    "delay",
)
IDENTITY_FIELDS = ("clusterId", "obClusterId", "tenantId", "obTenantId", "tenantName", "createTime", "backupUri")


def parse_delay(value: Any) -> float | None:
    """Read OCP's ``delay`` (seconds): an int, a float, a decimal string, or absent.

    :param value: what OCP sent.
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        log.warning("Ignoring a non-numeric delay from OCP: %r", value)
        return None


def parse_id(value: Any) -> Any:
    """Return a numeric id as int (OCP may send large ids as strings); anything else unchanged.

    :param value: what OCP sent.
    """
    if isinstance(value, str) and value.strip().isascii() and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


def parse_time_field(name: str, value: Any) -> Any:
    """Parse one of OCP's timestamp forms; keep unparseable text as is (never lose data) with a warning.

    :param name: the field name, for the warning.
    :param value: what OCP sent.
    """
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        from datetime import timezone

        return datetime.fromtimestamp(value / 1000, tz=timezone.utc)  # epoch milliseconds, as Java sends them
    try:
        return parse_ocp_timestamp(str(value))
    except ValueError:
        log.warning("Keeping OCP's %s as text; it is not a timestamp this provider knows: %r", name, value)
        return value


def normalize_task(raw: dict[str, Any]) -> dict[str, Any]:
    """Normalise one log backup task record (see the module docstring).

    :param raw: one element of ``data.contents``.
    """
    record: dict[str, Any] = dict.fromkeys(DOCUMENTED_FIELDS)
    record.update(raw)
    for name in TIME_FIELDS:
        record[name] = parse_time_field(name, record[name])
    for name in ID_FIELDS:
        record[name] = parse_id(record[name])
    record["delay"] = parse_delay(record["delay"])
    return record


def record_identity(record: dict[str, Any]) -> int:
    """A 64-bit fingerprint of the fields that identify a task (OCP gives tasks no single id field).

    Fields that change while a task runs (status, checkpoint, delay, modifyTime) are left out, so the same task seen
    twice while paging is recognised as one.

    :param record: a raw or normalised record.
    """
    values = tuple(record.get(name) for name in IDENTITY_FIELDS)
    try:
        return hash(values)
    except TypeError:  # an unhashable value (a list or object where OCP documents a scalar)
        return hash(tuple(repr(value) for value in values))


def to_json_safe(record: dict[str, Any]) -> dict[str, Any]:
    """Return a copy with datetimes as ISO-8601 UTC strings, for XCom and JSON lines.

    :param record: a normalised record.
    """
    return {key: isoformat_utc(value) if isinstance(value, datetime) else value for key, value in record.items()}
