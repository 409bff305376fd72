"""Fixtures of the credential leak tests (tests/reliability/credential_leaks/test_security_secrets_*.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from credential_leak_support import ACCESS_KEY_ID, ACCESS_KEY_SECRET, PASSWORD
from operator_support import DAY_END, TASK_INTERVAL

from airflow_provider_ocp.testing import OCPEmulator


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
