"""``scripts/demo``: the example DAGs in a real Airflow against the OCP emulator, with their output printed.

The same machinery as the end-to-end tests (``airflow_standalone`` and ``scenario``), without pytest: the emulator
runs in this process, ``airflow standalone`` (api-server, scheduler, dag-processor, triggerer; LocalExecutor,
SQLite) in a fresh AIRFLOW_HOME under ``demo-output/``; the DAGs are unpaused and triggered through the REST API.
Everything is stopped by PID at the end, also on Ctrl-C or an error. ``--keep`` leaves Airflow up until Ctrl-C.
What it prints about each run: ``demo_report.py``; the SLA snapshots and report: ``demo_sla.py``.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import time
from types import FrameType

from airflow_standalone import AirflowStandalone
from demo_report import relative, say, show_drill, show_events, show_extract, show_gate, show_scheduled_runs
from demo_sla import run_sla
from events_scenario import run_backup_event
from example_dag_runs import run_all
from scenario import E2EScenario
from standalone_environment import REPO_ROOT
from standalone_error import StandaloneError

OUTPUT = REPO_ROOT / "demo-output"


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/demo", description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="leave Airflow running until Ctrl-C")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill <pid>` stops the demo like Ctrl-C: Airflow is stopped too
    started = time.monotonic()
    shutil.rmtree(OUTPUT, ignore_errors=True)
    OUTPUT.mkdir(parents=True)
    ok = False
    with E2EScenario(OUTPUT / "ocp-extract") as scenario:
        tenants = scenario.emulator.tenant_ids(scenario.cluster_id)
        say(f"== OCP emulator on {scenario.emulator.url} (cluster {scenario.cluster_id}, tenants {tenants})")
        sla_base = OUTPUT / "ocp-sla"
        env = {**scenario.airflow_env(), "OCP_SLA_BASE_URL": f"file://{sla_base}"}
        airflow = AirflowStandalone(OUTPUT / "airflow-home", env=env)
        say("== starting airflow standalone (api-server, scheduler, dag-processor, triggerer) ...")
        try:
            with airflow:
                assert airflow.process is not None
                say(
                    f"   ready in {airflow.ready_after:.0f}s: {airflow.base_url} (pid {airflow.process.pid}), "
                    f"log in as admin / {airflow.password}; output in {relative(airflow.output_path)}"
                )
                say(f"== unpausing and triggering three example DAGs through {airflow.base_url}/api/v2 ...")
                client = airflow.client()
                extract, gate, drill = run_all(scenario, client, airflow.logs_dir)
                extract_ok = show_extract(extract)
                show_scheduled_runs(client)
                gate_ok = show_gate(gate)
                ok = show_drill(drill) and gate_ok and extract_ok
                ok = run_sla(client, sla_base, scenario) and ok
                ok = show_events(run_backup_event(airflow, scenario)) and ok
                if not ok:
                    say(f"!! a run failed; Airflow's output ends with:\n{airflow.output_tail(30)}")
                    say(f"!! task logs: {relative(airflow.logs_dir)}")
                if args.keep:
                    say(f"== Airflow keeps running at {airflow.base_url} (admin / {airflow.password}); Ctrl-C stops it")
                    while True:
                        time.sleep(1)
        except KeyboardInterrupt:
            say("   interrupted")
        except StandaloneError as error:
            say(f"!! {error}")
            ok = False
        if airflow.stopped_clean:
            how = "; ".join(airflow.stop_report) or "SIGINT, clean shutdown"
            say(f"== stopped Airflow by PID ({how}): no process or port left")
    say(
        f"== done in {time.monotonic() - started:.0f}s; Airflow's files, task logs, the extraction and the drill's "
        f"evidence are in {relative(OUTPUT)}/"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
