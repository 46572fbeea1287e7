"""Parts of a report started ahead on a second core while the report's thread goes on.

A large report spends most of its time in numpy, which releases the GIL on big arrays: the
renewals, the day's MRR and counts, the cohorts and the survival curve need nothing from
one another, so one worker computes them while the report's thread runs the bridge. The
report still reads every part in its order, where it computed it before, so its sections,
its progress and the exception it raises (the first in that order) are unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any, Generic, TypeVar

from csmetrics._core.threads import LazyPool, parts_for

T = TypeVar("T")



_REPORT = LazyPool(lambda: 1, "csmetrics-report")
"""One worker: with the report's thread, two cores (the bridge's own threads are in
``_core.threads``' pool, so neither waits on the other's workers)."""


def _pool() -> ThreadPoolExecutor:
    return _REPORT.get()


def worth_ahead(n_rows: int) -> bool:
    """Whether a table of ``n_rows`` rows is large enough for parts computed ahead (as for
    threads by customer: several cores, and at least two threads' worth of rows)."""
    return parts_for(n_rows) > 1


class Pending(Generic[T]):
    """A call started ahead (or not): ``get()`` returns its result or raises its exception.

    A call not yet started when it is read is taken back and run by the reader; one running
    in the worker is waited for, the reader meanwhile running the calls queued behind it
    (``helping``), whose outcomes are kept for their own ``get()``.
    """

    def __init__(self, call: Callable[[], T], future: Future[T] | None,
                 helping: Callable[[Future[Any]], None] = lambda future: None) -> None:
        self._call = call
        self._future = future
        self._helping = helping
        self._done = False
        self._value: T | None = None
        self._error: BaseException | None = None

    def take_back(self) -> bool:
        """Run the call here if the worker has not started it; whether it was taken."""
        future = self._future
        if self._done or future is None or not future.cancel():
            return False
        self._run()
        return True

    def _run(self) -> None:
        self._future = None
        try:
            self._value = self._call()
        except Exception as error:   # kept for get(): raised where the report reads it
            self._error = error
        self._done = True

    def get(self) -> T:
        """The call's result (computed here when not started ahead), or its exception."""
        if not self._done:
            future = self._future
            if future is None or future.cancel():
                self._run()
            else:
                self._helping(future)
                return future.result()
        if self._error is not None:
            raise self._error
        return self._value   # type: ignore[return-value]


class Ahead:
    """Calls started ahead in a worker when ``enabled``; else each runs when it is read.

    Use as a context manager inside the report's ``warnings.catch_warnings()``: on leaving,
    calls not started are dropped and a running one is waited for, so that no work (and no
    warning) outlives the report's filters.

    Examples
    --------
    >>> with Ahead(False) as ahead:
    ...     later = ahead.start(sum, [1, 2, 3])
    ...     later.get()
    6
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._futures: list[Future[Any]] = []
        self._queued: list[Pending[Any]] = []

    def start(self, fn: Callable[..., T], *args: Any) -> Pending[T]:
        """``fn(*args)``, started now in the worker when enabled, read with ``get()``."""

        def call() -> T:
            return fn(*args)

        if not self.enabled:
            return Pending(call, None)
        future = _pool().submit(call)
        self._futures.append(future)
        pending = Pending(call, future, self._help)
        self._queued.append(pending)
        return pending

    def _help(self, running: Future[Any]) -> None:
        """Until ``running`` is done, run here, in order, the calls the worker has not
        started (the reader would otherwise wait idle)."""
        for pending in self._queued:
            if running.done():
                return
            pending.take_back()

    def __enter__(self) -> Ahead:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        for future in self._futures:
            future.cancel()
        for future in self._futures:
            if not future.cancelled():
                future.exception()   # wait; an unread exception is one the report never reached
        self._futures.clear()
        self._queued.clear()
