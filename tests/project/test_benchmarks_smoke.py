"""Smoke check of the benchmark command: ``--quick`` completes and prints every table. Speed is never asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.benchmarks  # CPU-bound for about 35 s: a CI step of its own (scripts/test --benchmarks-smoke)
REPO_ROOT = Path(__file__).resolve().parents[2]


def test_benchmarks_quick_run_prints_every_table(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--results-dir", str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for heading in (
        "### 1. Throughput",
        "### 2. Memory",
        "### 3. Triggerer",
        "### 4. Parse cost",
        "### 5. Fleet",
        "### Targets",
    ):
        assert heading in done.stdout
    assert (tmp_path / "summary.md").exists()
