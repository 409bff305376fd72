"""Every code block of the README that talks to OCP runs, as written, against the emulator started as the README
starts it: the Python snippets, the DAGs (run with dag.test(), their return values against the documented keys) and
the pytest files.

The emulator listens on the README's fixed port 8777: these tests stay in this one file, which pytest-xdist hands to
one worker (``tests/conftest.py``).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from readme_blocks import Block, blocks

pytestmark = pytest.mark.readme


@pytest.fixture(scope="module")
def emulator_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The README's emulator command, run as written; the environment its printed export line gives."""
    (block,) = blocks("emulator-cli")
    command = " ".join(line.rstrip("\\").strip() for line in block.code.splitlines() if not line.startswith("#"))
    expected = [line[2:] for line in block.code.splitlines() if line.startswith("# ")]
    python = Path(sys.executable).parent
    process = subprocess.Popen(
        ["bash", "-c", f"exec {command}"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PATH": f"{python}:{os.environ['PATH']}"},
    )
    try:
        lines = [process.stdout.readline().rstrip("\n") for _ in expected]  # type: ignore[union-attr]
        assert lines[0] == expected[0]
        assert lines[1].startswith(expected[1].rstrip(".")[:40])
        exported = subprocess.run(
            ["bash", "-c", f"{lines[1]}\nprintenv AIRFLOW_CONN_OCP_DEFAULT"], capture_output=True, text=True, check=True
        ).stdout.strip()
        home = tmp_path_factory.mktemp("readme-airflow-home")
        env = {
            **os.environ,
            "AIRFLOW_CONN_OCP_DEFAULT": exported,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        }
        subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env, check=True, capture_output=True)
        yield env
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def run_python(code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True, timeout=240)


@pytest.mark.parametrize("block", blocks("python-against-emulator"), ids=lambda b: f"line-{b.line}")
def test_python_blocks_print_what_they_promise(block: Block, emulator_env: dict[str, str], tmp_path: Path) -> None:
    result = run_python(block.code, emulator_env, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    # Airflow 3.0 also logs to stdout; the snippet's own lines start with the tenant name, then a status: a log
    # backup task's, a data backup task's (DONE) or RECOVERABLE before a recoverable window.
    printed = [line for line in result.stdout.splitlines() if line.startswith("tenant_")]
    statuses = {"RUNNING", "STOPPED", "DONE", "RECOVERABLE"}
    assert printed and all(line.split()[1] in statuses for line in printed), result.stdout


DAG_RUNNER = textwrap.dedent(
    """
    import gc, importlib.util, json, sys
    from airflow.models.xcom import XComModel
    from airflow.sdk import DAG
    from airflow.utils.session import create_session
    from airflow_provider_ocp.testing import register_dag

    gc.disable()  # a DAG nothing names (`with DAG(...):`) lives on only in reference cycles until the scan below
    for number, path in enumerate(sys.argv[1:]):
        spec = importlib.util.spec_from_file_location(f"readme_block_{number}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    # type(), not isinstance(): the latter would resolve Airflow's lazy module proxies lying around in memory.
    found = [o for o in gc.get_objects() if DAG in type(o).__mro__ and getattr(o, "fileloc", None) in sys.argv[1:]]
    gc.enable()
    results = {}
    for dag in found:
        register_dag(dag)
        run = dag.test()
        with create_session() as session:
            rows = session.scalars(XComModel.get_many(run_id=run.run_id, dag_ids=dag.dag_id, key="return_value")).all()
            values = {row.task_id: XComModel.deserialize_value(row) for row in rows}
        results[dag.dag_id] = {"state": str(run.state), "xcom": values}
    print("RESULTS " + json.dumps(results, default=str))
    """
)


@pytest.fixture(scope="module")
def dag_results(emulator_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Every README DAG block, written to a file of its own in the DAGs folder and run with dag.test() (all in one
    process: starting Airflow once is a few seconds of CPU saved per block)."""
    folder = Path(emulator_env["AIRFLOW__CORE__DAGS_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for block in blocks("dag-against-emulator"):
        paths.append(folder / f"readme_line_{block.line}.py")
        paths[-1].write_text(block.code)
    done = subprocess.run(
        [sys.executable, "-c", DAG_RUNNER, *map(str, paths)],
        env=emulator_env,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULTS "))
    results: dict[str, dict] = json.loads(line.removeprefix("RESULTS "))
    assert len(results) >= len(paths), sorted(results)
    return results


def test_the_extraction_dag_writes_records(dag_results: dict[str, dict]) -> None:
    result = dag_results["ocp_log_backup_daily"]
    assert result["state"] == "success"
    summary = result["xcom"]["extract"]
    assert summary["records"] > 0 and summary["path"].startswith("file:///tmp/ocp-reports/cluster_id=1000001/date=")
    lines = Path(summary["path"].removeprefix("file://")).read_text().splitlines()
    assert len(lines) == summary["records"] and json.loads(lines[0])["clusterId"] == 1000001


def keys_of(value: object) -> set[str]:
    """Every key of a JSON value: its own, and those of the dicts inside it (a list's first dict stands for all)."""
    if isinstance(value, dict):
        return set(value).union(*(keys_of(inner) for inner in value.values()))
    if isinstance(value, list) and value:
        return keys_of(value[0])
    return set()


def documented_keys(block: Block) -> set[str]:
    return set(re.findall(r'"(\w+)":', block.code))


def test_the_restore_gate_dag_passes_and_its_xcom_is_as_documented(dag_results: dict[str, dict]) -> None:
    result = dag_results["restore_orders"]
    assert result["state"] == "success"
    gate = result["xcom"]["wait_for_log_backup"]
    assert gate["cluster_id"] == 1000001 and [u["tenant_name"] for u in gate["units"]] == ["tenant_1"]
    assert "recoverable_windows" not in gate["units"][0]  # no restore point: check_recoverable is off
    drill_gate = dag_results["restore_drill"]["xcom"]["wait_for_log_backup"]
    assert [set(w) for w in drill_gate["units"][0]["recoverable_windows"]] == [{"start", "end"}]
    (block,) = blocks("sensor-xcom")
    assert documented_keys(block) == keys_of(gate) | keys_of(drill_gate)


def test_the_restore_drill_restores_once_and_its_evidence_meets_the_rpo(dag_results: dict[str, dict]) -> None:
    result = dag_results["restore_drill"]
    assert result["state"] == "success"
    gate, restore, evidence = (result["xcom"][task] for task in ("wait_for_log_backup", "restore", "evidence"))
    assert restore["status"] == "SUCCESSFUL" and restore["restore_tenant_name"].startswith("drill_")
    assert restore["restore_cluster_id"] == 1000002 and evidence["backup_cluster_id"] == 1000001
    assert restore["url"] == f"http://127.0.0.1:8777/task/{restore['ocp_task_id']}"
    (window,) = gate["units"][0]["recoverable_windows"]
    assert window["start"] <= restore["restore_end_time"] <= window["end"]
    assert evidence["rpo_met"] is True and evidence["achieved_rpo_seconds"] == 15 * 60
    assert evidence["ocp_task_id"] == restore["ocp_task_id"] and evidence["rto_seconds"] > 0


def test_the_backup_dag_backs_up_once_and_the_sensor_sees_its_task(dag_results: dict[str, dict]) -> None:
    result = dag_results["backup_now"]
    assert result["state"] == "success"
    backup, watch = result["xcom"]["backup"], result["xcom"]["watch"]
    assert backup["attached"] is False and [t["status"] for t in backup["tasks"]] == ["SUCCESSFUL"]
    assert watch["ocp_task_id"] == backup["ocp_task_ids"][0] and watch["status"] == "SUCCESSFUL"
    assert watch["subtasks_done"] == watch["subtasks_total"] > 0
    whole_cluster = result["xcom"]["backup_cluster_2"]
    assert whole_cluster["cluster_id"] == 1000002 and whole_cluster["tenant_id"] is None
    assert len(whole_cluster["ocp_task_ids"]) == 3  # the emulator: one OCP task per tenant


@pytest.mark.parametrize("block", blocks("xcom-of"), ids=lambda b: b.arg)
def test_documented_return_values_have_exactly_the_real_keys(block: Block, dag_results: dict[str, dict]) -> None:
    assert block.arg is not None
    dag_id, task_id = block.arg.split(".")
    assert documented_keys(block) == keys_of(dag_results[dag_id]["xcom"][task_id])


@pytest.mark.parametrize("block", blocks("pytest-file"), ids=lambda b: f"line-{b.line}")
def test_pytest_blocks_pass_as_a_users_test_file(block: Block, emulator_env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "test_from_readme.py").write_text(block.code)
    env = {**emulator_env, "AIRFLOW__CORE__DAGS_FOLDER": str(tmp_path)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_from_readme.py"]
    if "pytest_plugins" not in block.code:
        command[3:3] = ["-p", "airflow_provider_ocp.testing.pytest_plugin"]
    started = time.monotonic()
    result = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (result.stdout[-3000:], time.monotonic() - started)
    assert " passed" in result.stdout
