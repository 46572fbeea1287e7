"""Threads for work split by customer: how many, and one pool to run the parts on.

numpy releases the GIL in sorts, ufuncs, cumulative sums and gathers, so parts of the
customers computed in threads use every core. Results never depend on the number of threads:
parts are contiguous ranges of customer codes whose outputs, concatenated in order, or
summed, are the output of the whole.

``CSMETRICS_THREADS`` (an environment variable) sets the number of threads; the default is
the number of cores this process may run on. ``1`` computes everything in the calling
thread.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

T = TypeVar("T")
U = TypeVar("U")

MIN_ROWS_PER_THREAD = 250_000
"""Below this many rows a part is not worth a thread."""



def n_threads() -> int:
    """Threads to use: ``CSMETRICS_THREADS`` if set (at least 1), else the usable cores."""
    text = os.environ.get("CSMETRICS_THREADS", "").strip()
    if text.isdigit():
        return max(int(text), 1)
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def parts_for(n_rows: int) -> int:
    """How many parts ``n_rows`` rows are worth (1 when small or single-threaded)."""
    return max(1, min(n_threads(), n_rows // MIN_ROWS_PER_THREAD))


def split_codes(codes: NDArray[np.int64], n_codes: int, n_parts: int) -> NDArray[np.int64]:
    """Bounds ``b`` of ``n_parts`` contiguous ranges of codes ``[b[i], b[i+1])`` holding
    about as many rows each."""
    per_code = np.bincount(codes, minlength=n_codes)
    cumulative = np.cumsum(per_code)
    total = int(cumulative[-1]) if cumulative.size else 0
    inner = np.searchsorted(cumulative, np.arange(1, n_parts) * total / n_parts, side="left")
    return np.concatenate([[0], inner + 1, [n_codes]]).astype(np.int64)


def run_parts(fn: Callable[[T], U], parts: Iterable[T]) -> list[U]:
    """``fn`` of each part, in order; in threads when there are several."""
    return list(iter_parts(fn, parts))


def iter_parts(fn: Callable[[T], U], parts: Iterable[T]) -> Iterator[U]:
    """``fn`` of each part, yielded in order as they are done; in threads when there are
    several (and more than one thread), at most one part per thread ahead of the consumer,
    so that a large table's parts are not all held at once."""
    items = list(parts)
    if len(items) <= 1 or n_threads() == 1:
        yield from (fn(item) for item in items)
        return
    pool = _pool()
    ahead = max(n_threads(), 2)
    pending: deque[Future[U]] = deque()
    for item in items:
        pending.append(pool.submit(fn, item))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


class LazyPool:
    """A thread pool made at first use and made again in a forked child (whose copy of the
    pool's threads is gone); ``get()`` is thread-safe."""

    def __init__(self, workers: Callable[[], int], prefix: str) -> None:
        self._workers, self._prefix = workers, prefix
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._forget)

    def get(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self._workers(),
                                                thread_name_prefix=self._prefix)
            return self._pool

    def _forget(self) -> None:
        self._pool = None
        self._lock = threading.Lock()


_SHARED = LazyPool(lambda: max(n_threads(), 2), "csmetrics")


def _pool() -> ThreadPoolExecutor:
    return _SHARED.get()
