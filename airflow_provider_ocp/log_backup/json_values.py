"""Records as JSON carries them: one rule for every output path (XCom, JSON lines, Parquet's JSON text)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from airflow_provider_ocp.client.timestamps import isoformat_utc

_PLAIN = frozenset({str, int, bool, type(None)})
"""Classes JSON carries as they are: nearly every value of a record, so :func:`to_json_safe` tests them first."""


def json_safe(value: Any) -> Any:
    """One value as JSON carries it: the rule of every output path (XCom, JSON lines, Parquet's JSON text).

    A datetime becomes ISO-8601 UTC text; a float that is not finite (NaN, infinity: OCP's decoder accepts them, as
    ``json.loads`` does, but JSON has no such number) becomes None, at any depth of a list or object, as JSON lines
    write it (msgspec writes them ``null``); lists and objects are copied, never changed in place. Anything else is
    returned as it is. The fields the normaliser owns never hold one: it keeps a non-finite ``delay`` or time as text
    (:func:`~airflow_provider_ocp.log_backup.records.parse_delay`,
    :func:`~airflow_provider_ocp.log_backup.records.parse_time_field`).

    :param value: a value of a normalised record.
    """
    cls = value.__class__
    if cls in _PLAIN:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime):
        return isoformat_utc(value)
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    return value


def to_json_safe(record: dict[str, Any]) -> dict[str, Any]:
    """Return a copy whose values are :func:`json_safe`, for XCom and Parquet's ``extraFields``: the values JSON
    lines hold for the same record.

    Runs once per record: text, ints and None (nearly all of a record) are kept without a call.

    :param record: a normalised record.
    """
    plain = _PLAIN
    return {key: value if value.__class__ in plain else json_safe(value) for key, value in record.items()}
