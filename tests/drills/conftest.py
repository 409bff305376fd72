"""Fixtures of the restore drill tests (drill_support.py)."""

from __future__ import annotations

from drill_support import emu, runner

__all__ = ["emu", "runner"]
