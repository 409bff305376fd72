"""A small client for Airflow's REST API v2 (the api-server of ``airflow standalone``), and how a DAG run ended.

Standard library and ``requests`` only: no pytest, no Airflow.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from standalone_error import StandaloneError

_TERMINAL_RUN_STATES = {"success", "failed"}
_FAILED_TI_STATES = {"failed", "up_for_retry", "upstream_failed"}


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

    def try_number(self, task_id: str, default: int) -> int:
        """A task instance's last try number, or ``default`` if it has none (or the task is unknown).

        :param task_id: the task id.
        :param default: the value without a try number.
        """
        return int(self.task_instances.get(task_id, {}).get("try_number") or default)


def _q(value: str) -> str:
    return quote(value, safe="")


def _run_path(dag_id: str, run_id: str, task_id: str | None = None) -> str:
    """The API path of a DAG run, or of one of its task instances."""
    path = f"/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}"
    return path if task_id is None else f"{path}/taskInstances/{_q(task_id)}"


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

    def wait_for_dag(self, dag_id: str, timeout: float = 180.0) -> dict[str, Any]:
        """Wait until the dag-processor has parsed and serialized a DAG; fail at once on its import error.

        :param dag_id: the DAG id.
        :param timeout: seconds.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._alive()
            response = self.http.get(f"{self.base_url}/api/v2/dags/{_q(dag_id)}", timeout=30)
            if response.ok:
                details = self.http.get(f"{self.base_url}/api/v2/dags/{_q(dag_id)}/details", timeout=30)
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
        body = self.request("PATCH", f"/dags/{_q(dag_id)}", json={"is_paused": paused})
        if body.get("is_paused") is not paused:
            raise StandaloneError(f"{dag_id}: is_paused is {body.get('is_paused')}, wanted {paused}")

    def trigger(
        self, dag_id: str, run_id: str, logical_date: str | None, conf: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Create a manual DAG run; a 5xx is tried again (at most 3 attempts), never making a second run.

        :param dag_id: the DAG id.
        :param run_id: the run id.
        :param logical_date: ISO-8601 logical date (the timetable infers the data interval from it), or None.
        :param conf: the run's conf (DAG params).
        """
        body = {"dag_run_id": run_id, "logical_date": logical_date, "conf": dict(conf or {})}
        for attempt in range(1, 4):
            response = self.http.post(f"{self.base_url}/api/v2/dags/{_q(dag_id)}/dagRuns", json=body, timeout=60)
            if response.status_code == 200:
                return dict(response.json())
            if response.status_code == 409 and attempt > 1:  # the failed attempt did create it: the run id is ours
                return self.dag_run(dag_id, run_id)
            if response.status_code < 500 or attempt == 3:
                break
            # A 5xx: standalone's SQLite was busy (seen: "Database error" while a task wrote XCom). The fixed run
            # id makes a repeat safe: Airflow refuses a second run of it (409), and that means the first was made.
            time.sleep(2 * attempt)
        raise StandaloneError(f"POST dagRuns of {dag_id}: HTTP {response.status_code} {response.text[:1000]}")

    def dag_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        """A DAG run as it is now.

        :param dag_id: the DAG id.
        :param run_id: the run id.
        """
        return dict(self.request("GET", _run_path(dag_id, run_id)))

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, dict[str, Any]]:
        """The run's task instances, by task id.

        :param dag_id: the DAG id.
        :param run_id: the run id.
        """
        body = self.request("GET", f"{_run_path(dag_id, run_id)}/taskInstances")
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
            run = self.dag_run(dag_id, run_id)
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
        answer = self.request("GET", f"{_run_path(dag_id, run_id, task_id)}/tries", ok=(200, 404))
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
        return self.request("GET", f"{_run_path(dag_id, run_id, task_id)}/xcomEntries/{_q(key)}")["value"]

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> str:
        """A try's full task log as text (structured entries joined: event, then the other fields).

        :param dag_id: the DAG id.
        :param run_id: the run id.
        :param task_id: the task id.
        :param try_number: the try.
        """
        path = f"{_run_path(dag_id, run_id, task_id)}/logs/{try_number}"
        body = self.request("GET", path, params={"full_content": "true"}, headers={"Accept": "application/json"})
        return "\n".join(_log_line(entry) for entry in body.get("content", []))


def _log_line(entry: Any) -> str:
    if not isinstance(entry, dict):
        return str(entry)
    rest = {k: v for k, v in entry.items() if k not in ("event", "timestamp")}
    extra = f" {json.dumps(rest, default=str)}" if rest else ""
    return f"{entry.get('timestamp', '')} {entry.get('event', '')}{extra}"
