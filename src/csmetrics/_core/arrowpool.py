"""The Arrow memory pool that reading uses.

pyarrow's default pool (mimalloc in its wheels) hands freed pages back to the system at
once; reading a file allocates and frees many short-lived buffers, so the same memory is
faulted in again and again. On a 1M-customer CSV file (219 MiB) jemalloc, where pyarrow has
it, read 15% faster with a lower peak, and the system allocator (elsewhere) faster still with
a higher peak (docs/performance.md). A pool the user chose (``pa.set_memory_pool`` or
``ARROW_DEFAULT_MEMORY_POOL``) is kept: only the wheels' default is replaced, and only while
csmetrics reads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_LOCK = threading.Lock()
_DEPTH = [0]
_SAVED: list[object] = []


@contextmanager
def reading_pool() -> Iterator[None]:
    """Make jemalloc (or the system allocator) pyarrow's default pool for the duration,
    unless the default is not pyarrow's own mimalloc; re-entrant and thread-safe (the first
    to enter swaps the pool, the last to leave puts it back).

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
        swap = _DEPTH[0] > 0
        if not swap and pa.default_memory_pool().backend_name == "mimalloc":
            _SAVED.append(pa.default_memory_pool())
            try:
                pa.set_memory_pool(pa.jemalloc_memory_pool())
            except NotImplementedError:  # (a pyarrow built without jemalloc)
                pa.set_memory_pool(pa.system_memory_pool())
            swap = True
        if swap:
            _DEPTH[0] += 1
    try:
        yield
    finally:
        if swap:
            with _LOCK:
                _DEPTH[0] -= 1
                if _DEPTH[0] == 0:
                    pa.set_memory_pool(_SAVED.pop())
