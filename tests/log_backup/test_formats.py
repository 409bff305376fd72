"""Record formats and atomic output without Airflow runs: odd values, empty results, a non-local rename store."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from typing import Any

import pytest

from airflow_provider_ocp.log_backup.formats import JsonLinesWriter
from airflow_provider_ocp.log_backup.parquet import ParquetWriter
from airflow_provider_ocp.log_backup.records import normalize_task
from airflow_provider_ocp.log_backup.window import ExtractionWindow
from airflow_provider_ocp.operators.storage import atomic_output, resolve_output_path

WINDOW = ExtractionWindow(datetime(2024, 8, 6, tzinfo=timezone.utc), datetime(2024, 8, 7, tzinfo=timezone.utc), "t")
ODD = normalize_task(
    {
        "createTime": "sometime on Tuesday",  # kept as text by the normaliser: it must not be lost
        "tenantId": "99999999999999999999",  # beyond int64
        "clusterId": 1000001,
        "status": "DOING",
        "agentServerIp": "10.0.0.1",
        "labels": {"zone": "z1"},
    }
)


class Unclosable(io.BytesIO):
    """Keeps its bytes readable after pyarrow closes it."""

    def close(self) -> None:
        pass


def test_parquet_keeps_values_that_do_not_fit_their_column_in_extra_fields() -> None:
    import pyarrow.parquet as pq

    buffer = Unclosable()
    with ParquetWriter(buffer, WINDOW) as writer:
        writer.write_page([ODD])
        writer.write_page([])  # a page whose records all fell outside the window adds no row group
    parquet = pq.ParquetFile(io.BytesIO(buffer.getvalue()))
    assert parquet.metadata.num_row_groups == 1
    row = parquet.read().to_pylist()[0]
    assert row["createTime"] is None and row["tenantId"] is None and row["clusterId"] == 1000001
    assert json.loads(row["extraFields"]) == {
        "agentServerIp": "10.0.0.1",
        "createTime": "sometime on Tuesday",
        "labels": {"zone": "z1"},
        "tenantId": 99999999999999999999,
    }


def test_empty_extractions_are_valid_files() -> None:
    import pyarrow.parquet as pq

    buffer = Unclosable()
    with ParquetWriter(buffer, WINDOW):
        pass
    assert pq.read_table(io.BytesIO(buffer.getvalue())).num_rows == 0
    lines = io.BytesIO()
    with JsonLinesWriter(lines, WINDOW) as writer:
        writer.write_page([])
    assert lines.getvalue() == b""


def test_jsonl_lines_carry_the_window_and_unicode() -> None:
    buffer = io.BytesIO()
    with JsonLinesWriter(buffer, WINDOW) as writer:
        writer.write_page([{**ODD, "errorMsg": "归档失败"}])
    line = json.loads(buffer.getvalue().decode("utf-8"))
    assert line["windowStart"] == "2024-08-06T00:00:00Z" and line["windowEnd"] == "2024-08-07T00:00:00Z"
    assert line["errorMsg"] == "归档失败" and line["createTime"] == "sometime on Tuesday"


@pytest.fixture
def memory_store(monkeypatch: pytest.MonkeyPatch) -> Any:
    """An fsspec memory file system attached for Airflow: a store that is neither local nor an object store."""
    from airflow.sdk.io import store
    from fsspec.implementations.memory import MemoryFileSystem

    fs = MemoryFileSystem()
    fs.store.clear()
    fs.pseudo_dirs[:] = [""]
    monkeypatch.setitem(store._STORE_CACHE, "memory", store.ObjectStore("memory", None, fs=fs))
    return fs


def test_rename_based_store_publishes_complete_files_only(memory_store: Any) -> None:
    path = resolve_output_path("memory://ocp/cluster_id=1/tasks.jsonl", None)
    with atomic_output(path) as file:
        file.write(b"first\n")
    assert memory_store.cat_file("/ocp/cluster_id=1/tasks.jsonl") == b"first\n"

    with pytest.raises(RuntimeError, match="OCP went away"), atomic_output(path) as file:
        file.write(b"partial\n")
        raise RuntimeError("OCP went away")
    assert memory_store.cat_file("/ocp/cluster_id=1/tasks.jsonl") == b"first\n"
    assert memory_store.ls("/ocp/cluster_id=1", detail=False) == ["/ocp/cluster_id=1/tasks.jsonl"]


def test_parquet_without_pyarrow_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from airflow_provider_ocp.exceptions import OCPInputError
    from airflow_provider_ocp.log_backup.parquet import import_pyarrow

    monkeypatch.setitem(sys.modules, "pyarrow", None)  # what an environment without pyarrow looks like to import
    with pytest.raises(OCPInputError, match=r"airflow-provider-ocp\[parquet\]"):
        import_pyarrow()


def test_openlineage_stays_optional(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from airflow_provider_ocp.operators.log_backup import OCPLogBackupTasksOperator

    monkeypatch.setitem(sys.modules, "airflow.providers.openlineage.extractors", None)
    operator = OCPLogBackupTasksOperator(task_id="no_ol", cluster_id=1, output_path="/tmp/x.jsonl")
    assert operator.get_openlineage_facets_on_complete(None) is None


def test_created_mode_parquet_keeps_its_schema_and_snapshot_files_add_typed_columns() -> None:
    import pyarrow as pa

    from airflow_provider_ocp.log_backup.parquet import parquet_schema
    from airflow_provider_ocp.log_backup.records import SNAPSHOT_FIELDS

    created, snapshot = parquet_schema(), parquet_schema(snapshot=True)
    assert not set(SNAPSHOT_FIELDS) & set(created.names)
    assert snapshot.names == created.names[:-1] + list(SNAPSHOT_FIELDS) + ["extraFields"]
    assert [snapshot.field(n).type for n in SNAPSHOT_FIELDS] == [pa.timestamp("us", tz="UTC"), pa.bool_(), pa.string()]


def test_a_snapshot_value_that_does_not_fit_its_column_is_kept_in_extra_fields() -> None:
    import pyarrow.parquet as pq

    buffer = Unclosable()
    record = {**ODD, "snapshotTime": "not a time", "current": True, "delaySource": None}
    with ParquetWriter(buffer, WINDOW, snapshot=True) as writer:
        writer.write_page([record])
    row = pq.ParquetFile(io.BytesIO(buffer.getvalue())).read().to_pylist()[0]
    assert row["snapshotTime"] is None and row["current"] is True and row["delaySource"] is None
    assert json.loads(row["extraFields"])["snapshotTime"] == "not a time"
