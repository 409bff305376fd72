"""Test configuration: a throw-away AIRFLOW_HOME is set before anything imports Airflow."""

from __future__ import annotations

import atexit
import os
import tempfile
from typing import Any

os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="ocp-tests-airflow-home-"))
if os.environ.get("PYTEST_XDIST_WORKER"):  # pytest-xdist (scripts/test runs -n 4): one SQLite DB and log folder each
    os.environ["AIRFLOW_HOME"] = os.path.join(os.environ["AIRFLOW_HOME"], os.environ["PYTEST_XDIST_WORKER"])
    os.makedirs(os.environ["AIRFLOW_HOME"], exist_ok=True)

    def _exit_without_finalizing() -> None:
        """Registered before Airflow is imported, so it runs after every atexit handler Airflow, tempfile and the
        tests register: the worker has sent its results by then, and tearing down the interpreter (every module and
        the whole object graph of a session's Airflow) took 2-3 s of CPU per worker, which the controller waited for.
        """
        import logging
        import sys

        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    atexit.register(_exit_without_finalizing)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", os.path.join(os.path.dirname(__file__), "..", "example_dags"))

import pytest

# The emulator's ``ocp_emulator`` fixture is opt-in for users (never auto-loaded into their pytest runs): opt in.
pytest_plugins = ["airflow_provider_ocp.testing.pytest_plugin"]


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """A migrated SQLite metadata DB, needed by ``dag.test()``."""
    from airflow.utils.db import resetdb

    resetdb()


# -- pytest-xdist (scripts/test runs the suite on 4 workers) ---------------------------------------------------------

SHARED_PER_RUN = ("tests/e2e/",)  # one airflow standalone for the session: every e2e test goes to the same worker
STARTS_PROCESSES = {"standalone", "browser", "packaging", "readme", "dags_test"}  # Airflow, Chromium, pip: first
WAITS = "waits"  # mostly waiting on real timeouts: next, while the files above keep the CPUs busy


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Hand out whole test files (module fixtures and the README's fixed port stay on one worker), and tests/e2e/ as
    one unit, in collection order. (``--dist loadgroup`` would express this with marks, but pytest 9.2 broke it:
    pytest-dev/pytest-xdist#1386.)
    """
    from xdist.scheduler import LoadScopeScheduling

    class FileScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return next((shared for shared in SHARED_PER_RUN if path.startswith(shared)), path)

    config.option.loadscopereorder = False
    return FileScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, start the files that run other programs first, so that no worker is left with one at the end,
    then the files that mostly wait, so that their waiting overlaps with those programs' computing."""

    def rank(item: pytest.Item) -> int:
        marks = {mark.name for mark in item.iter_markers()}
        return 0 if STARTS_PROCESSES & marks else 1 if WAITS in marks else 2

    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=rank)
