"""Test configuration: a throw-away AIRFLOW_HOME is set before anything imports Airflow."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="ocp-tests-airflow-home-"))
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
