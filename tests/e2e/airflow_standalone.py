"""A real Airflow (``airflow standalone``) in a throw-away AIRFLOW_HOME, started and stopped by PID.

Shared by the end-to-end tests (``tests/e2e``) and by ``scripts/demo``; it imports neither pytest nor Airflow, only
the standard library and ``requests``. Its environment is ``standalone_environment``'s, its REST API client
``airflow_rest_client``'s.

``airflow standalone`` runs the api-server, scheduler, dag-processor and triggerer as child processes of one parent.
It shuts down cleanly only on SIGINT to that parent, so :class:`AirflowStandalone` starts it in its own session with
SIGINT at its default disposition (a background shell job would otherwise inherit it ignored), stops it by PID with
SIGINT, and falls back to SIGTERM and SIGKILL for every process left in its session. Nothing is matched by name.
"""

from __future__ import annotations

import atexit
import json
import secrets
import subprocess
import time
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import requests
from airflow_rest_client import AirflowClient
from processes_and_ports import default_sigint, free_port, port_open, stop_session
from standalone_environment import (
    ADMIN_USER,
    EXAMPLE_DAGS,
    PASSWORDS_FILE,
    airflow_command,
    api_url,
    standalone_environment,
)
from standalone_error import StandaloneError

_HEALTH_COMPONENTS = ("metadatabase", "scheduler", "triggerer", "dag_processor")


@dataclass
class AirflowStandalone:
    """``airflow standalone`` on 127.0.0.1 with SQLite in ``home``; a context manager that starts and stops it.

    :param home: a fresh directory for AIRFLOW_HOME (config, SQLite DB, logs, the standalone output).
    :param dags_folder: the DAGs folder (default: the repository's ``example_dags``).
    :param env: more environment variables for every Airflow process (connections, DAG configuration...).
    :param port: the api-server port; None picks a free one.
    :param startup_timeout: seconds to wait for the api-server, scheduler, dag-processor and triggerer.
    :param stop_timeout: seconds to wait after SIGINT before SIGTERM (then a third of it before SIGKILL).
    """

    home: Path
    dags_folder: Path = EXAMPLE_DAGS
    env: Mapping[str, str] = field(default_factory=dict)
    port: int | None = None
    startup_timeout: float = 300.0
    stop_timeout: float = 45.0
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    log_server_ports: tuple[int, int] = field(default=(0, 0), init=False)
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    started_at: float = field(default=0.0, init=False)
    ready_after: float = field(default=0.0, init=False)
    stop_report: list[str] = field(default_factory=list, init=False)
    stopped_clean: bool = field(default=False, init=False)

    @property
    def base_url(self) -> str:
        """The api-server's URL (UI and REST API)."""
        return api_url(self.port)

    @property
    def logs_dir(self) -> Path:
        """Airflow's log folder: task logs, and the trigger logs the triggerer writes next to them."""
        return self.home / "logs"

    @property
    def output_path(self) -> Path:
        """The standalone command's combined output (all four components, prefixed by their name)."""
        return self.home / "standalone.log"

    def environment(self) -> dict[str, str]:
        """The environment of ``airflow standalone``: this process's, without any AIRFLOW_ setting, plus ours."""
        return standalone_environment(self.home, self.dags_folder, self.port, self.log_server_ports, self.env)

    # -- lifecycle ----------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start ``airflow standalone`` in its own session (does not wait; see :meth:`wait_ready`)."""
        if self.process is not None:
            raise StandaloneError("already started")
        self.home.mkdir(parents=True, exist_ok=True)
        if self.port is None:
            self.port = free_port()
        self.log_server_ports = (free_port(), free_port())
        # The simple auth manager keeps generated passwords in this file; writing it first makes the password ours.
        (self.home / PASSWORDS_FILE).write_text(json.dumps({ADMIN_USER: self.password}) + "\n")
        airflow = airflow_command()
        output = self.output_path.open("ab")
        self.started_at = time.monotonic()
        try:
            self.process = subprocess.Popen(
                [str(airflow), "standalone"],
                cwd=self.home,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=default_sigint,
            )
        finally:
            output.close()
        atexit.register(self._stop_at_exit)  # a safety net if the caller never reaches stop()

    def _stop_at_exit(self) -> None:
        with suppress(Exception):
            self.stop()

    def wait_ready(self) -> None:
        """Wait until the api-server answers and reports the scheduler, dag-processor and triggerer healthy."""
        deadline = self.started_at + self.startup_timeout
        last: Any = None
        while time.monotonic() < deadline:
            self._check_alive("while starting")
            try:
                response = requests.get(f"{self.base_url}/api/v2/monitor/health", timeout=5)
                if response.ok:
                    last = response.json()
                    if all((last.get(name) or {}).get("status") == "healthy" for name in _HEALTH_COMPONENTS):
                        self.ready_after = time.monotonic() - self.started_at
                        return
            except requests.RequestException as error:
                last = repr(error)
            time.sleep(1)
        raise StandaloneError(
            f"Airflow was not ready within {self.startup_timeout:.0f}s (last health: {last})\n{self.output_tail()}"
        )

    def _check_alive(self, doing: str) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise StandaloneError(
                f"airflow standalone exited with {self.process.returncode} {doing}\n{self.output_tail()}"
            )

    def stop(self) -> list[str]:
        """Stop Airflow by PID: SIGINT to standalone, then SIGTERM and SIGKILL for anything left of it.

        "Left" is every process of standalone's session, plus every descendant seen just before the SIGINT (in case
        one started a session of its own). Safe to call twice. Returns what had to be forced (empty after a clean
        stop), also kept in ``stop_report``. Raises :class:`StandaloneError` if a process or one of Airflow's ports
        survives everything.
        """
        process = self.process
        if process is None:
            return self.stop_report
        survivors = stop_session(process, "standalone", self.stop_timeout, self.stop_report)
        self.process = None
        busy = [port for port in (self.port, *self.log_server_ports) if port and port_open(port)]
        if survivors or busy:
            raise StandaloneError(f"left behind: processes {survivors}, ports still listening {busy}")
        self.stopped_clean = True
        return self.stop_report

    def __enter__(self) -> AirflowStandalone:
        self.start()
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- diagnostics --------------------------------------------------------------------------------------------

    def output_tail(self, lines: int = 80) -> str:
        """The last lines of the standalone output, for error messages.

        :param lines: how many.
        """
        try:
            text = self.output_path.read_text(errors="replace")
        except OSError:
            return "(no standalone output)"
        return "\n".join(text.splitlines()[-lines:])

    def component_output(self, component: str) -> str:
        """Everything one component (``triggerer``, ``scheduler``...) printed, from the standalone output.

        :param component: the component name as standalone prefixes its lines.
        """
        prefix = f"{component:10} | "
        text = self.output_path.read_text(errors="replace")
        return "\n".join(line[len(prefix) :] for line in text.splitlines() if line.startswith(prefix))

    def client(self) -> AirflowClient:
        """A REST API client logged in as the admin user."""
        return AirflowClient(self.base_url, ADMIN_USER, self.password, alive=lambda: self._check_alive("meanwhile"))
