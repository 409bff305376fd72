"""Storage mode on S3: moto's S3 server on loopback, reached through an Airflow ``aws`` connection and
ObjectStoragePath, exactly as a deployment reaches real S3."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from operator_support import (
    DAY_END,
    deterministic_emulator,
    expected_records,
    extraction_dag,
    run_dag,
    use_emulator,
)

from airflow_provider_ocp.operators import storage as storage_output

pytestmark = [pytest.mark.s3, pytest.mark.usefixtures("airflow_db")]

BUCKET = "ocp-extracts"
S3_CONN_ID = "ocp_test_s3"
KEY_TEMPLATE = "ocp/cluster_id={{ params.cluster_id }}/date={{ data_interval_start | ds }}/log_backup_tasks.jsonl"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A boto3 client on an empty bucket, and an Airflow aws connection to the same server."""
    import boto3

    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
    client = boto3.client("s3", endpoint_url=s3_endpoint, **credentials)
    if BUCKET in [b["Name"] for b in client.list_buckets()["Buckets"]]:
        for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    else:
        client.create_bucket(Bucket=BUCKET)
    connection = {
        "conn_type": "aws",
        "login": "testing",
        "password": "testing",
        "extra": {"endpoint_url": s3_endpoint, "region_name": "us-east-1"},
    }
    monkeypatch.setenv(f"AIRFLOW_CONN_{S3_CONN_ID.upper()}", json.dumps(connection))
    return client


def s3_dag(dag_id: str, cluster_id: int, **kwargs: Any) -> Any:
    dag = extraction_dag(
        dag_id,
        cluster_id="{{ params.cluster_id }}",
        output_path=f"s3://{BUCKET}/{KEY_TEMPLATE}",
        output_conn_id=S3_CONN_ID,
        **kwargs,
    )
    dag.params["cluster_id"] = cluster_id
    return dag


def test_jsonl_lands_in_s3_through_the_aws_connection(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        cluster_id = emu.cluster_ids[0]
        result = run_dag(s3_dag("ocp_s3_jsonl", cluster_id, page_size=10), logical_date=DAY_END)
        expected = expected_records(emu)
    key = f"ocp/cluster_id={cluster_id}/date=2024-08-06/log_backup_tasks.jsonl"
    assert result.state == "success"
    assert result.value["path"] == f"s3://{BUCKET}/{key}" and result.value["records"] == 48
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
    lines = [json.loads(line) for line in body.splitlines()]
    assert [{k: v for k, v in r.items() if not k.startswith("window")} for r in lines] == expected
    assert {r["windowStart"] for r in lines} == {"2024-08-06T00:00:00Z"}


def test_large_extraction_completes_a_multipart_upload(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage_output, "UPLOAD_BLOCK_SIZE", 5 * 2**20)  # S3's smallest part size
    end = datetime(2024, 8, 20, tzinfo=timezone.utc)
    with deterministic_emulator(tasks_per_tenant=6000, task_interval=timedelta(minutes=1), history_end=end) as emu:
        use_emulator(monkeypatch, emu)
        dag = s3_dag(
            "ocp_s3_large", emu.cluster_ids[0], page_size=2000, start_time="2024-08-01T00:00:00Z", end_time=end
        )
        result = run_dag(dag, logical_date=DAY_END)
    assert result.state == "success" and result.value["records"] == 11999  # the task at `end` is excluded
    key = result.value["path"].removeprefix(f"s3://{BUCKET}/")
    head = s3.head_object(Bucket=BUCKET, Key=key)
    assert head["ContentLength"] > 5 * 2**20
    assert re.search(r'-\d+"$', head["ETag"])  # a completed multipart upload, not a one-shot PUT
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert body.count(b"\n") == 11999


def test_s3_failure_mid_stream_leaves_no_object_and_no_pending_upload(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Six pages (about 6 MB) are written first: with 5 MiB parts, a multipart upload has begun and must be aborted."""
    monkeypatch.setattr(storage_output, "UPLOAD_BLOCK_SIZE", 5 * 2**20)  # S3's smallest part size
    end = datetime(2024, 8, 20, tzinfo=timezone.utc)
    with deterministic_emulator(tasks_per_tenant=8000, task_interval=timedelta(minutes=1), history_end=end) as emu:
        use_emulator(monkeypatch, emu)
        emu.faults.add("http_error", times=None, page=7, status=400)
        dag = s3_dag(
            "ocp_s3_fail",
            emu.cluster_ids[0],
            page_size=2000,
            start_time="2024-08-01T00:00:00Z",
            end_time=end.isoformat(),
        )
        result = run_dag(dag, logical_date=DAY_END)
        pages = {r.params["page"] for r in emu.requests if "logBackupTasks" in r.path}
    assert result.state == "failed"
    assert "7" in pages
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []
