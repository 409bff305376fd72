"""Issue 21, point 9, and point 8's second check, on real files: two runs writing one path at once both complete, a
run removes only temporary files provably abandoned, and a file another window's run wrote meanwhile is not replaced
at the commit.

Runs are ``execute`` calls against the emulator; the second writer of point 9 is a real separate process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from operator_support import deterministic_emulator, expected_records, read_jsonl, use_emulator
from output_window_support import DAY, digest, manual_context

from airflow_provider_ocp.exceptions import OCPInputError
from airflow_provider_ocp.operators.log_backup import OCPLogBackupTasksOperator
from airflow_provider_ocp.testing import OCPEmulator

pytestmark = pytest.mark.usefixtures("airflow_db")


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


# -- point 8: the check just before the commit -------------------------------------------------------------------


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
