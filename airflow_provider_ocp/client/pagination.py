"""Walking OCP's 1-based pages, generic over any paginated endpoint.

The walk is a small state machine fed one page at a time, so the synchronous hook and the asynchronous trigger drive
the same logic. It copes with OCP's quirks: ``totalPages`` or ``totalPage`` or neither, ``size`` silently clamped,
a wrong ``totalPages``, and records that shift between pages while we walk. What it cannot make whole it refuses:
a walk ends well only when the records it returned account for the ``totalElements`` OCP announced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from airflow_provider_ocp.client.errors import OCPAPIError
from airflow_provider_ocp.client.page import Identity, Page, PageResult, parse_page, whole_record_identity
from airflow_provider_ocp.client.response import Envelope
from airflow_provider_ocp.client.timestamps import parse_server_time

MAX_PASSES = 3


@dataclass
class PageWalk:
    """Decides which page to ask for next and which records are new.

    Every record present for the whole walk is returned exactly once, or the walk raises :class:`OCPAPIError`. It
    ends well only when its last pass saw one ``totalElements`` throughout and the distinct records returned number
    at least that many (more is fine: tasks created meanwhile, or one task seen in two states), or, when OCP sends no
    ``totalElements`` at all, when a pass read up to an empty page. Otherwise (the total moved during the pass, so
    records may have shifted past the walk; or fewer records came than announced: an empty or short page in the
    middle, a server that ignores ``page`` and reorders, ordering ties between pages) another pass reads from page 1
    and returns only records not yet seen, up to ``MAX_PASSES`` passes; then the walk fails, saying how many records
    were announced and how many came.

    Bound on records: a page may hold at most ``page_size`` records (OCP may lower the size asked, never raise it; a
    larger page is an error) and a walk makes at most ``max_pages`` requests over all its passes (1,000 by default),
    so one walk returns at most ``max_pages * page_size`` records (1,000 * 2,000 with the connection's defaults). Its
    state is one set holding the key (:func:`~airflow_provider_ocp.client.page.record_key`) of every record returned,
    within that bound (about 200 bytes a record with the set's own slots: 20 MB at 100,000 records, 400 MB at the two
    million that bound allows): OCP reports a few log backup tasks per tenant a day, so a walk is usually one page.

    OCP pages by offset over a live, newest-first list, so a task created while we page pushes every later record one
    slot down (the last record of page N shows up again as the first of page N+1), and a removed task pulls them up
    (a record is skipped; only another pass finds it). The set makes both exact: a record seen before, on any page of
    any pass, is not returned again. The identity (``identity``) tells records apart: a field that changes while a
    task runs makes one task seen twice count as two records.

    :param page_size: the size requested, hence the most records a page may hold.
    :param max_pages: the most requests one walk may make before failing, all passes together.
    :param target: the request path, for errors.
    :param identity: the key telling records apart (:data:`~airflow_provider_ocp.client.page.Identity`).
    """

    page_size: int
    max_pages: int
    target: str = ""
    identity: Identity = whole_record_identity
    next_page: int | None = 1
    requests_made: int = 0
    total_elements: int | None = None
    total_pages: int | None = None
    passes: int = 1
    _seen: set[bytes] = field(default_factory=set)
    _pass_records: int = 0
    _pass_baseline: int | None = None
    _drift: bool = False
    _previous_keys: list[bytes] = field(default_factory=list)

    def take(self, envelope: Envelope) -> PageResult:
        """Take the envelope of page ``next_page`` and return its new records with the walk's progress.

        :param envelope: the response to the request for ``next_page``.
        """
        number = self.next_page
        fresh = self.accept(parse_page(envelope.data, target=self.target, number=number))
        return PageResult(
            fresh,
            number or 0,
            self.records_returned,
            self.total_elements,
            self.total_pages,
            parse_server_time(envelope.timestamp),
        )

    def accept(self, page: Page) -> list[dict[str, Any]]:
        """Take the page just fetched (number ``next_page``) and return its records not seen before.

        :param page: the parsed page.
        """
        requested = self.next_page
        if requested is None:
            raise RuntimeError("the walk is finished")
        self.requests_made += 1
        if len(page.records) > self.page_size:
            raise OCPAPIError(
                f"OCP's page {requested} holds {len(page.records)} records, more than the {self.page_size} asked for "
                "('size'): OCP may lower a page size, never raise it. Refusing the page, which keeps a walk within "
                "max_pages * size records; the server at this URL is not answering as OCP does.",
                path=self.target,
            )
        if page.number is not None and page.number != requested and page.records:
            raise OCPAPIError(
                f"OCP ignored the page parameter: asked for page {requested}, got page {page.number}. "
                "Stopping rather than reading the same page forever.",
                path=self.target,
            )
        keys = list(map(self.identity, page.records))
        # The same records again mean an ignored ``page``, unless the total moved: then tasks created meanwhile
        # pushed the previous page's records down by exactly one page (drift, handled by another pass).
        moved = page.total_elements is not None and page.total_elements != self.total_elements
        if requested > 1 and keys and keys == self._previous_keys and not moved:
            raise OCPAPIError(
                f"OCP returned the same records for page {requested} as for page {requested - 1}: "
                "it seems to ignore the page parameter.",
                path=self.target,
            )
        self._previous_keys = keys
        self._note_totals(page)
        fresh: list[dict[str, Any]] = []
        for key, record in zip(keys, page.records, strict=True):
            if key not in self._seen:
                self._seen.add(key)
                fresh.append(record)
        self._pass_records += len(page.records)
        self.next_page = self._decide_next(requested, page)
        if self.next_page is not None and self.requests_made >= self.max_pages:
            raise OCPAPIError(
                f"Stopped after {self.requests_made} pages (max_pages). Narrow the time window or raise "
                "'max_pages' in the connection extra.",
                path=self.target,
            )
        return fresh

    @property
    def records_returned(self) -> int:
        """How many distinct records the walk has returned so far."""
        return len(self._seen)

    def _note_totals(self, page: Page) -> None:
        if page.total_elements is not None:
            if self._pass_baseline is None:
                self._pass_baseline = page.total_elements
            elif page.total_elements != self._pass_baseline:
                self._drift = True
            self.total_elements = page.total_elements
        used_size = page.size or self.page_size
        if page.total_pages is not None:
            self.total_pages = page.total_pages
        elif page.total_elements is not None:
            self.total_pages = -(-page.total_elements // used_size)  # in integers: exact for any count OCP sends

    def _decide_next(self, requested: int, page: Page) -> int | None:
        if page.records and not self._pass_complete(requested):
            return requested + 1
        if not self._drift and (self.total_elements is None or self.records_returned >= self.total_elements):
            return None  # the pass saw a stable total, and the records account for it
        if self.passes >= MAX_PASSES:
            raise self._incomplete()
        self.passes += 1  # records may have been skipped: read again from page 1, returning only records not yet seen
        self._drift = False
        self._pass_baseline = None
        self._pass_records = 0
        self._previous_keys = []
        return 1

    def _pass_complete(self, requested: int) -> bool:
        if self.total_elements is None:
            return False  # no count to check the records against: read until an empty page
        pages_done = self.total_pages is None or requested >= self.total_pages
        return pages_done and self._pass_records >= self.total_elements

    def _incomplete(self) -> OCPAPIError:
        """The error for a walk whose last pass still could not account for every record OCP announced."""
        came = (
            f"{self.records_returned} distinct record(s) came in {self.passes} passes ({self.requests_made} page "
            "requests)"
        )
        if self._drift:
            return OCPAPIError(
                f"OCP's page.totalElements kept changing while the pages were read (from {self._pass_baseline} to "
                f"{self.total_elements} during the last of {MAX_PASSES} passes): tasks were created or removed "
                f"meanwhile, so a record may have shifted past the walk; {came}. Failing rather than returning a "
                "possibly incomplete result: retry later, or narrow the time window.",
                path=self.target,
                retryable=True,
            )
        return OCPAPIError(
            f"OCP announced {self.total_elements} record(s) (page.totalElements) but only {came}: OCP skipped records "
            "between pages (an empty or short page in the middle, a server that ignores 'page', or an order with "
            "ties). Failing rather than returning an incomplete result: retry the task; if it persists, report it "
            "with OCP's version.",
            path=self.target,
            retryable=True,
        )
