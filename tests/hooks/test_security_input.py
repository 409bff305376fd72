"""Input that could change the request path or query is refused before any request, on every entry point; and plain
``http://`` with basic auth to a remote host warns that the password travels in clear text.

The entry points: the hook (cluster id, tenant id, window bounds), the async client the trigger uses, the extraction
operator, the delay sensor (poke and deferrable; cluster id and tenant filters) and the trigger itself. The
emulator's request log proves that nothing was sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from airflow_provider_ocp.client.settings import settings_from_connection
from airflow_provider_ocp.exceptions import OCPInputError
from airflow_provider_ocp.hooks.ocp import OCPAsyncHook, OCPHook
from airflow_provider_ocp.log_backup.gate import GateCriteria
from airflow_provider_ocp.operators.log_backup import OCPLogBackupTasksOperator
from airflow_provider_ocp.sensors.log_backup import OCPLogBackupDelaySensor
from airflow_provider_ocp.testing import DEFAULT_PASSWORD, OCPEmulator
from airflow_provider_ocp.triggers.log_backup import OCPLogBackupDelayTrigger

FAST = {"max_retries": 2, "retry_backoff": 0.01, "retry_max_wait": 0.05}

# Each would change the path or query if it reached the URL, or is not the integer it looks like.
HOSTILE_IDS: list[Any] = [
    "1/../x",
    "1/../../api/v2/ob/clusters",
    "1?page=9",
    "1&size=1",
    "1#x",
    "1;x",
    "%2e%2e",
    "1%2F2",
    "..",
    "１２",  # fullwidth digits
    "٣",  # Arabic-Indic digit three
    "²",  # superscript two: str.isdigit() says yes
    "0x10",
    "1e3",
    "+5",
    "-1",
    "",
    True,
    False,
    0,
    -7,
    1.0,
    None,
    [1],
]
HOSTILE_TIMES = ["2024-08-06T00:00:00Z&page=9", "2024-08-06T00:00:00Z/../x", "2024-08-06T00:00:00Z#", "%2e%2e"]


@pytest.fixture(scope="module")
def shared_emu() -> Iterator[OCPEmulator]:
    with OCPEmulator(tenants=2, tasks_per_tenant=2) as emulator:
        yield emulator


@pytest.fixture
def emu(shared_emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch) -> OCPEmulator:
    """The module's emulator with an empty request log, as ``ocp_default`` (AccessKey auth)."""
    shared_emu.clear_requests()
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", shared_emu.airflow_connection_json("access_key", **FAST))
    return shared_emu


def _async(call: Callable[[OCPAsyncHook], Any]) -> Callable[[], Any]:
    def run() -> Any:
        async def go() -> Any:
            async with OCPAsyncHook(settings=OCPHook().settings) as client:
                return await call(client)

        return asyncio.run(go())

    return run


def _trigger(bad: Any) -> Any:
    async def go() -> Any:
        trigger = OCPLogBackupDelayTrigger(
            cluster_id=bad, criteria=GateCriteria.build(max_delay=5).to_dict(), poke_interval=0.05
        )
        return (await asyncio.wait_for(anext(trigger.run()), 20)).payload

    payload = asyncio.run(go())
    if payload["status"] == "error":  # an event is as good as an exception, as long as it names the parameter
        raise OCPInputError(payload["message"])
    return payload


CONTEXT: dict[str, Any] = {}
SENSOR = {"max_delay": 5, "timeout": 2, "poke_interval": 0.1}  # bounded, should a value ever slip through
ENTRY_POINTS: dict[str, Callable[[Any], Any]] = {
    "hook.cluster_id": lambda bad: list(OCPHook().iter_log_backup_tasks(bad)),
    "hook.tenant_id": lambda bad: (
        list(OCPHook().iter_log_backup_tasks(1000001, tenant_id=bad)) if bad is not None else 0
    ),
    "hook.snapshot": lambda bad: OCPHook().get_log_backup_snapshot(bad),
    "async_client.cluster_id": lambda bad: _async(lambda c: c.get_log_backup_snapshot(bad))(),
    "operator.cluster_id": lambda bad: OCPLogBackupTasksOperator(task_id="t", cluster_id=bad).execute(
        {"data_interval_start": None, "data_interval_end": None}  # type: ignore[arg-type]
    ),
    "sensor.cluster_id": lambda bad: OCPLogBackupDelaySensor(task_id="s", cluster_id=bad, **SENSOR).execute(
        CONTEXT  # type: ignore[arg-type]
    ),
    "deferrable_sensor.cluster_id": lambda bad: OCPLogBackupDelaySensor(
        task_id="s", cluster_id=bad, deferrable=True, **SENSOR
    ).execute(CONTEXT),  # type: ignore[arg-type]
    "sensor.tenant_ids": lambda bad: OCPLogBackupDelaySensor(
        task_id="s", cluster_id=1000001, tenant_ids=[bad], **SENSOR
    ).execute(CONTEXT),  # type: ignore[arg-type]
    "trigger.cluster_id": _trigger,
}


@pytest.mark.parametrize("bad", HOSTILE_IDS, ids=repr)
@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_hostile_ids_are_refused_before_any_request(emu: OCPEmulator, entry: str, bad: Any) -> None:
    if entry == "hook.tenant_id" and bad is None:
        pytest.skip("tenant_id=None means every tenant: legitimate")
    with pytest.raises(OCPInputError) as info:
        ENTRY_POINTS[entry](bad)
    name = "tenant" if "tenant" in entry else "cluster_id"
    assert name in str(info.value)
    assert emu.requests == [], f"{entry} sent {[r.target for r in emu.requests]}"


@pytest.mark.parametrize("bad", HOSTILE_TIMES)
@pytest.mark.parametrize("bound", ["start", "end"])
def test_hostile_window_bounds_are_refused_before_any_request(emu: OCPEmulator, bad: str, bound: str) -> None:
    good = "2024-08-06T00:00:00Z"
    start, end = (bad, "2024-08-07T00:00:00Z") if bound == "start" else (good, bad)
    with pytest.raises(OCPInputError, match=f"{bound}_time"):
        list(OCPHook().iter_log_backup_tasks(1000001, start, end))
    with pytest.raises(OCPInputError, match=f"{bound}_time"):
        OCPLogBackupTasksOperator(task_id="t", cluster_id=1000001, start_time=start, end_time=end).execute(
            {}  # type: ignore[arg-type]
        )
    assert emu.requests == []


def test_text_parameters_stay_one_query_value_and_the_signature_covers_them(emu: OCPEmulator) -> None:
    """A cluster name filter full of URL syntax is one encoded value; AccessKey signing and sending agree on it."""
    hostile = "x&page=9&size=1#frag /../?a=b+c%2e"
    assert OCPHook().list_clusters(name=hostile) == []
    (sent,) = emu.requests
    assert sent.status == 200  # the emulator re-verified the AccessKey signature over the raw query it received
    assert sent.path == "/api/v2/ob/clusters"
    assert sent.params == {"name": hostile, "page": "1", "size": "2000"}
    assert "&page=9" not in sent.query and "#" not in sent.query and "+" not in sent.query


def test_valid_ids_in_text_form_still_work(emu: OCPEmulator) -> None:
    """Templates render text: plain ASCII digits (surrounding blanks tolerated) are the only text accepted."""
    cluster = emu.cluster_ids[0]
    tenant = emu.tenant_ids(cluster)[0]
    assert list(OCPHook().iter_log_backup_tasks(f" {cluster}\n", tenant_id=str(tenant)))
    assert [r.path for r in emu.requests] == [
        f"/api/v2/ob/clusters/{cluster}/tenants/{tenant}/backup/task/logBackupTasks"
    ]


# -- clear-text password warning ----------------------------------------------------------------------------------


def _settings(host: str, auth_type: str = "basic", **fields: Any) -> Any:
    return settings_from_connection(
        conn_id="ocp_clear",
        host=host,
        schema=fields.get("schema"),
        port=fields.get("port"),
        login="admin",
        password=DEFAULT_PASSWORD,
        extra={"auth_type": auth_type},
    )


def _clear_text_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "clear text" in r.getMessage()]


@pytest.mark.parametrize(
    ("host", "fields"),
    [
        ("http://ocp.example.com", {}),
        ("http://ocp.example.com:8080/ocp", {}),
        ("http://10.1.2.3:8080", {}),
        ("http://[2001:db8::1]:8080", {}),
        ("ocp.internal", {"schema": "http", "port": 80}),
        ("HTTP://OCP.EXAMPLE.COM", {}),
    ],
)
def test_basic_auth_over_plain_http_to_a_remote_host_warns(
    caplog: pytest.LogCaptureFixture, host: str, fields: dict[str, Any]
) -> None:
    caplog.set_level(logging.WARNING)
    _settings(host, **fields)
    (warning,) = _clear_text_warnings(caplog)
    assert warning.levelname == "WARNING"
    message = warning.getMessage()
    assert "ocp_clear" in message and "https://" in message  # names the connection and the fix
    assert DEFAULT_PASSWORD not in message


@pytest.mark.parametrize(
    ("host", "auth_type"),
    [
        ("https://ocp.example.com", "basic"),
        ("http://127.0.0.1:8080", "basic"),
        ("http://localhost:8080", "basic"),
        ("http://[::1]:8080", "basic"),
        ("http://ocp.example.com", "access_key"),  # the secret never travels, only a signature
    ],
)
def test_no_clear_text_warning_when_no_password_crosses_a_network(
    caplog: pytest.LogCaptureFixture, host: str, auth_type: str
) -> None:
    caplog.set_level(logging.WARNING)
    _settings(host, auth_type)
    assert _clear_text_warnings(caplog) == []


def test_the_hook_warns_when_it_reads_such_a_connection(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Through an Airflow connection, as a task sees it; reading settings sends nothing."""
    caplog.set_level(logging.WARNING)
    monkeypatch.setenv(
        "AIRFLOW_CONN_OCP_REMOTE",
        '{"conn_type": "ocp", "host": "http://ocp.example.com:8080", "login": "admin", "password": "pw-in-clear"}',
    )
    settings = OCPHook(ocp_conn_id="ocp_remote").settings
    assert settings.base_url == "http://ocp.example.com:8080"
    (warning,) = _clear_text_warnings(caplog)
    assert "ocp_remote" in warning.getMessage() and "pw-in-clear" not in caplog.text
