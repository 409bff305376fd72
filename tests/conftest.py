"""Test configuration: a throw-away AIRFLOW_HOME is set before anything imports Airflow."""

from __future__ import annotations

import atexit
import os
import tempfile
from typing import Any

os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="ocp-tests-airflow-home-"))
if os.environ.get("PYTEST_XDIST_WORKER"):  # pytest-xdist (scripts/test): one SQLite DB and log folder each
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
# An empty DAGs folder: Airflow 3.3's dag.test() parses the whole DAGs folder into the DB on every call (to find the
# tested DAG's siblings), 0.1 s of CPU each for the example DAGs. Tests that want the examples load them themselves
# (tests/dag_support.py load_example); `airflow dags test` runs of them set the folder in their own environment.
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", os.path.join(os.environ["AIRFLOW_HOME"], "dags"))

import pytest
from hypothesis import settings
from hypothesis_support import CI_EXAMPLES

os.makedirs(os.environ["AIRFLOW__CORE__DAGS_FOLDER"], exist_ok=True)

# Hypothesis profiles, chosen by $OCP_HYPOTHESIS_PROFILE: "ci" (the default; --airflow, --all-lines and CI) runs
# Hypothesis's default 100 examples per property and each ``examples(n)`` of tests/hypothesis_support.py n; "quick"
# (the quick loop, scripts/test without arguments) a fifth of both. Loaded here, before any test module is imported.
HYPOTHESIS_PROFILE = "OCP_HYPOTHESIS_PROFILE"
settings.register_profile("ci", max_examples=CI_EXAMPLES)
settings.register_profile("quick", max_examples=CI_EXAMPLES // 5)
settings.load_profile(os.environ.get(HYPOTHESIS_PROFILE, "ci"))

# The emulator's ``ocp_emulator`` fixture is opt-in for users (never auto-loaded into their pytest runs): opt in.
pytest_plugins = ["airflow_provider_ocp.testing.pytest_plugin"]


@pytest.fixture(scope="session")
def airflow_db(one_in_process_execution_api: None) -> None:
    """A migrated SQLite metadata DB, needed by ``dag.test()``."""
    from airflow.utils.db import resetdb

    resetdb()


@pytest.fixture(scope="session")
def one_in_process_execution_api() -> None:
    """One in-process Execution API per worker for ``dag.test()``, as Airflow 3.3 has on its own.

    ``dag.test()`` runs each task against an in-process Execution API. Airflow 3.3 builds it once per process
    (``functools.lru_cache`` on ``supervisor.in_process_api_server``); 3.0 to 3.2 build a new one for every task run,
    and its first request generates the API's versioned routes (cadwyn): about 2.5 s of CPU per run on 3.2, twice per
    deferred task. The same cache here gives the older lines 3.3's behaviour; it changes nothing the tests observe
    (each run still reads its DAG and state from the metadata DB through that API).
    """
    import functools

    from airflow.sdk.execution_time import supervisor

    if not hasattr(supervisor.in_process_api_server, "cache_info"):
        supervisor.in_process_api_server = functools.lru_cache(maxsize=1)(supervisor.in_process_api_server)


# -- pytest-xdist (scripts/test runs the suite on 3 or 4 workers) -----------------------------------------------------

SHARED_PER_RUN = ("tests/e2e/",)  # one airflow standalone for the session: every e2e test goes to the same worker
STARTS_PROCESSES = {"standalone", "browser", "packaging", "readme", "dags_test"}  # Airflow, Chromium, pip: first
WAITS = "waits"  # mostly waiting on real timeouts: next, while the files above keep the CPUs busy
SECONDS_PER_UNIT = "ocp/seconds_per_unit"  # pytest cache key: how long each unit (file) took in the latest run of it


def unit_of(nodeid: str) -> str:
    """The unit the scheduler hands to one worker: a test file, or tests/e2e/ as a whole."""
    path = nodeid.split("::", 1)[0]
    return next((shared for shared in SHARED_PER_RUN if path.startswith(shared)), path)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Hand out whole test files (module fixtures and the README's fixed port stay on one worker), and tests/e2e/ as
    one unit, in collection order. (``--dist loadgroup`` would express this with marks, but pytest 9.2 broke it:
    pytest-dev/pytest-xdist#1386.)
    """
    from xdist.scheduler import LoadScopeScheduling

    class FileScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)

    config.option.loadscopereorder = False
    return FileScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, start the files that run other programs first, so that no worker is left with one at the end,
    then the files that mostly wait, so that their waiting overlaps with those programs' computing; within each of
    the three, the files that took longest in the latest run first (from the pytest cache, which every worker reads
    alike: the controller writes it only at the end), so that short files fill the workers' ends."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    cache = getattr(config, "cache", None)  # None with -p no:cacheprovider
    seconds = cache.get(SECONDS_PER_UNIT, {}) if cache is not None else {}
    if not isinstance(seconds, dict):
        seconds = {}

    def rank(item: pytest.Item) -> tuple[int, float]:
        marks = {mark.name for mark in item.iter_markers()}
        tier = 0 if STARTS_PROCESSES & marks else 1 if WAITS in marks else 2
        taken = seconds.get(unit_of(item.nodeid), 0.0)
        return tier, -(taken if isinstance(taken, int | float) else 0.0)

    items.sort(key=rank)


_seconds_this_run: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # the controller (or a run without xdist) adds up every phase
        unit = unit_of(report.nodeid)
        _seconds_this_run[unit] = _seconds_this_run.get(unit, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    cache = getattr(session.config, "cache", None)
    if os.environ.get("PYTEST_XDIST_WORKER") or cache is None or not _seconds_this_run:
        return
    known = cache.get(SECONDS_PER_UNIT, {})
    merged = {**(known if isinstance(known, dict) else {}), **{k: round(v, 2) for k, v in _seconds_this_run.items()}}
    cache.set(SECONDS_PER_UNIT, merged)
