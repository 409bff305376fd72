"""example_ocp_backup_events parsed as Airflow parses it: its environment configures the watcher's trigger, and
parsing it loads no HTTP client nor the triggerer's polling machinery (only the triggerer polls). Its runs are
covered by ``airflow dags test`` (tests/project/test_example_dags_cli.py) and, through a real AssetWatcher, by
tests/e2e/test_standalone_events.py."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from dag_support import load_example

from airflow_provider_ocp.triggers.events import OCPLogBackupEventTrigger

EXAMPLE = Path(__file__).resolve().parents[2] / "example_dags" / "example_ocp_backup_events.py"


def test_the_environment_configures_the_watchers_trigger(monkeypatch: pytest.MonkeyPatch) -> None:
    module = load_example(
        "example_ocp_backup_events",
        monkeypatch,
        OCP_EVENTS_CLUSTER_PATTERN="prod-*",
        OCP_EVENTS_TENANTS="sales, hr",
        OCP_EVENTS_MAX_DELAY_SECONDS="120",
        OCP_EVENTS_DATA_BACKUPS="1",
        OCP_EVENTS_POLL_SECONDS="5",
    )
    (watcher,) = module.BACKUP_EVENTS.watchers
    trigger = watcher.trigger
    assert isinstance(trigger, OCPLogBackupEventTrigger)
    _, kwargs = trigger.serialize()
    assert {k: kwargs[k] for k in ("cluster_name_pattern", "tenant_names", "max_delay", "poll_interval")} == {
        "cluster_name_pattern": "prod-*",
        "tenant_names": ["sales", "hr"],
        "max_delay": 120.0,
        "poll_interval": 5.0,
    }
    assert kwargs["watch_data_backups"] is True and kwargs["ocp_conn_id"] == "ocp_default"


def test_parsing_loads_no_http_client_of_the_provider() -> None:
    code = (
        "import json, runpy, sys; runpy.run_path(sys.argv[1]); "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('airflow_provider_ocp'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(EXAMPLE)], capture_output=True, text=True, timeout=120, cwd=EXAMPLE.parents[1]
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "airflow_provider_ocp.triggers.events" in loaded
    polling = [m for m in loaded if m.startswith("airflow_provider_ocp.hooks") or m.endswith(".coalescing")]
    assert polling == [], polling


@pytest.fixture
def mail_relay(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) as the ``smtp_default`` connection; yields the mails it got."""
    from aiosmtpd.controller import Controller

    received: list[Any] = []

    class Inbox:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(message_from_bytes(envelope.content))
            return "250 OK"

    with socket.socket() as probe:  # aiosmtpd's Controller needs a port number up front
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    extra = {"disable_ssl": True, "disable_tls": True, "from_email": "airflow@example.com"}
    connection = {"conn_type": "smtp", "host": "127.0.0.1", "port": port, "extra": extra}
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(connection))
    try:
        yield received
    finally:
        controller.stop()


def test_each_event_is_mailed_through_airflows_smtp_notifier(
    monkeypatch: pytest.MonkeyPatch, mail_relay: list[Any]
) -> None:
    module = load_example(
        "example_ocp_backup_events", monkeypatch, OCP_EVENTS_ALERT_EMAIL="dba@example.com, oncall@example.com"
    )
    payload = {
        "kind": "log_backup_stopped",
        "cluster_name": "prod-1",
        "message": "cluster prod-1 (1000001), tenant sales (2001001): log backup STOPPED",
        "event_key": "log_backup_stopped/1000001/id:2001001/2024-08-06T10:00:00Z",
    }
    from airflow.sdk import DAG

    module.alert(payload, {"dag": DAG("alerting", schedule=None)})  # a task's context has its DAG (3.0 needs it)
    (mail,) = mail_relay
    assert mail["Subject"] == "OCP log backup: log_backup_stopped on prod-1"
    assert mail["To"] == "dba@example.com, oncall@example.com"
    (body,) = [part.get_payload(decode=True).decode() for part in mail.walk() if part.get_content_type() == "text/html"]
    assert body == "cluster prod-1 (1000001), tenant sales (2001001): log backup STOPPED"


def test_without_an_address_the_alert_only_logs(monkeypatch: pytest.MonkeyPatch, mail_relay: list[Any]) -> None:
    module = load_example("example_ocp_backup_events", monkeypatch, OCP_EVENTS_ALERT_EMAIL="")
    module.alert({"kind": "delay_recovered", "message": "m", "event_key": "k"}, {})
    assert mail_relay == []
