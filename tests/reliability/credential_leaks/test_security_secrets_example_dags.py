"""No credential leaks: the example DAGs under ``dag.test()`` with both auth modes, and the provider's objects.

Everything a user or an attacker with log access could see is captured: every log record (``caplog`` at DEBUG), the
process's stdout/stderr (``capfd``: Airflow's structlog task logs), task log files under ``AIRFLOW_HOME/logs``, the
rendered template fields, every XCom, trigger rows and task instances' ``next_kwargs``, and exception texts. None may
contain the password, the AccessKey secret, the ``Authorization`` header of any request, or any signature the
provider computed. The signatures are recomputed from what the emulator received, so the search is for the real ones.

Faults are injected (a 503 and a dropped connection) so the retry warnings, which quote errors, are in the logs too.
"""

from __future__ import annotations

import logging
import os
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from credential_leak_support import ACCESS_KEY_SECRET, FAST, PASSWORD, Evidence, forms, sent_secrets
from dag_support import load_example
from operator_support import DAY_END, register_dag

from airflow_provider_ocp.testing import OCPEmulator

AIRFLOW_MASK_REQUEST = re.compile(r"^.*\bmsg=MaskSecret\(value=.*$\n?", re.MULTILINE)
"""A line of Airflow 3.0's in-process task runner (``dag.test()``), which logs at DEBUG every message it sends its
supervisor: ``MaskSecret(value=<the secret>)`` is Airflow asking to mask the secret, not the provider printing it.
Airflow 3.1 on log such messages without their body."""


def airflow_console_only(text: str) -> str:
    """Console output without what Airflow 3.0 itself discloses there (from Airflow 3.1 on: the text unchanged).

    Airflow 3.0's console renderer prints a failed task's traceback with every frame's local variables (rich
    ``show_locals``; its JSON task log files leave them out, as Airflow 3.1 on does everywhere). The provider's own
    frames must hold the credentials to sign a request and the forms to redact, so those panels are dropped here, with
    the MaskSecret requests above; the exception's message, the log lines and everything else stay checked.

    :param text: captured stdout or stderr.
    """
    kept: list[str] = []
    in_locals = False
    for line in AIRFLOW_MASK_REQUEST.sub("", text).splitlines(keepends=True):
        if not in_locals and "╭" in line and " locals " in line:
            in_locals = True
        elif in_locals:
            in_locals = "╰" not in line
        else:
            kept.append(line)
    return "".join(kept)


def collect_run(evidence: Evidence, dag_id: str, run_id: str) -> dict[str, str]:
    """Rendered template fields, XComs, triggers and next_kwargs of a run; returns the task states."""
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.trigger import Trigger
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rendered = session.scalars(
            select(RenderedTaskInstanceFields).where(
                RenderedTaskInstanceFields.dag_id == dag_id, RenderedTaskInstanceFields.run_id == run_id
            )
        ).all()
        for row in rendered:
            evidence.add("rendered template fields", row.rendered_fields)
        xcoms = session.scalars(select(XComModel).where(XComModel.dag_id == dag_id, XComModel.run_id == run_id)).all()
        for row in xcoms:
            evidence.add("xcom", row.value)
        for trigger in session.scalars(select(Trigger)).all():
            evidence.add("trigger rows", trigger.kwargs)
        tis = session.scalars(
            select(TaskInstance).where(TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id)
        ).all()
        for ti in tis:
            evidence.add("task instance", (ti.next_kwargs, ti.next_method, ti.rendered_map_index))
        return {ti.task_id: str(ti.state) for ti in tis}


@pytest.mark.usefixtures("airflow_db")
@pytest.mark.parametrize("auth_type", ["basic", "access_key"])
def test_example_dags_leak_no_credential(
    emu: OCPEmulator,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    tmp_path: Path,
    auth_type: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    started = time.time()
    secret = PASSWORD if auth_type == "basic" else ACCESS_KEY_SECRET
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emu.airflow_connection_json(auth_type, **FAST))
    evidence = Evidence()
    cluster = emu.cluster_ids[0]

    # 1. The extraction example, storage mode, with a retried 503 and a dropped connection on the way.
    emu.faults.add("http_error", times=1, page=2, status=503, message=f"echo {secret}")
    emu.faults.add("drop_connection", times=1, page=3)
    extract = load_example(
        "example_ocp_log_backup_extract",
        monkeypatch,
        OCP_EXTRACT_BASE_URL=f"file://{tmp_path}/out",
        OCP_EXTRACT_CLUSTER_ID=str(cluster),
    ).dag
    extract.task_dict["extract_log_backup_tasks"].page_size = 10
    extract.task_dict["extract_log_backup_tasks"].retries = 0  # the example retries after 5 minutes
    register_dag(extract)
    run = extract.test(logical_date=DAY_END)
    states = collect_run(evidence, extract.dag_id, run.run_id)
    assert states == {"extract_log_backup_tasks": "success"}
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            evidence.add("extracted file", path.read_text())

    # 2. The restore gate example: deferred, so the trigger's async client signs requests too.
    emu.faults.add("http_error", times=1, status=502, body="html")
    gate_dag = load_example("example_ocp_restore_gate", monkeypatch).example_ocp_restore_gate()
    gate_dag.get_task("wait_for_log_backup").poke_interval = 0.3
    register_dag(gate_dag)
    # It waits for a checkpoint at or after the run's trigger time: OCP's clock, frozen, is set 5 minutes ahead
    # (within AccessKey's 15-minute Date skew), so the first poll's checkpoint (now - 1 s) is already past it.
    emu.clock.freeze(datetime.now(timezone.utc) + timedelta(minutes=5))
    run = gate_dag.test(run_conf={"cluster_id": cluster, "max_delay_seconds": 20})
    states = collect_run(evidence, gate_dag.dag_id, run.run_id)
    assert states == {"wait_for_log_backup": "success", "restore": "success"}, capfd.readouterr().out[-3000:]

    # 3. A failing run: wrong credentials (the wrong ones must not leak either), with the exception in the log.
    wrong = "Wr0ng/credential+value"
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emu.airflow_connection_json(auth_type, password=wrong, **FAST))
    run = extract.test(logical_date=DAY_END)
    states = collect_run(evidence, extract.dag_id, run.run_id)
    assert states == {"extract_log_backup_tasks": "failed"}

    captured = capfd.readouterr()
    evidence.add("stdout", airflow_console_only(captured.out))
    evidence.add("stderr", airflow_console_only(captured.err))
    evidence.add("log records", "\n".join(f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records))
    logs_dir = Path(os.environ["AIRFLOW_HOME"]) / "logs"
    for path in logs_dir.rglob("*") if logs_dir.exists() else []:
        if path.is_file() and path.stat().st_mtime >= started - 1:
            evidence.add(f"log file {path.name}", path.read_text(errors="replace"))

    # The captures really hold the runs (guards against asserting over empty text).
    everything = "\n".join(evidence.parts.values())
    assert "retry 1 of 3" in everything and "HTTP 503" in everything  # retry warnings quote the error
    assert "HTTP 401" in everything  # the failed run's exception
    assert "Would restore cluster" in everything
    assert len(emu.requests) >= 10

    secrets = forms(secret) | forms(wrong) | sent_secrets(emu, auth_type)
    if auth_type == "basic":
        secrets |= forms(f"reader:{PASSWORD}") | forms(f"reader:{wrong}")
    evidence.assert_clean(secrets)
