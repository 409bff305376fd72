"""Reading one extraction window from OCP page by page: exact half-open filtering, progress, and window splitting.

Records whose ``createTime`` is absent or unreadable are kept, with a warning: OCP returned them for the window, and
nothing says they belong to another one.

OCP refuses a time range longer than it allows (HTTP 500, code 10007; the limit is not documented). The window is
then halved, and halved again, until OCP accepts each part; the parts are read in order and filtered on their own
half-open bounds, so every task of the window still comes out exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from contextlib import closing
from typing import Any

from airflow_provider_ocp.client.page import PageResult
from airflow_provider_ocp.exceptions import OCPRequestRejectedError
from airflow_provider_ocp.log_backup.window import ExtractionWindow

RANGE_TOO_LONG = 10007

WalkWindow = Callable[[ExtractionWindow], Generator[PageResult, None, None]]
RecordsByPage = Generator[list[dict[str, Any]], None, None]
"""The records of a window, one list per page OCP returned (after the window's filter): not pages themselves."""


def window_pages(walk: WalkWindow, window: ExtractionWindow, logger: logging.Logger | Any) -> RecordsByPage:
    """Yield each page's records created inside the half-open window, splitting it while OCP finds it too long.

    :param walk: reads one window from OCP, page by page (the hook's ``iter_log_backup_task_pages`` for it).
    :param window: the window to extract.
    :param logger: the task's logger, for progress lines.
    """
    pending = [window]
    while pending:
        part = pending.pop(0)
        started = False
        try:
            for records in _part_pages(walk, part, logger):
                started = True
                yield records
        except OCPRequestRejectedError as error:
            halves = part.halves() if error.code == RANGE_TOO_LONG and not started else None
            if halves is None:
                raise
            logger.info(
                "OCP finds [%s, %s) too long a time range (code %s); reading it in two halves.",
                part.start.isoformat(),
                part.end.isoformat(),
                RANGE_TOO_LONG,
            )
            pending[:0] = halves


def _part_pages(walk: WalkWindow, window: ExtractionWindow, logger: logging.Logger | Any) -> RecordsByPage:
    dropped = undated = 0
    with closing(walk(window)) as pages:  # stopping early closes the walk, which stops the hook's read-ahead at once
        for page in pages:
            kept = window.keep(page.records)
            dropped += len(page.records) - len(kept)
            undated += window.undated(kept)
            if page.page_number == 1 and not page.records and page.records_so_far == 0:
                logger.info("No log backup tasks in [%s, %s).", window.start.isoformat(), window.end.isoformat())
            else:
                logger.info(
                    "Fetched page %s of %s: %s of %s records so far.",
                    page.page_number,
                    page.total_pages if page.total_pages is not None else "?",
                    page.records_so_far,
                    page.total_elements if page.total_elements is not None else "?",
                )
            yield kept
    if dropped:
        logger.info(
            "Dropped %s record(s) OCP returned with a createTime outside the half-open window [%s, %s) "
            "(OCP's filter includes the end; such a task belongs to the next interval).",
            dropped,
            window.start.isoformat(),
            window.end.isoformat(),
        )
    if undated:
        logger.warning(
            "Kept %s record(s) OCP returned for [%s, %s) without a readable createTime (absent, or in a form this "
            "provider cannot read; kept as sent): nothing says they belong to another window, and a task is never "
            "dropped.",
            undated,
            window.start.isoformat(),
            window.end.isoformat(),
        )
