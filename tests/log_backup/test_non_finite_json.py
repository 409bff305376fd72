"""NaN and infinities (which OCP's response decoder accepts, as ``json.loads`` does) leave every output path as
``null``, at any depth, as JSON lines always wrote them: Parquet's ``extraFields`` and XCom's records are strict JSON
too, and one record gives the same values in all three.

Real files through the real writers, read back with pyarrow and a ``json.loads`` that refuses ``NaN``; expected values
are written out by hand.
"""

from __future__ import annotations

import io
import json
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_support import examples

from airflow_provider_ocp.log_backup.formats import EXTRA_FIELDS_COLUMN, JsonLinesWriter, make_writer
from airflow_provider_ocp.log_backup.json_values import to_json_safe
from airflow_provider_ocp.log_backup.parquet import ParquetWriter
from airflow_provider_ocp.log_backup.records import DOCUMENTED_FIELDS, normalize_task
from airflow_provider_ocp.log_backup.window import ExtractionWindow
from airflow_provider_ocp.operators.storage import atomic_output, resolve_output_path

UTC = timezone.utc
WINDOW = ExtractionWindow(datetime(2024, 8, 6, tzinfo=UTC), datetime(2024, 8, 7, tzinfo=UTC), "t")
NAN, INF = float("nan"), float("inf")


def strict_loads(text: str | bytes) -> Any:
    """``json.loads`` that refuses ``NaN``, ``Infinity`` and ``-Infinity``, as strict JSON readers do."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def task(**fields: Any) -> dict[str, Any]:
    return normalize_task({"tenantId": 1, "createTime": "2024-08-06T12:00:00.000+0000", "status": "RUNNING", **fields})


HOSTILE = task(
    progress=NAN,
    extra=NAN,
    nested={"a": INF, "b": [-INF, 1.5, {"c": NAN}], "d": "NaN"},
    errorMsg={"code": -INF},  # a documented text field OCP sent as an object: kept as JSON text in its column
)
EXPECTED_EXTRA = {"progress": None, "extra": None, "nested": {"a": None, "b": [None, 1.5, {"c": None}], "d": "NaN"}}


def test_parquet_extra_fields_are_strict_json_with_null_for_non_finite_numbers(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    path = resolve_output_path(str(tmp_path / "t.parquet"), None)
    with atomic_output(path) as file, make_writer("parquet", file, WINDOW) as writer:
        writer.write_page([HOSTILE])
    (row,) = pq.read_table(tmp_path / "t.parquet").to_pylist()
    assert strict_loads(row[EXTRA_FIELDS_COLUMN]) == EXPECTED_EXTRA
    assert strict_loads(row["errorMsg"]) == {"code": None}
    assert row["status"] == "RUNNING" and row["tenantId"] == 1


def test_xcom_records_are_strict_json_with_null_for_non_finite_numbers() -> None:
    safe = to_json_safe(HOSTILE)
    assert strict_loads(json.dumps(safe, allow_nan=False)) == safe
    assert {name: safe[name] for name in EXPECTED_EXTRA} == EXPECTED_EXTRA
    assert safe["errorMsg"] == {"code": None}
    assert safe["createTime"] == "2024-08-06T12:00:00Z" and safe["status"] == "RUNNING"
    assert HOSTILE["progress"] is NAN and HOSTILE["nested"]["a"] == INF  # the record itself is left as it was


def test_non_finite_times_and_delays_stay_text_as_the_normaliser_keeps_them() -> None:
    record = task(delay=NAN, checkpoint=INF)
    assert record["delay"] == "nan" and record["checkpoint"] == "inf"
    assert {k: v for k, v in to_json_safe(record).items() if k in ("delay", "checkpoint")} == {
        "delay": "nan",
        "checkpoint": "inf",
    }


# -- one record, the same values in JSON lines, Parquet and XCom ---------------------------------------------------


def through_all_paths(record: dict[str, Any]) -> tuple[Any, Any, Any]:
    """The record's fields beyond the documented ones, as JSON lines, Parquet's ``extraFields`` and XCom hold them."""
    extra = [name for name in record if name not in DOCUMENTED_FIELDS]
    lines = io.BytesIO()
    with JsonLinesWriter(lines, WINDOW) as writer:
        writer.write_page([record])
    line = strict_loads(lines.getvalue())

    class Unclosable(io.BytesIO):
        def close(self) -> None:
            pass

    parquet = Unclosable()
    with ParquetWriter(parquet, WINDOW) as writer:
        writer.write_page([record])
    import pyarrow.parquet as pq

    (row,) = pq.read_table(io.BytesIO(parquet.getvalue())).to_pylist()
    stored = strict_loads(row[EXTRA_FIELDS_COLUMN]) if row[EXTRA_FIELDS_COLUMN] else {}
    xcom = strict_loads(json.dumps(to_json_safe(record), allow_nan=False))
    return ({k: line[k] for k in extra}, stored, {k: xcom[k] for k in extra})


def test_one_record_gives_the_same_values_on_every_path() -> None:
    jsonl, parquet, xcom = through_all_paths(HOSTILE)
    assert jsonl == parquet == xcom == EXPECTED_EXTRA


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=5)  # lone surrogates: test_issue21_formats
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
EXTRA_NAMES = TEXT.filter(lambda name: name not in DOCUMENTED_FIELDS and name not in ("windowStart", "windowEnd"))


def nulled(value: Any) -> Any:
    """The oracle: ``value`` with every non-finite float, at any depth, replaced by None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: nulled(item) for key, item in value.items()}
    if isinstance(value, list):
        return [nulled(item) for item in value]
    return value


@settings(max_examples=examples(50), deadline=None)
@given(st.dictionaries(EXTRA_NAMES, JSON_VALUES, max_size=4))
def test_property_every_path_writes_strict_json_with_the_same_values(fields: dict[str, Any]) -> None:
    jsonl, parquet, xcom = through_all_paths(task(**fields))
    assert jsonl == parquet == xcom == nulled(fields)


@pytest.mark.parametrize("value", [NAN, INF, -INF])
def test_a_non_finite_number_at_the_top_or_deep_down_is_null(value: float) -> None:
    assert to_json_safe({"x": value, "y": [[{"z": value}]]}) == {"x": None, "y": [[{"z": None}]]}
