"""Issue 21, point 8, on real files under real runs: a file holding another window is never replaced silently (read
from the file itself, on local disks and object stores alike), and the refusal names both windows and the opt-in.

Runs are ``dag.test()`` runs or ``execute`` calls against the emulator.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import test_operator_s3 as s3_support
from operator_support import (
    DAY_END,
    DAY_START,
    deterministic_emulator,
    extraction_dag,
    read_jsonl,
    run_dag,
    use_emulator,
)
from output_window_support import DAY, SIX_HOURS_LATER, digest, manual_context

from airflow_provider_ocp.exceptions import OCPInputError
from airflow_provider_ocp.operators.log_backup import OCPLogBackupTasksOperator
from airflow_provider_ocp.testing import OCPEmulator

pytestmark = pytest.mark.usefixtures("airflow_db")
s3_endpoint, s3 = s3_support.s3_endpoint, s3_support.s3  # fixtures: moto's S3 server, an empty bucket on it
BUCKET = s3_support.BUCKET
S3_CONN_ID = "ocp_issue21_s3"  # not test_operator_s3's: Airflow caches a store's file system per connection id

OLD_LAYOUT = "date={{ ocp_window_start | ds }}"  # the README's layout before issue 21: runs without an interval collide


def log_backup_requests(emu: OCPEmulator) -> int:
    return sum(1 for request in emu.requests if "logBackupTasks" in request.path)


# -- point 8: a file holding another window is never replaced silently --------------------------------------------


def test_a_run_without_a_logical_date_fails_rather_than_overwrite_a_scheduled_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's scenario under dag.test(): the day's file keeps its 48 tasks, and OCP is not even asked."""
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        dag = extraction_dag(
            "ocp_i21_no_overwrite", cluster_id=emu.cluster_ids[0], output_path=f"{tmp_path}/{OLD_LAYOUT}/t.jsonl"
        )
        day = run_dag(dag, logical_date=DAY_END)
        target = tmp_path / "date=2024-08-06" / "t.jsonl"
        before, asked = digest(target), log_backup_requests(emu)
        manual = run_dag(dag, logical_date=None, run_after=SIX_HOURS_LATER)  # window [08-06T06:00, 08-07T06:00)
        asked_by_manual = log_backup_requests(emu) - asked
    assert day.state == "success" and day.value["records"] == 48
    assert manual.state == "failed"
    assert digest(target) == before and len(read_jsonl(str(target))) == 48
    assert asked_by_manual == 0  # refused before any request for records
    assert os.listdir(target.parent) == ["t.jsonl"]


@pytest.mark.parametrize("output_format", ["jsonl", "parquet"])
def test_the_refusal_names_both_windows_and_the_opt_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, output_format: str
) -> None:
    target = tmp_path / f"t.{output_format}"
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)

        def operator(**kwargs: Any) -> OCPLogBackupTasksOperator:
            return OCPLogBackupTasksOperator(
                task_id="e",
                cluster_id=emu.cluster_ids[0],
                output_path=str(target),
                output_format=output_format,
                **kwargs,
            )

        operator().execute(DAY)
        before = digest(target)
        with pytest.raises(OCPInputError) as info:
            operator().execute(manual_context())
        assert digest(target) == before
        assert operator().execute(DAY)["records"] == 48  # a rerun of the same window still replaces its own file
        assert digest(target) == before  # idempotently
        summary = operator(overwrite="always").execute(manual_context())
    message = str(info.value)
    assert "[2024-08-06T00:00:00Z, 2024-08-07T00:00:00Z)" in message  # the window the file holds
    assert "[2024-08-06T06:00:00Z, 2024-08-07T06:00:00Z)" in message  # the window the run extracts
    assert "overwrite='always'" in message and "ocp_partition" in message and str(target) in message
    assert summary["window_start"] == "2024-08-06T06:00:00Z" and digest(target) != before


def test_an_empty_parquet_file_still_names_its_window(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A window with no task writes a Parquet file with no rows; its footer still says which window it holds."""
    target = tmp_path / "t.parquet"
    quiet_day: Any = {
        "data_interval_start": DAY_START - timedelta(days=30),
        "data_interval_end": DAY_END - timedelta(days=30),
    }
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        operator = OCPLogBackupTasksOperator(
            task_id="e", cluster_id=emu.cluster_ids[0], output_path=str(target), output_format="parquet"
        )
        assert operator.execute(quiet_day)["records"] == 0
        with pytest.raises(OCPInputError, match=r"2024-07-07T00:00:00Z, 2024-07-08T00:00:00Z\)"):
            operator.execute(DAY)


def test_an_empty_json_lines_file_is_replaced_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """No record, so no window to read and no task to lose: documented, and said in the log."""
    target = tmp_path / "t.jsonl"
    target.write_bytes(b"")
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        operator = OCPLogBackupTasksOperator(task_id="e", cluster_id=emu.cluster_ids[0], output_path=str(target))
        assert operator.execute(DAY)["records"] == 48
    assert "a JSON lines file with no record" in caplog.text


def test_a_file_this_operator_did_not_write_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "t.jsonl"
    target.write_text('{"my": "own data"}\n')
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        operator = OCPLogBackupTasksOperator(task_id="e", cluster_id=emu.cluster_ids[0], output_path=str(target))
        with pytest.raises(OCPInputError, match="no readable windowStart and windowEnd"):
            operator.execute(DAY)
        asked = log_backup_requests(emu)
    assert target.read_text() == '{"my": "own data"}\n' and asked == 0


@pytest.mark.s3
@pytest.mark.parametrize("output_format", ["jsonl", "parquet"])
def test_on_an_object_store_too_the_window_is_read_from_the_object(
    s3: Any, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, output_format: str
) -> None:
    """Moto's S3 server through an Airflow aws connection: the window check reads the object itself."""
    extra = {"endpoint_url": s3_endpoint, "region_name": "us-east-1"}
    connection = {"conn_type": "aws", "login": "testing", "password": "testing", "extra": extra}
    monkeypatch.setenv(f"AIRFLOW_CONN_{S3_CONN_ID.upper()}", json.dumps(connection))
    key = f"ocp/date=2024-08-06/t.{output_format}"
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)

        def operator() -> OCPLogBackupTasksOperator:
            return OCPLogBackupTasksOperator(
                task_id="e",
                cluster_id=emu.cluster_ids[0],
                output_path=f"s3://{BUCKET}/{key}",
                output_conn_id=S3_CONN_ID,
                output_format=output_format,
            )

        assert operator().execute(DAY)["records"] == 48
        etag = s3.head_object(Bucket=BUCKET, Key=key)["ETag"]
        with pytest.raises(OCPInputError, match=r"holds the tasks of the window \[2024-08-06T00:00:00Z"):
            operator().execute(manual_context())
        assert s3.head_object(Bucket=BUCKET, Key=key)["ETag"] == etag
        assert operator().execute(DAY)["records"] == 48  # the same window: replaced
