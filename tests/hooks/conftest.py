"""Fixtures of the hook tests: a hook connected to an emulator (``test_hook_*.py``); for the TLS tests
(``test_security_tls_*.py``) a self-signed certificate for loopback, the emulator serving HTTPS with it, and every
request either client tries to send."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hook_emulator_support import FAST
from tls_support import make_self_signed_cert

from airflow_provider_ocp.hooks.ocp import OCPAsyncHook, OCPHook
from airflow_provider_ocp.testing import OCPEmulator


@pytest.fixture
def connect(monkeypatch: pytest.MonkeyPatch) -> Callable[..., OCPHook]:
    """Point ``ocp_default`` at an emulator and return a fresh hook."""

    def make(emu: OCPEmulator, auth_type: str = "basic", **extra: object) -> OCPHook:
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emu.airflow_connection_json(auth_type, **{**FAST, **extra}))
        return OCPHook()

    return make


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    return make_self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def https_emu(cert: tuple[str, str]) -> Iterator[OCPEmulator]:
    with OCPEmulator(certfile=cert[0], keyfile=cert[1], tenants=2, tasks_per_tenant=2) as emu:
        assert emu.url.startswith("https://127.0.0.1:")
        yield emu


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every request either client tries to send (TLS failures never reach the emulator's request log)."""
    sent: list[str] = []
    sync_send, async_send = OCPHook._send, OCPAsyncHook._send

    def counting_sync(self: OCPHook, request: Any) -> Any:
        sent.append(request.target)
        return sync_send(self, request)

    async def counting_async(self: OCPAsyncHook, request: Any) -> Any:
        sent.append(request.target)
        return await async_send(self, request)

    monkeypatch.setattr(OCPHook, "_send", counting_sync)
    monkeypatch.setattr(OCPAsyncHook, "_send", counting_async)
    return sent
