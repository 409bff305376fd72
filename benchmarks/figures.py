"""Figures: timing a run (wall and CPU), an event loop's lag, the median and percentiles of samples, and Markdown
tables of the results."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Sequence
from typing import Any


def timed(function: Callable[[], Any]) -> dict[str, float]:
    """Run once: wall seconds and CPU seconds of this process (all threads).

    :param function: the run.
    """
    cpu, wall = time.process_time(), time.perf_counter()
    function()
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}


class LoopLag:
    """How late an event loop wakes its tasks: a ticker sleeping ``tick`` seconds records each overshoot, with the wall
    time it ended, from :meth:`start` to :meth:`stop`.

    :param tick: seconds the ticker sleeps (20 ms).
    """

    def __init__(self, tick: float = 0.02) -> None:
        self.tick = tick
        self.samples: list[tuple[float, float]] = []
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start ticking in the running loop."""
        self._task = asyncio.create_task(self._ticks())

    async def stop(self) -> None:
        """Stop ticking, after the current tick."""
        self._stopping.set()
        if self._task is not None:
            await self._task

    async def _ticks(self) -> None:
        while not self._stopping.is_set():
            before = time.perf_counter()
            await asyncio.sleep(self.tick)
            self.samples.append((time.time(), time.perf_counter() - before - self.tick))

    def percentile_ms(self, start: float, end: float = math.inf, pct: float = 99) -> float:
        """The ``pct``-th percentile of the lag in milliseconds (99 by default; 100 is the longest stall), over the
        ticks that ended from ``start`` to ``end``.

        :param start: wall time (``time.time()``) of the first tick counted.
        :param end: wall time of the last.
        :param pct: the percentile.
        """
        return 1000 * percentile([lag for when, lag in self.samples if start <= when <= end], pct)


def median(values: Sequence[float]) -> float:
    """The median (NaN for no values).

    :param values: the samples.
    """
    return percentile(values, 50)


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct``-th percentile, linear between closest ranks (NaN for no values).

    :param values: the samples.
    :param pct: 0 to 100.
    """
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * pct / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def format_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (readable in a terminal too) under a ``###`` title.

    :param title: the heading.
    :param headers: column names.
    :param rows: cells, formatted by the caller.
    """
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |"

    separator = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([f"### {title}", "", line(cells[0]), separator, *(line(row) for row in cells[1:]), ""])
