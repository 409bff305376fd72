"""Parquet output of an extraction: the fixed schema, one row group per page, the window in the footer.

Only Parquet output needs pyarrow, through the provider's ``parquet`` extra, so it is imported when a Parquet file is
written or read (:func:`import_pyarrow`), never when this module is. The writer follows the page-at-a-time rules of
:mod:`~airflow_provider_ocp.log_backup.formats`; :mod:`~airflow_provider_ocp.operators.replacement` reads the window
back from the footer (:data:`PARQUET_WINDOW_KEY`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, BinaryIO

from airflow_provider_ocp.client.errors import OCPInputError
from airflow_provider_ocp.log_backup.formats import EXTRA_FIELDS_COLUMN, WINDOW_FIELDS, RecordWriter, window_fields
from airflow_provider_ocp.log_backup.json_values import json_safe, to_json_safe
from airflow_provider_ocp.log_backup.records import DOCUMENTED_FIELDS, ID_FIELDS, SNAPSHOT_FIELDS, TIME_FIELDS
from airflow_provider_ocp.log_backup.surrogates import replace_lone_surrogates

if TYPE_CHECKING:
    from airflow_provider_ocp.log_backup.window import ExtractionWindow


class ParquetWriter(RecordWriter):
    """A Parquet file with a fixed schema, one row group per page.

    Documented fields have typed columns (times ``timestamp[us, UTC]``, ids int64, ``delay`` float64, the rest
    strings), then ``windowStart``/``windowEnd``, then, in snapshot files only, ``snapshotTime`` (timestamp, UTC),
    ``current`` (bool) and ``delaySource`` (string), then ``extraFields``: the fields OCP sent beyond its docs as JSON
    text, with the values JSON lines hold (:func:`~airflow_provider_ocp.log_backup.json_values.to_json_safe`: a NaN or
    infinity is ``null``). A typed value that does not fit its column type (say, a time in an unknown format) is also
    kept in ``extraFields``, so nothing is lost. The footer's key-value metadata names the window (``ocp.window``),
    even in a file with no rows.

    :param file: the open binary file.
    :param window: the extraction window, stamped on every row.
    :param snapshot: the records are snapshot records (``mode="snapshot"``): add the snapshot columns. Files of
        ``mode="created"`` keep the schema they always had, without three columns that would always be null.
    """

    def __init__(self, file: BinaryIO, window: ExtractionWindow, snapshot: bool = False) -> None:
        pa, pq = import_pyarrow()
        self._pa = pa
        self.window = window
        self.schema = parquet_schema(snapshot).with_metadata(window_metadata(window))
        self.typed = DOCUMENTED_FIELDS + (tuple(SNAPSHOT_FIELDS) if snapshot else ())
        self._writer = pq.ParquetWriter(file, self.schema)

    def write_page(self, records: list[dict[str, Any]]) -> None:
        """Append one page as a row group (pages with no records add nothing).

        :param records: normalised records.
        """
        if not records:
            return
        try:
            table = self._table(records)
        except UnicodeEncodeError:  # a lone surrogate, cut out of a pair by the server: replaced, with a warning
            table = self._table(replace_lone_surrogates(records))
        self._writer.write_table(table)

    def _table(self, records: list[dict[str, Any]]) -> Any:
        columns: dict[str, list[Any]] = {field.name: [] for field in self.schema}
        for record in records:
            extra = {key: value for key, value in record.items() if key not in self.typed}
            for name in self.typed:
                value = _fit(name, record.get(name))
                if value is _MISFIT:
                    extra[name] = record[name]
                    value = None
                columns[name].append(value)
            columns["windowStart"].append(self.window.start)
            columns["windowEnd"].append(self.window.end)
            columns[EXTRA_FIELDS_COLUMN].append(_json_text(to_json_safe(extra), sort_keys=True) if extra else None)
        return self._pa.Table.from_pydict(columns, schema=self.schema)

    def finish(self) -> None:
        """Write the Parquet footer."""
        self._writer.close()

    def abort(self) -> None:
        """Keep pyarrow from writing a footer into the discarded file when the writer is garbage collected."""
        self._writer.is_open = False


_MISFIT = object()
_INT64_RANGE = range(-(2**63), 2**63)


def _fit(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in TIME_FIELDS:
        return value if isinstance(value, datetime) else _MISFIT
    if name in SNAPSHOT_FIELDS:
        return value if isinstance(value, SNAPSHOT_FIELDS[name]) else _MISFIT
    if name in ID_FIELDS:
        return value if isinstance(value, int) and not isinstance(value, bool) and value in _INT64_RANGE else _MISFIT
    if name == "delay":
        return value if isinstance(value, float) else _MISFIT
    if isinstance(value, str):
        return value
    value = json_safe(value)  # a non-finite number: null, as in JSON lines
    return None if value is None else _json_text(value)


def _json_text(value: Any, sort_keys: bool = False) -> str:
    """JSON text of a :func:`~airflow_provider_ocp.log_backup.json_values.json_safe` value (so never ``NaN``)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=sort_keys, default=str, allow_nan=False)


def parquet_schema(snapshot: bool = False) -> Any:
    """The fixed Parquet schema of an extraction (see :class:`ParquetWriter`).

    :param snapshot: add the typed columns of snapshot records.
    """
    pa, _ = import_pyarrow()
    timestamp = pa.timestamp("us", tz="UTC")
    arrow_types = {datetime: timestamp, bool: pa.bool_(), str: pa.string()}

    def column_type(name: str) -> Any:
        if name in TIME_FIELDS:
            return timestamp
        if name in ID_FIELDS:
            return pa.int64()
        return pa.float64() if name == "delay" else pa.string()

    fields = [pa.field(name, column_type(name)) for name in DOCUMENTED_FIELDS]
    fields += [pa.field(name, timestamp) for name in WINDOW_FIELDS]
    if snapshot:
        fields += [pa.field(name, arrow_types[kind]) for name, kind in SNAPSHOT_FIELDS.items()]
    fields.append(pa.field(EXTRA_FIELDS_COLUMN, pa.string()))
    return pa.schema(fields)


def import_pyarrow() -> tuple[Any, Any]:
    """Import pyarrow lazily: only Parquet output needs it, through the provider's ``parquet`` extra."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise OCPInputError(
            "output_format='parquet' needs pyarrow: pip install 'airflow-provider-ocp[parquet]' "
            "(or use output_format='jsonl')."
        ) from None
    return pa, pq


PARQUET_WINDOW_KEY = b"ocp.window"
"""The Parquet footer's key-value metadata key holding ``{"windowStart": ..., "windowEnd": ...}`` as JSON."""


def window_metadata(window: ExtractionWindow) -> dict[bytes, bytes]:
    """The key-value metadata a Parquet file of ``window`` carries in its footer.

    :param window: the extraction window.
    """
    return {PARQUET_WINDOW_KEY: json.dumps(window_fields(window)).encode()}
