"""The fault matrix's drivers (tests/reliability/fault_matrix/): every way the provider talks to OCP, what a run of
one produced and what it should have; the fixtures are in conftest.py.

Drivers (each against the emulator over real sockets):

* ``hook``: ``OCPHook.iter_log_backup_tasks`` with 3-record pages, the fault on page 2 (mid-walk);
* ``async_client``: the same walk through ``OCPAsyncHook`` (what the trigger uses);
* ``operator_storage``: ``OCPLogBackupTasksOperator`` writing JSON lines to a local path, the fault on page 2
  (pages 1 is already written when it strikes);
* ``sensor_poke``: one ``OCPLogBackupDelaySensor.poke`` (worker side; also the deferrable sensor's first check);
* ``trigger``: ``OCPLogBackupDelayTrigger.run`` (the deferrable sensor's triggerer side).

Attempts are counted on the client side (a read timeout's request reaches the emulator's log only once it answers).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from task_oracle import task_key

from airflow_provider_ocp.exceptions import OCPAPIError
from airflow_provider_ocp.hooks.ocp import OCPAsyncHook, OCPHook
from airflow_provider_ocp.log_backup.gate import GateCriteria
from airflow_provider_ocp.log_backup.query import log_backup_tasks_query
from airflow_provider_ocp.log_backup.records import record_identity
from airflow_provider_ocp.operators.log_backup import OCPLogBackupTasksOperator
from airflow_provider_ocp.sensors.log_backup import OCPLogBackupDelaySensor
from airflow_provider_ocp.testing import OCPEmulator
from airflow_provider_ocp.triggers.log_backup import OCPLogBackupDelayTrigger

MAX_RETRIES = 2
POLICY = {"max_retries": MAX_RETRIES, "retry_backoff": 0.01, "retry_max_wait": 0.05}
PAGE_SIZE = 3
WINDOW = (datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc))
DRIVERS = ("hook", "async_client", "operator_storage", "sensor_poke", "trigger")


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


@dataclass
class Result:
    """What one driver run produced: identities of the records (or gate units), or the failure text."""

    keys: list[tuple[Any, ...]] | None = None
    error: str | None = None
    exception: BaseException | None = None


def run_hook(emu: OCPEmulator, tmp: Path) -> Result:
    records = list(OCPHook().iter_log_backup_tasks(emu.cluster_ids[0], *WINDOW, page_size=PAGE_SIZE))
    return Result(keys=[task_key(r) for r in records])


def run_async(emu: OCPEmulator, tmp: Path) -> Result:
    query = log_backup_tasks_query(emu.cluster_ids[0], *WINDOW)

    async def go() -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        async with OCPAsyncHook(settings=OCPHook().settings) as client:
            async for page in client.iter_pages(query.path, query.params, PAGE_SIZE, record_identity):
                out.extend(page.records)
        return out

    return Result(keys=[task_key(r) for r in asyncio.run(go())])


def run_operator(emu: OCPEmulator, tmp: Path) -> Result:
    target = tmp / "out" / "log_backup_tasks.jsonl"
    operator = OCPLogBackupTasksOperator(
        task_id="extract", cluster_id=emu.cluster_ids[0], output_path=str(target), page_size=PAGE_SIZE
    )
    summary = operator.execute({"data_interval_start": WINDOW[0], "data_interval_end": WINDOW[1]})  # type: ignore[arg-type]
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert summary["records"] == len(lines)
    return Result(keys=[task_key(r) for r in lines])


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
    return [task_key(r) for r in emu.expected_tasks(cluster)]


def leftovers(tmp: Path) -> list[str]:
    return sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file())


def use(monkeypatch: pytest.MonkeyPatch, emu: OCPEmulator, auth_type: str = "basic", **extra: Any) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emu.airflow_connection_json(auth_type, **{**POLICY, **extra}))
