"""Bad connections, extreme datetimes and unwritable outputs (issue 12): a clear error naming the field, before any
request, with no secret in it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hostile_server import PASSWORD, hostile_server, page, send
from operator_support import DAY_END, deterministic_emulator, extraction_dag, run_dag, use_emulator

from airflow_provider_ocp.exceptions import OCPInputError
from airflow_provider_ocp.hooks.ocp import OCPHook
from airflow_provider_ocp.testing import OCPEmulator

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)

SECRET = "pw-" + PASSWORD


@pytest.fixture
def server() -> Iterator[Any]:
    """Counts requests: every case below must fail before the first one."""
    with hostile_server(lambda handler, seen: send(handler, 200, page([], 1, 0, 0))) as started:
        yield started


def connection(monkeypatch: pytest.MonkeyPatch, **fields: Any) -> None:
    """The ``ocp_default`` connection, from an environment variable as users define it.

    Extras given as raw text (what the UI or a secrets backend may hold) are handed over as a Connection whose
    ``extra`` is that text: Airflow 3.0 and 3.1 refuse such an environment variable themselves, before any provider
    code runs, while later lines pass it on; the provider must refuse it on every line.
    """
    conn = {"conn_type": "ocp", "login": "reader", "password": SECRET, **fields}
    if isinstance(conn.get("extra"), str):
        from airflow.providers.common.compat.sdk import Connection

        stored = Connection(conn_id="ocp_default", **conn)
        monkeypatch.setattr(OCPHook, "get_connection", classmethod(lambda cls, conn_id: stored))
        return
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", json.dumps(conn))


CASES = {
    "ftp-with-credentials": ({"host": "ftp://u:{secret}@ocp.example.com"}, "carries credentials"),
    "http-with-credentials": ({"host": "http://u:{secret}@127.0.0.1:{port}"}, "carries credentials"),
    "extra-not-json": ({"host": "{url}", "extra": '{"auth_type": "access_key", '}, "extra field is not valid JSON"),
    "extra-a-list": ({"host": "{url}", "extra": '["access_key"]'}, "extra field is a JSON list"),
    "timeout-huge": ({"host": "{url}", "extra": {"timeout": 1e300}}, "extra field 'timeout'"),
    "deadline-zero": ({"host": "{url}", "extra": {"request_deadline": 0}}, "extra field 'request_deadline'"),
    "cap-tiny": ({"host": "{url}", "extra": {"max_response_bytes": 10}}, "extra field 'max_response_bytes'"),
    "proxy-no-scheme": ({"host": "{url}", "extra": {"proxy": "proxy.example:3128"}}, "extra field 'proxy'"),
    "proxy-bad-port": ({"host": "{url}", "extra": {"proxy": "http://proxy:99999"}}, "extra field 'proxy'"),
    "proxies-entry": (
        {"host": "{url}", "extra": {"proxies": {"https": "ftp://u:{secret}@proxy"}}},
        "extra field 'proxies.https'",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_connection_fields_fail_naming_the_field_before_any_request(
    server: Any, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    fields, fragment = CASES[case]
    port = server.url.rsplit(":", 1)[1]
    rendered = json.loads(
        json.dumps(fields).replace("{url}", server.url).replace("{port}", port).replace("{secret}", SECRET)
    )
    connection(monkeypatch, **rendered)
    with pytest.raises(OCPInputError) as info:
        list(OCPHook().iter_log_backup_tasks(1000001))
    assert fragment in str(info.value)
    assert SECRET not in str(info.value) and PASSWORD not in str(info.value)
    assert server.seen == []


def test_an_access_key_connection_with_broken_extras_never_sends_the_key_as_a_password(
    server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Airflow reads unparseable extras as {}: basic auth would then carry the AccessKey secret."""
    connection(monkeypatch, host=server.url, extra='{"auth_type": "access_key",}')
    with pytest.raises(OCPInputError, match="not valid JSON"):
        list(OCPHook().iter_log_backup_tasks(1000001))
    assert server.seen == []


@pytest.mark.parametrize(
    "moment",
    [
        datetime.min.replace(tzinfo=timezone(timedelta(hours=5))),
        datetime.max.replace(tzinfo=timezone(timedelta(hours=-5))),
        datetime.max.replace(tzinfo=timezone.utc),
    ],
    ids=["min+05:00", "max-05:00", "max-utc"],
)
def test_extreme_datetimes_are_input_errors(server: Any, monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    connection(monkeypatch, host=server.url)
    end = datetime(2024, 8, 6, tzinfo=timezone.utc)
    start, stop = (moment, end) if moment.year == 1 else (end, moment)
    with pytest.raises(OCPInputError, match="outside the times OCP can take"):
        list(OCPHook().iter_log_backup_tasks(1000001, start, stop))
    assert server.seen == []


# -- 12. an output directory the worker cannot write ----------------------------------------------------------------


def make_unwritable(directory: Path) -> None:
    """Root ignores permission bits, so as root mark the directory immutable (ext4 and most Linux file systems)."""
    if os.geteuid() != 0:
        directory.chmod(0o555)
        return
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.fail("running as root without chattr: cannot make a directory unwritable for root")
    subprocess.run([chattr, "+i", str(directory)], check=True)


def make_writable(directory: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run([shutil.which("chattr") or "chattr", "-i", str(directory)], check=True)
    directory.chmod(0o755)


@pytest.mark.usefixtures("airflow_db")
def test_an_unwritable_output_directory_is_named_by_output_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "locked"
    target.mkdir()
    make_unwritable(target)
    probe = target / "probe"
    try:
        with pytest.raises(OSError):
            probe.write_text("x")  # the set-up really denies writing, for this user
        with deterministic_emulator() as emu:
            emu_run = _extract_into(emu, monkeypatch, str(target / "tasks.jsonl"))
    finally:
        make_writable(target)
    assert emu_run.state == "failed"
    assert os.listdir(target) == []


def _extract_into(emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, path: str) -> Any:
    use_emulator(monkeypatch, emu)
    dag = extraction_dag("ocp_unwritable_output", cluster_id=emu.cluster_ids[0], output_path=path)
    return run_dag(dag, logical_date=DAY_END)


def test_the_error_names_output_path_not_the_temporary_file(tmp_path: Path) -> None:
    from airflow_provider_ocp.operators.storage import atomic_output, resolve_output_path

    target = tmp_path / "locked"
    target.mkdir()
    make_unwritable(target)
    try:
        with pytest.raises(OCPInputError) as info, atomic_output(resolve_output_path(str(target / "t.jsonl"), None)):
            pass
    finally:
        make_writable(target)
    message = str(info.value)
    assert "Cannot write output_path " in message and str(target / "t.jsonl") in message and ".tmp" not in message
