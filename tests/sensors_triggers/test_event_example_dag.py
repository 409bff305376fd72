"""example_ocp_backup_events parsed as Airflow parses it: its environment configures the watcher's trigger, and
parsing it loads no HTTP client nor the triggerer's polling machinery (only the triggerer polls). Its runs are
covered by ``airflow dags test`` (tests/project/test_example_dags_cli.py) and, through a real AssetWatcher, by
tests/e2e/test_standalone_events.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
