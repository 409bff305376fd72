"""Record formats of an extraction: JSON lines and Parquet, written one page at a time.

Writers take one page of records at a time, so memory stays flat whatever the number of tasks; each record is
stamped with the window it was extracted for (``windowStart``, ``windowEnd``) so partitions can be told apart, and a
Parquet file also names it in its footer (read back by :mod:`~airflow_provider_ocp.operators.replacement`). Text
UTF-8 cannot encode (lone surrogates) is written as U+FFFD, with a warning
(:mod:`~airflow_provider_ocp.log_backup.surrogates`).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, BinaryIO

import msgspec

from airflow_provider_ocp.client.errors import OCPInputError
from airflow_provider_ocp.client.timestamps import isoformat_utc
from airflow_provider_ocp.log_backup.json_values import json_safe, to_json_safe
from airflow_provider_ocp.log_backup.records import (
    DOCUMENTED_FIELDS,
    ID_FIELDS,
    SNAPSHOT_FIELDS,
    TIME_FIELDS,
)
from airflow_provider_ocp.log_backup.surrogates import replace_lone_surrogates

if TYPE_CHECKING:
    from airflow_provider_ocp.log_backup.window import ExtractionWindow

OUTPUT_FORMATS = ("jsonl", "parquet")
WINDOW_FIELDS = ("windowStart", "windowEnd")
EXTRA_FIELDS_COLUMN = "extraFields"


class RecordWriter:
    """Writes pages of normalised records to an open binary file (which the caller closes).

    As a context manager it completes the file on success (:meth:`finish`) and writes nothing more on failure
    (:meth:`abort`), so a failed extraction never gets a valid-looking trailer.
    """

    def write_page(self, records: list[dict[str, Any]]) -> None:
        """Append one page of records.

        :param records: normalised records (OCP field names, aware datetimes).
        """
        raise NotImplementedError

    def finish(self) -> None:
        """Write any trailer (the Parquet footer)."""

    def abort(self) -> None:
        """Give up: write nothing more, not even a trailer, to a file that is being thrown away."""

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if exc_type is None:
            self.finish()
        else:
            self.abort()


def _isoformat_other(value: Any) -> str:
    """msgspec's hook for what it cannot encode: datetime subclasses (pendulum's) as ISO-8601 UTC; anything else is
    refused, as ``json.dumps`` refused it."""
    if isinstance(value, datetime):
        return isoformat_utc(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class JsonLinesWriter(RecordWriter):
    """One JSON object per line, UTF-8: OCP's field names, times as ISO-8601 UTC, plus the window.

    Encoded by msgspec: a time becomes a UTC datetime that msgspec writes as ``isoformat_utc`` does
    (``2024-08-06T00:00:00Z``, ``...00.397000Z``), so no Python string formatting runs per record. Values are those
    of ``json.dumps``; the text differs only where JSON allows it (``1e16`` for ``1e+16``), and a non-finite number
    (only possible in a field the normaliser does not own) is written ``null``, at any depth, where ``json.dumps``
    wrote ``NaN``, which is not JSON: the rule of :func:`~airflow_provider_ocp.log_backup.json_values.json_safe`, which
    XCom and Parquet's JSON text follow, applied by msgspec itself (no pass over each record in Python).

    :param file: the open binary file.
    :param window: the extraction window, stamped on every record.
    """

    _encoder = msgspec.json.Encoder(enc_hook=_isoformat_other)

    def __init__(self, file: BinaryIO, window: ExtractionWindow) -> None:
        self.file = file
        self.window_fields = window_fields(window)

    def write_page(self, records: list[dict[str, Any]]) -> None:
        """Append one page; one write call per page keeps object store uploads efficient.

        :param records: normalised records (datetimes in the time fields only, as the normaliser leaves them; a
            plain datetime elsewhere would be written with its own offset).
        """
        if not records:
            return
        lines = [self._line(record) for record in records]
        try:
            data = self._encoder.encode_lines(lines)
        except UnicodeEncodeError:  # a lone surrogate, cut out of a pair by the server: replaced, with a warning
            data = self._encoder.encode_lines(replace_lone_surrogates(lines))
        self.file.write(data)

    def _line(self, record: dict[str, Any]) -> dict[str, Any]:
        """One record as msgspec will write it: the window added, its times in UTC (a ``datetime`` subclass such as
        pendulum's is left to :func:`_isoformat_other`)."""
        line = {**record, **self.window_fields}
        for name in TIME_FIELDS:
            value = line.get(name)
            if value.__class__ is datetime:
                line[name] = value.astimezone(timezone.utc)
        return line


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


def make_writer(output_format: str, file: BinaryIO, window: ExtractionWindow, snapshot: bool = False) -> RecordWriter:
    """The writer for an output format.

    :param output_format: ``jsonl`` or ``parquet``.
    :param file: the open binary file.
    :param window: the extraction window.
    :param snapshot: the records are snapshot records: Parquet gives their snapshot fields typed columns (JSON lines
        writes every field as it is anyway).
    """
    if output_format == "parquet":
        return ParquetWriter(file, window, snapshot)
    return JsonLinesWriter(file, window)


PARQUET_WINDOW_KEY = b"ocp.window"
"""The Parquet footer's key-value metadata key holding ``{"windowStart": ..., "windowEnd": ...}`` as JSON."""


def window_metadata(window: ExtractionWindow) -> dict[bytes, bytes]:
    """The key-value metadata a Parquet file of ``window`` carries in its footer.

    :param window: the extraction window.
    """
    return {PARQUET_WINDOW_KEY: json.dumps(window_fields(window)).encode()}


def window_fields(window: ExtractionWindow) -> dict[str, str]:
    """``windowStart`` and ``windowEnd`` as ISO-8601 UTC text: on every JSON line, and in the Parquet footer.

    :param window: the extraction window.
    """
    start, end = WINDOW_FIELDS
    return {start: isoformat_utc(window.start), end: isoformat_utc(window.end)}
