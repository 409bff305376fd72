"""docs/reliability.md stays in step with the tests: every test it cites exists, every emulator fault is in it."""

from __future__ import annotations

import re
from pathlib import Path

from airflow_provider_ocp.testing import FAULT_KINDS

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "reliability.md"


def test_every_cited_test_exists() -> None:
    text = PAGE.read_text(encoding="utf-8")
    cited = set(re.findall(r"`(test_[a-z0-9_]+)(?:`|\[)", text))
    defined = {
        name
        for path in (ROOT / "tests").rglob("test_*.py")
        for name in re.findall(r"^(?:async )?def (test_[a-z0-9_]+)", path.read_text(encoding="utf-8"), re.M)
    }
    assert len(cited) > 30
    assert cited <= defined, f"cited but not defined: {sorted(cited - defined)}"


def test_every_cited_test_file_exists_and_every_emulator_fault_is_covered() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for path in re.findall(r"`(tests/(?:[a-z_]+/)?test_[a-z_*]+\.py)`", text):
        assert list(ROOT.glob(path)), path
    missing = [kind for kind in FAULT_KINDS if f"`{kind}" not in text]
    assert missing == []
