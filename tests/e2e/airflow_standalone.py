"""A real Airflow (``airflow standalone``) in a throw-away AIRFLOW_HOME, and a small client for its REST API.

Shared by the end-to-end tests (``tests/e2e``) and by ``scripts/demo``; it imports neither pytest nor Airflow, only
the standard library and ``requests``.

``airflow standalone`` runs the api-server, scheduler, dag-processor and triggerer as child processes of one parent.
It shuts down cleanly only on SIGINT to that parent, so :class:`AirflowStandalone` starts it in its own session with
SIGINT at its default disposition (a background shell job would otherwise inherit it ignored), stops it by PID with
SIGINT, and falls back to SIGTERM and SIGKILL for every process left in its session. Nothing is matched by name.
"""

from __future__ import annotations

import atexit
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_DAGS = REPO_ROOT / "example_dags"
ADMIN_USER = "admin"

_HEALTH_COMPONENTS = ("metadatabase", "scheduler", "triggerer", "dag_processor")
_TERMINAL_RUN_STATES = {"success", "failed"}
_FAILED_TI_STATES = {"failed", "up_for_retry", "upstream_failed"}


class StandaloneError(RuntimeError):
    """Airflow did not start, a DAG did not load, or a run did not end as expected (with the log tail)."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (the kernel's choice).

    :param host: the address to check on.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts TCP connections on ``host:port``.

    :param port: the port.
    :param host: the address.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def _stat(pid: int) -> tuple[int, int, int, str] | None:
    """``(session id, parent pid, start time in clock ticks, state)`` of a process from ``/proc``, or None if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()  # after "pid (comm)": state, ppid, pgrp, session, ... starttime (22nd)
    return int(fields[3]), int(fields[1]), int(fields[19]), fields[0]


def _live_processes() -> dict[int, tuple[int, int, int, str]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None and stat[3] != "Z":
            found[int(entry)] = stat
    return found


def session_processes(session_id: int) -> list[int]:
    """PIDs of every live (not zombie) process in a session, the leader included.

    :param session_id: the session id (the PID of a process started with ``start_new_session=True``).
    """
    return sorted(pid for pid, stat in _live_processes().items() if stat[0] == session_id)


def process_tree(root: int) -> dict[int, int]:
    """``{pid: start time}`` of a process and all its live descendants, whatever their session.

    :param root: the top process.
    """
    processes = _live_processes()
    tree = {root: processes[root][2]} if root in processes else {}
    grew = True
    while grew:
        grew = False
        for pid, (_, ppid, started, _) in processes.items():
            if ppid in tree and pid not in tree:
                tree[pid] = started
                grew = True
    return tree


def _default_sigint() -> None:
    """Run in the child before exec: SIGINT must reach Python as KeyboardInterrupt, even from a background job."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _venv_bin() -> Path:
    return Path(sys.executable).parent


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
        return f"http://127.0.0.1:{self.port}"

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
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_", "AIRFLOW__", "OCP_"))}
        base["PATH"] = f"{_venv_bin()}{os.pathsep}{base.get('PATH', '')}"  # standalone runs `airflow <component>`
        # This checkout's provider, also where the venv's editable install points at another one (a git worktree).
        base["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), base.get("PYTHONPATH")]))
        base.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__PARALLELISM": "4",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.home / 'airflow.db'}",
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__WORKERS": "1",
                # The scheduler and triggerer serve their logs on fixed ports (8793, 8794) of every interface; Airflow
                # has no setting for the address, so at least take free ports and keep parallel runs apart.
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(self.log_server_ports[0]),
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(self.log_server_ports[1]),
                "AIRFLOW__API__BASE_URL": self.base_url,
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
                "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
                "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.home / "passwords.json"),
                "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
                "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "60",
                "PYTHONUNBUFFERED": "1",
                "NO_COLOR": "1",
            }
        )
        base.update(self.env)
        return base

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
        (self.home / "passwords.json").write_text(json.dumps({ADMIN_USER: self.password}) + "\n")
        airflow = _venv_bin() / "airflow"
        if not airflow.exists():
            found = shutil.which("airflow")
            if found is None:
                raise StandaloneError("the airflow command is not installed next to this Python")
            airflow = Path(found)
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
                preexec_fn=_default_sigint,
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
        session = process.pid
        tree = process_tree(process.pid)
        if process.poll() is None:
            with suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.stop_report.append(f"standalone (pid {process.pid}) ignored SIGINT for {self.stop_timeout:.0f}s")
        for sig, grace in ((signal.SIGTERM, self.stop_timeout / 3), (signal.SIGKILL, 10.0)):
            left = self._left(session, tree)
            if not left:
                break
            self.stop_report.append(f"{sig.name} to {len(left)} process(es) left: {left}")
            for pid in left:
                with suppress(ProcessLookupError):
                    os.kill(pid, sig)
            end = time.monotonic() + grace
            while time.monotonic() < end and self._left(session, tree):
                time.sleep(0.2)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        self.process = None
        survivors = self._left(session, tree)
        busy = [port for port in (self.port, *self.log_server_ports) if port and port_open(port)]
        if survivors or busy:
            raise StandaloneError(f"left behind: processes {survivors}, ports still listening {busy}")
        self.stopped_clean = True
        return self.stop_report

    @staticmethod
    def _left(session: int, tree: Mapping[int, int]) -> list[int]:
        live = _live_processes()
        in_session = {pid for pid, stat in live.items() if stat[0] == session}
        from_tree = {pid for pid, started in tree.items() if pid in live and live[pid][2] == started}
        return sorted(in_session | from_tree)

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


@dataclass
class RunResult:
    """How a DAG run ended, and what was seen while it ran.

    :param run: the final DAG run (API JSON).
    :param task_instances: the final task instances, by task id.
    :param seen_states: every state observed per task id while polling, in order, without repeats.
    :param deferred: the task instance JSON as first seen DEFERRED, per task id (with its trigger).
    :param seconds: how long the run took from trigger to a final state.
    """

    run: dict[str, Any]
    task_instances: dict[str, dict[str, Any]]
    seen_states: dict[str, list[str]]
    deferred: dict[str, dict[str, Any]]
    seconds: float

    @property
    def state(self) -> str:
        """The DAG run's final state."""
        return str(self.run.get("state"))

    @property
    def duration(self) -> float | None:
        """The DAG run's duration in seconds (queued to finished), as Airflow recorded it."""
        value = self.run.get("duration")
        return None if value is None else float(value)


class AirflowClient:
    """Airflow's REST API v2 with a JWT from the simple auth manager.

    :param base_url: the api-server URL.
    :param username: the user.
    :param password: its password.
    :param alive: called at every poll; raises if Airflow died.
    """

    def __init__(self, base_url: str, username: str, password: str, alive: Callable[[], None] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        self._alive = alive or (lambda: None)
        response = self.http.post(
            f"{self.base_url}/auth/token", json={"username": username, "password": password}, timeout=30
        )
        if response.status_code != 201:
            raise StandaloneError(f"login failed: HTTP {response.status_code} {response.text[:300]}")
        self.http.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    def request(self, method: str, path: str, *, ok: tuple[int, ...] = (200,), **kwargs: Any) -> Any:
        """Call ``/api/v2`` + ``path`` and return the JSON (or text) body; anything but ``ok`` raises.

        :param method: HTTP method.
        :param path: the path below ``/api/v2``.
        :param ok: the accepted status codes.
        :param kwargs: passed to requests.
        """
        response = self.http.request(method, f"{self.base_url}/api/v2{path}", timeout=60, **kwargs)
        if response.status_code not in ok:
            raise StandaloneError(f"{method} {path}: HTTP {response.status_code} {response.text[:1000]}")
        if "json" in response.headers.get("content-type", ""):
            return response.json()
        return response.text

    @staticmethod
    def _q(value: str) -> str:
        return quote(value, safe="")

    def wait_for_dag(self, dag_id: str, timeout: float = 180.0) -> dict[str, Any]:
        """Wait until the dag-processor has parsed and serialized a DAG; fail at once on its import error.

        :param dag_id: the DAG id.
        :param timeout: seconds.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._alive()
            response = self.http.get(f"{self.base_url}/api/v2/dags/{self._q(dag_id)}", timeout=30)
            if response.ok:
                details = self.http.get(f"{self.base_url}/api/v2/dags/{self._q(dag_id)}/details", timeout=30)
                if details.ok:
                    return dict(response.json())
            errors = self.request("GET", "/importErrors")
            if errors.get("import_errors"):
                raise StandaloneError(f"DAG import errors: {json.dumps(errors['import_errors'], indent=1)}")
            time.sleep(1)
        raise StandaloneError(f"DAG {dag_id} was not loaded within {timeout:.0f}s")

    def set_paused(self, dag_id: str, paused: bool) -> None:
        """Pause or unpause a DAG.

        :param dag_id: the DAG id.
        :param paused: the new state.
        """
        body = self.request("PATCH", f"/dags/{self._q(dag_id)}", json={"is_paused": paused})
        if body.get("is_paused") is not paused:
            raise StandaloneError(f"{dag_id}: is_paused is {body.get('is_paused')}, wanted {paused}")

    def trigger(
        self, dag_id: str, run_id: str, logical_date: str | None, conf: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Create a manual DAG run.

        :param dag_id: the DAG id.
        :param run_id: the run id.
        :param logical_date: ISO-8601 logical date (the timetable infers the data interval from it), or None.
        :param conf: the run's conf (DAG params).
        """
        body = {"dag_run_id": run_id, "logical_date": logical_date, "conf": dict(conf or {})}
        return dict(self.request("POST", f"/dags/{self._q(dag_id)}/dagRuns", ok=(200,), json=body))

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, dict[str, Any]]:
        """The run's task instances, by task id.

        :param dag_id: the DAG id.
        :param run_id: the run id.
        """
        body = self.request("GET", f"/dags/{self._q(dag_id)}/dagRuns/{self._q(run_id)}/taskInstances")
        return {ti["task_id"]: ti for ti in body["task_instances"]}

    def wait_for_run(
        self, dag_id: str, run_id: str, timeout: float = 300.0, poll: float = 1.0, fail_fast: bool = True
    ) -> RunResult:
        """Poll a run until it succeeds or fails, recording every task state seen (DEFERRED included).

        :param dag_id: the DAG id.
        :param run_id: the run id.
        :param timeout: seconds.
        :param poll: seconds between polls.
        :param fail_fast: stop waiting as soon as a task fails or is up for retry (example DAGs retry late).
        """
        started = time.monotonic()
        seen: dict[str, list[str]] = {}
        deferred: dict[str, dict[str, Any]] = {}
        run: dict[str, Any] = {}
        tis: dict[str, dict[str, Any]] = {}
        while time.monotonic() - started < timeout:
            self._alive()
            run = self.request("GET", f"/dags/{self._q(dag_id)}/dagRuns/{self._q(run_id)}")
            tis = self.task_instances(dag_id, run_id)
            for task_id, ti in tis.items():
                state = str(ti.get("state"))
                states = seen.setdefault(task_id, [])
                if not states or states[-1] != state:
                    states.append(state)
                if state == "deferred" and task_id not in deferred:
                    deferred[task_id] = ti
            if run.get("state") in _TERMINAL_RUN_STATES:
                break
            if fail_fast and any(str(ti.get("state")) in _FAILED_TI_STATES for ti in tis.values()):
                break
            time.sleep(poll)
        else:
            raise StandaloneError(
                f"run {dag_id}/{run_id} not finished within {timeout:.0f}s: {run.get('state')}, states seen {seen}"
            )
        return RunResult(run, tis, seen, deferred, time.monotonic() - started)

    def tries(self, dag_id: str, run_id: str, task_id: str) -> list[dict[str, Any]]:
        """A task instance's tries (task instance history plus the current try).

        :param dag_id: the DAG id.
        :param run_id: the run id.
        :param task_id: the task id.
        """
        path = f"/dags/{self._q(dag_id)}/dagRuns/{self._q(run_id)}/taskInstances/{self._q(task_id)}/tries"
        answer = self.request("GET", path, ok=(200, 404))
        # Airflow 3.1 answers 404 while the only try is UP_FOR_RETRY and not yet in its history: no finished try yet
        # (the caller's assertions then show the task's state and log rather than this request's error).
        return list(answer["task_instances"]) if isinstance(answer, dict) and "task_instances" in answer else []

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value") -> Any:
        """An XCom value as the task returned it (the metadata DB keeps XComs as JSON).

        :param dag_id: the DAG id.
        :param run_id: the run id.
        :param task_id: the task id.
        :param key: the XCom key.
        """
        path = (
            f"/dags/{self._q(dag_id)}/dagRuns/{self._q(run_id)}/taskInstances/{self._q(task_id)}"
            f"/xcomEntries/{self._q(key)}"
        )
        return self.request("GET", path)["value"]

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> str:
        """A try's full task log as text (structured entries joined: event, then the other fields).

        :param dag_id: the DAG id.
        :param run_id: the run id.
        :param task_id: the task id.
        :param try_number: the try.
        """
        path = f"/dags/{self._q(dag_id)}/dagRuns/{self._q(run_id)}/taskInstances/{self._q(task_id)}/logs/{try_number}"
        body = self.request("GET", path, params={"full_content": "true"}, headers={"Accept": "application/json"})
        return "\n".join(_log_line(entry) for entry in body.get("content", []))


def _log_line(entry: Any) -> str:
    if not isinstance(entry, dict):
        return str(entry)
    rest = {k: v for k, v in entry.items() if k not in ("event", "timestamp")}
    extra = f" {json.dumps(rest, default=str)}" if rest else ""
    return f"{entry.get('timestamp', '')} {entry.get('event', '')}{extra}"


def read_json_log(path: Path) -> list[dict[str, Any]]:
    """The entries of a structured (JSON lines) Airflow log file, such as a trigger's log.

    :param path: the file.
    """
    return [entry for entry in iter_jsonl(path) if isinstance(entry, dict)]


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a JSON-lines file.

    :param path: the file.
    """
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)
