"""Helpers shared by the storage tests (tests/operators/test_storage_*.py): the scheduled day's context, a run
without a logical date six hours later, and a file's digest to prove it was left untouched."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from operator_support import DAY_END, DAY_START

DAY: Any = {"data_interval_start": DAY_START, "data_interval_end": DAY_END, "run_id": "scheduled__2024-08-07"}
SIX_HOURS_LATER = DAY_END + timedelta(hours=6)


def manual_context(run_after: Any = SIX_HOURS_LATER) -> Any:
    """A run without a logical date (a CLI or REST trigger without one): window [run_after - 1 day, run_after)."""
    run_id = f"manual__{run_after.isoformat()}"
    return {"dag_run": SimpleNamespace(run_after=run_after, run_id=run_id), "run_id": run_id}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
