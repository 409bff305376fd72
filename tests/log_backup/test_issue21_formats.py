"""Issue 21 at the level of the record formats: lone surrogates are written as U+FFFD with a warning naming the field
(point 14), and each format says which window its file holds, read back from the file alone (point 8).

Real files through the real writers and ``atomic_output``; expected values are written out by hand.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_ocp.log_backup.formats import make_writer
from airflow_provider_ocp.log_backup.records import normalize_task
from airflow_provider_ocp.log_backup.window import ExtractionWindow
from airflow_provider_ocp.operators.storage import atomic_output, resolve_output_path

UTC = timezone.utc
WINDOW = ExtractionWindow(datetime(2024, 8, 6, tzinfo=UTC), datetime(2024, 8, 7, tzinfo=UTC), "t")
CUT = json.loads('"archive dest full \\ud83d"')  # as the hook decodes an errorMsg a Java server cut inside an emoji


def write(tmp_path: Path, output_format: str, pages: list[list[dict[str, Any]]]) -> Path:
    path = resolve_output_path(str(tmp_path / f"t.{output_format}"), None)
    with atomic_output(path) as file, make_writer(output_format, file, WINDOW) as writer:
        for page in pages:
            writer.write_page(page)
    return tmp_path / f"t.{output_format}"


def raw_task(**fields: Any) -> dict[str, Any]:
    return normalize_task({"tenantId": 1, "createTime": "2024-08-06T12:00:00.000+0000", "status": "RUNNING", **fields})


@pytest.mark.parametrize("output_format", ["jsonl", "parquet"])
def test_a_lone_surrogate_is_written_as_u_fffd_with_a_warning_naming_the_field(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, output_format: str
) -> None:
    page = [raw_task(errorMsg=CUT), raw_task(tenantId=2, errorMsg="whole \U0001f600", extra="\udfff")]
    target = write(tmp_path, output_format, [page])
    if output_format == "jsonl":
        rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
        extras = [row.get("extra") for row in rows]
    else:
        import pyarrow.parquet as pq

        rows = pq.read_table(target).to_pylist()
        extras = [json.loads(row["extraFields"]).get("extra") if row["extraFields"] else None for row in rows]
    assert [row["errorMsg"] for row in rows] == ["archive dest full \ufffd", "whole \U0001f600"]
    assert extras == [None, "\ufffd"]
    (warning,) = [r for r in caplog.records if "surrogate" in r.getMessage()]
    assert warning.levelname == "WARNING" and "errorMsg, extra" in warning.getMessage()


def test_replacing_surrogates_leaves_clean_records_as_they_are() -> None:
    from airflow_provider_ocp.log_backup.surrogates import replace_lone_surrogates

    clean = {"errorMsg": "ok \U0001f600", "nested": {"a": [1, "b"]}}
    dirty = {"errorMsg": "ok", "nested": {"a": [1, "\ud800"]}, "key \udc00": 1}
    result = replace_lone_surrogates([clean, dirty])
    assert result[0] is clean
    assert result[1] == {"errorMsg": "ok", "nested": {"a": [1, "\ufffd"]}, "key \ufffd": 1}
    assert dirty["nested"] == {"a": [1, "\ud800"]}  # the input is not changed


@pytest.mark.parametrize("pages", [[[raw_task()]], []], ids=["with-rows", "no-rows"])
def test_a_parquet_file_names_its_window_in_its_footer(tmp_path: Path, pages: list[list[dict[str, Any]]]) -> None:
    import pyarrow.parquet as pq

    from airflow_provider_ocp.operators.replacement import held_window

    target = write(tmp_path, "parquet", pages)
    metadata = pq.read_metadata(target).metadata
    assert json.loads(metadata[b"ocp.window"]) == {
        "windowStart": "2024-08-06T00:00:00Z",
        "windowEnd": "2024-08-07T00:00:00Z",
    }
    assert held_window(resolve_output_path(str(target), None), "parquet") == (WINDOW.start, WINDOW.end)


def test_a_json_lines_file_names_its_window_on_its_first_line(tmp_path: Path) -> None:
    from airflow_provider_ocp.operators.replacement import held_window

    target = write(tmp_path, "jsonl", [[raw_task(), raw_task(tenantId=2)]])
    path = resolve_output_path(str(target), None)
    assert held_window(path, "jsonl") == (WINDOW.start, WINDOW.end)
    target.write_bytes(b"")
    assert held_window(path, "jsonl") is None  # no record: no window, no task either
    for content, reason in [
        (b"not json\n", "not JSON"),
        (b'["a list"]\n', "not a JSON object"),
        (b'{"windowStart": "2024-08-06T00:00:00Z"}\n', "no readable windowStart and windowEnd"),
        (b'{"windowStart": "2024-08-06T00:00:00", "windowEnd": "2024-08-07T00:00:00"}\n', "no readable"),
    ]:
        target.write_bytes(content)
        with pytest.raises(ValueError, match=reason):
            held_window(path, "jsonl")
    with pytest.raises(ValueError, match="not a Parquet file"):
        held_window(path, "parquet")
