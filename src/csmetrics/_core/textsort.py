"""Sorting short Arrow text by code point with integer sorts, and reading it as numpy text.

Ids are kept as codes into their *sorted* distinct values, so that results do not depend on
row order; sorting a million distinct strings is the largest cost of reading a file of
ids. Most ids share a prefix and are short after it (``cus_000123``, ``sub_0042``, order
numbers): the bytes after the common prefix, padded with zero bytes, read as one or two
big-endian unsigned integers sort exactly as the text does. UTF-8 byte order is code point
order, which is Python's (and numpy's) order of ``str``, and zero padding keeps a prefix
before its extensions as long as no value holds a NUL byte. Anything else (longer values,
NUL bytes) returns ``None`` and the caller sorts with pyarrow.

pyarrow is not imported here: the functions read an array's buffers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

_MAX_REST = 16
"""The longest text after the common prefix sorted as integers (two 64-bit words)."""


def _bytes(values: Any) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.uint8]]:
    """Start and end byte of each value and the data buffer of a ``string`` or
    ``large_string`` Array without nulls."""
    _, offsets_buf, data_buf = values.buffers()
    width = np.int64 if str(values.type) == "large_string" else np.int32
    n = len(values)
    offsets = np.frombuffer(offsets_buf, dtype=width)[values.offset:values.offset + n + 1]
    data = (np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None
            else np.zeros(0, dtype=np.uint8))
    offsets = offsets.astype(np.int64)
    return offsets[:-1], offsets[1:], data


def _matrix(data: NDArray[np.uint8], begin: NDArray[np.int64], lengths: NDArray[np.int64],
            skip: int, width: int) -> NDArray[np.uint8]:
    """Bytes ``skip`` to ``skip + width`` of every value as the rows of a matrix (zero past
    a value's end): a view of the buffer when every value has one length."""
    n = begin.size
    if bool((lengths == lengths[0]).all()) and int(lengths[0]) >= skip + width and bool(
            (np.diff(begin) == lengths[0]).all()):
        first = int(begin[0])
        rows = data[first:first + n * int(lengths[0])].reshape(n, int(lengths[0]))
        return rows[:, skip:skip + width]
    out = np.zeros((n, width), dtype=np.uint8)
    if data.size == 0:  # every value is empty
        return out
    last = data.size - 1
    for j in range(width):
        inside = lengths > skip + j
        out[:, j] = np.where(inside, data[np.minimum(begin + (skip + j), last)], 0)
    return out


def _keys(begin: NDArray[np.int64], lengths: NDArray[np.int64], data: NDArray[np.uint8]
          ) -> list[NDArray[np.uint64]] | None:
    """One or two integer words per value that order the values as their text (none when
    all values are equal); ``None`` when the values are too long after their common prefix
    or hold a NUL byte."""
    n = begin.size
    if n > 1 and bool((data[int(begin[0]):int(begin[-1] + lengths[-1])] == 0).any()):
        return None
    shortest = int(lengths.min())
    prefix = 0
    while prefix < shortest and bool((data[begin + prefix] == data[begin[0] + prefix]).all()):
        prefix += 1
    rest = int(lengths.max()) - prefix
    if rest > _MAX_REST:
        return None
    padded = np.zeros((n, 8 * ((rest + 7) // 8)), dtype=np.uint8)
    padded[:, :rest] = _matrix(data, begin, lengths, prefix, rest)
    return [w.astype(np.uint64) for w in padded.view(">u8").T]  # (big-endian: text order)


def _order(words: list[NDArray[np.uint64]], n: int) -> NDArray[np.int64]:
    if not words:
        return np.arange(n, dtype=np.int64)
    if len(words) == 1:
        return np.argsort(words[0]).astype(np.int64, copy=False)
    return np.lexsort((words[1], words[0])).astype(np.int64, copy=False)


def text_order(values: Any) -> NDArray[np.int64] | None:
    """Positions that sort a text Array without nulls by code point (ties in any order),
    from integer sorts of its bytes; ``None`` when the values are too long after their
    common prefix or hold a NUL byte.

    Examples
    --------
    >>> import pyarrow as pa
    >>> text_order(pa.array(["cus_10", "cus_2", "cus_1", "cus_"])).tolist()
    [3, 2, 0, 1]
    >>> text_order(pa.array(["a" * 40, "b"])) is None
    True
    """
    n = len(values)
    if n == 0 or values.null_count:
        return None
    begin, end, data = _bytes(values)
    words = _keys(begin, end - begin, data)
    return None if words is None else _order(words, n)


def sorted_codes(values: Any) -> tuple[NDArray[np.int64], NDArray[np.int64]] | None:
    """Codes of a text Array into its sorted distinct values (-1 where null), and the
    position of one value of each code, from integer sorts of its bytes (no hashing);
    ``None`` as for ``text_order``, or when nothing is present.

    Examples
    --------
    >>> import pyarrow as pa
    >>> codes, where = sorted_codes(pa.array(["b", None, "a", "b"]))
    >>> codes.tolist(), where.tolist()
    ([1, -1, 0, 1], [2, 0])
    """
    n = len(values)
    if n == 0 or values.null_count == n:
        return None
    begin, end, data = _bytes(values)
    present = None
    if values.null_count:
        validity = np.frombuffer(values.buffers()[0], dtype=np.uint8)
        present = np.flatnonzero(np.unpackbits(validity, bitorder="little")[
            values.offset:values.offset + n])
        begin, end = begin[present], end[present]
    words = _keys(begin, end - begin, data)
    if words is None:
        return None
    order = _order(words, begin.size)
    same = np.ones(max(begin.size - 1, 0), dtype=bool)  # (a value equal to the one before)
    for word in words:
        ranked = word[order]
        same &= ranked[1:] == ranked[:-1]
    first = np.concatenate([[True], ~same])
    inner = np.empty(begin.size, dtype=np.int64)
    inner[order] = np.cumsum(first) - 1
    where = order[first]
    if present is None:
        return inner, where
    codes = np.full(n, -1, dtype=np.int64)
    codes[present] = inner
    return codes, present[where]


def ascii_text(values: Any, positions: NDArray[np.int64] | None = None
               ) -> NDArray[np.str_] | None:
    """A text Array without nulls (or its values at ``positions``) as fixed-width numpy
    text, read from its bytes when every byte is ASCII (``None`` otherwise, or when a value
    holds a NUL byte).

    Examples
    --------
    >>> import pyarrow as pa
    >>> ascii_text(pa.array(["b", "abc", ""])).tolist()
    ['b', 'abc', '']
    >>> ascii_text(pa.array(["b", "abc", ""]), np.array([1, 0])).tolist()
    ['abc', 'b']
    >>> ascii_text(pa.array(["é"])) is None
    True
    """
    n = len(values)
    if n == 0 or values.null_count:
        return None
    begin, end, data = _bytes(values)
    used = data[int(begin[0]):int(end[-1])]
    if used.size and bool(((used >= 0x80) | (used == 0)).any()):
        return None
    if positions is not None:
        begin, end, n = begin[positions], end[positions], int(positions.size)
        if n == 0:
            return np.zeros(0, dtype="U1")
    lengths = end - begin
    width = max(1, int(lengths.max()))
    if width > 64:
        return None
    # numpy text is one 32-bit code point per character, padded with zeros: an ASCII byte
    # is its own code point, so the bytes widened are the text.
    matrix = _matrix(data, begin, lengths, 0, width).astype(np.uint32)
    text: NDArray[np.str_] = matrix.view(f"U{width}").reshape(n)
    return text
