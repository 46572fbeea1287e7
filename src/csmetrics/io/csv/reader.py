"""The one CSV reader: a file's columns as text, then a validated table, with errors that
name the file, the line, the column and the rule.

The file is read with the standard library's ``csv`` module (no pandas needed). Lines are
counted as a spreadsheet shows them (the header is line 1, blank lines are skipped but
counted), so an error or a skipped row points at the line to fix. Every table's adapter
(``read_subscriptions_csv`` and the others, in ``io.csv.adapters``) is this reader with the
table's fields.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from csmetrics._core.checks import ErrorMode
from csmetrics._core.options import ERRORS, Satisfies, validate_params
from csmetrics._core.progress import progress_enabled
from csmetrics.exceptions import (
    ColumnNotFoundError,
    CSMetricsError,
    DataValidationError,
    InvalidParameterError,
)
from csmetrics.io.csv.fast import Source, read_arrow
from csmetrics.results import SkippedRows
from csmetrics.tables.subscriptions import SubscriptionTable
from csmetrics.tables.surveys import SurveyTable
from csmetrics.tables.tickets import SupportTicketTable
from csmetrics.tables.usage import UsageTable

_T = TypeVar("_T", SubscriptionTable, SurveyTable, UsageTable, SupportTicketTable)


class CSVFormatError(CSMetricsError, ValueError):
    """A file is not a CSV table csmetrics can read (empty, malformed, repeated header, not
    text in its encoding)."""


class CSVFileError(CSMetricsError, OSError):
    """A file cannot be opened or read (a directory, no permission); also an ``OSError``,
    with its ``errno`` and ``filename``."""

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}."


class CSVFileNotFoundError(CSVFileError, FileNotFoundError):
    """There is no such file; also a ``FileNotFoundError``."""


class CSVDataError(DataValidationError):
    """A CSV file breaks a rule; ``path`` and ``lines`` (1-based, header = 1) say where."""

    def __init__(self, path: str, error: DataValidationError,
                 lines: Sequence[int] | None = None) -> None:
        self.path = path
        self.lines = tuple(lines[p] if lines is not None else p + 2 for p in error.positions)
        shown = ", ".join(f"{line:,}" for line in self.lines)
        where = "line" if len(self.lines) == 1 else "lines"
        super().__init__(
            column=error.column,
            rule=error.rule,
            count=error.count,
            positions=error.positions,
            n_rows=error.n_rows,
            context=f"{path}: {where} {shown}",
        )


def _is_encoding(value: Any) -> bool:
    try:
        info = codecs.lookup(value)
    except LookupError:
        return False
    return bool(getattr(info, "_is_text_encoding", True))  # not 'rot13' or 'base64'



def _is_date_format(value: Any) -> bool:
    """A strptime format that names a date: two different days print differently with it
    and read back."""
    days = (_dt.datetime(2024, 1, 2), _dt.datetime(2025, 11, 23))
    text = [d.strftime(value) for d in days]
    back = [_dt.datetime.strptime(t, value) for t in text]  # ValueError: a bad directive
    return text[0] != text[1] and back[0] != back[1]


CSV_OPTIONS = {
    "path": Satisfies(lambda v: isinstance(v, str | bytes | os.PathLike),
                      "a file path (str or Path), or '-' for standard input"),
    "columns": Satisfies(lambda v: v is None or (isinstance(v, Mapping) and all(
        isinstance(k, str) and isinstance(c, str) for k, c in v.items())),
        "a mapping from field name to column name, such as {'customer_id': 'Customer ID'}, "
        "or None"),
    "errors": ERRORS,
    "encoding": Satisfies(lambda v: isinstance(v, str) and _is_encoding(v),
                          "a text encoding such as 'utf-8', 'utf-8-sig', 'utf-16' or 'latin-1'"),
    "progress": Satisfies(lambda v: v is None or isinstance(v, bool), "True, False or None"),
}
"""The options every CSV reader shares, checked before the file is opened."""

DATE_FORMAT = Satisfies(lambda v: v is None or (isinstance(v, str) and _is_date_format(v)),
                        "a strptime format of dates such as '%d/%m/%Y', or None")
"""``date_format=`` of the readers that take it."""


@validate_params({**CSV_OPTIONS, "date_format": DATE_FORMAT, "kind": Satisfies(
    lambda k: k in (SubscriptionTable, SurveyTable, UsageTable, SupportTicketTable),
    "SubscriptionTable, SurveyTable, UsageTable or SupportTicketTable")})
def read_table_csv(
    kind: type[_T],
    path: str | Path,
    *,
    fields: Sequence[str],
    columns: Mapping[str, str] | None = None,
    date_fields: Sequence[str] = (),
    date_format: str | None = None,
    errors: ErrorMode = "raise",
    encoding: str = "utf-8-sig",
    progress: bool | None = None,
    **options: Any,
) -> _T:
    """Read a CSV file into a validated table of type ``kind`` (the generic reader).

    Parameters
    ----------
    kind : type
        The table: ``SubscriptionTable``, ``SurveyTable``, ``UsageTable`` or
        ``SupportTicketTable``.
    path : str or Path
        The CSV file (header on the first line); ``"-"`` reads standard input.
    fields : sequence of str
        The table's fields, which ``columns`` may map.
    columns : mapping, optional
        Field name -> column name in the file, for the fields whose column is named
        differently (``{"customer_id": "Customer ID"}``).
    date_fields : sequence of str, optional
        The fields ``date_format`` applies to.
    date_format : str, optional
        ``strptime`` format of the date fields (``"%d/%m/%Y"``); default ISO 8601.
    errors : {"raise", "skip"}, default "raise"
        As in the table's ``from_columns``; skipped rows are in ``table.skipped`` with their
        0-based data-row positions, and each rule names the file line.
    encoding : str, default "utf-8-sig"
        Text encoding (the default also strips a spreadsheet's byte-order mark).
    progress : bool, optional
        Report rows read on standard error; default: only when it is a terminal.
    **options
        Passed on to ``kind.from_columns`` (``survey_name=`` for survey answers).

    Returns
    -------
    table of type ``kind``
        Validated, as ``kind.from_columns`` builds it from the file's text columns.

    Raises
    ------
    CSVFileNotFoundError
        No such file (also a ``FileNotFoundError``); ``CSVFileError`` (an ``OSError``) for
        another file that cannot be read, such as a directory.
    CSVFormatError
        The file is empty, not valid CSV or not text in ``encoding``, a header repeats, or a
        line has more cells than the header.
    InvalidParameterError
        A bad option (an unknown encoding, a date format that names no date, ``columns``
        that is not a mapping), or ``columns`` maps a field the table does not have.
    ColumnNotFoundError
        A mapped or required column is not in the file (the message lists those that are).
    CSVDataError
        A value breaks a rule: the message names the file, the lines, the column and the rule.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("account,opened\\na,2024-01-05T10:00:00Z\\n")
    >>> read_table_csv(SupportTicketTable, path, fields=("customer_id", "opened_at"),
    ...                columns={"customer_id": "account", "opened_at": "opened"}).n_customers
    1
    """
    name = str(path)
    raw, lines = _read_csv(path, encoding=encoding, progress=progress)
    mapping: dict[str, Any] = dict(columns or {})
    unknown = sorted(set(mapping) - set(fields))
    if unknown:
        raise InvalidParameterError(
            f"{name}: columns= maps unknown fields {unknown}; the fields are {list(fields)}.")
    for field_name, source in mapping.items():
        if source not in raw:
            raise ColumnNotFoundError(source, list(raw), context=f"{name} (for {field_name})")
    data: dict[str, Any] = dict(raw)
    try:
        if date_format is not None:
            for field_name in date_fields:
                source = mapping.get(field_name, field_name)
                if source in data:
                    data[source] = _parse_dates(source, data[source], date_format, errors)
        table = kind.from_columns(data, errors=errors, _context=name, **mapping, **options)
    except DataValidationError as exc:
        raise CSVDataError(name, exc, lines) from None
    return _with_lines(table, lines)


@validate_params({k: CSV_OPTIONS[k] for k in ("path", "encoding", "progress")})
def read_csv_columns(path: str | Path, *, encoding: str = "utf-8-sig",
                     progress: bool | None = None) -> dict[str, list[str | None]]:
    """The columns of a CSV file as lists of strings (empty cells are ``None``).

    Parameters
    ----------
    path : str or Path
        The file; ``"-"`` reads standard input.
    encoding : str, default "utf-8-sig"
        Text encoding (the default also strips a spreadsheet's byte-order mark).
    progress : bool, optional
        Report rows read on standard error; default: only when it is a terminal.

    Returns
    -------
    dict of str to list
        One list per column of the header, in order; blank lines are left out.

    Raises
    ------
    CSVFileNotFoundError
        The file does not exist (also a ``FileNotFoundError``).
    CSVFormatError
        The file is empty, not valid CSV or not text in ``encoding``, a header repeats, or a
        line has more cells than the header.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "c.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("customer_id,region\\na,EU\\n\\nb,\\n")
    >>> read_csv_columns(path)
    {'customer_id': ['a', 'b'], 'region': ['EU', None]}
    """
    columns, _ = _read_csv(path, encoding=encoding, progress=progress)
    return {name: values.to_pylist() if hasattr(values, "to_pylist") else values
            for name, values in columns.items()}


def csv_header(path: str | Path, *, encoding: str = "utf-8-sig") -> list[str]:
    """The column names on the first line of a CSV file (empty for an empty file, or one that
    cannot be read: reading it says why)."""
    try:
        with open(path, newline="", encoding=encoding) as handle:
            return [h.strip() for h in next(csv.reader(handle))]
    except (StopIteration, csv.Error, OSError, UnicodeError, LookupError, TypeError):
        return []


def _read_csv(path: str | Path, *, encoding: str, progress: bool | None
              ) -> tuple[dict[str, Any], Sequence[int]]:
    """Columns (Arrow text arrays, or lists of text), and the file line of each data row
    (blank lines are skipped).

    pyarrow parses the file (multi-threaded, in blocks); anything it does not read exactly
    as the standard library's ``csv`` module does (a ragged line, text not in the encoding,
    a header to refuse, an unusual start) is read again by ``_read_python``, which raises
    the error naming the file and line. Both readings give the same columns.
    """
    name = str(path) if not isinstance(path, bytes) else os.fsdecode(path)
    try:
        source = Source.open(path, name)
        fast = read_arrow(source, encoding, progress, _recount)
    except FileNotFoundError as exc:
        raise CSVFileNotFoundError(exc.errno, "no such file", name) from None
    except OSError as exc:
        raise CSVFileError(exc.errno, exc.strerror or str(exc), name) from None
    if fast is not None:
        return fast
    columns, lines = _read_python(source, encoding=encoding, progress=progress)
    return columns, lines


def _recount(source: Source, encoding: str) -> list[int]:
    return _read_python(source, encoding=encoding, progress=False)[1]


def _read_python(source: Source, *, encoding: str, progress: bool | None
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
                cell = row[j].strip() if j < len(row) else ""
                columns[j].append(cell or None)
            lines.append(line_no)
            if show and line_no % 100_000 == 0:
                print(f"\r{name}: {line_no - 1:,} rows read", end="", file=sys.stderr)
        if show:
            print(f"\r{name}: {len(columns[0]) if columns else 0:,} rows read", file=sys.stderr)
    except UnicodeDecodeError as exc:
        line = (reader.line_num if reader is not None else 0) + 1
        raise CSVFormatError(_not_text(path, name, encoding, exc, line)) from None
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


def _parse_dates(column: str, values: Any, fmt: str, errors: ErrorMode
                 ) -> list[Any]:
    if hasattr(values, "to_pylist"):  # an Arrow column of the fast reading
        values = values.to_pylist()
    out: list[Any] = []
    bad: list[int] = []
    for i, v in enumerate(values):  # strptime has no vectorized form; I/O boundary only
        if v is None:
            out.append(None)
            continue
        try:
            out.append(_dt.datetime.strptime(v, fmt).date())
        except ValueError:
            # Marked unreadable, so that with errors="skip" the table skips it as no date
            # (never reading it in another format).
            out.append(f"not {fmt}: {v}")
            bad.append(i)
    if bad and errors == "raise":
        raise DataValidationError(column=column, rule=f"must be a date in the format {fmt!r}",
                                  count=len(bad), positions=bad, n_rows=len(values))
    return out


def _with_lines(table: _T, lines: Sequence[int]) -> _T:
    """The table, its skipped rows' positions noted with their file lines."""
    if not len(table.skipped):
        return table
    skipped = table.skipped
    line = np.asarray(lines, dtype=np.int64)[np.asarray(skipped["row"], dtype=np.int64)]
    rules = [f"{r} (line {n})" for r, n in zip(skipped["rule"].tolist(), line.tolist(),
                                               strict=True)]
    return replace(table, skipped=SkippedRows(skipped["row"], skipped["column"], rules))
