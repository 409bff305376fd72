"""TLS against the emulator over HTTPS with a self-signed certificate, for the deferrable sensor's trigger (the sync
hook and the async client: ``test_security_tls_clients.py``; the fixtures: ``conftest.py``).

In the triggerer a failed verification of the certificate, or a ``ca_bundle`` that cannot be loaded, is an ``error``
event on the first poll, not a retry loop; with the ``ca_bundle`` extra the trigger passes.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from tls_hook_support import CA_HINT, FAST

from airflow_provider_ocp.log_backup.gate import GateCriteria
from airflow_provider_ocp.testing import OCPEmulator
from airflow_provider_ocp.triggers.log_backup import OCPLogBackupDelayTrigger

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")  # verify=false, on purpose


def first_event(emu: OCPEmulator, **arguments: Any) -> dict[str, Any]:
    """The first event of a gate on ``emu``'s first cluster whose delay rule would hold at once (max_delay 10,000 s)."""
    trigger = OCPLogBackupDelayTrigger(
        cluster_id=emu.cluster_ids[0], criteria=GateCriteria.build(max_delay=10_000).to_dict(), **arguments
    )

    async def first() -> dict[str, Any]:
        return (await asyncio.wait_for(anext(trigger.run()), 30)).payload

    return asyncio.run(first())


def test_deferred_sensor_trigger_reports_the_ca_problem_at_once(
    https_emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, attempts: list[str]
) -> None:
    """In the triggerer a TLS failure is an ``error`` event on the first poll, not a retry loop."""
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", https_emu.airflow_connection_json("basic", **FAST))
    payload = first_event(https_emu, poke_interval=0.1, max_consecutive_failures=5)
    assert payload["status"] == "error" and "non-retryable" in payload["message"]
    assert CA_HINT in payload["message"]
    assert len(attempts) == 1 and https_emu.requests == []
    json.dumps(payload)  # the event crosses the triggerer's database


def test_trigger_turns_an_unloadable_ca_bundle_into_an_error_event(
    https_emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = str(tmp_path / "no-such-ca.pem")
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", https_emu.airflow_connection_json("basic", ca_bundle=missing))
    payload = first_event(https_emu, poke_interval=0.05)
    assert payload["status"] == "error" and missing in payload["message"]
    assert https_emu.requests == []


def test_trigger_passes_with_the_ca_bundle(
    https_emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, cert: tuple[str, str]
) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_OCP_DEFAULT", https_emu.airflow_connection_json("basic", ca_bundle=cert[0], **FAST)
    )
    assert first_event(https_emu, poke_interval=0.05)["status"] == "caught_up"
