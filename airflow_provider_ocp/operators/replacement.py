"""May a run replace the file already at its output path? Only one that holds the same window, unless told to.

A rerun of a window rewrites its own file, as it always did. But a file that holds another window's tasks must not be
replaced silently: a run without a data interval (window ``[now - 1 day, now)``) rendering a scheduled day's path
would leave that day's file holding another window, 10 of its 24 tasks say. The operator therefore asks which window
the existing file holds before its first request to OCP, and again just before its own file takes the path (another
run may have written it meanwhile), and fails with both windows named when they differ.

The window is read from the file itself, never from a second file that could disagree with it:

* JSON lines: the ``windowStart``/``windowEnd`` of the first record (every record carries them);
* Parquet: the ``ocp.window`` key of the footer's key-value metadata (the same two fields as JSON), present even in
  a file with no rows.

Both are written by the same atomic commit as the records (a rename, or an object store upload that appears whole),
so they say which window the records are from, on a local disk and on object stores alike. A JSON lines file with no
record (no task in its window) has no window to read: it is replaced, with a warning, since no task can be lost.
Anything else at the path (another format, a file this operator did not write) is refused like another window.
``overwrite="always"`` replaces whatever is there.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

from airflow_provider_ocp.client.errors import OCPInputError
from airflow_provider_ocp.client.timestamps import isoformat_utc, parse_ocp_timestamp
from airflow_provider_ocp.log_backup.formats import WINDOW_FIELDS
from airflow_provider_ocp.operators.storage import display_path

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import ObjectStoragePath

    from airflow_provider_ocp.log_backup.window import ExtractionWindow

log = logging.getLogger(__name__)

OVERWRITE_MODES = ("same_window", "always")
_CHUNK = 2**16
_MAX_FIRST_LINE = 2**26  # a record line is a few KB; a longer first line is not this operator's


def check_replaceable(path: ObjectStoragePath, window: ExtractionWindow, output_format: str, overwrite: str) -> None:
    """Fail unless the run may write ``path``: nothing is there, the file there holds ``window``, or the user said
    ``overwrite="always"``.

    :param path: the output path.
    :param window: the window this run extracts.
    :param output_format: ``jsonl`` or ``parquet``: how to read the existing file.
    :param overwrite: ``same_window`` or ``always`` (the operator's parameter).
    :raises OCPInputError: naming both windows, or why the existing file's window cannot be read.
    """
    if overwrite == "always":
        return
    fs = path.fs
    fs.invalidate_cache(path.path)  # a listing cached earlier would hide a file another run has just written
    if not fs.exists(path.path):
        return
    where = display_path(path)
    try:
        held = held_window(path, output_format)
    except ValueError as error:
        raise OCPInputError(
            f"output_path {where} already holds a file that does not say which window it holds ({error}); it may "
            "not be an extraction of this operator. Choose another output_path, remove the file, or set "
            "overwrite='always' to replace it."
        ) from None
    if held is None:
        log.warning("Replacing %s, a JSON lines file with no record: it names no window, and holds no task.", where)
    elif held != (window.start, window.end):
        raise OCPInputError(
            f"output_path {where} already holds the tasks of the window {_text(*held)}; this run extracts "
            f"{_text(window.start, window.end)}. Replacing it would silently swap one window's tasks for another's "
            "(a run without a data interval rendering a scheduled run's path, say). Give such runs their own "
            "partition ({{ ocp_partition }} in output_path does that), or set overwrite='always' to replace it."
        )


def held_window(path: ObjectStoragePath, output_format: str) -> tuple[datetime, datetime] | None:
    """The window the file at ``path`` holds (see the module docstring); None for a JSON lines file with no record.

    :param path: an existing file.
    :param output_format: ``jsonl`` or ``parquet``.
    :raises ValueError: the file does not say (not this format, no window fields).
    """
    try:
        with path.fs.open(path.path, "rb", block_size=_CHUNK) as file:
            fields = _parquet_window(file) if output_format == "parquet" else _first_json_line(file)
    except (IsADirectoryError, PermissionError) as error:
        raise ValueError(f"it cannot be read: {error.strerror or type(error).__name__}") from None
    if fields is None:
        return None
    if not isinstance(fields, dict):
        raise ValueError(f"its first line is not a JSON object: {fields!r:.80}")
    try:
        start, end = (parse_ocp_timestamp(fields[name]) for name in WINDOW_FIELDS)
    except (KeyError, TypeError, ValueError):
        raise ValueError("it has no readable windowStart and windowEnd") from None
    return start, end


def _first_json_line(file: IO[bytes]) -> Any:
    head = b""
    while b"\n" not in head:
        chunk = file.read(_CHUNK)
        if not chunk:
            break
        head += chunk
        if len(head) > _MAX_FIRST_LINE:
            raise ValueError(f"its first line is longer than {_MAX_FIRST_LINE} bytes")
    if not head:
        return None
    try:
        return json.loads(head.split(b"\n", 1)[0])
    except ValueError:  # JSONDecodeError and UnicodeDecodeError alike
        raise ValueError("its first line is not JSON") from None


def _parquet_window(file: IO[bytes]) -> Any:
    from airflow_provider_ocp.log_backup.parquet import PARQUET_WINDOW_KEY, import_pyarrow

    pa, pq = import_pyarrow()
    try:
        metadata = pq.read_metadata(file).metadata or {}
    except (pa.ArrowException, OSError):
        raise ValueError("it is not a Parquet file") from None
    if PARQUET_WINDOW_KEY not in metadata:
        raise ValueError(f"its Parquet metadata has no {PARQUET_WINDOW_KEY.decode()} key")
    try:
        return json.loads(metadata[PARQUET_WINDOW_KEY])
    except ValueError:
        raise ValueError(f"its Parquet metadata's {PARQUET_WINDOW_KEY.decode()} is not JSON") from None


def _text(start: datetime, end: datetime) -> str:
    return f"[{isoformat_utc(start)}, {isoformat_utc(end)})"
