"""No credential leaks: the example DAGs under ``dag.test()`` with both auth modes, and the provider's objects.

Everything a user or an attacker with log access could see is captured: every log record (``caplog`` at DEBUG), the
process's stdout/stderr (``capfd``: Airflow's structlog task logs), task log files under ``AIRFLOW_HOME/logs``, the
rendered template fields, every XCom, trigger rows and task instances' ``next_kwargs``, and exception texts. None may
contain the password, the AccessKey secret, the ``Authorization`` header of any request, or any signature the
provider computed. The signatures are recomputed from what the emulator received, so the search is for the real ones.

Faults are injected (a 503 and a dropped connection) so the retry warnings, which quote errors, are in the logs too.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import pickle
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import pytest
from dag_support import load_example
from operator_support import DAY_END, TASK_INTERVAL, register_dag

from airflow_provider_ocp.client.auth import ACCESS_KEY_SCHEME, compute_signature
from airflow_provider_ocp.client.request import build_request
from airflow_provider_ocp.exceptions import OCPAPIError
from airflow_provider_ocp.hooks.ocp import OCPAsyncHook, OCPHook
from airflow_provider_ocp.log_backup.gate import GateCriteria
from airflow_provider_ocp.testing import Authenticator, OCPEmulator
from airflow_provider_ocp.triggers.log_backup import OCPLogBackupDelayTrigger

EXAMPLES = Path(__file__).resolve().parents[2] / "example_dags"
PASSWORD = "Pw/0f+Sekr1t=Basic%Auth"  # URL syntax inside, so encoded forms are searched as well
ACCESS_KEY_ID = "AKID-public-part"
ACCESS_KEY_SECRET = "AK+s3cret/Only=Here_987"
FAST = {"max_retries": 3, "retry_backoff": 0.01, "retry_max_wait": 0.05}
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


def forms(secret: str) -> set[str]:
    """A secret and the encodings in which it could slip into text."""
    return {secret, quote(secret, safe=""), quote(secret), base64.b64encode(secret.encode()).decode()}


def sent_secrets(emu: OCPEmulator, auth_type: str) -> set[str]:
    """Every Authorization value the emulator received, and for AccessKey each signature, recomputed and checked."""
    found: set[str] = set()
    for recorded in emu.requests:
        header = recorded.header("Authorization")
        assert header, "every request carries credentials"
        found.add(header)
        scheme, _, credentials = header.partition(" ")
        found.add(credentials)
        if auth_type == "access_key":
            assert scheme == ACCESS_KEY_SCHEME
            signature = credentials.split(":", 1)[1]
            secret = emu.auth.access_keys.get(ACCESS_KEY_ID, "")
            if recorded.status != 401:  # accepted: the provider computed exactly this signature
                assert compute_signature(secret, Authenticator.string_to_sign(recorded)) == signature
            found.add(signature)
    return found


@dataclass
class Evidence:
    """Text from every place a secret could surface."""

    parts: dict[str, str] = field(default_factory=dict)

    def add(self, where: str, text: object) -> None:
        self.parts[where] = self.parts.get(where, "") + "\n" + str(text)

    def assert_clean(self, secrets: set[str]) -> None:
        for secret in secrets:
            assert len(secret) >= 8, secret  # long enough that a hit is a leak, not a coincidence
            for where, text in self.parts.items():
                assert secret not in text, f"secret {secret[:4]}... found in {where}"


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


@pytest.fixture
def emu() -> Iterator[OCPEmulator]:
    """Distinctive credentials; 60 tasks ending at DAY_END for the extraction; current tasks 1 s behind."""
    with OCPEmulator(
        tenants=2,
        tasks_per_tenant=30,
        task_interval=TASK_INTERVAL,
        history_end=DAY_END,
        delay=1.0,
        users={"reader": PASSWORD},
        access_keys={ACCESS_KEY_ID: ACCESS_KEY_SECRET},
    ) as emulator:
        yield emulator


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


# -- exception texts and repr() of the provider's objects ---------------------------------------------------------


@pytest.mark.parametrize("auth_type", ["basic", "access_key"])
def test_errors_and_reprs_carry_no_credentials(
    emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, auth_type: str
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = PASSWORD if auth_type == "basic" else ACCESS_KEY_SECRET
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emu.airflow_connection_json(auth_type, **FAST))
    evidence = Evidence()
    hook = OCPHook()
    assert list(hook.iter_log_backup_tasks(emu.cluster_ids[0], page_size=50))
    request = build_request(hook.settings, "/ob/clusters", [("page", "1")])
    client = OCPAsyncHook(settings=hook.settings)
    trigger = OCPLogBackupDelayTrigger(
        cluster_id=emu.cluster_ids[0], criteria=GateCriteria.build(max_delay=5).to_dict()
    )
    for name, obj in {
        "hook": hook,
        "settings": hook.settings,
        "request": request,
        "async client": client,
        "retry policy": hook.retry_policy,
        "trigger": trigger,
        "trigger.serialize()": trigger.serialize(),
    }.items():
        evidence.add(f"repr({name})", repr(obj))
        evidence.add(f"str({name})", str(obj))
    for name, value in vars(hook).items():  # everything the hook keeps (settings, session, policy...)
        evidence.add(f"hook.{name}", repr(value))
    evidence.add("session headers", hook.session.headers)
    evidence.add("session auth", hook.session.auth)

    # Exception texts: every kind of failure, including one whose body echoes the secret (and, for basic auth, the
    # Authorization header, which is the same on every request).
    failures: list[BaseException] = []
    echoed = request.headers["Authorization"] if auth_type == "basic" else ""
    emu.faults.add("http_error", times=None, status=500, message=f"{secret} {echoed}")
    with pytest.raises(OCPAPIError) as info:
        list(OCPHook().iter_log_backup_tasks(emu.cluster_ids[0]))
    failures.append(info.value)
    emu.faults.clear()
    for kind in ("drop_connection", "truncated_json", "html_200"):
        emu.faults.add(kind, times=None)  # type: ignore[arg-type]
        with pytest.raises(OCPAPIError) as info:
            list(OCPHook().iter_log_backup_tasks(emu.cluster_ids[0]))
        failures.append(info.value)
        emu.faults.clear()
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emu.airflow_connection_json(auth_type, password="Wr0ng-" + secret))
    with pytest.raises(OCPAPIError) as info:
        list(OCPHook().iter_log_backup_tasks(emu.cluster_ids[0]))
    failures.append(info.value)

    async def async_failure() -> None:
        async with OCPAsyncHook(settings=OCPHook().settings) as async_client:
            await async_client.get_log_backup_snapshot(emu.cluster_ids[0])

    with pytest.raises(OCPAPIError) as info:
        asyncio.run(async_failure())
    failures.append(info.value)
    ok, message = OCPHook().test_connection()
    assert not ok
    evidence.add("test_connection message", message)
    for error in failures:
        evidence.add("exception", f"{error}\n{error!r}\n{error.args!r}\n{vars(error)!r}")
        evidence.add("pickled exception", pickle.loads(pickle.dumps(error)))
    evidence.add("log records", "\n".join(r.getMessage() for r in caplog.records))

    assert "HTTP 500" in "\n".join(evidence.parts.values())  # the echoing error was captured
    secrets = forms(secret) | forms("Wr0ng-" + secret) | sent_secrets(emu, auth_type) | set(request.secrets)
    evidence.assert_clean(secrets)


@pytest.mark.parametrize("auth_type", ["basic", "access_key"])
def test_a_netrc_entry_never_replaces_the_connections_credentials(
    emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, auth_type: str
) -> None:
    """requests applies ``~/.netrc`` to any request without its own auth: the connection's must win, always."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login netrc-user password netrc-password-leak\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emu.airflow_connection_json(auth_type, **FAST))
    assert list(OCPHook().iter_log_backup_tasks(emu.cluster_ids[0]))
    (sent,) = emu.requests
    header = sent.header("Authorization") or ""
    assert header.startswith("Basic " if auth_type == "basic" else ACCESS_KEY_SCHEME)
    assert base64.b64encode(b"netrc-user:netrc-password-leak").decode() not in header
