"""What the provider must make of the emulator's log backup task records, read apart from the provider's own code.

Tests compare the provider's output with these values, never with the provider's normalisation
(``log_backup/records.py``, ``log_backup/json_values.py``) applied to the same input: a bug there would then be in
both sides and pass. The emulator writes timestamps in two fixed forms, Java's ``2024-08-06T08:00:00.000+0800`` and
ISO's ``+08:00``, and the provider writes ``Z``; ``strptime``'s ``%z`` reads all three.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

# OCP's LogBackupWrapperTask fields, from its API doc (../shared/seed/query-log-backup-tasks-of-a-cluster.md)
DOCUMENTED_FIELDS = [
    *("createTime", "modifyTime", "clusterName", "clusterId", "obClusterId", "obTenantId", "clusterType"),
    *("tenantId", "tenantName", "status", "errorMsg", "backupUri", "checkpoint", "backupMode", "delay"),
]
TIMESTAMPS = ("createTime", "modifyTime", "checkpoint")
IDS = ("clusterId", "obClusterId", "tenantId", "obTenantId")


def read_time(value: str | datetime) -> datetime:
    """An instant the emulator or the provider wrote, as an aware datetime (a datetime is taken as it is).

    :param value: ``2024-08-06T08:00:00.000+0800``, ``...+08:00``, ``2024-08-06T00:00:00Z`` or a datetime.
    """
    if isinstance(value, datetime):
        return value
    for form in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(value, form)
        except ValueError:
            continue
    raise ValueError(f"not a timestamp the emulator or the provider writes: {value!r}")


def utc_text(moment: datetime) -> str:
    """The provider's JSON form of an instant, as its README documents it: UTC with ``Z``, microseconds when any."""
    utc = moment.astimezone(timezone.utc)
    whole = utc.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{whole}.{utc.microsecond:06d}Z" if utc.microsecond else f"{whole}Z"


def json_record(raw: dict[str, Any]) -> dict[str, Any]:
    """A raw emulator record as the provider must write it to JSON lines and XCom: every documented field (null when
    OCP left it out), instants in UTC, ids as numbers, the delay as a float, other fields as sent.

    :param raw: one record of ``emu.expected_tasks(...)``.
    """
    record = dict.fromkeys(DOCUMENTED_FIELDS) | raw
    for name in TIMESTAMPS:
        if record[name] is not None:
            record[name] = utc_text(read_time(record[name]))
    for name in IDS:
        if record[name] is not None:
            record[name] = int(record[name])
    if record["delay"] is not None:
        record["delay"] = float(record["delay"])
    return record


def created_within(raw: dict[str, Any], start: datetime, end: datetime) -> bool:
    """Whether a raw record's ``createTime`` falls in the half-open window ``[start, end)`` an extraction covers."""
    return start <= read_time(raw["createTime"]) < end


def task_key(record: dict[str, Any]) -> tuple[int, float]:
    """(tenant id, instant of creation): one task, in a raw emulator record, a hook's record or a JSON line alike."""
    return int(record["tenantId"]), read_time(record["createTime"]).timestamp()
