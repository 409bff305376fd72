"""Fixtures of the OCPHook tests against the OCP emulator (test_hook_*.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hook_emulator_support import FAST

from airflow_provider_ocp.hooks.ocp import OCPHook
from airflow_provider_ocp.testing import OCPEmulator


@pytest.fixture
def connect(monkeypatch: pytest.MonkeyPatch) -> Callable[..., OCPHook]:
    """Point ``ocp_default`` at an emulator and return a fresh hook."""

    def make(emu: OCPEmulator, auth_type: str = "basic", **extra: object) -> OCPHook:
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emu.airflow_connection_json(auth_type, **{**FAST, **extra}))
        return OCPHook()

    return make
