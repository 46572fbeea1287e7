"""Reading exports (CSV files) and writing results safely.

``read_subscriptions_csv`` reads a CSV export with the standard library's ``csv`` module (no
pandas needed), maps its columns onto the record fields, and builds a validated
``SubscriptionTable``. Errors name the file, the line (as a spreadsheet shows
it: the header is line 1), the column and the rule.

Recipes
-------
**Stripe, subscriptions export** (Billing > Subscriptions > Export; one row per
subscription with its current price)::

    read_subscriptions_csv("subscriptions.csv", columns={
        "customer_id": "Customer ID", "subscription_id": "id", "plan": "Plan",
        "start": "Start (UTC)", "end": "Ended At (UTC)", "amount": "Amount",
        "currency": "Currency", "interval": "Interval", "quantity": "Quantity"})

A current-state export has one row per subscription, so it shows starts and ends but not
past price changes: expansion and contraction appear only if the export has one row per
price period (Stripe's subscription *items* or *schedules*, or a warehouse history table).

**A warehouse table** with one row per price period (``customer``, ``valid_from``,
``valid_to``, ``mrr_usd``): export it to CSV and map ``start="valid_from"``,
``end="valid_to"``, ``amount="mrr_usd"``; leave ``interval`` unmapped (monthly).
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from csmetrics._core.checks import ErrorMode
from csmetrics.exceptions import (
    ColumnNotFoundError,
    CSMetricsError,
    DataValidationError,
    InvalidParameterError,
)
from csmetrics.tables.subscriptions import SubscriptionTable

if TYPE_CHECKING:
    from csmetrics.tables.surveys import SurveyTable


_FIELDS = ("customer_id", "subscription_id", "plan", "start", "end", "amount", "currency",
           "interval", "interval_count", "quantity", "discount")
_DATE_FIELDS = ("start", "end")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class CSVFormatError(CSMetricsError, ValueError):
    """A file is not a CSV table csmetrics can read (empty, malformed, repeated header)."""


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

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    CSVFormatError
        The file is empty or not valid CSV, a header repeats, or a line has more cells than
        the header.
    """
    columns, _ = _read_csv(path, encoding=encoding, progress=progress)
    return columns


def _read_csv(path: str | Path, *, encoding: str, progress: bool | None
              ) -> tuple[dict[str, list[str | None]], list[int]]:
    """Columns, and the file line of each data row (blank lines are skipped)."""
    name = str(path)
    handle: Any
    handle = sys.stdin if name == "-" else open(path, newline="", encoding=encoding)  # noqa: SIM115
    show = sys.stderr.isatty() if progress is None else progress
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
    finally:
        if handle is not sys.stdin:
            handle.close()
    return dict(zip(header, columns, strict=True)), lines


def _rows(reader: Any, name: str) -> Iterable[tuple[int, list[str]]]:
    """Rows with their file line numbers; a malformed file is a clear error."""
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:
        raise CSVFormatError(f"{name}: line {reader.line_num}: not valid CSV ({exc}).") from None


def read_subscriptions_csv(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    date_format: str | None = None,
    errors: ErrorMode = "raise",
    encoding: str = "utf-8-sig",
    progress: bool | None = None,
) -> SubscriptionTable:
    """Read a subscriptions CSV export into a validated ``SubscriptionTable``.

    Parameters
    ----------
    path : str or Path
        The CSV file (header on the first line).
    columns : mapping, optional
        Field name -> column name in the file, for the fields whose column is named
        differently (``{"customer_id": "Customer ID", "amount": "Amount"}``); see
        ``csmetrics.Subscription`` for the fields.
    date_format : str, optional
        ``strptime`` format of the date columns (``"%d/%m/%Y"``); default ISO 8601.
    errors : {"raise", "skip"}, default "raise"
        As in ``SubscriptionTable.from_columns``; skipped rows are in ``table.skipped``
        with their 0-based data-row positions (line = position + 2).
    encoding : str, default "utf-8-sig"
        Text encoding.
    progress : bool, optional
        Report progress on standard error (default: when it is a terminal).

    Raises
    ------
    FileNotFoundError
        No such file.
    ColumnNotFoundError
        A mapped or required column is not in the file (the message lists those that are).
    CSVDataError
        A value breaks a rule: the message names the file, the lines, the column and the rule.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "subs.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("Customer,Begins,Price\\nacme,2024-01-15,1200\\n")
    >>> subs = read_subscriptions_csv(path, columns={"customer_id": "Customer",
    ...                               "start": "Begins", "amount": "Price"})
    >>> subs
    SubscriptionTable(1 row, 1 customer, 2024-01-15 to open, USD)
    """
    name = str(path)
    raw, lines = _read_csv(path, encoding=encoding, progress=progress)
    mapping = dict(columns or {})
    unknown = sorted(set(mapping) - set(_FIELDS))
    if unknown:
        raise InvalidParameterError(
            f"{name}: columns= maps unknown fields {unknown}; the fields are {list(_FIELDS)}.")
    for field_name, source in mapping.items():
        if source not in raw:
            raise ColumnNotFoundError(source, list(raw), context=f"{name} (for {field_name})")
    data: dict[str, Any] = dict(raw)
    try:
        if date_format is not None:
            for field_name in _DATE_FIELDS:
                source = mapping.get(field_name, field_name)
                if source in data:
                    data[source] = _parse_dates(source, data[source], date_format, errors)
        table = SubscriptionTable.from_columns(data, errors=errors, _context=name, **mapping)
    except DataValidationError as exc:
        raise CSVDataError(name, exc, lines) from None
    return cast(SubscriptionTable, _with_lines(table, lines))


def read_surveys_csv(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    survey_name: str | None = None,
    errors: ErrorMode = "raise",
    encoding: str = "utf-8-sig",
    progress: bool | None = None,
) -> SurveyTable:
    """Read survey answers from a CSV export into a validated ``SurveyTable``.

    ``columns`` maps the fields (``customer_id``, ``respondent_id``, ``survey``, ``score``,
    ``submitted_at``, ``weight``) to the file's column names; ``survey_name`` names the
    survey of every row for an export without a survey column (``"nps"``). Errors name the
    file, the lines, the column and the rule, as ``read_subscriptions_csv``'s do.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "nps.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("account,score,date\\na,10,2024-01-05\\nb,6,2024-01-09\\n")
    >>> read_surveys_csv(path, columns={"customer_id": "account",
    ...                  "submitted_at": "date"}, survey_name="nps")
    SurveyTable(2 responses, 2 customers, nps 2, 2024-01-05 to 2024-01-09)
    """
    from csmetrics.tables.surveys import SurveyTable

    name = str(path)
    raw, lines = _read_csv(path, encoding=encoding, progress=progress)
    mapping: dict[str, Any] = dict(columns or {})
    fields = ("customer_id", "respondent_id", "survey", "score", "submitted_at", "weight")
    unknown = sorted(set(mapping) - set(fields))
    if unknown:
        raise InvalidParameterError(
            f"{name}: columns= maps unknown fields {unknown}; the fields are {list(fields)}.")
    for field_name, source in mapping.items():
        if source not in raw:
            raise ColumnNotFoundError(source, list(raw), context=f"{name} (for {field_name})")
    try:
        table = SurveyTable.from_columns(raw, survey_name=survey_name, errors=errors,
                                         _context=name, **mapping)
    except DataValidationError as exc:
        raise CSVDataError(name, exc, lines) from None
    return cast("SurveyTable", _with_lines(table, lines))


def read_usage_csv(path: str | Path, *, columns: Mapping[str, str] | None = None,
                   errors: ErrorMode = "raise", encoding: str = "utf-8-sig",
                   progress: bool | None = None) -> Any:
    """Read product usage events from a CSV export into a validated ``UsageTable``.

    ``columns`` maps the fields (``customer_id``, ``user_id``, ``at``, ``feature``,
    ``duration_s``) to the file's column names. Timestamps with an offset are taken in UTC,
    naive ones as UTC. Errors name the file, the lines, the column and the rule.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "events.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("account,user,time\\na,ann,2024-01-05T10:00:00Z\\n")
    >>> read_usage_csv(path, columns={"customer_id": "account", "user_id": "user",
    ...                "at": "time"})
    UsageTable(1 event, 1 account, 1 user, 0 features, 2024-01-05 to 2024-01-05 UTC)
    """
    from csmetrics.tables.usage import UsageTable

    return _read_table(UsageTable, path, columns,
                       ("customer_id", "user_id", "at", "feature", "duration_s"),
                       errors, encoding, progress)


def read_tickets_csv(path: str | Path, *, columns: Mapping[str, str] | None = None,
                     errors: ErrorMode = "raise", encoding: str = "utf-8-sig",
                     progress: bool | None = None) -> Any:
    """Read support tickets from a CSV export into a validated ``SupportTicketTable``.

    ``columns`` maps the fields (``customer_id``, ``ticket_id``, ``opened_at``,
    ``resolved_at``, ``contacts``) to the file's column names; an empty ``resolved_at`` is
    a ticket still open. Errors name the file, the lines, the column and the rule.
    """
    from csmetrics.tables.tickets import SupportTicketTable

    return _read_table(SupportTicketTable, path, columns,
                       ("customer_id", "ticket_id", "opened_at", "resolved_at", "contacts"),
                       errors, encoding, progress)


def _read_table(kind: Any, path: str | Path, columns: Mapping[str, str] | None,
                fields: Sequence[str], errors: ErrorMode, encoding: str,
                progress: bool | None) -> Any:
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
    try:
        table = kind.from_columns(raw, errors=errors, _context=name, **mapping)
    except DataValidationError as exc:
        raise CSVDataError(name, exc, lines) from None
    return _with_lines(table, lines)


def _parse_dates(column: str, values: list[str | None], fmt: str, errors: ErrorMode
                 ) -> list[Any]:
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


def _with_lines(table: Any, lines: Sequence[int]) -> Any:
    """The table, its skipped rows' positions noted with their file lines."""
    if not len(table.skipped):
        return table
    from dataclasses import replace

    from csmetrics.results import SkippedRows

    skipped = table.skipped
    line = np.asarray(lines, dtype=np.int64)[np.asarray(skipped["row"], dtype=np.int64)]
    rules = [f"{r} (line {n})" for r, n in zip(skipped["rule"].tolist(), line.tolist(),
                                               strict=True)]
    return replace(table, skipped=SkippedRows(skipped["row"], skipped["column"], rules))


def csv_header(path: str | Path, *, encoding: str = "utf-8-sig") -> list[str]:
    """The column names on the first line of a CSV file (empty for an empty file)."""
    with open(path, newline="", encoding=encoding) as handle:
        try:
            return [h.strip() for h in next(csv.reader(handle))]
        except (StopIteration, csv.Error):
            return []


def escape_csv_cell(value: object) -> str:
    """A cell as text that a spreadsheet will not run as a formula.

    Text beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed
    with an apostrophe (OWASP, "CSV Injection"); numbers are written as they are.

    Examples
    --------
    >>> escape_csv_cell("=HYPERLINK(\\"http://x\\")"), escape_csv_cell(-5.0), escape_csv_cell(None)
    ('\\'=HYPERLINK("http://x")', '-5.0', '')
    """
    if value is None:
        return ""
    if isinstance(value, bool | int | float | np.integer | np.floating):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(columns: Mapping[str, Iterable[Any]], path: str | Path | None = None,
              *, escape: Callable[[object], str] = escape_csv_cell) -> str:
    """Write columns as CSV (every cell escaped against formula injection).

    Returns the CSV text; with ``path``, also writes it to that file.
    """
    names = list(columns)
    rows = zip(*(list(columns[n]) for n in names), strict=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([escape(n) for n in names])
    for row in rows:
        writer.writerow([escape(v) for v in row])
    text = buffer.getvalue()
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text
