"""The retry policy as configured by connection extras, and the waits the hook and the async client really take.

Waits are recorded instead of slept (the hooks' ``pause`` and ``asyncio.sleep`` are replaced), so
the real backoff (1 s doubling, 60 s cap) can be asserted without waiting for it.
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import Iterator
from typing import Any

import pytest

import airflow_provider_ocp.hooks.base as hook_base
from airflow_provider_ocp.client.retry import RetryPolicy
from airflow_provider_ocp.client.settings import settings_from_connection
from airflow_provider_ocp.exceptions import OCPAPIError
from airflow_provider_ocp.hooks.ocp import OCPAsyncHook, OCPHook
from airflow_provider_ocp.testing import OCPEmulator


@pytest.fixture(scope="module")
def shared_emu() -> Iterator[OCPEmulator]:
    with OCPEmulator(tenants=1, tasks_per_tenant=2) as emulator:
        yield emulator


@pytest.fixture
def emu(shared_emu: OCPEmulator) -> Iterator[OCPEmulator]:
    shared_emu.faults.clear()
    shared_emu.clear_requests()
    yield shared_emu
    shared_emu.faults.clear()


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The seconds each client chose to wait before a retry (nothing is slept)."""
    recorded: list[float] = []
    monkeypatch.setattr(hook_base, "pause", lambda stop, seconds: recorded.append(seconds) or False)
    real_sleep = asyncio.sleep

    async def fake_sleep(seconds: float) -> None:
        recorded.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr(hook_base, "asyncio", types.SimpleNamespace(sleep=fake_sleep))
    return recorded


def connect(monkeypatch: pytest.MonkeyPatch, emu: OCPEmulator, **extra: Any) -> OCPHook:
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emu.airflow_connection_json("basic", **extra))
    return OCPHook()


def read(client: str, hook: OCPHook, cluster: int) -> Any:
    if client == "sync_hook":
        return list(hook.iter_log_backup_tasks(cluster))

    async def go() -> Any:
        async with OCPAsyncHook(settings=hook.settings) as async_client:
            return (await async_client.get_log_backup_snapshot(cluster)).tasks

    return asyncio.run(go())


CLIENTS = ("sync_hook", "async_client")


def task_requests(emu: OCPEmulator) -> int:
    return len([r for r in emu.requests if "logBackupTasks" in r.path])


def test_defaults_without_extras() -> None:
    settings = settings_from_connection(
        conn_id="c", host="https://ocp", schema=None, port=None, login="u", password="p", extra={}
    )
    assert RetryPolicy.from_settings(settings) == RetryPolicy(max_retries=5, backoff=1.0, max_wait=60.0)
    assert (settings.connect_timeout, settings.read_timeout) == (10.0, 60.0)


def test_extras_from_the_ui_form_arrive_as_text() -> None:
    settings = settings_from_connection(
        conn_id="c",
        host="https://ocp",
        schema=None,
        port=None,
        login="u",
        password="p",
        extra={"max_retries": "2", "retry_backoff": "0.25", "retry_max_wait": "4", "timeout": "30"},
    )
    assert RetryPolicy.from_settings(settings) == RetryPolicy(max_retries=2, backoff=0.25, max_wait=4.0)


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("max_retries", [0, 1, 4])
def test_max_retries_is_the_number_of_retries_after_the_first_attempt(
    emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, waits: list[float], client: str, max_retries: int
) -> None:
    hook = connect(monkeypatch, emu, max_retries=max_retries)
    emu.faults.add("http_error", times=None, status=503, body="html")
    with pytest.raises(OCPAPIError, match="HTTP 503"):
        read(client, hook, emu.cluster_ids[0])
    assert task_requests(emu) == max_retries + 1
    assert len(waits) == max_retries


@pytest.mark.parametrize("client", CLIENTS)
def test_backoff_doubles_with_jitter_up_to_the_cap(
    emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, waits: list[float], client: str
) -> None:
    hook = connect(monkeypatch, emu, max_retries=5, retry_backoff=1, retry_max_wait=6)
    emu.faults.add("http_error", times=5, status=500)
    assert read(client, hook, emu.cluster_ids[0])  # the 6th attempt succeeds
    assert len(waits) == 5
    for number, wait in enumerate(waits, start=1):
        full = min(6.0, 1.0 * 2 ** (number - 1))  # 1, 2, 4, 6, 6
        assert 0.5 * full <= wait <= full, (number, wait)


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize(
    ("fault", "max_wait", "low", "high"),
    [
        ({"retry_after": 7}, 60, 7, 7),  # honoured exactly, jitter or not
        ({"retry_after": 7, "http_date": True}, 60, 6, 7),  # an HTTP date has one-second resolution
        ({"retry_after": 600}, 60, 60, 60),  # capped by retry_max_wait
        ({"retry_after": 600, "http_date": True}, 2.5, 2.5, 2.5),
        ({"retry_after": 0}, 60, 0, 0),
    ],
    ids=["seconds", "http-date", "seconds-capped", "http-date-capped", "zero"],
)
def test_retry_after_is_honoured_and_capped(
    emu: OCPEmulator,
    monkeypatch: pytest.MonkeyPatch,
    waits: list[float],
    client: str,
    fault: dict[str, Any],
    max_wait: float,
    low: float,
    high: float,
) -> None:
    hook = connect(monkeypatch, emu, max_retries=3, retry_backoff=30, retry_max_wait=max_wait)
    emu.faults.add("rate_limited", times=1, **fault)
    assert read(client, hook, emu.cluster_ids[0])
    (wait,) = waits
    assert low <= wait <= high


@pytest.mark.parametrize("client", CLIENTS)
def test_429_without_retry_after_falls_back_to_the_backoff(
    emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch, waits: list[float], client: str
) -> None:
    hook = connect(monkeypatch, emu, max_retries=3, retry_backoff=2, retry_max_wait=60)
    emu.faults.add("rate_limited", times=2, retry_after=None)
    assert read(client, hook, emu.cluster_ids[0])
    assert 1 <= waits[0] <= 2 and 2 <= waits[1] <= 4


def test_every_retry_is_a_fresh_request(emu: OCPEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """New trace id, new Date, new signature: a retry after Retry-After must not replay a stale AccessKey Date."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_OCP_DEFAULT", emu.airflow_connection_json("access_key", max_retries=3, retry_max_wait=1.5)
    )
    emu.faults.add("rate_limited", times=1, retry_after=1)  # a real one-second wait: the Date must move on
    assert list(OCPHook().iter_log_backup_tasks(emu.cluster_ids[0]))
    first, second = [r for r in emu.requests if "logBackupTasks" in r.path]
    assert (first.status, second.status) == (429, 200)
    assert first.header("x-trace-id") != second.header("x-trace-id")
    assert first.header("Date") != second.header("Date")
    assert first.header("Authorization") != second.header("Authorization")


@pytest.mark.parametrize("client", CLIENTS)
def test_connection_refused_is_retried_then_named(
    monkeypatch: pytest.MonkeyPatch, waits: list[float], client: str
) -> None:
    with OCPEmulator() as stopped:
        conn = stopped.airflow_connection_json("basic", max_retries=2, connect_timeout=2)
        cluster = stopped.cluster_ids[0]
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", conn)  # nothing listens there any more
    with pytest.raises(OCPAPIError, match="Connection to OCP failed or was dropped") as info:
        read(client, OCPHook(), cluster)
    assert info.value.retryable and info.value.status is None and len(waits) == 2
    assert "no HTTP response" in str(info.value) and info.value.trace_id
