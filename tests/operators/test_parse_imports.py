"""What a DAG file pays for importing the operator and the sensor: no network client, hook, trigger, page walk, gate
or msgspec, only what their constructors need. It runs the parse-cost benchmark's own probe (benchmarks/parse_cost.py
times it; this keeps its list of unneeded modules empty).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the benchmarks package, beside tests/

from benchmarks.common import child_env
from benchmarks.parse_cost import one_sample


def test_importing_the_operator_and_sensor_loads_nothing_only_a_running_task_needs() -> None:
    sample = one_sample(child_env())
    assert sample["new_modules"] > 0  # the probe imported what it says
    assert sample["heavy_loaded"] == []
