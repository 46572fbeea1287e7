"""The Arrow memory pool that reading uses.

pyarrow's default pool (mimalloc in its wheels) hands freed pages back to the system at
once; reading a file allocates and frees many short-lived buffers, so the same memory is
faulted in again and again. On a 1M-customer CSV file (219 MiB) jemalloc, where pyarrow has
it, read 15% faster with a lower peak, and the system allocator (elsewhere) faster still with
a higher peak (docs/performance.md). A pool the user chose (``pa.set_memory_pool`` or
``ARROW_DEFAULT_MEMORY_POOL``) is kept: only the wheels' default is replaced, and only while
csmetrics reads.

For the same reason numpy's transparent huge pages are off while csmetrics reads (unless
``NUMPY_MADVISE_HUGEPAGE`` says otherwise): a read makes and drops many short-lived arrays,
and the kernel fills each new huge page (2 MiB, often compacting memory first) on its first
touch, which cost a 1M-customer Parquet read more time than its arithmetic.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_LOCK = threading.Lock()
_DEPTH = [0]
_SAVED: list[object] = []
_HUGE: list[tuple[Any, bool]] = []


def _hugepage_switch() -> Any:
    """numpy's switch of huge pages for new arrays, or ``None`` where numpy has none or the
    user set it by ``NUMPY_MADVISE_HUGEPAGE``."""
    import os

    import numpy as np

    if "NUMPY_MADVISE_HUGEPAGE" in os.environ:
        return None
    core = getattr(np, "_core", None) or getattr(np, "core", None)
    return getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)


@contextmanager
def reading_pool() -> Iterator[None]:
    """Make jemalloc (or the system allocator) pyarrow's default pool for the duration,
    unless the default is not pyarrow's own mimalloc, and numpy's huge pages off; re-entrant
    and thread-safe (the first to enter makes the change, the last to leave undoes it).

    Examples
    --------
    >>> import pyarrow as pa
    >>> before = pa.default_memory_pool().backend_name
    >>> with reading_pool():
    ...     inside = pa.default_memory_pool().backend_name
    >>> pa.default_memory_pool().backend_name == before
    True
    """
    import pyarrow as pa

    with _LOCK:
        if _DEPTH[0] == 0:
            if pa.default_memory_pool().backend_name == "mimalloc":
                _SAVED.append(pa.default_memory_pool())
                try:
                    pa.set_memory_pool(pa.jemalloc_memory_pool())
                except NotImplementedError:  # (a pyarrow built without jemalloc)
                    pa.set_memory_pool(pa.system_memory_pool())
            switch = _hugepage_switch()
            if switch is not None:
                _HUGE.append((switch, bool(switch(False))))
        _DEPTH[0] += 1
    try:
        yield
    finally:
        with _LOCK:
            _DEPTH[0] -= 1
            if _DEPTH[0] == 0:
                if _SAVED:
                    pa.set_memory_pool(_SAVED.pop())
                if _HUGE:
                    switch, before = _HUGE.pop()
                    switch(before)
