"""Per-tenant gauges (triggers/metrics.py) through Airflow's real StatsD client to a UDP socket acting as the
StatsD server: the sensor's poke, the trigger's poll and the event trigger's, with ``[metrics] statsd_on`` and
InfluxDB-style tags."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from airflow_provider_ocp.log_backup.criteria import GateCriteria
from airflow_provider_ocp.log_backup.verdict import GateVerdict
from airflow_provider_ocp.sensors.log_backup import OCPLogBackupDelaySensor
from airflow_provider_ocp.testing import OCPEmulator
from airflow_provider_ocp.triggers.events import OCPLogBackupEventTrigger
from airflow_provider_ocp.triggers.log_backup import OCPLogBackupDelayTrigger
from airflow_provider_ocp.triggers.metrics import emit_delay_gauges, stats_facades


def test_every_airflow_line_has_a_stats_facade_with_gauges() -> None:
    assert stats_facades() and all(callable(stats.gauge) for stats in stats_facades())


def test_metrics_off_by_default_and_carried_to_the_trigger() -> None:
    sensor = OCPLogBackupDelaySensor(task_id="gate", cluster_id=1, max_delay=20)
    assert sensor.emit_metrics is False
    trigger = OCPLogBackupDelayTrigger(cluster_id=1, criteria=GateCriteria.build(max_delay=20).to_dict())
    assert trigger.serialize()[1]["emit_metrics"] is False and trigger.serialize()[1]["coalesce"] is True


def test_a_broken_backend_never_fails_the_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        @staticmethod
        def gauge(*args: Any, **kwargs: Any) -> None:
            raise OSError("no route to statsd")

    stats_facades.cache_clear()
    monkeypatch.setattr("airflow_provider_ocp.triggers.metrics.stats_facades", lambda: (Broken,))
    verdict = GateVerdict("waiting", (), "m")
    assert emit_delay_gauges(verdict, 1) == 0


@pytest.fixture
def statsd_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    """A UDP socket as the StatsD server, and Airflow's StatsD client (InfluxDB tags) configured to send to it."""
    pytest.importorskip("statsd")  # Airflow's [statsd] extra: not a dependency of the provider
    try:
        from airflow.sdk._shared.observability.metrics import stats as sdk_stats
        from airflow.sdk.observability.metrics import stats_utils
    except ImportError:
        sdk_stats = None
    if sdk_stats is None or not hasattr(sdk_stats, "initialize"):  # 3.2 has the module, not initialize()
        pytest.skip("the SDK's Stats is configured by initialize() from Airflow 3.3 on; older lines differ")
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    server.settimeout(5)
    for name, value in {"STATSD_ON": "True", "STATSD_HOST": "127.0.0.1", "STATSD_INFLUXDB_ENABLED": "True"}.items():
        monkeypatch.setenv(f"AIRFLOW__METRICS__{name}", value)
    monkeypatch.setenv("AIRFLOW__METRICS__STATSD_PORT", str(server.getsockname()[1]))
    sdk_stats.initialize(factory=stats_utils.get_stats_factory(), export_legacy_names=False)  # as the task runner
    yield server
    sdk_stats.initialize(factory=None, export_legacy_names=False)  # type: ignore[arg-type]
    server.close()


def received(server: socket.socket, count: int) -> set[str]:
    return {server.recv(4096).decode() for _ in range(count)}


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[OCPEmulator]:
    with OCPEmulator(tenants=2, tasks_per_tenant=2, delay=100.0) as emulator:
        monkeypatch.setenv("AIRFLOW_CONN_OCP_DEFAULT", emulator.airflow_connection_json(max_retries=0))
        emulator.set_current_task(
            emulator.cluster_ids[0], emulator.tenant_ids(emulator.cluster_ids[0])[1], status="STOPPED"
        )
        yield emulator


def expected(cluster_id: int, emu: OCPEmulator) -> set[str]:
    first, second = emu.tenant_ids(cluster_id)
    tags = [f"cluster_id={cluster_id},tenant_id={t},tenant_name=tenant_{n}" for n, t in ((1, first), (2, second))]
    return {
        f"airflow.ocp.log_backup.delay,{tags[0]}:100.0|g",  # Airflow's [metrics] statsd_prefix, "airflow"
        f"airflow.ocp.log_backup.running,{tags[0]}:1|g",
        f"airflow.ocp.log_backup.delay,{tags[1]}:100.0|g",
        f"airflow.ocp.log_backup.running,{tags[1]}:0|g",
    }


def test_the_sensor_poke_sends_tagged_gauges(statsd_server: socket.socket, emu: OCPEmulator) -> None:
    cluster_id = emu.cluster_ids[0]
    sensor = OCPLogBackupDelaySensor(
        task_id="gate", cluster_id=cluster_id, max_delay=20, emit_metrics=True, fail_on_status=["FAILED"]
    )
    assert sensor.check().state == "waiting"
    assert received(statsd_server, 4) == expected(cluster_id, emu)


def test_the_trigger_poll_sends_tagged_gauges(statsd_server: socket.socket, emu: OCPEmulator) -> None:
    cluster_id = emu.cluster_ids[0]
    trigger = OCPLogBackupDelayTrigger(
        cluster_id=cluster_id,
        criteria=GateCriteria.build(max_delay=20, fail_on_status=["STOPPED"]).to_dict(),
        poke_interval=0.01,
        emit_metrics=True,
    )

    async def first() -> dict[str, Any]:
        return (await anext(trigger.run())).payload  # type: ignore[no-any-return]

    assert asyncio.run(first())["status"] == "failed"
    assert received(statsd_server, 4) == expected(cluster_id, emu)


def test_the_event_trigger_poll_sends_the_watched_tenants_gauges(
    statsd_server: socket.socket, emu: OCPEmulator
) -> None:
    cluster_id = emu.cluster_ids[0]
    trigger = OCPLogBackupEventTrigger(
        cluster_id=cluster_id, tenant_names=["tenant_2"], max_delay=50, poll_interval=0.05, emit_metrics=True
    )

    async def first() -> dict[str, Any]:
        events = trigger.run()
        try:
            return (await anext(events)).payload  # type: ignore[no-any-return]
        finally:
            await events.aclose()  # type: ignore[attr-defined]

    assert asyncio.run(first())["kind"] == "log_backup_stopped"
    watched = {gauge for gauge in expected(cluster_id, emu) if "tenant_name=tenant_2:" in gauge}
    assert len(watched) == 2 and received(statsd_server, 2) == watched  # the tenant filter's tenants only
