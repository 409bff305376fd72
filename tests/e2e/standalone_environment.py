"""Where ``airflow standalone`` comes from and the environment it runs in: this checkout, this virtualenv's
``airflow`` command, and the AIRFLOW_ settings of a throw-away AIRFLOW_HOME (SQLite, LocalExecutor, 127.0.0.1).
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

from standalone_error import StandaloneError

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_DAGS = REPO_ROOT / "example_dags"
ADMIN_USER = "admin"
PASSWORDS_FILE = "passwords.json"  # in AIRFLOW_HOME: the simple auth manager's users and passwords


def api_url(port: int | None) -> str:
    """The URL of the api-server (UI and REST API) listening on ``port`` of 127.0.0.1.

    :param port: the api-server port.
    """
    return f"http://127.0.0.1:{port}"


def venv_bin() -> Path:
    """The folder of this Python, where its virtualenv's ``airflow`` command is."""
    return Path(sys.executable).parent


def airflow_command() -> Path:
    """The ``airflow`` command next to this Python, else the one on PATH."""
    airflow = venv_bin() / "airflow"
    if not airflow.exists():
        found = shutil.which("airflow")
        if found is None:
            raise StandaloneError("the airflow command is not installed next to this Python")
        airflow = Path(found)
    return airflow


def standalone_environment(
    home: Path, dags_folder: Path, port: int | None, log_server_ports: tuple[int, int], extra: Mapping[str, str]
) -> dict[str, str]:
    """The environment of ``airflow standalone``: this process's, without any AIRFLOW_ setting, plus ours.

    :param home: AIRFLOW_HOME.
    :param dags_folder: the DAGs folder.
    :param port: the api-server port.
    :param log_server_ports: the scheduler's and the triggerer's log server ports.
    :param extra: more variables (connections, DAG configuration...), applied last.
    """
    base_url = api_url(port)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_", "AIRFLOW__", "OCP_"))}
    base["PATH"] = f"{venv_bin()}{os.pathsep}{base.get('PATH', '')}"  # standalone runs `airflow <component>`
    # This checkout's provider, also where the venv's editable install points at another one (a git worktree).
    base["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), base.get("PYTHONPATH")]))
    base.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__WORKERS": "1",
            # The scheduler and triggerer serve their logs on fixed ports (8793, 8794) of every interface; Airflow
            # has no setting for the address, so at least take free ports and keep parallel runs apart.
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(log_server_ports[0]),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(log_server_ports[1]),
            "AIRFLOW__API__BASE_URL": base_url,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / PASSWORDS_FILE),
            "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "60",
            "PYTHONUNBUFFERED": "1",
            "NO_COLOR": "1",
        }
    )
    base.update(extra)
    return base
