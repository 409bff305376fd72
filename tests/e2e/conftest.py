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
E2E = Path(__file__).resolve().parent
_running: list[AirflowStandalone] = []  # the session's standalone, for pytest_runtest_teardown below


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
            _running.append(standalone)
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


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Stop Airflow once the last end-to-end test is done rather than at the end of the session: idle, its scheduler,
    dag-processor, triggerer and api-server still use CPU while this process runs the other tests. Stopping is
    idempotent, so the fixture's own stop at the end of the session does nothing more; it raises, as a teardown
    error of this test, if a process or port is left behind."""
    if _running and (nextitem is None or E2E not in nextitem.path.parents):
        _running.pop().stop()
