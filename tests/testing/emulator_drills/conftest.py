"""Fixtures of the emulator's drill endpoint tests (tests/testing/emulator_drills/test_emulator_drill_*.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from emulator_drills_support import HISTORY_END, NOW

from airflow_provider_ocp.testing import OCPEmulator


@pytest.fixture
def emu() -> Iterator[OCPEmulator]:
    with OCPEmulator(clusters=2, history_end=HISTORY_END, restricted_users={"viewer": "pw"}) as emulator:
        emulator.clock.freeze(NOW)
        yield emulator
