"""No credential leaks from the provider's objects: exception texts and repr() of hooks, settings, requests and
triggers in both auth modes, and a ``~/.netrc`` entry never replacing the connection's credentials."""

from __future__ import annotations

import asyncio
import base64
import logging
import pickle
from pathlib import Path

import pytest
from credential_leak_support import ACCESS_KEY_SECRET, FAST, PASSWORD, Evidence, forms, sent_secrets

from airflow_provider_ocp.client.auth import ACCESS_KEY_SCHEME
from airflow_provider_ocp.client.request import build_request
from airflow_provider_ocp.exceptions import OCPAPIError
from airflow_provider_ocp.hooks.ocp import OCPAsyncHook, OCPHook
from airflow_provider_ocp.log_backup.gate import GateCriteria
from airflow_provider_ocp.testing import OCPEmulator
from airflow_provider_ocp.triggers.log_backup import OCPLogBackupDelayTrigger

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
