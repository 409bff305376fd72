"""Helpers of the OCPHook tests against the OCP emulator (tests/hooks/test_hook_*.py; their ``connect`` fixture is in
conftest.py)."""

from __future__ import annotations

from airflow_provider_ocp.testing import OCPEmulator

FAST = {"max_retries": 3, "retry_backoff": 0.01, "retry_max_wait": 0.05}


def api_requests(emu: OCPEmulator) -> list:
    return [r for r in emu.requests if "/api/v2/" in r.path]
