"""The fault matrix: every fault the emulator can inject, through every way the provider talks to OCP.

Drivers (each against the emulator over real sockets):

* ``hook``: ``OCPHook.iter_log_backup_tasks`` with 3-record pages, the fault on page 2 (mid-walk);
* ``async_client``: the same walk through ``OCPAsyncHook`` (what the trigger uses);
* ``operator_storage``: ``OCPLogBackupTasksOperator`` writing JSON lines to a local path, the fault on page 2
  (pages 1 is already written when it strikes);
* ``sensor_poke``: one ``OCPLogBackupDelaySensor.poke`` (worker side; also the deferrable sensor's first check);
* ``trigger``: ``OCPLogBackupDelayTrigger.run`` (the deferrable sensor's triggerer side).

Three burst shapes per transient fault, with ``max_retries=2`` and tiny backoffs:

* ``short``: the fault strikes ``max_retries`` times in a row: the run succeeds, records complete, none duplicated;
* ``long``: it never stops: a clear failure naming the HTTP status (or "no HTTP response") and the traceId of the
  last attempt, after exactly ``max_retries + 1`` attempts; nothing at the operator's output path;
* final faults (4xx, HTML 200, ``successful: false`` with a 4xx, redirects): exactly one attempt, a message naming
  the fix, nothing at the output path.

Attempts are counted on the client side (a read timeout's request reaches the emulator's log only once it answers).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ocp.exceptions import OCPAPIError
from airflow_provider_ocp.hooks.ocp import OCPAsyncHook, OCPHook
from airflow_provider_ocp.log_backup.gate import GateCriteria
from airflow_provider_ocp.log_backup.query import log_backup_tasks_query
from airflow_provider_ocp.log_backup.records import normalize_task, record_identity
from airflow_provider_ocp.operators.log_backup import OCPLogBackupTasksOperator
from airflow_provider_ocp.sensors.log_backup import OCPLogBackupDelaySensor
from airflow_provider_ocp.testing import OCPEmulator
from airflow_provider_ocp.triggers.log_backup import OCPLogBackupDelayTrigger

pytestmark = pytest.mark.waits  # on real timeouts and poke intervals: scheduled early under xdist (tests/conftest.py)

MAX_RETRIES = 2
POLICY = {"max_retries": MAX_RETRIES, "retry_backoff": 0.01, "retry_max_wait": 0.05}
PAGE_SIZE = 3
WINDOW = (datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc))
DRIVERS = ("hook", "async_client", "operator_storage", "sensor_poke", "trigger")


@dataclass(frozen=True)
class Fault:
    """One row of the matrix.

    :param kind: the emulator fault kind.
    :param params: its parameters.
    :param status: the HTTP status the failure must name (None: no HTTP response).
    :param fix: text the failure must contain (what is wrong or what to do).
    :param extra: connection extras this fault needs (a short read timeout for ``slow``).
    """

    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    status: int | None = None
    fix: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


TRANSIENT: dict[str, Fault] = {
    # Retry-After far above retry_max_wait: a run that did not cap it would hit the test timeout.
    "429-retry-after-seconds": Fault("rate_limited", {"retry_after": 30}, 429, "rate limiting"),
    "429-retry-after-http-date": Fault("rate_limited", {"retry_after": 30, "http_date": True}, 429, "rate limiting"),
    "500-json": Fault("http_error", {"status": 500}, 500, "Injected server error"),
    "502-html": Fault("http_error", {"status": 502, "body": "html"}, 502, "answered HTTP 502 with an HTML page"),
    "503-html": Fault("http_error", {"status": 503, "body": "html"}, 503, "answered HTTP 503 with an HTML page"),
    "504-json": Fault("http_error", {"status": 504}, 504, "Injected server error"),
    "200-successful-false-500": Fault("unsuccessful", {"status": 500, "message": "SQL timeout"}, 200, "SQL timeout"),
    "truncated-json": Fault("truncated_json", {}, 200, "cut short or is not valid JSON"),
    "connection-dropped-mid-body": Fault("drop_connection", {}, None, "Connection to OCP failed or was dropped"),
    # A short read timeout keeps the matrix quick; pages are 3 records, answered in milliseconds when not slowed.
    "read-timeout": Fault("slow", {"seconds": 1.0}, None, "read timeout of 0.25s", {"timeout": 0.25}),
}
FINAL: dict[str, Fault] = {
    "400": Fault("http_error", {"status": 400, "message": "bad startTime"}, 400, "check cluster id, times"),
    "401": Fault("http_error", {"status": 401, "message": "Bad credentials"}, 401, "check the connection's login"),
    "403": Fault("http_error", {"status": 403, "message": "denied"}, 403, "Read-only permission on cluster backup"),
    "404": Fault("http_error", {"status": 404, "message": "no such cluster"}, 404, "check that the cluster"),
    "html-200-wrong-url": Fault("html_200", {}, 200, "the OCP URL (host or path prefix) is probably wrong"),
    "200-successful-false-400": Fault("unsuccessful", {"status": 400, "message": "bad size"}, 200, "bad size"),
    "200-successful-false-403": Fault("unsuccessful", {"status": 403, "message": "no"}, 200, "Read-only permission"),
}


# -- the drivers ------------------------------------------------------------------------------------------------------


@dataclass
class Attempts:
    """Requests the clients tried to send: ``(target, trace_id)``, in order."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def on_page(self, page: int | None) -> list[tuple[str, str]]:
        if page is None:
            return list(self.sent)
        return [item for item in self.sent if f"page={page}&" in item[0]]


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> Attempts:
    record = Attempts()
    sync_send, async_send = OCPHook._send, OCPAsyncHook._send

    def counting_sync(self: OCPHook, request: Any) -> Any:
        with record.lock:
            record.sent.append((request.target, request.trace_id))
        return sync_send(self, request)

    async def counting_async(self: OCPAsyncHook, request: Any) -> Any:
        with record.lock:
            record.sent.append((request.target, request.trace_id))
        return await async_send(self, request)

    monkeypatch.setattr(OCPHook, "_send", counting_sync)
    monkeypatch.setattr(OCPAsyncHook, "_send", counting_async)
    return record


@dataclass
class Result:
    """What one driver run produced: identities of the records (or gate units), or the failure text."""

    keys: list[tuple[Any, ...]] | None = None
    error: str | None = None
    exception: BaseException | None = None


def _key(record: dict[str, Any]) -> tuple[Any, ...]:
    normalised = normalize_task(record)
    return (int(normalised["tenantId"]), normalised["createTime"].timestamp())


def run_hook(emu: OCPEmulator, tmp: Path) -> Result:
    records = list(OCPHook().iter_log_backup_tasks(emu.cluster_ids[0], *WINDOW, page_size=PAGE_SIZE))
    return Result(keys=[_key(r) for r in records])


def run_async(emu: OCPEmulator, tmp: Path) -> Result:
    query = log_backup_tasks_query(emu.cluster_ids[0], *WINDOW)

    async def go() -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        async with OCPAsyncHook(settings=OCPHook().settings) as client:
            async for page in client.iter_pages(query.path, query.params, PAGE_SIZE, record_identity):
                out.extend(page.records)
        return out

    return Result(keys=[_key(r) for r in asyncio.run(go())])


def run_operator(emu: OCPEmulator, tmp: Path) -> Result:
    target = tmp / "out" / "log_backup_tasks.jsonl"
    operator = OCPLogBackupTasksOperator(
        task_id="extract", cluster_id=emu.cluster_ids[0], output_path=str(target), page_size=PAGE_SIZE
    )
    summary = operator.execute({"data_interval_start": WINDOW[0], "data_interval_end": WINDOW[1]})  # type: ignore[arg-type]
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert summary["records"] == len(lines)
    return Result(keys=[_key(r) for r in lines])


def run_sensor(emu: OCPEmulator, tmp: Path) -> Result:
    sensor = OCPLogBackupDelaySensor(task_id="gate", cluster_id=emu.cluster_ids[0], max_delay=10_000)
    # Pokes until done, as poke mode would (the trigger polls again too): a walk that drift left inconsistent (one
    # task seen with two statuses) makes a poke wait, and the next one, on settled data, passes.
    done = sensor.poke({}) or sensor.poke({}) or sensor.poke({})  # type: ignore[arg-type]
    assert done and done.is_done  # type: ignore[union-attr]
    units = done.xcom_value["units"]  # type: ignore[union-attr]
    return Result(keys=[(u["tenant_id"], u["status"]) for u in units])


def run_trigger(emu: OCPEmulator, tmp: Path) -> Result:
    trigger = OCPLogBackupDelayTrigger(
        cluster_id=emu.cluster_ids[0],
        criteria=GateCriteria.build(max_delay=10_000).to_dict(),
        poke_interval=0.05,
        max_consecutive_failures=2,
    )

    async def first() -> dict[str, Any]:
        return (await asyncio.wait_for(anext(trigger.run()), 60)).payload

    payload = asyncio.run(first())
    if payload["status"] != "caught_up":
        return Result(error=payload["message"])
    return Result(keys=[(u["tenant_id"], u["status"]) for u in payload["result"]["units"]])


RUNNERS: dict[str, Callable[[OCPEmulator, Path], Result]] = {
    "hook": run_hook,
    "async_client": run_async,
    "operator_storage": run_operator,
    "sensor_poke": run_sensor,
    "trigger": run_trigger,
}
FAULT_PAGE = {"hook": 2, "async_client": 2, "operator_storage": 2, "sensor_poke": None, "trigger": None}
POLLS = {"trigger": 2}  # the trigger gives up after max_consecutive_failures polls, each with its own retries


def run(driver: str, emu: OCPEmulator, tmp: Path) -> Result:
    try:
        return RUNNERS[driver](emu, tmp)
    except OCPAPIError as error:
        return Result(error=str(error), exception=error)


def expected_keys(driver: str, emu: OCPEmulator) -> list[tuple[Any, ...]]:
    cluster = emu.cluster_ids[0]
    if driver in ("sensor_poke", "trigger"):
        return [(tenant, "RUNNING") for tenant in emu.tenant_ids(cluster)]
    return [_key(r) for r in emu.expected_tasks(cluster)]


def leftovers(tmp: Path) -> list[str]:
    return sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file())


# -- fixtures ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_emu() -> Iterator[OCPEmulator]:
    """8 tasks (2 tenants x 4): 3 pages of 3; the current tasks run with a 5 s delay."""
    with OCPEmulator(tenants=2, tasks_per_tenant=4, delay=5.0) as emulator:
        yield emulator


@pytest.fixture
def emu(shared_emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[OCPEmulator]:
    shared_emu.faults.clear()
    shared_emu.clear_requests()
    shared_emu.clock_offset = timedelta(0)
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", shared_emu.airflow_connection_json("basic", **POLICY))
    yield shared_emu
    shared_emu.faults.clear()
    shared_emu.clock_offset = timedelta(0)


def use(monkeypatch: pytest.MonkeyPatch, emu: OCPEmulator, auth_type: str = "basic", **extra: Any) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emu.airflow_connection_json(auth_type, **{**POLICY, **extra}))


def isolated(request: pytest.FixtureRequest, shared: OCPEmulator, fault: Fault) -> OCPEmulator:
    """A private emulator for ``slow``: its sleeping handlers would log late into the shared one's request log."""
    return request.getfixturevalue("own_emu") if fault.kind == "slow" else shared


# -- the matrix -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("fault_id", TRANSIENT)
def test_short_burst_is_retried_and_the_run_completes_exactly(
    emu: OCPEmulator,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    attempts: Attempts,
    tmp_path: Path,
    fault_id: str,
    driver: str,
) -> None:
    fault = TRANSIENT[fault_id]
    emu = isolated(request, emu, fault)
    use(monkeypatch, emu, **fault.extra)
    emu.faults.add(fault.kind, times=MAX_RETRIES, page=FAULT_PAGE[driver], **fault.params)  # type: ignore[arg-type]
    result = run(driver, emu, tmp_path)  # Retry-After 30 s, capped by retry_max_wait (the policy tests check the waits)
    assert result.error is None, result.error
    assert result.keys is not None and len(result.keys) == len(set(result.keys)), "duplicates"
    assert sorted(result.keys) == sorted(expected_keys(driver, emu)), "records missing"
    assert len(attempts.on_page(FAULT_PAGE[driver])) == MAX_RETRIES + 1
    if driver == "operator_storage":
        assert leftovers(tmp_path) == ["out/log_backup_tasks.jsonl"]


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("fault_id", TRANSIENT)
def test_long_burst_fails_clearly_after_the_retry_budget(
    emu: OCPEmulator,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    attempts: Attempts,
    tmp_path: Path,
    fault_id: str,
    driver: str,
) -> None:
    fault = TRANSIENT[fault_id]
    emu = isolated(request, emu, fault)
    use(monkeypatch, emu, **fault.extra)
    emu.faults.add(fault.kind, times=None, page=FAULT_PAGE[driver], **fault.params)  # type: ignore[arg-type]
    result = run(driver, emu, tmp_path)
    assert result.error is not None and result.keys is None
    tried = attempts.on_page(FAULT_PAGE[driver])
    assert len(tried) == (MAX_RETRIES + 1) * POLLS.get(driver, 1)
    assert fault.fix in result.error
    assert f"HTTP {fault.status}" in result.error if fault.status else "no HTTP response" in result.error
    assert f"traceId {tried[-1][1]}" in result.error  # the last attempt's id, for OCP support
    if isinstance(result.exception, OCPAPIError):
        assert result.exception.retryable and result.exception.status == fault.status
    if driver == "trigger":
        assert f"{POLLS['trigger']} consecutive failed polls" in result.error
    if driver == "operator_storage":
        assert leftovers(tmp_path) == []  # no final file and no temporary file


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("fault_id", FINAL)
def test_final_errors_are_not_retried_and_name_the_fix(
    emu: OCPEmulator, attempts: Attempts, tmp_path: Path, fault_id: str, driver: str
) -> None:
    fault = FINAL[fault_id]
    emu.faults.add(fault.kind, times=None, page=FAULT_PAGE[driver], **fault.params)  # type: ignore[arg-type]
    result = run(driver, emu, tmp_path)
    assert result.error is not None and result.keys is None
    # After a 404, the cluster list is read once, to name the clusters OCP knows: it is not a retry.
    tried = [item for item in attempts.on_page(FAULT_PAGE[driver]) if "/ob/clusters?" not in item[0]]
    assert len(tried) == 1, f"{fault_id} was retried"
    assert fault.fix in result.error
    assert f"HTTP {fault.status}" in result.error and f"traceId {tried[-1][1]}" in result.error
    if isinstance(result.exception, OCPAPIError):
        assert not result.exception.retryable
    if driver == "trigger":
        assert "non-retryable error" in result.error
    if driver == "operator_storage":
        assert leftovers(tmp_path) == []


# -- redirects: never followed (credentials must not travel to another URL) --------------------------------------------


class _Redirector(BaseHTTPRequestHandler):
    status = 302
    location = ""
    hits: list[str] = []  # one class (and server) per test

    def do_GET(self) -> None:
        type(self).hits.append(self.headers.get("Authorization") or "")
        self.send_response(self.status)
        self.send_header("Location", self.location + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirects_are_not_followed(
    emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, status: int, driver: str
) -> None:
    handler = type("Redirect", (_Redirector,), {"status": status, "location": emu.url, "hits": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        conn = emu.airflow_connection("basic", **POLICY)
        conn["host"] = f"http://127.0.0.1:{server.server_address[1]}"
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", json.dumps(conn))
        result = run(driver, emu, tmp_path)
    finally:
        server.shutdown()
        server.server_close()
    assert result.error is not None
    assert f"redirected the request (HTTP {status}" in result.error
    assert "point the connection's host at OCP's final base URL" in result.error
    assert len(handler.hits) == 1  # no retry
    assert emu.requests == []  # the credentials never went to the Location
    if driver == "operator_storage":
        assert leftovers(tmp_path) == []


# -- AccessKey with the worker's clock 20 minutes off ------------------------------------------------------------------


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("skew_minutes", [20, -20])
def test_access_key_clock_skew_fails_once_naming_clock_skew(
    emu: OCPEmulator,
    monkeypatch: pytest.MonkeyPatch,
    attempts: Attempts,
    tmp_path: Path,
    skew_minutes: int,
    driver: str,
) -> None:
    use(monkeypatch, emu, "access_key")
    emu.clock_offset = timedelta(minutes=skew_minutes)  # OCP's clock ahead of (or behind) the worker's
    result = run(driver, emu, tmp_path)
    assert result.error is not None
    assert "HTTP 401" in result.error and "clock skew" in result.error and "15 minutes" in result.error
    assert len(attempts.sent) == 1
    assert [r.status for r in emu.requests] == [401]
    if driver == "operator_storage":
        assert leftovers(tmp_path) == []


@pytest.mark.parametrize("driver", ["hook", "trigger"])
def test_skew_within_ocps_tolerance_or_with_basic_auth_is_harmless(
    emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, driver: str
) -> None:
    emu.clock_offset = timedelta(minutes=14)
    use(monkeypatch, emu, "access_key")
    assert run(driver, emu, tmp_path).error is None
    emu.clock_offset = timedelta(hours=3)
    use(monkeypatch, emu, "basic")
    assert run(driver, emu, tmp_path).error is None


# -- real authentication and permission failures through the async side -----------------------------------------------


@pytest.mark.parametrize("driver", ["async_client", "trigger", "operator_storage", "sensor_poke"])
@pytest.mark.parametrize(
    ("case", "fix"),
    [
        ("wrong-password", "check the connection's login and password"),
        ("wrong-access-key-secret", "clock skew"),
        ("unknown-cluster", "OCP has no cluster with id 987654321 (cluster_id)"),
    ],
    ids=["wrong-password", "wrong-access-key-secret", "unknown-cluster"],
)
def test_real_auth_and_not_found_failures_are_final(
    emu: OCPEmulator,
    monkeypatch: pytest.MonkeyPatch,
    attempts: Attempts,
    tmp_path: Path,
    case: str,
    fix: str,
    driver: str,
) -> None:
    if case == "wrong-password":
        use(monkeypatch, emu, "basic", password="not-the-password")
    elif case == "wrong-access-key-secret":
        use(monkeypatch, emu, "access_key", password="not-the-secret")
    else:
        monkeypatch.setattr(type(emu), "cluster_ids", property(lambda self: [987654321]))
        if driver == "async_client":  # a bare page walk of a path: it knows of no cluster to look for
            fix = "check that the cluster (and tenant) id exists"
    result = run(driver, emu, tmp_path)
    assert result.error is not None and fix in result.error
    assert len([target for target, _ in attempts.sent if "/backup/" in target]) == 1  # then the cluster list, on a 404
    assert "not-the-password" not in result.error and "not-the-secret" not in result.error
    assert leftovers(tmp_path) == []


# -- pagination drift and quirks -----------------------------------------------------------------------------------


PAGINATION: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "tasks-created-between-pages": [("insert_tasks", {"count": 2, "page": 1})],
    "a-whole-page-created-between-pages": [("insert_tasks", {"count": PAGE_SIZE, "page": 1})],
    "newest-tasks-removed-between-pages": [("remove_tasks", {"count": 2, "newest": True, "page": 1})],
    "oldest-tasks-removed-between-pages": [("remove_tasks", {"count": 2, "newest": False, "page": 2})],
    "created-and-removed": [
        ("insert_tasks", {"count": 1, "page": 1}),
        ("remove_tasks", {"count": 1, "newest": False, "page": 2}),
    ],
    "total-pages-too-large": [("wrong_total_pages", {"delta": 3, "times": None})],
    "total-pages-too-small": [("wrong_total_pages", {"delta": -2, "times": None})],
    "total-pages-says-one": [("wrong_total_pages", {"value": 1, "times": None})],
    "size-clamped-below-request": [("clamp_size", {"max_size": 2, "times": None})],
}
IGNORED_PAGE: dict[str, dict[str, Any]] = {"page-ignored": {}, "page-ignored-number-echoed": {"echo_page": True}}
SNAPSHOT_DRIVERS = ("sensor_poke", "trigger")


@pytest.fixture
def own_emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[OCPEmulator]:
    """A private emulator (drift mutates the data): 12 tasks, 3 tenants; delay 5 s."""
    with OCPEmulator(tenants=3, tasks_per_tenant=4, delay=5.0) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emulator.airflow_connection_json("basic", **POLICY))
        yield emulator


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("case", PAGINATION)
def test_pagination_drift_and_quirks_give_every_surviving_record_once(
    own_emu: OCPEmulator, tmp_path: Path, case: str, driver: str
) -> None:
    cluster = own_emu.cluster_ids[0]
    before = set(expected_keys("hook", own_emu))
    for kind, params in PAGINATION[case]:
        params = dict(params)
        times = params.pop("times", 1)
        if driver in SNAPSHOT_DRIVERS:
            params.pop("page", None)
            if kind != "clamp_size":  # one 2000-record page: make it several so drift can strike between them
                own_emu.faults.add("clamp_size", times=None, max_size=PAGE_SIZE)
        own_emu.faults.add(kind, times=times, **params)  # type: ignore[arg-type]
    result = run(driver, own_emu, tmp_path)
    assert result.error is None, result.error
    assert result.keys is not None and len(result.keys) == len(set(result.keys)), "duplicates"
    if driver in SNAPSHOT_DRIVERS:
        # The gate sees each tenant once, with its current (RUNNING) task.
        assert sorted(result.keys) == sorted((t, "RUNNING") for t in own_emu.tenant_ids(cluster))
        return
    survivors = before & set(expected_keys("hook", own_emu))
    assert survivors <= set(result.keys), f"lost {len(survivors - set(result.keys))} record(s)"
    if driver == "operator_storage":
        assert leftovers(tmp_path) == ["out/log_backup_tasks.jsonl"]


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize("case", IGNORED_PAGE)
def test_a_server_ignoring_page_fails_instead_of_looping_or_duplicating(
    own_emu: OCPEmulator, attempts: Attempts, tmp_path: Path, case: str, driver: str
) -> None:
    if driver in SNAPSHOT_DRIVERS:
        own_emu.faults.add("clamp_size", times=None, max_size=PAGE_SIZE)
    own_emu.faults.add("ignore_page", times=None, **IGNORED_PAGE[case])  # type: ignore[arg-type]
    result = run(driver, own_emu, tmp_path)
    assert result.error is not None and "ignor" in result.error and "page" in result.error
    assert len(attempts.sent) <= 2 * POLLS.get(driver, 1) + 3  # found out at once (read-ahead may add a few)
    if driver == "operator_storage":
        assert leftovers(tmp_path) == []
