"""JSON lines encoded by msgspec (issue 14) carry the values ``json.dumps`` wrote, byte for byte on OCP's records."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pendulum

from airflow_provider_ocp.log_backup.formats import JsonLinesWriter
from airflow_provider_ocp.log_backup.json_values import to_json_safe
from airflow_provider_ocp.log_backup.records import normalize_task
from airflow_provider_ocp.log_backup.window import ExtractionWindow
from airflow_provider_ocp.testing import OCPEmulator

WINDOW = ExtractionWindow(datetime(2024, 8, 6, tzinfo=timezone.utc), datetime(2024, 8, 7, tzinfo=timezone.utc), "t")


def written(records: list[dict[str, Any]]) -> bytes:
    buffer = io.BytesIO()
    with JsonLinesWriter(buffer, WINDOW) as writer:
        writer.write_page(records)
    return buffer.getvalue()


def as_json_dumps_wrote(records: list[dict[str, Any]]) -> bytes:
    """The lines as the writer wrote them before msgspec: ``json.dumps`` of ``to_json_safe`` plus the window."""
    window = {"windowStart": "2024-08-06T00:00:00Z", "windowEnd": "2024-08-07T00:00:00Z"}
    lines = [json.dumps({**to_json_safe(r), **window}, ensure_ascii=False, separators=(",", ":")) for r in records]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_emulated_records_are_written_byte_for_byte_as_before() -> None:
    with OCPEmulator(tenants=2, tasks_per_tenant=300) as emu:
        emu.set_current_task(emu.cluster_ids[0], status="FAILED", error_msg='归档失败\n\t"quoted"')
        records = [normalize_task(task) for task in emu.expected_tasks(emu.cluster_ids[0])]
    assert written(records) == as_json_dumps_wrote(records)


def test_odd_records_keep_their_values() -> None:
    plus8 = timezone(timedelta(hours=8))
    records = [
        normalize_task({"createTime": "sometime on Tuesday", "tenantId": "99999999999999999999", "labels": {"z": 1}}),
        normalize_task({"createTime": 1e300, "modifyTime": 1722902400000, "delay": "NaN", "big": 2**70}),
        {**normalize_task({"tenantName": "\x00\x1f\u2028 é 😀"}), "createTime": datetime(2024, 8, 6, 8, tzinfo=plus8)},
        {**normalize_task({}), "checkpoint": pendulum.datetime(2024, 8, 6, 8, 0, 0, 397000, tz="Asia/Shanghai")},
        {**normalize_task({}), "delay": 1e-7, "windowStart": "OCP's own field, overridden by the window"},
    ]
    lines, expected = written(records).splitlines(), as_json_dumps_wrote(records).splitlines()
    assert [json.loads(line) for line in lines] == [json.loads(line) for line in expected]
    # Only a float's exponent is spelt differently (1e300 for 1e+300, 1e-7 for 1e-07).
    assert [lines[0], *lines[2:4]] == [expected[0], *expected[2:4]]
    assert json.loads(lines[3])["checkpoint"] == "2024-08-06T00:00:00.397000Z"


def test_a_non_finite_number_is_written_as_null_not_as_invalid_json() -> None:
    line = written([{**normalize_task({}), "score": float("nan")}])
    assert json.loads(line)["score"] is None  # json.dumps wrote NaN, which no JSON reader must accept
