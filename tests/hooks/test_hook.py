"""OCPHook against the OCP emulator over real sockets."""

from __future__ import annotations

import asyncio
import inspect
import json
import pydoc
import typing
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from airflow_provider_ocp.exceptions import OCPAPIError, OCPInputError
from airflow_provider_ocp.hooks.ocp import OCPAsyncHook, OCPHook
from airflow_provider_ocp.log_backup.records import normalize_task
from airflow_provider_ocp.testing import DEFAULT_ACCESS_KEY_SECRET, DEFAULT_PASSWORD, OCPEmulator

UTC = timezone.utc
FAST = {"max_retries": 3, "retry_backoff": 0.01, "retry_max_wait": 0.05}


@pytest.fixture
def connect(monkeypatch: pytest.MonkeyPatch) -> Callable[..., OCPHook]:
    """Point ``ocp_default`` at an emulator and return a fresh hook."""

    def make(emu: OCPEmulator, auth_type: str = "basic", **extra: object) -> OCPHook:
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emu.airflow_connection_json(auth_type, **{**FAST, **extra}))
        return OCPHook()

    return make


def identity(task: dict) -> tuple:
    """(tenant, instant of creation) for raw emulator records and normalised hook records alike."""
    return (int(task["tenantId"]), normalize_task(task)["createTime"].timestamp())


def api_requests(emu: OCPEmulator) -> list:
    return [r for r in emu.requests if "/api/v2/" in r.path]


@pytest.mark.parametrize("auth_type", ["basic", "access_key"])
@pytest.mark.ocp_emulator(tenants=3, tasks_per_tenant=4)
def test_reads_all_tasks_with_both_auth_modes(ocp_emulator: OCPEmulator, connect, auth_type: str) -> None:
    hook = connect(ocp_emulator, auth_type)
    cluster = ocp_emulator.cluster_ids[0]
    tasks = list(hook.iter_log_backup_tasks(cluster, page_size=5))
    assert len(tasks) == 12 == len(ocp_emulator.expected_tasks(cluster))
    assert len(api_requests(ocp_emulator)) == 3
    sent = api_requests(ocp_emulator)[0]
    assert sent.header("Accept-Language") == "en-US"
    assert "airflow-provider-ocp/" in (sent.header("User-Agent") or "")
    assert sent.params["page"] == "1" and sent.params["size"] == "5"


@pytest.mark.ocp_emulator(tenants=2, tasks_per_tenant=3, delay_format="string", ids_as_strings=True)
def test_records_are_normalised(ocp_emulator: OCPEmulator, connect) -> None:
    hook = connect(ocp_emulator)
    tasks = list(hook.iter_log_backup_tasks(ocp_emulator.cluster_ids[0]))
    current = [t for t in tasks if t["status"] == "RUNNING"]
    assert current and all(isinstance(t["delay"], float) for t in current)
    for task in tasks:
        assert isinstance(task["clusterId"], int) and isinstance(task["tenantId"], int)
        assert task["createTime"].tzinfo is not None and task["checkpoint"].tzinfo is not None
        assert task["agentServerIp"]  # undocumented field kept
        assert "errorMsg" in task and task["errorMsg"] is None  # omitted by OCP → None


@pytest.mark.ocp_emulator(cluster_level=True, tasks_per_tenant=2)
def test_cluster_level_tasks_have_no_tenant(ocp_emulator: OCPEmulator, connect) -> None:
    tasks = list(connect(ocp_emulator).iter_log_backup_tasks(ocp_emulator.cluster_ids[0]))
    assert tasks and all(t["tenantId"] is None and t["tenantName"] is None for t in tasks)


@pytest.mark.ocp_emulator(tenants=3, tasks_per_tenant=10, task_interval=timedelta(hours=1))
def test_time_window_is_sent_in_utc_and_filters(ocp_emulator: OCPEmulator, connect) -> None:
    hook = connect(ocp_emulator)
    cluster = ocp_emulator.cluster_ids[0]
    newest = max(t["createTime"] for t in hook.iter_log_backup_tasks(cluster))
    start = (newest - timedelta(hours=6)).astimezone(timezone(timedelta(hours=8)))
    end = newest - timedelta(hours=1)
    ocp_emulator.clear_requests()
    tasks = list(hook.iter_log_backup_tasks(cluster, start, end))
    expected = ocp_emulator.expected_tasks(cluster, start, end)
    assert 0 < len(tasks) == len(expected)
    assert all(start <= t["createTime"] <= end for t in tasks)
    query = api_requests(ocp_emulator)[0].query
    assert "startTime=" in query and "Z" in query and "%3A" in query and "+" not in query


@pytest.mark.ocp_emulator(path_prefix="/ocp")
def test_path_prefix_is_kept(ocp_emulator: OCPEmulator, connect) -> None:
    hook = connect(ocp_emulator)
    assert ocp_emulator.url.endswith("/ocp")
    assert list(hook.iter_log_backup_tasks(ocp_emulator.cluster_ids[0]))
    assert all(r.path.startswith("/ocp/api/v2/") for r in ocp_emulator.requests)


@pytest.mark.parametrize(
    ("auth_type", "extra", "fragment"),
    [
        ("basic", {"password": "wrong"}, "check the connection's login and password"),
        ("access_key", {"password": "wrong-secret"}, "clock skew"),
    ],
)
def test_wrong_credentials_fail_once_with_hint(
    ocp_emulator: OCPEmulator, monkeypatch: pytest.MonkeyPatch, auth_type: str, extra: dict, fragment: str
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", ocp_emulator.airflow_connection_json(auth_type, **extra, **FAST))
    with pytest.raises(OCPAPIError) as info:
        list(OCPHook().iter_log_backup_tasks(ocp_emulator.cluster_ids[0]))
    assert info.value.status == 401 and fragment in str(info.value)
    assert info.value.trace_id
    assert len(api_requests(ocp_emulator)) == 1
    for secret in ("wrong", "wrong-secret", DEFAULT_PASSWORD, DEFAULT_ACCESS_KEY_SECRET):
        assert secret not in str(info.value)


@pytest.mark.ocp_emulator(clock_offset=timedelta(minutes=20))
def test_access_key_clock_skew_is_named(ocp_emulator: OCPEmulator, connect) -> None:
    with pytest.raises(OCPAPIError, match="clock") as info:
        list(connect(ocp_emulator, "access_key").iter_log_backup_tasks(ocp_emulator.cluster_ids[0]))
    assert info.value.status == 401


@pytest.mark.ocp_emulator(restricted_users={"viewer": "viewer-pw"})
def test_forbidden_names_the_permission(ocp_emulator: OCPEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = ocp_emulator.airflow_connection("basic", login="viewer", password="viewer-pw", **FAST)
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", json.dumps(conn))
    with pytest.raises(OCPAPIError, match="Read-only permission on cluster backup and recovery"):
        list(OCPHook().iter_log_backup_tasks(ocp_emulator.cluster_ids[0]))
    assert len(api_requests(ocp_emulator)) == 1


def test_unknown_cluster_is_404_without_retry(ocp_emulator: OCPEmulator, connect) -> None:
    with pytest.raises(OCPAPIError, match="OCP has no cluster with id 987654321") as info:
        list(connect(ocp_emulator).iter_log_backup_tasks(987654321))
    # The 404 is not retried; OCP's cluster list is read once, to name the clusters it knows.
    assert info.value.status == 404
    assert [r.path for r in api_requests(ocp_emulator)] == [
        "/api/v2/ob/clusters/987654321/backup/task/logBackupTasks",
        "/api/v2/ob/clusters",
    ]


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("rate_limited", {"retry_after": 0}),
        ("rate_limited", {"retry_after": 0, "http_date": True}),
        ("http_error", {"status": 500, "body": "json"}),
        ("http_error", {"status": 502, "body": "html"}),
        ("http_error", {"status": 503, "body": "html"}),
        ("http_error", {"status": 504, "body": "html"}),
        ("truncated_json", {}),
        ("drop_connection", {}),
    ],
)
@pytest.mark.ocp_emulator(tenants=2, tasks_per_tenant=5)
def test_transient_faults_are_retried_without_duplicates(
    ocp_emulator: OCPEmulator,
    connect,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    kind: str,
    params: dict,
) -> None:
    hook = connect(ocp_emulator)
    cluster = ocp_emulator.cluster_ids[0]
    ocp_emulator.faults.add(kind, times=2, page=2, **params)
    tasks = list(hook.iter_log_backup_tasks(cluster, page_size=3))
    expected = ocp_emulator.expected_tasks(cluster)
    assert len(tasks) == len(expected) == 10
    assert len({(t["tenantId"], t["createTime"]) for t in tasks}) == 10
    assert len(api_requests(ocp_emulator)) == 4 + 2
    logged = caplog.text + capsys.readouterr().out  # the hook logs through Airflow's structlog (stdout here)
    assert "retry 1 of 3" in logged and "retry 2 of 3" in logged
    retries = [line for line in logged.splitlines() if "retry 1 of 3" in line]
    assert retries and all(line.count("/api/v2/") == 1 for line in retries), retries  # the path (and query) once


@pytest.mark.ocp_emulator()
def test_read_timeout_is_retried(ocp_emulator: OCPEmulator, connect, capsys: pytest.CaptureFixture[str]) -> None:
    hook = connect(ocp_emulator, timeout=0.3)
    ocp_emulator.faults.add("slow", times=1, seconds=1.0)
    assert len(list(hook.iter_log_backup_tasks(ocp_emulator.cluster_ids[0]))) == len(
        ocp_emulator.expected_tasks(1000001)
    )
    assert "read timeout of 0.3s" in capsys.readouterr().out


@pytest.mark.ocp_emulator()
def test_retry_budget_exhausted_raises_last_error(ocp_emulator: OCPEmulator, connect) -> None:
    ocp_emulator.faults.add("http_error", times=10, status=503, body="html")
    with pytest.raises(OCPAPIError, match="HTTP 503") as info:
        list(connect(ocp_emulator).iter_log_backup_tasks(ocp_emulator.cluster_ids[0]))
    assert info.value.retryable and len(api_requests(ocp_emulator)) == 4


@pytest.mark.parametrize(
    ("kind", "params", "fragment"),
    [("html_200", {}, "HTML page"), ("unsuccessful", {"status": 400, "message": "bad"}, "bad")],
)
def test_non_envelope_and_unsuccessful_are_errors(ocp_emulator: OCPEmulator, connect, kind, params, fragment) -> None:
    ocp_emulator.faults.add(kind, times=5, **params)
    with pytest.raises(OCPAPIError, match=fragment):
        list(connect(ocp_emulator).iter_log_backup_tasks(ocp_emulator.cluster_ids[0]))
    assert len(api_requests(ocp_emulator)) == 1


def test_unknown_path_is_not_data(ocp_emulator: OCPEmulator, monkeypatch: pytest.MonkeyPatch, connect) -> None:
    """As OCP: an unknown path under /api is HTTP 400 ("no handler"), one outside /api a redirect to the login page."""
    with pytest.raises(OCPAPIError, match="No handler found") as info:
        connect(ocp_emulator).get_envelope("/no/such/endpoint")
    assert info.value.status == 400 and len(api_requests(ocp_emulator)) == 1
    ocp_emulator.clear_requests()
    conn = {**ocp_emulator.airflow_connection(**FAST), "host": f"{ocp_emulator.url}/wrong-prefix"}
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", json.dumps(conn))
    with pytest.raises(OCPAPIError, match="OCP redirected the request"):
        list(OCPHook().iter_log_backup_tasks(ocp_emulator.cluster_ids[0]))
    assert [r.status for r in api_requests(ocp_emulator)] == [302]


@pytest.mark.parametrize("concurrency", [1, 4])
@pytest.mark.ocp_emulator(tenants=4, tasks_per_tenant=25)
def test_pagination_quirks(ocp_emulator: OCPEmulator, connect, concurrency: int) -> None:
    hook = connect(ocp_emulator, concurrency=concurrency)
    cluster = ocp_emulator.cluster_ids[0]
    expected = len(ocp_emulator.expected_tasks(cluster))
    ocp_emulator.faults.add("clamp_size", times=100, max_size=7)
    assert len(list(hook.iter_log_backup_tasks(cluster, page_size=50))) == expected == 100
    ocp_emulator.faults.clear()
    ocp_emulator.faults.add("wrong_total_pages", times=100, delta=-3)
    assert len(list(hook.iter_log_backup_tasks(cluster, page_size=10))) == expected
    ocp_emulator.faults.clear()
    ocp_emulator.faults.add("wrong_total_pages", times=100, delta=4)
    assert len(list(hook.iter_log_backup_tasks(cluster, page_size=10))) == expected
    ocp_emulator.faults.clear()
    ocp_emulator.faults.add("ignore_page", times=100)
    with pytest.raises(OCPAPIError, match="ignor"):
        list(hook.iter_log_backup_tasks(cluster, page_size=10))


@pytest.mark.parametrize("concurrency", [1, 4])
@pytest.mark.ocp_emulator(tenants=2, tasks_per_tenant=20)
def test_drift_between_pages_gives_each_task_once(ocp_emulator: OCPEmulator, connect, concurrency: int) -> None:
    hook = connect(ocp_emulator, concurrency=concurrency)
    cluster = ocp_emulator.cluster_ids[0]
    before = {identity(t) for t in ocp_emulator.expected_tasks(cluster)}
    ocp_emulator.faults.add("insert_tasks", times=1, page=2, count=3)
    ocp_emulator.faults.add("remove_tasks", times=1, page=3, count=2, newest=True)
    tasks = list(hook.iter_log_backup_tasks(cluster, page_size=5))
    keys = [identity(t) for t in tasks]
    assert len(keys) == len(set(keys))
    after = {identity(t) for t in ocp_emulator.expected_tasks(cluster)}
    assert len(before & after) >= len(before) - 2
    assert before & after <= set(keys)  # every task present throughout the walk came out


def test_bad_input_sends_nothing(ocp_emulator: OCPEmulator, connect) -> None:
    hook = connect(ocp_emulator)
    for call in (
        lambda: list(hook.iter_log_backup_tasks("1/../x")),
        lambda: list(hook.iter_log_backup_tasks(1, datetime(2024, 1, 1), datetime(2024, 1, 2))),
        lambda: list(hook.iter_log_backup_tasks(1, datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC))),
        lambda: list(hook.iter_log_backup_tasks(1, datetime(2024, 1, 2, tzinfo=UTC))),
        lambda: list(hook.iter_log_backup_tasks(1, page_size=0)),
    ):
        with pytest.raises(OCPInputError):
            call()
    assert ocp_emulator.requests == []


def test_bad_auth_type_and_missing_host_fail_before_requests(
    ocp_emulator: OCPEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = ocp_emulator.airflow_connection("basic")
    conn["extra"]["auth_type"] = "ldap"
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", json.dumps(conn))
    with pytest.raises(OCPInputError, match="auth_type"):
        list(OCPHook().iter_log_backup_tasks(1))
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", '{"conn_type": "ocp", "login": "a", "password": "b"}')
    with pytest.raises(OCPInputError, match="no host"):
        list(OCPHook().iter_log_backup_tasks(1))
    assert ocp_emulator.requests == []


def test_page_size_above_max_is_lowered(ocp_emulator: OCPEmulator, connect, caplog) -> None:
    list(connect(ocp_emulator).iter_log_backup_tasks(ocp_emulator.cluster_ids[0], page_size=5000))
    assert api_requests(ocp_emulator)[0].params["size"] == "2000"
    assert "above OCP's maximum" in caplog.text


def test_test_connection(ocp_emulator: OCPEmulator, connect, monkeypatch: pytest.MonkeyPatch) -> None:
    ok, message = connect(ocp_emulator).test_connection()
    assert ok and "Connected" in message
    assert api_requests(ocp_emulator)[-1].path.endswith("/ob/clusters")
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", ocp_emulator.airflow_connection_json("basic", password="nope"))
    ok, message = OCPHook().test_connection()
    assert not ok and "401" in message and "nope" not in message


def test_hook_init_reads_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_OCP_DEFAULT", raising=False)
    hook = OCPHook(ocp_conn_id="does_not_exist")  # must not raise: no connection read at construction
    assert "does_not_exist" in repr(hook)


@pytest.mark.parametrize("auth_type", ["basic", "access_key"])
@pytest.mark.ocp_emulator(tenants=3, tasks_per_tenant=3, delay_format="omit")
def test_async_client_matches_sync_hook(ocp_emulator: OCPEmulator, connect, auth_type: str) -> None:
    hook = connect(ocp_emulator, auth_type)
    cluster = ocp_emulator.cluster_ids[0]
    sync = hook.get_log_backup_snapshot(cluster)

    async def read():
        async with OCPAsyncHook(settings=hook.settings) as client:
            return await client.get_log_backup_snapshot(cluster)

    snap = asyncio.run(read())
    key = lambda t: (t["tenantId"], t["createTime"])  # noqa: E731
    assert sorted(map(key, snap.tasks)) == sorted(map(key, sync.tasks))
    assert snap.server_time is not None and sync.server_time is not None


def test_async_client_retries_and_fails_like_sync(ocp_emulator: OCPEmulator, connect) -> None:
    hook = connect(ocp_emulator)
    ocp_emulator.faults.add("http_error", times=1, status=502, body="html")
    ocp_emulator.faults.add("drop_connection", times=1)

    async def read(cluster: int):
        async with OCPAsyncHook(settings=hook.settings) as client:
            return await client.get_log_backup_snapshot(cluster)

    assert asyncio.run(read(ocp_emulator.cluster_ids[0])).tasks
    with pytest.raises(OCPAPIError) as info:
        asyncio.run(read(987654321))
    assert info.value.status == 404


@pytest.mark.parametrize("name", ["iter_log_backup_tasks", "get_log_backup_tasks"])
def test_the_public_walks_show_their_parameters_at_run_time(name: str) -> None:
    """help(), IDEs and Sphinx read the signature at run time: no ``*args, **kwargs`` hiding the parameters."""
    method = getattr(OCPHook, name)
    assert list(inspect.signature(method).parameters)[:7] == [
        "self",
        "cluster_id",
        "start_time",
        "end_time",
        "page_size",
        "tenant_id",
        "cluster_name",
    ]
    hints = typing.get_type_hints(method)
    assert hints["cluster_id"] == int | str | None and hints["start_time"] == datetime | str | None
    assert hints["page_size"] == int | None and hints["cluster_name"] == str | None
    shown = pydoc.render_doc(method, renderer=pydoc.plaintext)  # what help() prints
    assert "cluster_id: 'int | str | None' = None" in shown and "*, cluster_name: 'str | None' = None" in shown
    for parameter in ("cluster_id", "start_time", "end_time", "page_size", "tenant_id", "cluster_name"):
        assert f":param {parameter}:" in shown


@pytest.mark.ocp_emulator(tenants=2, tasks_per_tenant=3)
def test_get_log_backup_tasks_is_the_walk_as_a_list(ocp_emulator: OCPEmulator, connect) -> None:
    hook = connect(ocp_emulator)
    cluster = ocp_emulator.cluster_ids[0]
    tasks = hook.get_log_backup_tasks(cluster, page_size=2)
    assert isinstance(tasks, list) and len(tasks) == 6 == len(ocp_emulator.expected_tasks(cluster))
    assert tasks == list(hook.iter_log_backup_tasks(cluster, page_size=2))
    assert typing.get_type_hints(OCPHook.get_log_backup_tasks)["return"] == list[dict[str, typing.Any]]
    with pytest.raises(OCPInputError, match="cluster_id"):
        hook.get_log_backup_tasks("not-an-id")
