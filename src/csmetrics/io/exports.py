"""What the command line needs around exports: the rows a table refused, with their file
lines and original cells (``--rejected``); an exchange-rates file (``--fx``); and the
currency-months of a report that need a rate."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from csmetrics.exceptions import ColumnNotFoundError, CSMetricsError, DataValidationError
from csmetrics.fx import FxRates
from csmetrics.io.csv.errors import CSVDataError
from csmetrics.io.csv.reader import read_csv_columns
from csmetrics.periods.calendar import Period

_LINE = re.compile(r" \(line ([0-9,]+)\)$")


def refused_rows(path: str, table: Any) -> tuple[list[dict[str, Any]], int]:
    """The rows of the CSV file ``path`` that ``table`` (read from it with ``errors="skip"``)
    refused, one per file line, and the file's number of data rows.

    Each entry holds ``file``, ``line``, ``column``, ``rule`` and the line's original cells
    under the file's column names.

    Examples
    --------
    >>> import tempfile, os
    >>> from csmetrics.io.csv import read_subscriptions_csv
    >>> path = os.path.join(tempfile.mkdtemp(), "s.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("customer_id,start,amount\\na,2024-01-01,5\\nb,2024-01-01,-5\\n")
    >>> refused_rows(path, read_subscriptions_csv(path, errors="skip"))  # doctest: +ELLIPSIS
    ([{'file': '...s.csv', 'line': 3, 'column': 'amount', 'rule': 'must be >= 0', 'customer_id': 'b', 'start': '2024-01-01', 'amount': '-5'}], 2)
    """  # noqa: E501
    cells = read_csv_columns(path, progress=False) if path != "-" else {}
    seen: set[int] = set()
    entries: list[dict[str, Any]] = []
    skipped = table.skipped
    for row, column, rule in zip(skipped["row"].tolist(), skipped["column"].tolist(),
                                 skipped["rule"].tolist(), strict=True):
        m = _LINE.search(rule)
        line = int(m.group(1).replace(",", "")) if m else row + 2
        if line in seen:   # a row read as two spans (a trial, then paid) is one file line
            continue
        seen.add(line)
        entry: dict[str, Any] = {"file": path, "line": line, "column": column,
                                 "rule": rule[:m.start()] if m else rule}
        entry.update({name: values[row] if row < len(values) else None
                      for name, values in cells.items()})
        entries.append(entry)
    total = len(next(iter(cells.values()))) if cells else len(table) + len(seen)
    return entries, total


def read_fx_csv(path: str, currency: str) -> FxRates:
    """Exchange rates from a CSV file with the columns ``month`` (``2024-03``), ``currency``
    and ``rate`` (units of ``currency``, the report currency, per unit of the row's
    currency), each month's rate dated on its first day.

    Raises
    ------
    ColumnNotFoundError
        A column is missing.
    CSVDataError
        A month that cannot be read, or a rate or currency ``FxRates.from_columns`` refuses.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "fx.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("month,currency,rate\\n2024-01,EUR,1.10\\n2024-02,EUR,1.08\\n")
    >>> read_fx_csv(path, "USD")
    FxRates(2 rates into USD: EUR)
    """
    cols = read_csv_columns(path, progress=False)
    for name in ("month", "currency", "rate"):
        if name not in cols:
            raise ColumnNotFoundError(name, list(cols), context=f"{path} (--fx)")
    months: list[Any] = []
    bad: list[int] = []
    for i, value in enumerate(cols["month"]):   # a rates file is a few rows a month
        try:
            months.append(None if value is None else Period.parse(value, "month").start)
        except (CSMetricsError, ValueError, OverflowError):
            months.append(None)
            bad.append(i)
    if bad:
        raise CSVDataError(path, DataValidationError(
            column="month", rule="must be a month such as 2024-03", count=len(bad),
            positions=bad[:5], n_rows=len(months)))
    try:
        return FxRates.from_columns({"month": months, "currency": cols["currency"],
                                     "rate": cols["rate"]}, reporting_currency=currency,
                                    date="month")
    except DataValidationError as exc:
        raise CSVDataError(path, exc) from None


def missing_rates(subs: Any, fx: FxRates | None, period: Period, months: int
                  ) -> dict[str, list[str]]:
    """Currency -> the months (``"2024-03"``) of a ``months``-month report ending with
    ``period`` (and its base month) where that currency holds MRR but ``fx`` has no rate
    dated on or before the month's end. Empty when nothing is missing.

    Examples
    --------
    >>> from csmetrics import SubscriptionTable
    >>> subs = SubscriptionTable.from_columns({"customer_id": ["a", "b"], "amount": [10, 5],
    ...     "start": ["2024-01-05", "2024-02-01"], "currency": ["EUR", "USD"]})
    >>> fx = FxRates.from_columns({"date": ["2024-02-01"], "currency": ["EUR"],
    ...                            "rate": [1.1]}, reporting_currency="USD")
    >>> missing_rates(subs, fx, Period.parse("2024-03", "month"), 3)
    {'EUR': ['2024-01']}
    """
    if subs is None or fx is None or not len(subs):
        return {}
    snaps = np.array([(period - k).end for k in range(months, -1, -1)], dtype="datetime64[D]")
    out: dict[str, list[str]] = {}
    for code, name in enumerate(subs.currencies.tolist()):  # one pass per currency
        if name == fx.reporting_currency:
            continue
        rows = (subs.currency_codes == code) & (subs.mrr_units > 0)
        if not rows.any():
            continue
        start, end = subs.start[rows], subs.end[rows]
        live = np.array([bool(((start <= s) & (np.isnat(end) | (end > s))).any())
                         for s in snaps], dtype=bool)   # one pass per month of the report
        have = fx.dates[fx.currencies == name]   # sorted: FxRates orders its rates
        lacking = live & (np.searchsorted(have, snaps, side="right") == 0)
        if lacking.any():
            out[name] = [str(d)[:7] for d in snaps[lacking].tolist()]
    return out


__all__ = ["missing_rates", "read_fx_csv", "refused_rows"]
