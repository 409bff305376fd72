"""Bounded read-ahead of pages: once the first page tells how many pages exist, fetch the next few in parallel.

The page walk stays sequential (it still accepts pages strictly in order); this only overlaps the network waits,
which dominate against a distant OCP. With ``concurrency=1`` nothing runs in the background.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")


class PagePrefetcher(Generic[T]):
    """Hands out page results in the order asked, keeping up to ``concurrency`` pages in flight.

    :param fetch: fetches one page by its 1-based number (with its own retries).
    :param concurrency: pages in flight at most; 1 means strictly sequential.
    """

    def __init__(self, fetch: Callable[[int], T], concurrency: int = 1) -> None:
        self._fetch = fetch
        self._concurrency = max(1, concurrency)
        self._pool: ThreadPoolExecutor | None = None
        self._inflight: dict[int, Future[T]] = {}
        self._last_asked = 0

    def __enter__(self) -> PagePrefetcher[T]:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._discard()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

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
            return future.result() if future is not None else self._fetch(number)
        pool = self._pool or ThreadPoolExecutor(self._concurrency, thread_name_prefix="ocp-page")
        self._pool = pool
        for ahead in range(number, min(last_page, number + self._concurrency - 1) + 1):
            if ahead not in self._inflight:
                self._inflight[ahead] = pool.submit(self._fetch, ahead)
        return self._inflight.pop(number).result()

    def _discard(self) -> None:
        for future in self._inflight.values():
            future.cancel()
        self._inflight.clear()
