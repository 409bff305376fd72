"""The extraction task process killed with SIGKILL in the middle of writing: nothing at the final path, and the rerun
completes with the full content (removing what the killed run left behind).

The extraction runs in a real subprocess (``OCPLogBackupTasksOperator.execute`` in storage mode). The emulator holds
page 4 back, so pages 1-3 are already in the temporary file when the process is killed: no ``finally``, no
``except``, no atexit handler runs, exactly as when the OOM killer or a node failure ends a worker.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from task_oracle import json_record

from airflow_provider_ocp.operators.log_backup import OCPLogBackupTasksOperator
from airflow_provider_ocp.testing import OCPEmulator

START, END = datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc)
PAGE_SIZE = 20
TOTAL = 200

EXTRACT = """
import sys
from datetime import datetime, timezone
from airflow_provider_ocp.operators.log_backup import OCPLogBackupTasksOperator

operator = OCPLogBackupTasksOperator(
    task_id="extract", cluster_id=int(sys.argv[1]), output_path=sys.argv[2], page_size=int(sys.argv[3])
)
print("STARTED", flush=True)
window = {
    "data_interval_start": datetime(2000, 1, 1, tzinfo=timezone.utc),
    "data_interval_end": datetime(2100, 1, 1, tzinfo=timezone.utc),
}
print("DONE", operator.execute(window), flush=True)
"""


def wait_for(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def temp_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.name.endswith(".tmp")) if directory.exists() else []


def test_sigkill_mid_write_leaves_nothing_at_the_final_path_and_the_rerun_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "cluster_id=1" / "log_backup_tasks.jsonl"
    with OCPEmulator(tenants=2, tasks_per_tenant=TOTAL // 2) as emu:
        emu.clock.freeze()  # current tasks' checkpoints stay put, so both runs see identical records
        cluster = emu.cluster_ids[0]
        expected = [json_record(r) for r in emu.expected_tasks(cluster)]
        assert len(expected) == TOTAL
        conn = emu.airflow_connection_json("basic", concurrency=1, max_retries=1, retry_backoff=0.01)
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", conn)
        emu.faults.add("slow", times=1, page=4, seconds=120)  # page 4 hangs until the emulator stops

        env = {**os.environ, "AIRFLOW_CONN_OCP_DEFAULT": conn}
        process = subprocess.Popen(
            [sys.executable, "-c", EXTRACT, str(cluster), str(target), str(PAGE_SIZE)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            # Mid-file: pages 1-3 (60 records) have reached the temporary file, page 4 is pending.
            def mid_file() -> bool:
                answered = {r.params["page"] for r in emu.requests if "logBackupTasks" in r.path}
                written = any(p.stat().st_size > 0 for p in temp_files(target.parent))
                return (answered == {"1", "2", "3"} and written) or process.poll() is not None

            wait_for(mid_file, 90, "the extraction to write its first pages")
            assert process.poll() is None, process.communicate()[0]
            time.sleep(0.2)  # page 3 handed to the writer, page 4 requested and hanging
            os.kill(process.pid, signal.SIGKILL)
            assert process.wait(timeout=30) == -signal.SIGKILL
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
        output = process.stdout.read() if process.stdout else ""
        assert "DONE" not in output

        # Nothing at the final path; the killed run's partial temporary file is all that is left.
        assert not target.exists()
        (partial,) = temp_files(target.parent)
        written = partial.read_bytes().count(b"\n")
        assert 0 < written < TOTAL

        # The rerun (a task retry, or the next attempt of the same interval) completes and cleans up.
        emu.faults.clear()
        summary = OCPLogBackupTasksOperator(
            task_id="extract", cluster_id=cluster, output_path=str(target), page_size=PAGE_SIZE
        ).execute({"data_interval_start": START, "data_interval_end": END})  # type: ignore[arg-type]

    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert summary["records"] == TOTAL == len(lines)
    assert [{k: v for k, v in r.items() if not k.startswith("window")} for r in lines] == expected
    assert os.listdir(target.parent) == [target.name]  # the stale temporary file is gone
