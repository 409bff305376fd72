"""Fixtures of the emulator's restore drill tests (tests/testing/emulator_restore/test_emulator_restore_*.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from emulator_restore_support import HISTORY_END, NOW

from airflow_provider_ocp.testing import OCPEmulator


@pytest.fixture
def emu() -> Iterator[OCPEmulator]:
    with OCPEmulator(clusters=2, history_end=HISTORY_END) as emulator:
        emulator.clock.freeze(NOW)
        yield emulator
