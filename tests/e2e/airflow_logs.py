"""Reading the files an end-to-end run leaves behind: JSON-lines files (Airflow's structured logs, the extraction's
output) and the trigger logs the triggerer writes next to a task's log under ``$AIRFLOW_HOME/logs``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a JSON-lines file.

    :param path: the file.
    """
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def read_json_log(path: Path) -> list[dict[str, Any]]:
    """The entries of a structured (JSON lines) Airflow log file, such as a trigger's log.

    :param path: the file.
    """
    return [entry for entry in iter_jsonl(path) if isinstance(entry, dict)]


def read_json_logs(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """The entries of several structured Airflow log files, one file after the other.

    :param paths: the files, in order.
    """
    return [entry for path in paths for entry in read_json_log(path)]


def trigger_log_files(logs: Path, dag_id: str, run_id: str, task_id: str, try_number: int) -> list[Path]:
    """The log files a task try's triggers wrote (the triggerer writes one per trigger, next to the task's log).

    :param logs: Airflow's task log folder (``$AIRFLOW_HOME/logs``).
    :param dag_id: the DAG id.
    :param run_id: the run id.
    :param task_id: the task id.
    :param try_number: the try.
    """
    folder = logs / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"
    return sorted(folder.glob(f"attempt={try_number}.log.trigger.*.log"))
