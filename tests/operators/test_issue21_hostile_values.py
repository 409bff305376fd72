"""Issue 21, points 7 (last sentence), 13 and 14, end to end: values a real OCP should not send but a broken or
hostile server does, served by the scripted server (tests/hostile_server.py) to real dag.test() runs.

* Records without a readable ``createTime`` are kept, with a warning; never dropped.
* Timestamps UTC cannot hold (``0001-01-01T00:00:00+08:00``, ``9999-12-31T23:59:59-08:00``) are not readable
  instants: kept as the text OCP sent, in every mode; nothing crashes on them.
* A lone surrogate (``errorMsg`` cut inside an emoji: JSON ``"\\ud83d"``) is written as U+FFFD, with a warning.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from hostile_server import Seen, envelope, hostile_server, send, use_server
from operator_support import DAY_END, extraction_dag, read_jsonl, run_dag

from airflow_provider_ocp.operators.log_backup import OCPLogBackupTasksOperator

pytestmark = pytest.mark.usefixtures("airflow_db")

YEAR_ZERO_IN_UTC = "0001-01-01T00:00:00+08:00"
YEAR_10000_IN_UTC = "9999-12-31T23:59:59-08:00"
CUT_EMOJI = "archive dest full \ud83d"  # what json.loads makes of "archive dest full \ud83d"
INSIDE = "2024-08-06T12:00:00.000+0000"
WINDOW: Any = {
    "data_interval_start": datetime(2024, 8, 6, tzinfo=timezone.utc),
    "data_interval_end": datetime(2024, 8, 7, tzinfo=timezone.utc),
}


def task(tenant: int, **fields: Any) -> dict[str, Any]:
    return {"clusterId": 1, "tenantId": tenant, "tenantName": f"t{tenant}", "status": "RUNNING", **fields}


def serve(records: list[dict[str, Any]], server_time: str = "2024-08-07T00:05:00.000+08:00") -> Any:
    """One page holding ``records``, with OCP's clock at ``server_time``."""

    def respond(handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        info = {"number": 1, "size": len(records), "totalElements": len(records), "totalPages": 1}
        send(handler, 200, envelope({"contents": records, "page": info}, timestamp=server_time))

    return hostile_server(respond)


def written(result: Any, output_format: str) -> list[dict[str, Any]]:
    """The records of a run: its XCom value, or the file it wrote, read back."""
    if output_format == "xcom":
        return list(result.value)
    path = result.value["path"].removeprefix("file://")
    if output_format == "jsonl":
        return read_jsonl(path)
    import pyarrow.parquet as pq

    return [{**row, **json.loads(row.pop("extraFields") or "{}")} for row in pq.read_table(path).to_pylist()]


def run(tmp_path: Path, dag_id: str, output_format: str, mode: str = "created") -> Any:
    kwargs: dict[str, Any] = {"cluster_id": 1, "mode": mode}
    if output_format != "xcom":
        kwargs.update(output_path=f"{tmp_path}/{dag_id}.{output_format}", output_format=output_format)
    return run_dag(extraction_dag(dag_id, **kwargs), logical_date=DAY_END)


# -- point 7: records without a readable createTime are kept ------------------------------------------------------


def test_records_without_a_readable_create_time_are_kept_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    records = [
        task(1, createTime=INSIDE),
        task(2),  # no createTime at all
        task(3, createTime="last tuesday"),
        task(4, createTime=YEAR_ZERO_IN_UTC),
        task(5, createTime="2024-08-07T00:00:00.000+0000"),  # the window's end: the next interval's, dropped
    ]
    with serve(records) as ocp:
        use_server(monkeypatch, ocp.url)
        kept = OCPLogBackupTasksOperator(task_id="e", cluster_id=1).execute(WINDOW)
    assert [r["tenantId"] for r in kept] == [1, 2, 3, 4]
    assert [r["createTime"] for r in kept] == ["2024-08-06T12:00:00Z", None, "last tuesday", YEAR_ZERO_IN_UTC]
    # The task's own log: stdlib records on Airflow 3.0 (also printed there), structlog's printed lines on 3.1+.
    recorded = [r.getMessage() for r in caplog.records if "Kept 3 record(s)" in r.getMessage()]
    printed = [line for line in "".join(capsys.readouterr()).splitlines() if "Kept 3 record(s)" in line]
    warnings = recorded or printed
    assert len(warnings) == 1 and "without a readable createTime" in warnings[0]


# -- point 13: instants UTC cannot hold ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("output_format", "mode"),
    [("xcom", "created"), ("jsonl", "created"), ("parquet", "created"), ("xcom", "snapshot"), ("jsonl", "snapshot")],
)
def test_timestamps_utc_cannot_hold_are_kept_as_sent_in_every_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, output_format: str, mode: str
) -> None:
    records = [
        task(1, createTime=YEAR_ZERO_IN_UTC, modifyTime=YEAR_10000_IN_UTC, checkpoint=YEAR_10000_IN_UTC, delay=5),
        task(2, createTime=INSIDE, modifyTime=INSIDE, checkpoint="9999-12-31T23:59:59.000-0800", delay=5),
    ]
    with serve(records, server_time=YEAR_10000_IN_UTC) as ocp:  # OCP's clock too: no readable instant
        use_server(monkeypatch, ocp.url)
        result = run(tmp_path, f"ocp_i21_range_{output_format}_{mode}", output_format, mode)
    assert result.state == "success"
    by_tenant = {r["tenantId"]: r for r in written(result, output_format)}
    assert by_tenant[1]["createTime"] == YEAR_ZERO_IN_UTC
    assert by_tenant[1]["modifyTime"] == by_tenant[1]["checkpoint"] == YEAR_10000_IN_UTC
    assert by_tenant[2]["checkpoint"] == "9999-12-31T23:59:59.000-0800"
    created = by_tenant[2]["createTime"]
    assert created == datetime(2024, 8, 6, 12, tzinfo=timezone.utc) or created == "2024-08-06T12:00:00Z"
    if mode == "snapshot":  # stamped with the worker's clock instead of OCP's unreadable one
        assert all(r["snapshotTime"].startswith(str(datetime.now(timezone.utc).year)) for r in by_tenant.values())


# -- point 14: lone surrogates ------------------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["xcom", "jsonl", "parquet"])
def test_a_lone_surrogate_is_written_as_a_replacement_character(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, output_format: str
) -> None:
    records = [
        task(1, createTime=INSIDE, status="STOPPED", errorMsg=CUT_EMOJI, note={"detail": ["\udc00 low half"]}),
        task(2, createTime=INSIDE, errorMsg="fine \U0001f600"),  # a whole pair: an emoji, kept as it is
    ]
    with serve(records) as ocp:
        use_server(monkeypatch, ocp.url)
        result = run(tmp_path, f"ocp_i21_surrogate_{output_format}", output_format)
        rerun = run(tmp_path, f"ocp_i21_surrogate_{output_format}", output_format)  # every rerun, the same
    assert result.state == rerun.state == "success"
    rows = written(result, output_format)
    assert [r["errorMsg"] for r in rows] == ["archive dest full \ufffd", "fine \U0001f600"]
    assert rows[0]["note"] == {"detail": ["\ufffd low half"]}
    assert rows == written(rerun, output_format)


# -- NaN and infinities, which OCP's decoder accepts: strict JSON in XCom --------------------------------------------


def test_xcom_holds_null_for_non_finite_numbers_at_any_depth(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(constant: str) -> Any:
        raise ValueError(f"not JSON: {constant}")

    records = [task(1, createTime=INSIDE, progress=float("nan"), nested={"a": float("inf"), "b": [-float("inf")]})]
    with serve(records) as ocp:  # json.dumps sends them as the bare words NaN, Infinity, -Infinity
        use_server(monkeypatch, ocp.url)
        (kept,) = OCPLogBackupTasksOperator(task_id="e", cluster_id=1).execute(WINDOW)
    assert json.loads(json.dumps(kept, allow_nan=False), parse_constant=refuse) == kept
    assert kept["progress"] is None and kept["nested"] == {"a": None, "b": [None]}
