"""A simulated OCP for the page walk's property tests (``test_properties_pagination_layouts.py``): generated page
layouts, the server that serves them, and a walk over it.

A simulated OCP serves a newest-first list of records page by page, as ``parse_page`` sees OCP's JSON. Hypothesis
varies the number of records, the size asked, a silent clamp on the size, how ``totalPages``/``totalPage``/
``totalElements``/``size``/``number`` are reported (right, wrong, missing, as text), and up to two drift events
(tasks created at the front, tasks removed anywhere) between pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from airflow_provider_ocp.client.pagination import MAX_PASSES, PageWalk, parse_page
from airflow_provider_ocp.log_backup.records import record_identity

TARGET = "/ob/clusters/1/backup/task/logBackupTasks"


def record(number: int) -> dict[str, Any]:
    """A raw record; identity fields make each distinct, the status changes harmlessly between reads."""
    return {
        "clusterId": 1,
        "tenantId": 2000 + number,
        "tenantName": f"tenant_{number}",
        "createTime": f"2024-08-06T00:{number // 60 % 60:02d}:{number % 60:02d}.000+0800",
        "status": "RUNNING",
    }


@dataclass
class Drift:
    """Applied right after the walk's ``after``-th request is served."""

    after: int
    insert: int
    remove_at: list[int]


@dataclass
class Layout:
    """How the simulated OCP reports pages."""

    records: int
    asked: int
    clamp: int | None
    total_pages: str  # "right", "missing", "delta", "value"
    total_pages_delta: int
    total_pages_value: int
    total_pages_key: str  # "totalPages" or "totalPage"
    total_elements: bool
    report_size: bool
    report_number: bool
    as_text: bool
    drifts: list[Drift] = field(default_factory=list)


@st.composite
def layouts(draw: st.DrawFn, *, with_drift: bool = True) -> Layout:
    total_pages = draw(st.sampled_from(["right", "missing", "delta", "value"]))
    total_elements = draw(st.booleans()) if total_pages in ("right", "missing") else True
    layout = Layout(
        records=draw(st.integers(min_value=0, max_value=45)),
        asked=draw(st.integers(min_value=1, max_value=12)),
        clamp=draw(st.none() | st.integers(min_value=1, max_value=12)),
        total_pages=total_pages,
        total_pages_delta=draw(st.integers(min_value=-4, max_value=4)),
        total_pages_value=draw(st.integers(min_value=0, max_value=8)),
        total_pages_key=draw(st.sampled_from(["totalPages", "totalPage"])),
        total_elements=total_elements,
        report_size=draw(st.booleans()),
        report_number=draw(st.booleans()),
        as_text=draw(st.booleans()),
    )
    if with_drift and total_elements:
        events = draw(
            st.lists(
                st.tuples(
                    st.integers(min_value=1, max_value=10),
                    st.integers(min_value=0, max_value=3),
                    st.lists(st.integers(min_value=0, max_value=60), max_size=3),
                ),
                max_size=MAX_PASSES - 1,
            )
        )
        layout.drifts = [Drift(after, insert, remove) for after, insert, remove in events]
    return layout


class SimulatedOCP:
    """Serves ``data.contents``/``data.page`` as OCP would, with the layout's quirks and drift."""

    def __init__(self, layout: Layout, *, ignore_page: bool = False) -> None:
        self.layout = layout
        self.ignore_page = ignore_page
        self.current = [record(i) for i in range(layout.records)]
        self.next_id = 10_000
        self.served = 0
        self.pages: list[tuple[list[int], int]] = []  # (keys served, total) per request
        self.present_throughout = {record_identity(r) for r in self.current}
        self.ever_present = set(self.present_throughout)

    def _number(self, value: int) -> Any:
        return str(value) if self.layout.as_text else value

    def serve(self, page: int, size: int) -> dict[str, Any]:
        layout = self.layout
        used = min(size, layout.clamp) if layout.clamp else size
        index = 1 if self.ignore_page else page
        contents = [dict(r) for r in self.current[(index - 1) * used : index * used]]
        total = len(self.current)
        real_pages = -(-total // used)
        info: dict[str, Any] = {}
        if layout.report_number:
            info["number"] = self._number(index)
        if layout.report_size:
            info["size"] = self._number(used)
        if layout.total_elements:
            info["totalElements"] = self._number(total)
        if layout.total_pages != "missing":
            pages = {
                "right": real_pages,
                "delta": max(0, real_pages + layout.total_pages_delta),
                "value": layout.total_pages_value,
            }[layout.total_pages]
            info[layout.total_pages_key] = self._number(pages)
        self.served += 1
        self.pages.append(([record_identity(r) for r in contents], total))
        self._drift()
        return {"contents": contents, "page": info}

    def _drift(self) -> None:
        for drift in self.layout.drifts:
            if drift.after != self.served:
                continue
            for position in drift.remove_at:
                if self.current:
                    self.current.pop(position % len(self.current))
            fresh = []
            for _ in range(drift.insert):
                fresh.append(record(self.next_id))
                self.next_id += 1
            self.current[:0] = fresh  # new tasks are the newest: OCP lists newest first
        keys = {record_identity(r) for r in self.current}
        self.present_throughout &= keys
        self.ever_present |= keys


def walk(server: SimulatedOCP, asked: int) -> tuple[list[dict[str, Any]], PageWalk]:
    state = PageWalk(page_size=asked, max_pages=1_000, target=TARGET, identity=record_identity)
    out: list[dict[str, Any]] = []
    while state.next_page is not None:
        out.extend(state.accept(parse_page(server.serve(state.next_page, asked), target=TARGET)))
    return out, state
