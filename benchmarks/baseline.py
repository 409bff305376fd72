"""The baseline from git: the provider before issue #14, extracted from git history, and importing the provider from
there rather than from this checkout. Nothing here imports Airflow until :func:`use_provider_root` is called."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

from benchmarks.common import REPO_ROOT

BASELINE_REF = "01517b9"
"""The provider before issue #14 (2026-11-26): "not worse than before" is judged against it, run alternately with
this checkout's code in the same benchmark run."""


def extract_baseline(into: Path, ref: str | None = None) -> dict[str, Any]:
    """The provider package at ``ref`` (default :data:`BASELINE_REF`), extracted under ``into``: ``root`` (for
    ``sys.path``), ``commit`` and ``subject``; or ``skipped`` with the reason (no git here, or no such commit).

    :param into: an empty directory.
    :param ref: a commit, e.g. the code when an issue asked for "not worse than today".
    """
    ref = ref or BASELINE_REF

    def git(*command: str) -> bytes:
        return subprocess.run(["git", *command], cwd=REPO_ROOT, capture_output=True, check=True, timeout=60).stdout

    try:
        commit = git("rev-parse", "--verify", f"{ref}^{{commit}}").decode().strip()
        subject = git("log", "-1", "--format=%cs %s", commit).decode().strip()
        archive = git("archive", "--format=tar", commit, "airflow_provider_ocp")
    except (OSError, subprocess.SubprocessError) as error:
        return {"skipped": f"git cannot provide {ref} here ({type(error).__name__})"}
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return {"commit": commit, "subject": subject, "root": str(into)}


def use_provider_root(root: str | None) -> None:
    """Import the provider from ``root`` (a baseline) rather than this checkout; call before anything imports it.

    :param root: the directory holding ``airflow_provider_ocp``, or None for this checkout.
    """
    if root:
        sys.path.insert(0, root)
    import airflow_provider_ocp

    if Path(root or REPO_ROOT).resolve() not in Path(airflow_provider_ocp.__file__).resolve().parents:
        raise RuntimeError(f"measuring {airflow_provider_ocp.__file__}, not the provider under {root or REPO_ROOT}")
