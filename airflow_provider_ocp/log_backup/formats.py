"""Record formats of an extraction: JSON lines (here) and Parquet (:mod:`~airflow_provider_ocp.log_backup.parquet`),
written one page at a time.

Writers take one page of records at a time, so memory stays flat whatever the number of tasks; each record is
stamped with the window it was extracted for (``windowStart``, ``windowEnd``) so partitions can be told apart, and a
Parquet file also names it in its footer (read back by :mod:`~airflow_provider_ocp.operators.replacement`). Text
UTF-8 cannot encode (lone surrogates) is written as U+FFFD, with a warning
(:mod:`~airflow_provider_ocp.log_backup.surrogates`).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, BinaryIO

import msgspec

from airflow_provider_ocp.client.timestamps import isoformat_utc
from airflow_provider_ocp.log_backup.records import TIME_FIELDS
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


def make_writer(output_format: str, file: BinaryIO, window: ExtractionWindow, snapshot: bool = False) -> RecordWriter:
    """The writer for an output format.

    :param output_format: ``jsonl`` or ``parquet``.
    :param file: the open binary file.
    :param window: the extraction window.
    :param snapshot: the records are snapshot records: Parquet gives their snapshot fields typed columns (JSON lines
        writes every field as it is anyway).
    """
    if output_format == "parquet":
        from airflow_provider_ocp.log_backup.parquet import ParquetWriter  # it builds on this module's RecordWriter

        return ParquetWriter(file, window, snapshot)
    return JsonLinesWriter(file, window)


def window_fields(window: ExtractionWindow) -> dict[str, str]:
    """``windowStart`` and ``windowEnd`` as ISO-8601 UTC text: on every JSON line, and in the Parquet footer.

    :param window: the extraction window.
    """
    start, end = WINDOW_FIELDS
    return {start: isoformat_utc(window.start), end: isoformat_utc(window.end)}
