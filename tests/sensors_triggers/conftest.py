"""Fixtures of the sensor's dag.test() tests (test_sensor_dag*.py); other modules here define their own ``emu``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dag_support import validate_reschedule_start_date
from sensor_dag_support import Capture

from airflow_provider_ocp.testing import OCPEmulator


@pytest.fixture
def reschedule_start_date_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    validate_reschedule_start_date(monkeypatch)


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[OCPEmulator]:
    """An emulator with one cluster of 2 tenants (3 tasks each: 2 STOPPED history, 1 current), delay 100 s."""
    with OCPEmulator(tenants=2, tasks_per_tenant=3, delay=100.0) as emulator:
        conn = emulator.airflow_connection_json(max_retries=0, retry_backoff=0.01)
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", conn)
        yield emulator


@pytest.fixture
def capture(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> Capture:
    """The task and trigger logs of a dag.test() run: structlog writes to stdout, stdlib loggers to caplog."""
    caplog.set_level("INFO")
    return Capture(capsys, caplog)


@pytest.fixture
def three_tenants(monkeypatch: pytest.MonkeyPatch) -> Iterator[OCPEmulator]:
    """tenant_2 lags far behind; tenant_1 and tenant_3 are caught up."""
    with OCPEmulator(tenants=3, tasks_per_tenant=2, delay=2.0) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emulator.airflow_connection_json(max_retries=0))
        cluster = emulator.cluster_ids[0]
        emulator.set_current_task(cluster, emulator.tenant_ids(cluster)[1], delay=500.0)
        yield emulator
