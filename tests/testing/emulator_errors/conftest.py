"""Fixtures of the emulator's error tests (tests/testing/emulator_errors/test_emulator_error_*.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from emulator_errors_support import HISTORY_END

from airflow_provider_ocp.testing import OCPEmulator


@pytest.fixture
def emu() -> Iterator[OCPEmulator]:
    with OCPEmulator(history_end=HISTORY_END, restricted_users={"viewer": "viewer-pw"}) as emulator:
        yield emulator
