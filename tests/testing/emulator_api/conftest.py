"""Fixtures of the OCP emulator's own tests (tests/testing/emulator_api/test_emulator_*.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from emulator_api_support import HISTORY_END

from airflow_provider_ocp.testing import OCPEmulator


@pytest.fixture
def emu() -> Iterator[OCPEmulator]:
    with OCPEmulator(history_end=HISTORY_END) as emulator:
        yield emulator
