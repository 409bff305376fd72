"""Issue 21, points 8, 9 and 17, on real files under real runs: a file of another window is never replaced silently,
two runs writing one path at once both complete, and names from OCP never take a file out of the output path.

Runs are ``dag.test()`` runs or ``execute`` calls against the emulator; the second writer of point 9 is a real
separate process.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import test_operator_s3 as s3_support
from operator_support import (
    DAY_END,
    DAY_START,
    deterministic_emulator,
    expected_records,
    extraction_dag,
    read_jsonl,
    run_dag,
    use_emulator,
)

from airflow_provider_ocp.exceptions import OCPInputError
from airflow_provider_ocp.operators.log_backup import OCPLogBackupTasksOperator
from airflow_provider_ocp.testing import OCPEmulator

pytestmark = pytest.mark.usefixtures("airflow_db")
s3_endpoint, s3 = s3_support.s3_endpoint, s3_support.s3  # fixtures: moto's S3 server, an empty bucket on it
BUCKET = s3_support.BUCKET
S3_CONN_ID = "ocp_issue21_s3"  # not test_operator_s3's: Airflow caches a store's file system per connection id

OLD_LAYOUT = "date={{ ocp_window_start | ds }}"  # the README's layout before issue 21: runs without an interval collide
DAY: Any = {"data_interval_start": DAY_START, "data_interval_end": DAY_END, "run_id": "scheduled__2024-08-07"}
SIX_HOURS_LATER = DAY_END + timedelta(hours=6)


def manual_context(run_after: Any = SIX_HOURS_LATER) -> Any:
    """A run without a logical date (a CLI or REST trigger without one): window [run_after - 1 day, run_after)."""
    run_id = f"manual__{run_after.isoformat()}"
    return {"dag_run": SimpleNamespace(run_after=run_after, run_id=run_id), "run_id": run_id}


def log_backup_requests(emu: OCPEmulator) -> int:
    return sum(1 for request in emu.requests if "logBackupTasks" in request.path)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def writing(emu: OCPEmulator, directory: Path, answered: str) -> bool:
    """Whether page ``answered`` has been answered (the emulator logs a request once answered) and a temporary file
    holds records: the writer is then waiting on the next, slow, page."""
    pages = {r.params.get("page") for r in emu.requests if "logBackupTasks" in r.path}
    return answered in pages and any(p.stat().st_size > 0 for p in directory.glob(".*.tmp"))


def hold_page(monkeypatch: pytest.MonkeyPatch, emu: OCPEmulator, page: int) -> threading.Event:
    """The emulator holds its answer to the first request for ``page`` until the returned event is set (at most 60 s):
    the run asking for it waits there, its temporary file open, while the test runs another one. (Before, a ``slow``
    fault of a fixed 5-8 s did this, a wait that the other run had to fit in.)"""
    release, held = threading.Event(), threading.Lock()
    answer = emu.api.handle

    def handle(request: Any, shape: Any) -> Any:
        if request.params.get("page") == str(page) and held.acquire(blocking=False):
            release.wait(60)
        return answer(request, shape)

    monkeypatch.setattr(emu.api, "handle", handle)
    return release


def wait_for(condition: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


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


def test_a_file_written_meanwhile_by_a_run_of_another_window_is_not_replaced_at_the_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first check passes (no file yet); another run writes the path while this one waits on page 3; the check
    just before the rename sees it and fails, leaving the other run's file and no temporary file."""
    target = tmp_path / "t.jsonl"
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu, concurrency=1)
        release = hold_page(monkeypatch, emu, page=3)
        cluster = emu.cluster_ids[0]
        failures: list[BaseException] = []

        def slow_day() -> None:
            try:
                OCPLogBackupTasksOperator(
                    task_id="a", cluster_id=cluster, output_path=str(target), page_size=10
                ).execute(DAY)
            except BaseException as error:  # handed to the test thread
                failures.append(error)

        thread = threading.Thread(target=slow_day)
        thread.start()
        try:
            wait_for(lambda: writing(emu, tmp_path, answered="2"), 30, "run A to write page 2 and wait on page 3")
            OCPLogBackupTasksOperator(task_id="b", cluster_id=cluster, output_path=str(target)).execute(
                manual_context()
            )
            written_meanwhile = digest(target)
        finally:
            release.set()
        thread.join(timeout=60)
    assert len(failures) == 1 and isinstance(failures[0], OCPInputError), failures
    assert "[2024-08-06T06:00:00Z, 2024-08-07T06:00:00Z)" in str(failures[0])
    assert digest(target) == written_meanwhile
    assert os.listdir(tmp_path) == ["t.jsonl"]


@pytest.mark.parametrize(
    ("layout", "day_path"),
    [
        ("{{ ocp_partition }}", "date=2024-08-06"),
        ("{{ ocp_partition('date=%Y-%m-%d/hour=%H') }}", "date=2024-08-06/hour=00"),
    ],
)
def test_runs_without_a_data_interval_get_their_own_partition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str, day_path: str
) -> None:
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        dag = extraction_dag(
            "ocp_i21_partition", cluster_id=emu.cluster_ids[0], output_path=f"{tmp_path}/{layout}/t.jsonl"
        )
        day = run_dag(dag, logical_date=DAY_END)
        manual = run_dag(dag, logical_date=None, run_after=SIX_HOURS_LATER)
        expected_day = expected_records(emu)
    assert day.state == manual.state == "success"
    manual_path = f"run_id={manual.run.run_id}".replace("/", "_")
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("t.jsonl"))
    assert files == sorted([f"{day_path}/t.jsonl", f"{manual_path}/t.jsonl"])
    day_records = read_jsonl(str(tmp_path / day_path / "t.jsonl"))
    assert [{k: v for k, v in r.items() if not k.startswith("window")} for r in day_records] == expected_day
    assert {r["windowStart"] for r in read_jsonl(str(tmp_path / manual_path / "t.jsonl"))} == {"2024-08-06T06:00:00Z"}


# -- point 9: two runs writing one path at once ---------------------------------------------------------------------

SLOW_WRITER = """
import sys
from datetime import datetime, timezone
from airflow_provider_ocp.operators.log_backup import OCPLogBackupTasksOperator

operator = OCPLogBackupTasksOperator(task_id="a", cluster_id=int(sys.argv[1]), output_path=sys.argv[2], page_size=10)
context = {"data_interval_start": datetime(2024, 8, 6, tzinfo=timezone.utc),
           "data_interval_end": datetime(2024, 8, 7, tzinfo=timezone.utc)}
print("DONE", operator.execute(context)["records"], flush=True)
"""


def test_two_runs_writing_one_path_at_once_both_complete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run A, a separate process, holds its temporary file open while page 4 is held; run B writes the same path
    meanwhile. B must leave A's live temporary file alone, and A must then complete (it replaces B's file of the same
    window)."""
    target = tmp_path / "t.jsonl"
    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu, concurrency=1)
        cluster = emu.cluster_ids[0]
        release = hold_page(monkeypatch, emu, page=4)
        env = {**os.environ, "AIRFLOW_CONN_OCP_DEFAULT": os.environ["AIRFLOW_CONN_OCP_DEFAULT"]}
        writer_a = subprocess.Popen(
            [sys.executable, "-c", SLOW_WRITER, str(cluster), str(target)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_for(lambda: writing(emu, tmp_path, answered="3"), 90, "run A to write page 3 and wait on page 4")
            (temp_of_a,) = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
            summary_b = OCPLogBackupTasksOperator(task_id="b", cluster_id=cluster, output_path=str(target)).execute(DAY)
            assert temp_of_a.exists()  # B's clean-up left A's live temporary file alone
            release.set()
            output_a = writer_a.communicate(timeout=120)[0]
        finally:
            release.set()
            if writer_a.poll() is None:
                writer_a.kill()
                writer_a.wait(timeout=30)
        expected = expected_records(emu)
    assert writer_a.returncode == 0, output_a[-3000:]
    assert "DONE 48" in output_a and summary_b["records"] == 48
    assert [{k: v for k, v in r.items() if not k.startswith("window")} for r in read_jsonl(str(target))] == expected
    assert os.listdir(tmp_path) == ["t.jsonl"]


def test_only_provably_abandoned_temporary_files_are_removed(tmp_path: Path) -> None:
    from airflow_provider_ocp.operators.storage import resolve_output_path
    from airflow_provider_ocp.operators.temporaries import remove_abandoned_temp_files, writer_tag

    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()  # a process of this host that no longer exists
    here, elsewhere, hex32 = writer_tag(), "0" * 12 if writer_tag() != "0" * 12 else "1" * 12, "ab" * 16
    names = {
        "dead_writer_here": f".t.jsonl.{here}-{finished.pid}-{hex32}.tmp",
        "live_writer_here": f".t.jsonl.{here}-{os.getpid()}-{hex32}.tmp",
        "other_host_recent": f".t.jsonl.{elsewhere}-{finished.pid}-{hex32}.tmp",
        "other_host_idle": f".t.jsonl.{elsewhere}-1-{'cd' * 16}.tmp",
        "earlier_form_recent": f".t.jsonl.{hex32}.tmp",
        "earlier_form_idle": f".t.jsonl.{'cd' * 16}.tmp",
        "not_ours": ".t.jsonl.whatever.tmp",
    }
    for key, name in names.items():
        (tmp_path / name).write_text(key)
    two_days_ago = time.time() - 2 * 86400
    for key in ("other_host_idle", "earlier_form_idle"):
        os.utime(tmp_path / names[key], (two_days_ago, two_days_ago))

    removed = remove_abandoned_temp_files(resolve_output_path(str(tmp_path / "t.jsonl"), None))

    gone = {key for key, name in names.items() if not (tmp_path / name).exists()}
    assert gone == {"dead_writer_here", "other_host_idle", "earlier_form_idle"}
    assert sorted(Path(p).name for p in removed) == sorted(names[key] for key in gone)


# -- point 17: names from OCP never take a file out of the output path ---------------------------------------------


def test_a_cluster_name_from_ocp_cannot_climb_out_of_the_output_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider_ocp.testing import ClusterSpec

    hostile = dataclasses.replace(ClusterSpec.synthetic(1, tasks_per_tenant=2), name="../../escaped")
    base = tmp_path / "reports" / "ocp"
    with OCPEmulator(clusters=[hostile]) as emu:
        use_emulator(monkeypatch, emu)
        dag = extraction_dag(
            "ocp_i21_climb",
            cluster_name="../../escaped",
            output_path=f"file://{base}/{{{{ ocp_cluster_name }}}}/t.jsonl",
        )
        result = run_dag(dag, logical_date=DAY_END)
        operator = dag.task_dict["extract"]
        with pytest.raises(OCPInputError) as info:  # output_path is rendered, and checked, with the other fields
            operator.render_template_fields(DAY)
    assert result.state == "failed"
    assert [str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()] == []
    assert "ocp_cluster_name is '../../escaped'" in str(info.value) and "'..'" in str(info.value)
    assert f"file://{base}/" in str(info.value)


def test_ocp_partition_names_the_data_interval_or_else_the_run() -> None:
    from airflow_provider_ocp.operators.template_variables import Partition

    assert str(Partition(DAY_START, "scheduled__x")) == "date=2024-08-06"
    assert Partition(DAY_START, "scheduled__x")("date=%Y-%m-%d/hour=%H") == "date=2024-08-06/hour=00"
    run_id = "manual__2024-08-07T06:00:00+00:00"
    assert str(Partition(None, run_id)) == f"run_id={run_id}"
    assert Partition(None, run_id)("date=%Y-%m-%d/hour=%H") == f"run_id={run_id}"  # whatever the layout
    assert str(Partition(None, "../../up")) == "run_id=.._.._up"  # one segment, below the base
    with pytest.raises(OCPInputError, match="ocp_window_start"):
        str(Partition(None, None))


def test_any_template_value_climbing_out_of_the_fixed_base_fails() -> None:
    from airflow_provider_ocp.operators.template_variables import check_below_base

    template = "s3://bucket/ocp/{{ params.team }}/date={{ ds }}/t.jsonl"
    with pytest.raises(OCPInputError, match=r"leaves 's3://bucket/ocp/' through a '\.\.' segment\. "):
        check_below_base(template, "s3://bucket/ocp/../other-team/date=2024-08-06/t.jsonl", {"ocp_cluster_id": 1})
    check_below_base(template, "s3://bucket/ocp/a..b/date=2024-08-06/t.jsonl", {})  # not a '..' segment
    check_below_base("/data/../ocp/{{ ds }}/t.jsonl", "/data/../ocp/2024-08-06/t.jsonl", {})  # the user's own base


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


def test_the_example_dag_gives_a_run_without_a_logical_date_its_own_partition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """example_dags/example_ocp_log_backup_extract.py, as the README shows it: a day's run, then a manual trigger
    without a logical date; the day's file keeps its 48 tasks and the manual run gets a partition of its own."""
    from dag_support import load_example, register_dag

    with deterministic_emulator() as emu:
        use_emulator(monkeypatch, emu)
        cluster = emu.cluster_ids[0]
        module = load_example(
            "example_ocp_log_backup_extract",
            monkeypatch,
            OCP_EXTRACT_BASE_URL=f"file://{tmp_path}",
            OCP_EXTRACT_CLUSTER_ID=str(cluster),
        )
        register_dag(module.dag)
        day_run = module.dag.test(logical_date=DAY_END)
        day_file = tmp_path / f"cluster_id={cluster}" / "date=2024-08-06" / "log_backup_tasks.jsonl"
        before = digest(day_file)
        manual_run = module.dag.test(logical_date=None, run_after=SIX_HOURS_LATER)
    assert str(day_run.state) == str(manual_run.state) == "success"
    assert digest(day_file) == before and len(read_jsonl(str(day_file))) == 48
    manual_file = tmp_path / f"cluster_id={cluster}" / f"run_id={manual_run.run_id}" / "log_backup_tasks.jsonl"
    assert {r["windowStart"] for r in read_jsonl(str(manual_file))} == {"2024-08-06T06:00:00Z"}
