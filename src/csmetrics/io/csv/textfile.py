"""The standard library's reading of a CSV file: the reference reading, and the one that
explains a refused file (the line of a ragged row, the byte that is not text, a header
separated by semicolons)."""

from __future__ import annotations

import codecs
import csv
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from csmetrics._core.progress import progress_enabled
from csmetrics.io.csv.errors import CSVFileError, CSVFileNotFoundError, CSVFormatError
from csmetrics.io.csv.fast import Source


def read_python(source: Source, *, encoding: str, progress: bool | None,
                keep: frozenset[str] = frozenset()
                ) -> tuple[dict[str, list[str | None]], list[int]]:
    """Columns, and the file line of each data row (blank lines are skipped), read with the
    ``csv`` module: the reference reading, and the one that explains a refused file."""
    name = source.name
    path = source.path
    handle: Any
    try:
        handle = source.text(encoding)
    except FileNotFoundError as exc:
        raise CSVFileNotFoundError(exc.errno, "no such file", name) from None
    except OSError as exc:
        raise CSVFileError(exc.errno, exc.strerror or str(exc), name) from None
    show = progress_enabled(progress)
    reader: Any = None
    try:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise CSVFormatError(f"{name}: the file is empty (no header line).") from None
        except csv.Error as exc:
            raise CSVFormatError(f"{name}: line 1: not valid CSV ({exc}).") from None
        header = [h.strip() for h in header]
        repeated = sorted({h for h in header if header.count(h) > 1})
        if repeated:
            raise CSVFormatError(
                f"{name}: the header repeats column {', '.join(map(repr, repeated))}; "
                "every column needs its own name.")
        _check_delimiter(header, name)
        kept = {j for j, h in enumerate(header) if h in keep}
        columns: list[list[str | None]] = [[] for _ in header]
        lines: list[int] = []
        for line_no, row in _rows(reader, name):
            if len(row) > len(header):
                raise CSVFormatError(
                    f"{name}: line {line_no} has {len(row)} cells but the header has "
                    f"{len(header)}.")
            if not any(cell.strip() for cell in row):
                continue  # a blank line is not a row
            for j in range(len(header)):
                cell = row[j] if j < len(row) else ""
                columns[j].append((cell if j in kept else cell.strip()) or None)
            lines.append(line_no)
            if show and line_no % 100_000 == 0:
                print(f"\r{name}: {line_no - 1:,} rows read", end="", file=sys.stderr)
        if show:
            print(f"\r{name}: {len(columns[0]) if columns else 0:,} rows read", file=sys.stderr)
    except UnicodeDecodeError as exc:
        line = (reader.line_num if reader is not None else 0) + 1
        raise CSVFormatError(_not_text(path, name, encoding, exc, line)) from None
    except UnicodeError as exc:  # no byte to name: "UTF-16 stream does not start with BOM"
        raise CSVFormatError(f"{name}: not {encoding} text ({exc}); save it as UTF-8, or read "
                             "it with its encoding (such as encoding='utf-16-le')") from None
    except OSError as exc:  # a directory opens on some systems and fails on reading
        raise CSVFileError(exc.errno, exc.strerror or str(exc), name) from None
    finally:
        handle.close()
    return dict(zip(header, columns, strict=True)), lines


def _check_delimiter(header: list[str], name: str) -> None:
    """A header read as one column that holds semicolons or tabs: the file is not
    comma-separated. A header holding NUL characters: the file is not text in its encoding
    (UTF-16 without a byte-order mark reads so)."""
    if any("\x00" in h for h in header):
        raise CSVFormatError(
            f"{name}: line 1 holds NUL characters: the file is not text in this encoding (UTF-16 "
            "without a byte-order mark reads so); save it as UTF-8, or read it with its "
            "encoding (such as encoding='utf-16-le').")
    if len(header) == 1:
        for sep, what in ((";", "semicolons"), ("\t", "tabs")):
            if header[0].count(sep) >= 1:
                raise CSVFormatError(
                    f"{name}: line 1 is one column holding {what} ({header[0][:60]!r}): the file "
                    "seems separated by them; csmetrics reads comma-separated files (save it "
                    "as CSV with commas).")


def _not_text(path: str | Path | bytes, name: str, encoding: str, exc: UnicodeDecodeError,
              line: int) -> str:
    """Why a file is not text in ``encoding``, with the line of the first bad byte (read
    again as bytes, on this error path only)."""
    hint = "save it as UTF-8, or read it with its encoding (such as encoding='latin-1')"
    where = f"line {line} or later"
    if name != "-":
        try:
            with open(path, "rb") as raw:
                data = raw.read()
        except OSError:
            data = b""
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            hint = ("it is UTF-16 (it starts with a UTF-16 byte-order mark): save it as UTF-8, "
                    "or read it with encoding='utf-16'")
        elif b"\x00" in data[:4096]:
            hint = "it does not look like a text file"
        try:
            data.decode(encoding)
        except UnicodeDecodeError as again:
            newlines = data.count(b"\n", 0, again.start)
            where = f"line {newlines + 1:,}"
        except LookupError:
            pass
    return (f"{name}: {where}: not {encoding} text (byte {exc.object[exc.start:exc.start + 1]!r}"
            f" cannot be decoded); {hint}.")


def _rows(reader: Any, name: str) -> Iterable[tuple[int, list[str]]]:
    """Rows with their file line numbers; a malformed file is a clear error."""
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:
        raise CSVFormatError(f"{name}: line {reader.line_num}: not valid CSV ({exc}).") from None
