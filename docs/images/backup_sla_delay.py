"""Regenerates ``backup-sla-delay.png``, the README's picture of the SLA example's chart, from the example itself.

Runs ``example_dags/example_ocp_backup_sla.py`` with ``dag.test()`` against the OCP emulator: 24 hourly snapshots of
2024-08-07, then the daily report, and copies the ``delay.png`` it writes. The emulator's clock is driven hour by hour
and its tenants' delays are scripted (tenant_2 falls behind around midday; tenant_3's archive stops at 18:00, its delay
grows, and at 20:00 a new archive task is started), so the same matplotlib draws the same picture. From the
repository root::

    .venv/bin/python docs/images/backup_sla_delay.py
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DAY = datetime(2024, 8, 7, tzinfo=timezone.utc)


def delays(hour: int) -> dict[int, float]:
    """Each tenant's delay, in seconds, in the snapshot taken at the end of ``hour`` (tenant number to seconds).

    :param hour: 1 to 24.
    """
    behind = max(0.0, 1.0 - abs(hour - 12) / 4)  # tenant_2 falls behind from 08:00, worst at 12:00, back by 16:00
    stopped = {18: 1260.0, 19: 4860.0, 20: 240.0}  # tenant_3's checkpoint stands still until its new task catches up
    return {1: 20.0 + 5 * (hour % 3), 2: 30.0 + 870 * behind, 3: stopped.get(hour, 45.0 + 10 * (hour % 2))}


def main() -> int:
    """Run the example against the emulator and copy its chart next to this script."""
    work = Path(tempfile.mkdtemp(prefix="ocp-sla-chart-"))
    os.environ.update(
        AIRFLOW_HOME=str(work / "airflow-home"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "example_dags"),
        OCP_SLA_BASE_URL=f"file://{work / 'sla'}",
    )
    from airflow.utils.db import resetdb

    from airflow_provider_ocp.testing import OCPEmulator, register_dag

    resetdb()
    spec = importlib.util.spec_from_file_location(
        "example_ocp_backup_sla", ROOT / "example_dags/example_ocp_backup_sla.py"
    )
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    with OCPEmulator(tenants=3, tasks_per_tenant=20, current_task_age=timedelta(days=21), history_end=DAY) as emu:
        os.environ["AIRFLOW_CONN_OCP_DEFAULT"] = emu.airflow_connection_json()
        spec.loader.exec_module(example)
        register_dag(example.snapshots_dag)
        register_dag(example.report_dag)
        tenants = emu.tenant_ids(1000001)
        for hour in range(1, 25):
            run_end = DAY + timedelta(hours=hour)
            emu.clock.freeze(run_end + timedelta(minutes=1))
            for number, delay in delays(hour).items():
                emu.set_current_task(1000001, tenant_id=tenants[number - 1], delay=delay)
            if hour == 18:
                emu.set_current_task(1000001, tenant_id=tenants[2], status="STOPPED", error_msg="archive dest full")
            if hour == 20:  # the DBA frees space and starts a new archive task
                emu.clock.freeze(run_end - timedelta(minutes=30))  # the new task is created at 19:30
                emu.add_tasks(1000001, tenant_id=tenants[2])
                emu.clock.freeze(run_end + timedelta(minutes=1))
                emu.set_current_task(1000001, tenant_id=tenants[2], delay=delays(hour)[3])
            if str(example.snapshots_dag.test(logical_date=run_end).state) != "success":
                return 1
        run = example.report_dag.test(logical_date=None, run_after=DAY + timedelta(days=1, minutes=30))
    chart = work / "sla/cluster_id=1000001/reports/date=2024-08-07/delay.png"
    if str(run.state) != "success" or not chart.exists():
        return 1
    shutil.copyfile(chart, HERE / "backup-sla-delay.png")
    print(f"wrote {HERE / 'backup-sla-delay.png'}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
