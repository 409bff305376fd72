"""Storage mode on the local file system under a real dag.test(): content, idempotence, atomicity, assets."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from operator_support import (
    DAY_END,
    DAY_START,
    TASK_ID,
    deterministic_emulator,
    expected_records,
    extraction_dag,
    read_jsonl,
    run_dag,
    use_emulator,
)

from airflow_provider_ocp.log_backup.records import DOCUMENTED_FIELDS
from airflow_provider_ocp.operators.log_backup import OCPLogBackupTasksOperator

pytestmark = pytest.mark.usefixtures("airflow_db")

PARTITION = "cluster_id={{ params.cluster_id }}/date={{ data_interval_start | ds }}"


def partition_dag(dag_id: str, base: Path, cluster_id: int, **kwargs: Any) -> Any:
    dag = extraction_dag(
        dag_id,
        cluster_id="{{ params.cluster_id }}",
        output_path=f"file://{base}/{PARTITION}/log_backup_tasks.{kwargs.get('output_format', 'jsonl')}",
        page_size=10,
        **kwargs,
    )
    dag.params["cluster_id"] = cluster_id
    return dag


def test_jsonl_file_holds_exactly_the_windows_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        cluster_id = emu.cluster_ids[0]
        result = run_dag(partition_dag("ocp_jsonl", tmp_path, cluster_id), logical_date=DAY_END)
        expected = expected_records(emu)
    target = tmp_path / f"cluster_id={cluster_id}" / "date=2024-08-06" / "log_backup_tasks.jsonl"

    assert result.state == "success"
    assert result.value == {
        "path": f"file://{target}",
        "records": 48,
        "window_start": "2024-08-06T00:00:00Z",
        "window_end": "2024-08-07T00:00:00Z",
        "cluster_id": cluster_id,
        "format": "jsonl",
    }
    lines = read_jsonl(str(target))
    assert all(r.pop("windowStart") == "2024-08-06T00:00:00Z" for r in lines)
    assert all(r.pop("windowEnd") == "2024-08-07T00:00:00Z" for r in lines)
    assert lines == expected
    assert sorted(os.listdir(target.parent)) == ["log_backup_tasks.jsonl"]  # no temporary file left


def test_rerun_of_the_same_interval_rewrites_the_same_path_with_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        dag = partition_dag("ocp_rerun", tmp_path, emu.cluster_ids[0])
        first = run_dag(dag, logical_date=DAY_END)
        path = Path(first.value["path"].removeprefix("file://"))
        first_digest = hashlib.sha256(path.read_bytes()).hexdigest()
        path.write_bytes(path.read_bytes().splitlines(keepends=True)[0])  # an older, shorter file of the same window
        second = run_dag(dag, logical_date=DAY_END)
    assert first.state == second.state == "success"
    assert second.value == first.value
    assert hashlib.sha256(path.read_bytes()).hexdigest() == first_digest


def test_parquet_has_the_fixed_schema_and_one_row_group_per_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        dag = partition_dag("ocp_parquet", tmp_path, emu.cluster_ids[0], output_format="parquet")
        result = run_dag(dag, logical_date=DAY_END)
        expected = expected_records(emu)
    assert result.state == "success" and result.value["format"] == "parquet" and result.value["records"] == 48

    parquet = pq.ParquetFile(result.value["path"].removeprefix("file://"))
    schema = parquet.schema_arrow
    assert schema.names == [*DOCUMENTED_FIELDS, "windowStart", "windowEnd", "extraFields"]
    assert schema.field("createTime").type == pa.timestamp("us", tz="UTC")
    assert schema.field("windowEnd").type == pa.timestamp("us", tz="UTC")
    assert schema.field("tenantId").type == pa.int64() and schema.field("delay").type == pa.float64()
    assert schema.field("status").type == pa.string()
    assert parquet.metadata.num_row_groups == 5  # pages of 10: 9 (boundary task dropped), 10, 10, 10, 9

    rows = parquet.read().to_pylist()
    assert [r["createTime"].isoformat() for r in rows] == [
        datetime.fromisoformat(e["createTime"].replace("Z", "+00:00")).isoformat() for e in expected
    ]
    assert rows[0]["windowStart"] == DAY_START and rows[0]["windowEnd"] == DAY_END
    assert [r["delay"] for r in rows] == [e["delay"] for e in expected]
    assert [r["tenantName"] for r in rows] == [e["tenantName"] for e in expected]
    assert rows[0]["extraFields"] == f'{{"agentServerIp":"{expected[0]["agentServerIp"]}"}}'.replace(":", ": ")


@pytest.mark.parametrize(
    ("kind", "params", "output_format"),
    [("http_error", {"status": 400}, "jsonl"), ("html_200", {}, "jsonl"), ("http_error", {"status": 400}, "parquet")],
    ids=["http-400", "html-200", "parquet"],
)
def test_permanent_failure_on_a_later_page_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, params: dict[str, Any], output_format: str
) -> None:
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        emu.faults.add(kind, times=None, page=3, **params)
        dag = partition_dag(f"ocp_fail_{kind}", tmp_path, emu.cluster_ids[0], output_format=output_format)
        result = run_dag(dag, logical_date=DAY_END)
        asked = sorted({r.params["page"] for r in emu.requests if "logBackupTasks" in r.path})
    assert result.state == "failed"
    assert "3" in asked  # it really got as far as page 3 and wrote pages 1 and 2 before failing
    leftovers = [str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()]
    assert leftovers == []  # no final file, no temporary file


def test_failure_keeps_the_previous_complete_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        dag = partition_dag("ocp_fail_keeps", tmp_path, emu.cluster_ids[0])
        good = run_dag(dag, logical_date=DAY_END)
        path = Path(good.value["path"].removeprefix("file://"))
        before = path.read_bytes()
        emu.faults.add("http_error", times=None, page=4, status=400)
        bad = run_dag(dag, logical_date=DAY_END)
    assert bad.state == "failed"
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == [path.name]


def test_temporary_files_of_a_killed_run_are_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        cluster_id = emu.cluster_ids[0]
        directory = tmp_path / f"cluster_id={cluster_id}" / "date=2024-08-06"
        directory.mkdir(parents=True)
        stale = directory / f".log_backup_tasks.jsonl.{'ab' * 16}.tmp"
        stale.write_text("half of an extraction")
        two_days_ago = time.time() - 2 * 86400  # abandoned: no live run leaves its file untouched for a day
        os.utime(stale, (two_days_ago, two_days_ago))
        unrelated = directory / ".other.jsonl.0123.tmp"
        unrelated.write_text("not ours")
        result = run_dag(partition_dag("ocp_stale", tmp_path, cluster_id), logical_date=DAY_END)
    assert result.state == "success"
    assert sorted(os.listdir(directory)) == [".other.jsonl.0123.tmp", "log_backup_tasks.jsonl"]


def test_outlet_asset_gets_an_event_with_the_concrete_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.sdk import Asset
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        dag = partition_dag("ocp_asset", tmp_path, emu.cluster_ids[0])
        assert dag.task_dict[TASK_ID].outlets == [Asset(f"file://{tmp_path}/")]
        result = run_dag(dag, logical_date=DAY_END)
    with create_session() as session:
        events = session.execute(
            select(AssetModel.uri, AssetEvent.extra)
            .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
            .where(AssetEvent.source_run_id == result.run.run_id)
        ).all()
    assert result.state == "success"
    assert [uri for uri, _ in events] == [f"file://{tmp_path}"]
    extra = events[0][1]
    assert extra["path"] == result.value["path"] and extra["records"] == 48
    assert extra["window_start"] == "2024-08-06T00:00:00Z"


def test_user_outlets_replace_the_default_and_static_paths_are_their_own_asset() -> None:
    from airflow.sdk import Asset

    custom = Asset("s3://reports/ocp")
    templated = OCPLogBackupTasksOperator(
        task_id="a", cluster_id=1, output_path="s3://b/ocp/{{ ds }}/x.jsonl", outlets=[custom]
    )
    static = OCPLogBackupTasksOperator(task_id="b", cluster_id=1, output_path="/data/ocp/all.jsonl")
    leading_template = OCPLogBackupTasksOperator(task_id="c", cluster_id=1, output_path="{{ var.value.base }}/x")
    xcom = OCPLogBackupTasksOperator(task_id="d", cluster_id=1)
    assert templated.outlets == [custom]
    assert static.outlets == [Asset("file:///data/ocp/all.jsonl")]
    assert leading_template.outlets == [] and xcom.outlets == []


def test_openlineage_reports_the_written_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        target = tmp_path / "tasks.jsonl"
        operator = OCPLogBackupTasksOperator(task_id="ol", cluster_id=emu.cluster_ids[0], output_path=str(target))
        assert operator.get_openlineage_facets_on_complete(None).outputs == []  # nothing written yet
        context: Any = {"data_interval_start": DAY_START, "data_interval_end": DAY_END}
        summary = operator.execute(context)
        xcom_operator = OCPLogBackupTasksOperator(task_id="ol2", cluster_id=emu.cluster_ids[0])
        xcom_operator.execute(context)
    assert summary["records"] == 48 and target.exists()
    lineage = operator.get_openlineage_facets_on_complete(None)
    assert [(d.namespace, d.name) for d in lineage.outputs] == [("file", str(target))]
    assert xcom_operator.get_openlineage_facets_on_complete(None).outputs == []
