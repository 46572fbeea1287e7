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
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.amounts import AMOUNT_FORMATS
from csmetrics._core.arrowpool import reading_pool
from csmetrics._core.checks import ErrorMode
from csmetrics._core.options import ERRORS, Satisfies, validate_params
from csmetrics.exceptions import (
    ColumnNotFoundError,
    DataValidationError,
    InvalidParameterError,
    Problem,
    show_value,
)
from csmetrics.io.csv.errors import (
    CSVDataError,
    CSVFileError,
    CSVFileNotFoundError,
    in_file_terms,
)
from csmetrics.io.csv.fast import Source, read_arrow
from csmetrics.io.csv.textfile import read_python
from csmetrics.io.presets import PRESETS, Prepared, Preset, apply_preset, get_preset
from csmetrics.results import SkippedRows
from csmetrics.tables.subscriptions import SubscriptionTable
from csmetrics.tables.surveys import SurveyTable
from csmetrics.tables.tickets import SupportTicketTable
from csmetrics.tables.usage import UsageTable

_T = TypeVar("_T", SubscriptionTable, SurveyTable, UsageTable, SupportTicketTable)


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


PRESET = Satisfies(lambda v: v is None or (isinstance(v, str) and v in PRESETS),
                   f"one of {', '.join(map(repr, PRESETS))}, or None")
"""``preset=`` of the readers that take it."""

AMOUNT_FORMAT = Satisfies(lambda v: v is None or (isinstance(v, str) and v in AMOUNT_FORMATS),
                          f"one of {', '.join(map(repr, AMOUNT_FORMATS))} (thousands and "
                          "decimal separators as the file writes them), or None")
"""``amount_format=`` of the readers that take it."""

_PRESET_KIND: dict[type, str] = {SubscriptionTable: "subscriptions", SurveyTable: "surveys"}


@validate_params({**CSV_OPTIONS, "date_format": DATE_FORMAT, "preset": PRESET, "kind": Satisfies(
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
    preset: str | None = None,
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
    preset : str, optional
        A vendor export (``csmetrics.io.presets``): ``"stripe"`` or ``"chargebee"`` for
        subscriptions, ``"delighted"`` for survey answers. Its column names are the
        default mapping (``columns`` overrides any of them) and its transform turns the
        export's rows into spans (trials, cancellations, statuses). Skipped rows and
        ``source_rows`` then give the file's data rows, and errors its lines.
    **options
        Passed on to ``kind.from_columns`` (``survey_name=`` for survey answers,
        ``amount_format=`` for subscriptions).

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
    with reading_pool():  # (pyarrow allocates from jemalloc while it reads: see arrowpool)
        name = str(path)
        vendor: Preset | None = None
        if preset is not None:
            if kind not in _PRESET_KIND:
                raise InvalidParameterError(f"{name}: preset= reads subscriptions and survey "
                                            f"answers, not {kind.__name__}.")
            chosen: Preset = get_preset(preset, _PRESET_KIND[kind])
            vendor = chosen
            if date_format is not None:
                raise InvalidParameterError(f"{name}: date_format= and preset= do not go together "
                                            f"(preset {preset!r} reads the export's timestamps).")
            fields = (*fields, *(k for k in chosen.columns if k not in fields))
        mapping: dict[str, Any] = dict(columns or {})
        # Id columns keep their cells as written: ' c1' and 'c1' stay apart, with a warning.
        ids = {**(vendor.columns if vendor is not None else {}), **mapping}
        keep = frozenset(ids.get(f, f) for f in _ID_FIELDS if f in fields)
        raw, lines = _read_csv(path, encoding=encoding, progress=progress, keep=keep)
        unknown = sorted(set(mapping) - set(fields))
        if unknown:
            raise InvalidParameterError(
                f"{name}: columns= maps unknown fields {unknown}; the fields are {list(fields)}.")
        if vendor is not None:
            # A preset's transform reads cells as Python text (the reader may give Arrow arrays).
            cells = {k: v.to_pylist() if hasattr(v, "to_pylist") else v for k, v in raw.items()}
            return _read_preset(kind, name, cells, lines, apply_preset(vendor, cells, mapping, name,
                                                                        lines), errors, options)
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
            raise CSVDataError(name, exc, lines, cells=raw) from None
        return _with_lines(table, lines)


def _read_preset(kind: type[_T], name: str, raw: Mapping[str, Sequence[str | None]],
                 lines: Sequence[int], prep: Prepared, errors: ErrorMode,
                 options: Mapping[str, Any]) -> _T:
    """The table of a preset's prepared columns: the transform's own problems and the
    table's rules both reported on the file's lines, skipped rows as file data rows."""
    n_file = len(next(iter(raw.values()))) if raw else 0
    origin: NDArray[np.int64] = prep.origin
    data = prep.data
    extra: list[tuple[int, str, str]] = []
    found: list[Problem] = []  # the transform's own problems, reported with the table's
    if prep.problems:
        bad = np.zeros(n_file, dtype=bool)
        for rows, column, rule in prep.problems:
            cells = raw.get(column)
            found.append(Problem(column, rule, int(rows.size), tuple(rows[:5].tolist()),
                                 tuple(show_value(cells[r]) for r in rows[:5].tolist())
                                 if cells is not None else ()))
            new = rows[~bad[rows]]
            extra.extend((int(r), column, rule) for r in new.tolist())
            bad[new] = True
        keep = ~bad[origin]
        origin = origin[keep]
        data = {k: np.asarray(v, dtype=object)[keep] if not isinstance(v, np.ndarray)
                else v[keep] for k, v in data.items()}
    span_lines = [lines[o] for o in origin.tolist()]
    build: Any = kind.from_columns
    try:
        table: _T = build(data, errors=errors, _context=name, **prep.columns,
                          **{**prep.options, **options})
    except DataValidationError as exc:
        if type(exc) is not DataValidationError:
            raise CSVDataError(name, exc, span_lines) from None
        found += [_in_file_rows(p, origin, raw) for p in exc.problems]
    if found and errors == "raise":
        found.sort(key=lambda p: p.positions[:1])
        raise CSVDataError(name, DataValidationError(problems=found, n_rows=n_file), lines,
                           cells=raw)
    skipped: SkippedRows = table.skipped
    file_rows = [*(r for r, _, _ in extra),
                 *origin[np.asarray(skipped["row"], dtype=np.int64)].tolist()]
    cols = [*(c for _, c, _ in extra), *skipped["column"].tolist()]
    rules = [*(r for _, _, r in extra), *skipped["rule"].tolist()]
    out: _T = replace(table, source_rows=origin[table.source_rows])
    if not file_rows:
        return out
    # A file row read as two spans (a trial, then paid) is kept or skipped whole, once.
    refused = np.zeros(n_file, dtype=bool)
    refused[file_rows] = True
    if refused[out.source_rows].any():
        out = out.take(np.flatnonzero(~refused[out.source_rows])).compact()
    first: dict[int, int] = {}
    for i, f in enumerate(file_rows):
        first.setdefault(f, i)
    once = sorted(first.values())
    with_lines = [f"{in_file_terms(rules[i])} (line {lines[file_rows[i]]})" for i in once]
    done: _T = replace(out, skipped=SkippedRows([file_rows[i] for i in once],
                                                [cols[i] for i in once], with_lines))
    return done


_ID_FIELDS = ("customer_id", "subscription_id", "respondent_id", "user_id", "ticket_id")
"""The fields whose cells a CSV reader keeps as written (spaces included)."""


def _in_file_rows(problem: Problem, origin: NDArray[np.int64],
                  raw: Mapping[str, Sequence[str | None]]) -> Problem:
    """A problem of a preset's spans as one of the file's rows: a row read as two spans
    (a trial, then paid) counts once, and shows its cell as the file has it."""
    every = problem.every if problem.every is not None else np.asarray(problem.positions)
    rows = np.unique(origin[np.asarray(every, dtype=np.int64)])
    first = rows[:5].tolist()
    cells = raw.get(problem.column)
    values = (tuple(show_value(cells[r]) for r in first) if cells is not None else ())
    return replace(problem, count=int(rows.size), positions=tuple(first), values=values,
                   every=rows)


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


def _read_csv(path: str | Path, *, encoding: str, progress: bool | None,
              keep: frozenset[str] = frozenset()) -> tuple[dict[str, Any], Sequence[int]]:
    """Columns (Arrow text arrays, or lists of text), and the file line of each data row
    (blank lines are skipped).

    pyarrow parses the file (multi-threaded, in blocks); anything it does not read exactly
    as the standard library's ``csv`` module does (a ragged line, text not in the encoding,
    a header to refuse, an unusual start) is read again by ``textfile.read_python``, which raises
    the error naming the file and line. Both readings give the same columns.
    """
    name = str(path) if not isinstance(path, bytes) else os.fsdecode(path)
    try:
        source = Source.open(path, name)
        fast = read_arrow(source, encoding, progress, _recount, keep)
    except FileNotFoundError as exc:
        raise CSVFileNotFoundError(exc.errno, "no such file", name) from None
    except OSError as exc:
        raise CSVFileError(exc.errno, exc.strerror or str(exc), name) from None
    if fast is not None:
        return fast
    columns, lines = read_python(source, encoding=encoding, progress=progress, keep=keep)
    return columns, lines


def _recount(source: Source, encoding: str) -> list[int]:
    return read_python(source, encoding=encoding, progress=False)[1]


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
    rules = [f"{in_file_terms(r)} (line {n})"
             for r, n in zip(skipped["rule"].tolist(), line.tolist(), strict=True)]
    return replace(table, skipped=SkippedRows(skipped["row"], skipped["column"], rules))
