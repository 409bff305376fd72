"""TLS against the emulator over HTTPS with a self-signed certificate, for the sync hook and the async client (the
deferrable sensor's trigger: ``test_security_tls_trigger.py``; the fixtures: ``conftest.py``).

Verification is on by default and fails at once (no retry, nothing reaches OCP) with a message naming the CA and the
``ca_bundle`` extra; ``ca_bundle`` makes it pass; ``verify: false`` passes and logs a warning. A CA bundle configured
in the environment (``REQUESTS_CA_BUNDLE``, as corporate images set) must not override the connection's choice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import certifi
import pytest
from tls_hook_support import CA_HINT, FAST

from airflow_provider_ocp.exceptions import OCPAPIError, OCPInputError
from airflow_provider_ocp.hooks.ocp import OCPAsyncHook, OCPHook
from airflow_provider_ocp.testing import OCPEmulator

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")  # verify=false, on purpose


def sync_read(hook: OCPHook, cluster: int) -> list[dict[str, Any]]:
    return list(hook.iter_log_backup_tasks(cluster))


def async_read(hook: OCPHook, cluster: int) -> list[dict[str, Any]]:
    async def go() -> list[dict[str, Any]]:
        async with OCPAsyncHook(settings=hook.settings) as client:
            return (await client.get_log_backup_snapshot(cluster)).tasks

    return asyncio.run(go())


CLIENTS: dict[str, Callable[[OCPHook, int], list[dict[str, Any]]]] = {
    "sync_hook": sync_read,
    "async_client": async_read,
}


def connect(monkeypatch: pytest.MonkeyPatch, emu: OCPEmulator, **extra: Any) -> OCPHook:
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emu.airflow_connection_json("basic", **FAST, **extra))
    return OCPHook()


@pytest.mark.parametrize("client", CLIENTS)
def test_default_verification_refuses_a_self_signed_certificate(
    https_emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, attempts: list[str], client: str
) -> None:
    hook = connect(monkeypatch, https_emu)
    assert hook.settings.verify is True
    with pytest.raises(OCPAPIError) as info:
        CLIENTS[client](hook, https_emu.cluster_ids[0])
    error = info.value
    assert "TLS verification of OCP's certificate failed" in str(error) and CA_HINT in str(error)
    assert "certificate verify failed" in str(error)
    assert not error.retryable and error.status is None
    assert len(attempts) == 1  # no retry: a certificate does not fix itself
    assert https_emu.requests == []  # nothing (no credentials) was sent over the unverified channel


@pytest.mark.parametrize("client", CLIENTS)
def test_ca_bundle_in_the_connection_makes_it_pass(
    https_emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, cert: tuple[str, str], client: str
) -> None:
    hook = connect(monkeypatch, https_emu, ca_bundle=cert[0])
    assert hook.settings.verify == cert[0]
    tasks = CLIENTS[client](hook, https_emu.cluster_ids[0])
    assert len(tasks) == len(https_emu.expected_tasks(https_emu.cluster_ids[0])) == 4


@pytest.mark.parametrize("client", CLIENTS)
def test_verify_false_passes_and_logs_a_warning(
    https_emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, client: str
) -> None:
    hook = connect(monkeypatch, https_emu, verify=False)
    tasks = CLIENTS[client](hook, https_emu.cluster_ids[0])
    assert len(tasks) == 4
    warnings = [r for r in caplog.records if "TLS certificate verification is OFF" in r.getMessage()]
    assert warnings and warnings[0].levelname == "WARNING"
    assert "ca_bundle" in warnings[0].getMessage()  # it names the safe alternative


@pytest.mark.parametrize(
    ("extra", "passes"),
    [({"ca_bundle": "CERT"}, True), ({"verify": False}, True), ({}, False)],
    ids=["ca_bundle", "verify-false", "default"],
)
@pytest.mark.parametrize("client", CLIENTS)
def test_environment_ca_bundles_do_not_override_the_connection(
    https_emu: OCPEmulator,
    monkeypatch: pytest.MonkeyPatch,
    cert: tuple[str, str],
    client: str,
    extra: dict[str, Any],
    passes: bool,
) -> None:
    """``REQUESTS_CA_BUNDLE``/``SSL_CERT_FILE`` (public CAs only here) apply to the default, never over the extra."""
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.setenv(variable, certifi.where())
    extra = {key: cert[0] if value == "CERT" else value for key, value in extra.items()}
    hook = connect(monkeypatch, https_emu, **extra)
    if passes:
        assert len(CLIENTS[client](hook, https_emu.cluster_ids[0])) == 4
    else:
        with pytest.raises(OCPAPIError, match="ca_bundle"):
            CLIENTS[client](hook, https_emu.cluster_ids[0])


@pytest.mark.parametrize("client", CLIENTS)
def test_default_verification_trusts_the_environments_ca_bundle(
    https_emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, cert: tuple[str, str], client: str
) -> None:
    """With no extra, both clients honour the CA bundle the worker's environment names (a corporate CA)."""
    for variable in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.setenv(variable, cert[0])
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    hook = connect(monkeypatch, https_emu)
    assert len(CLIENTS[client](hook, https_emu.cluster_ids[0])) == 4


@pytest.mark.parametrize("client", CLIENTS)
def test_a_missing_ca_bundle_is_named_with_its_extra_before_anything_is_sent(
    https_emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, client: str
) -> None:
    """A typo in ``ca_bundle``: a task failure naming the file and the extra (not ``[Errno 2]`` alone, no retries)."""
    missing = str(tmp_path / "no-such-ca.pem")
    hook = connect(monkeypatch, https_emu, ca_bundle=missing)
    with pytest.raises(OCPInputError) as info:
        CLIENTS[client](hook, https_emu.cluster_ids[0])
    assert missing in str(info.value) and "connection extra 'ca_bundle'" in str(info.value)
    assert https_emu.requests == []


@pytest.mark.parametrize("client", CLIENTS)
def test_a_ca_bundle_that_is_not_pem_fails_naming_the_extra(
    https_emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, client: str
) -> None:
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    hook = connect(monkeypatch, https_emu, ca_bundle=str(garbage))
    with pytest.raises((OCPInputError, OCPAPIError)) as info:
        CLIENTS[client](hook, https_emu.cluster_ids[0])
    assert "'ca_bundle'" in str(info.value)
    assert getattr(info.value, "retryable", False) is False
    assert https_emu.requests == []


def test_certificate_fixture_is_for_loopback(cert: tuple[str, str]) -> None:
    assert Path(cert[0]).read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert oct(Path(cert[1]).stat().st_mode & 0o777) == "0o600"
