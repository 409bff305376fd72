"""Fixtures of the end-to-end tests: one OCP emulator and one ``airflow standalone`` shared by the whole session.

Both are started on first use and stopped at the end of the session, also when a test fails; stopping Airflow
raises (a teardown error) if any of its processes or ports is left behind.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

# pytest puts this directory on sys.path (rootdir-less "prepend" import mode), as for tests/operator_support.py.
from airflow_standalone import AirflowStandalone
from scenario import E2EScenario

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2EScenario]:
    """The OCP emulator, started, with the directory the extraction DAG writes to."""
    with E2EScenario(tmp_path_factory.mktemp("ocp-extract")) as started:
        yield started


@pytest.fixture(scope="session")
def airflow(scenario: E2EScenario, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirflowStandalone]:
    """``airflow standalone`` (api-server, scheduler, dag-processor, triggerer) against the emulator."""
    home = tmp_path_factory.mktemp("airflow-home")
    standalone = AirflowStandalone(home, env=scenario.airflow_env())
    # A SIGTERM to pytest (a cancelled CI job) becomes KeyboardInterrupt, on which pytest still tears fixtures down.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with standalone:
            print(f"airflow standalone at {standalone.base_url}, home {home}, ready in {standalone.ready_after:.0f}s")
            yield standalone
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Debian's Chromium; missing is a failure in CI (``.ci/run`` installs it) and a skip elsewhere."""
    if CHROMIUM.exists():
        return CHROMIUM
    message = f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it when run as root)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)
