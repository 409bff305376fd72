"""What a DAG file pays for importing the operator and the sensor: no network client, hook, trigger, page walk, gate
or msgspec, only what their constructors need (benchmarks/parse_cost.py times it; this keeps the module list so).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # the benchmarks package, for its list of the modules a DAG file does not need

from benchmarks.parse_cost import HEAVY_MODULES  # noqa: E402

PARSE = """
import json, sys
import airflow.sdk
before = set(sys.modules)
import airflow_provider_ocp.operators.log_backup, airflow_provider_ocp.sensors.log_backup
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_importing_the_operator_and_sensor_loads_nothing_only_a_running_task_needs() -> None:
    done = subprocess.run([sys.executable, "-c", PARSE], capture_output=True, text=True, check=True, timeout=120)
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "airflow_provider_ocp.operators.log_backup" in loaded  # the probe imported what it says
    assert [name for name in HEAVY_MODULES if name in loaded] == []
