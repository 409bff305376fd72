"""Bounded read-ahead of pages: once the first page tells how many pages exist, fetch the next few in parallel.

The page walk stays sequential (it still accepts pages strictly in order); this only overlaps the network waits,
which dominate against a distant OCP. With ``concurrency=1`` nothing runs in the background.

A walk ends at its first failure: any page's final error (after its own retries) sets ``stop``, which wakes every
sibling sleeping before a retry and keeps it from sending anything more, and that error reaches the walk at once,
even while it is still waiting for an earlier page.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")


class ReadAheadCancelled(Exception):
    """A page fetch stopped because the walk has already failed or ended; never reaches a caller of the walk."""


class PagePrefetcher(Generic[T]):
    """Hands out page results in the order asked, keeping up to ``concurrency`` pages in flight.

    :param fetch: fetches one page by its 1-based number (with its own retries, which must honour ``stop``).
    :param concurrency: pages in flight at most; 1 means strictly sequential.
    :param stop: set when the walk fails or ends; ``fetch`` checks it before each attempt and while it sleeps.
    """

    def __init__(self, fetch: Callable[[int], T], concurrency: int = 1, stop: threading.Event | None = None) -> None:
        self._fetch = fetch
        self._concurrency = max(1, concurrency)
        self.stop = stop if stop is not None else threading.Event()
        self._pool: ThreadPoolExecutor | None = None
        self._inflight: dict[int, Future[T]] = {}
        self._last_asked = 0
        self._failure: BaseException | None = None
        self._settled = threading.Event()  # set whenever a background fetch ends, well or not

    def __enter__(self) -> PagePrefetcher[T]:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop.set()  # siblings still sleeping before a retry wake up and send nothing more
        self._discard()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)  # never wait on a sibling's retries

    def get(self, number: int, last_page: int | None) -> T:
        """Return page ``number``, first scheduling the pages after it up to ``last_page``.

        :param number: the page the walk asks for.
        :param last_page: the last page the server announced, if known; nothing beyond it is fetched ahead.
        """
        if number <= self._last_asked:  # a new pass started: anything read ahead may predate the drift
            self._discard()
        self._last_asked = number
        if self._concurrency == 1 or last_page is None or number >= last_page:
            future = self._inflight.pop(number, None)
            return self._result(future) if future is not None else self._fetch(number)
        pool = self._pool or ThreadPoolExecutor(self._concurrency, thread_name_prefix="ocp-page")
        self._pool = pool
        for ahead in range(number, min(last_page, number + self._concurrency - 1) + 1):
            if ahead not in self._inflight:
                future = pool.submit(self._guarded, ahead)
                future.add_done_callback(lambda _: self._settled.set())  # runs once the future is done
                self._inflight[ahead] = future
        return self._result(self._inflight.pop(number))

    def _guarded(self, number: int) -> T:
        try:
            return self._fetch(number)
        except ReadAheadCancelled:
            raise
        except BaseException as error:  # final for this page after its retries, so final for the walk
            if self._failure is None:
                self._failure = error
            self.stop.set()
            raise

    def _result(self, future: Future[T]) -> T:
        # Wait for this page, but give up at once when any page fails: its error is the walk's.
        while not future.done():
            self._settled.clear()
            if self._failure is not None:
                raise self._failure
            if not future.done():
                self._settled.wait()
        try:
            return future.result()
        except ReadAheadCancelled:
            if self._failure is not None:
                raise self._failure from None
            raise

    def _discard(self) -> None:
        for future in self._inflight.values():
            future.cancel()
        self._inflight.clear()
