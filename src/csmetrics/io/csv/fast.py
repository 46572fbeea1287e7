"""The fast reading of a CSV file: pyarrow.csv parses it (multi-threaded, in blocks) into
text columns, stripped as the ``csv`` module's reading strips them.

``read_arrow`` gives up (returns ``None``) on anything it would not read exactly as the
``csv`` module does: the caller then reads the file with the ``csv`` module, which also
explains what is wrong with it (a ragged line, text not in its encoding, a refused header).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from csmetrics._core.progress import Progress, progress_bar, progress_enabled

Recount = Callable[["Source", str], Sequence[int]]
"""Reads the file's lines of rows again, with the ``csv`` module (for ``_Lines``)."""


_WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
"""What ``str.strip()`` strips (every such character is below U+3001)."""


class Source:
    """A CSV file to read: its path, or the bytes of standard input (read once, whole).

    """

    def __init__(self, name: str, path: str | Path | bytes, data: bytes | None) -> None:
        self.name, self.path, self.data = name, path, data

    @classmethod
    def open(cls, path: str | Path | bytes, name: str) -> Source:
        """The file at ``path`` (``"-"``: standard input, read now); an ``OSError`` (such as
        ``FileNotFoundError``) when it cannot be read."""
        if name == "-":
            stream = getattr(sys.stdin, "buffer", None)
            data = stream.read() if stream is not None else sys.stdin.read().encode("utf-8")
            return cls(name, path, data)
        with open(path, "rb") as handle:
            handle.read(1)  # a directory opens on some systems and fails on reading
        return cls(name, path, None)

    def size(self) -> int:
        return len(self.data) if self.data is not None else os.path.getsize(self.path)

    def read_bytes(self) -> bytes:
        if self.data is not None:
            return self.data
        with open(self.path, "rb") as handle:
            return handle.read()

    def text(self, encoding: str) -> Any:
        """A text handle, as the ``csv`` module reads it."""
        if self.data is not None:
            return io.TextIOWrapper(io.BytesIO(self.data), encoding=encoding, newline="")
        return open(self.path, newline="", encoding=encoding)


def read_arrow(source: Source, encoding: str, progress: bool | None, recount: Recount,
               keep: frozenset[str] = frozenset()) -> tuple[dict[str, Any], Sequence[int]] | None:
    """The file's columns (pyarrow text arrays, stripped, empty cells missing, blank lines
    left out) and the file line of each row (found by ``recount`` when first asked, unless
    every row is one line); ``None`` when the ``csv`` module must read the file (to raise
    its error, or for an unusual file). The columns named in ``keep`` (ids) keep their
    cells as written, spaces included, so that nothing merges two ids silently."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    codec = codecs.lookup(encoding).name
    data: bytes | None = source.data
    if codec not in ("utf-8", "utf-8-sig"):
        # Other encodings are decoded by Python, exactly, then parsed as UTF-8.
        try:
            data = source.read_bytes().decode(encoding).encode("utf-8")
        except (UnicodeError, LookupError):
            return None
    elif codec == "utf-8":
        head = data[:3] if data is not None else _head(source)
        if head.startswith(codecs.BOM_UTF8):  # kept in the first name by plain utf-8
            return None
    n_bytes = len(data) if data is not None else source.size()
    width = _header_width(data[:1 << 20] if data is not None else _head(source, 1 << 20))
    if n_bytes == 0 or width is None:
        return None
    refused: list[bool] = []
    blank_lines: list[bool] = []

    def ragged(row: Any) -> str:
        if not (row.text or "").strip(_WHITESPACE):
            blank_lines.append(True)
            return "skip"  # a line of spaces only is blank
        refused.append(True)
        return "error"

    with progress_bar(n_bytes, desc=source.name, unit="B", unit_scale=True,
                      enabled=progress) as bar:
        handle: Any = io.BytesIO(data) if data is not None else None
        if handle is None and progress_enabled(progress):
            handle = open(source.path, "rb")  # noqa: SIM115
        stream: Any = _Counting(handle, bar) if handle is not None else str(source.path)
        try:
            table = pcsv.read_csv(
                stream,
                read_options=pcsv.ReadOptions(block_size=1 << 22,
                                              autogenerate_column_names=True),
                # (Tracking quotes across blocks costs pyarrow about 0.1 s per 200 MB; a
                # scan to prove a file needs none costs more.)
                parse_options=pcsv.ParseOptions(newlines_in_values=True,
                                                invalid_row_handler=ragged),
                convert_options=pcsv.ConvertOptions(
                    # Empty cells (quoted or not) are missing, as the csv module's are.
                    strings_can_be_null=True, quoted_strings_can_be_null=True,
                    null_values=[""], auto_dict_encode=False,
                    column_types={f"f{i}": pa.string() for i in range(width)}))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            return None  # ragged, not UTF-8, empty ...: the csv module says what is wrong
        finally:
            if handle is not None:
                handle.close()
    if refused or table.num_columns != width or table.num_rows == 0:
        return None
    # The header is the first row read (as text, like every row).
    header = [(c[0].as_py() or "").strip() for c in table.columns]
    table = table.slice(1)
    if not header or len(set(header)) != len(header) or any("\x00" in h for h in header) or (
            len(header) == 1 and (";" in header[0] or "\t" in header[0])):
        return None  # refused by the csv module's path, with its message
    stripped = [_stripped(c) for c in table.columns]
    columns = [c if h in keep else t for h, c, t in zip(header, table.columns, stripped,
                                                         strict=True)]
    dropped = 0
    if stripped and table.num_rows and all(c.null_count for c in stripped):
        blank = pc.is_null(stripped[0])   # a line of blank cells (spaces included)
        for column in stripped[1:]:
            blank = pc.and_(blank, pc.is_null(column))
        dropped = int(pc.sum(blank.cast(pa.int64())).as_py() or 0)
        if dropped:  # lines of empty cells only: not rows
            keep = pc.invert(blank)
            columns = [pc.filter(c, keep) for c in columns]
    n_rows = table.num_rows - dropped
    out = dict(zip(header, columns, strict=True))
    # Lines are counted from the bytes only in UTF-8 (in UTF-16 a 0x0A byte is not a newline).
    irregular = dropped > 0 or bool(blank_lines) or codec not in ("utf-8", "utf-8-sig")
    return out, _Lines(source, encoding, n_rows, irregular, recount)


def _stripped(column: Any) -> Any:
    """Cells stripped of what ``str.strip()`` strips; those left empty are missing."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not any(_may_need_strip(chunk) for chunk in column.chunks):
        return column
    trimmed = pc.utf8_trim(column, _WHITESPACE)
    before = pc.sum(pc.binary_length(column)).as_py() or 0
    if (pc.sum(pc.binary_length(trimmed)).as_py() or 0) == before:
        return column  # nothing to strip
    # (a length cast to bool: comparing with a Python 0 makes pyarrow import pandas)
    empty = pc.invert(pc.cast(pc.binary_length(trimmed), pa.bool_()))
    return pc.if_else(empty, pa.nulls(1, pa.string())[0], trimmed)


_EDGE = np.zeros(256, dtype=bool)
_EDGE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True  # ASCII whitespace of str.strip()
_EDGE[0x80:] = True  # a byte of a longer character: it may be Unicode whitespace


def _may_need_strip(chunk: Any) -> bool:
    """Whether some cell of a text chunk starts or ends with a byte that may be whitespace
    (found from the chunk's buffers with numpy, without copying its text)."""
    if len(chunk) == 0:
        return False
    _, offsets_buf, data_buf = chunk.buffers()
    if data_buf is None:
        return False
    offsets = np.frombuffer(offsets_buf, dtype=np.int32)[chunk.offset:chunk.offset + len(chunk)
                                                         + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8)
    if data.size == 0:
        return False
    # Most columns (ids, numbers, dates, codes) hold no space, control or non-ASCII byte at
    # all: two vectorized passes over the text settle them without looking at cells.
    used = data[int(offsets[0]):int(offsets[-1])]
    if not (bool((used <= 32).any()) or bool((used >= 0x80).any())):
        return False
    # The first and last byte of every cell; an empty cell reads a neighbour's byte instead,
    # which at worst sends a clean column to the exact trim (no mask, no copies).
    first = data[np.minimum(offsets[:-1], data.size - 1)]
    last = data[np.maximum(offsets[1:] - 1, 0)]
    return bool(_EDGE[first].any() or _EDGE[last].any())


def _head(source: Source, n: int = 3) -> bytes:
    with open(source.path, "rb") as handle:
        return handle.read(n)


def _header_width(head: bytes) -> int | None:
    """The cells of the header as the ``csv`` module reads the file's first bytes; ``None``
    when they are not UTF-8 text starting with a header."""
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not a character cut at the end of the sample
            return None
        text = head[:exc.start].decode("utf-8-sig")
    try:
        first = next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error:
        return None
    return len(first) or None


class _Counting(io.RawIOBase):
    """A binary file that advances a progress bar by the bytes read from it."""

    def __init__(self, handle: Any, bar: Progress) -> None:
        super().__init__()
        self._handle, self._bar = handle, bar

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = int(self._handle.readinto(buffer))
        self._bar.update(n)
        return n

    def read(self, size: int = -1) -> bytes:
        chunk = bytes(self._handle.read(size))
        self._bar.update(len(chunk))
        return chunk


class _Lines(Sequence[int]):
    """The file line of each data row, found when first asked (on an error path only).

    When the file has as many lines as rows plus the header (no blank line, no cell over
    several lines), row ``i`` is on line ``i + 2``; otherwise the ``csv`` module counts them.
    """

    def __init__(self, source: Source, encoding: str, n_rows: int, irregular: bool,
                 recount: Recount) -> None:
        self._source, self._encoding, self._n = source, encoding, n_rows
        self._recount = recount
        self._irregular = irregular
        self._lines: np.ndarray[Any, np.dtype[np.int64]] | None = None

    def _all(self) -> np.ndarray[Any, np.dtype[np.int64]]:
        if self._lines is None:
            data = self._source.read_bytes()
            n_lines = data.count(b"\n") + (not data.endswith(b"\n"))
            if not self._irregular and b"\r" not in data and n_lines == self._n + 1:
                self._lines = np.arange(2, self._n + 2, dtype=np.int64)
            else:
                lines = self._recount(self._source, self._encoding)
                self._lines = np.asarray(lines, dtype=np.int64)
        return self._lines

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index: Any) -> Any:
        found = self._all()[index]
        return int(found) if np.ndim(found) == 0 else found.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray[Any, Any]:
        return np.asarray(self._all(), dtype=dtype)


