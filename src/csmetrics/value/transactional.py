"""Transactional value: average order value, purchase frequency and transactional CLV."""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.currency import MINOR_UNITS
from csmetrics._core.lookup import lookup
from csmetrics.exceptions import (
    ColumnNotFoundError,
    CurrencyMismatchError,
    InvalidParameterError,
)
from csmetrics.periods.calendar import Period, PeriodLike, snapshot_date
from csmetrics.results import TableResult
from csmetrics.tables.coerce import as_payments
from csmetrics.tables.payments import PaymentTable
from csmetrics.value.lifetime import _warn

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _is_date(value: Any) -> bool:
    if isinstance(value, _dt.date):
        return True
    if isinstance(value, np.datetime64):
        return np.datetime_data(value.dtype)[0] not in ("Y", "M")
    return isinstance(value, str) and bool(_DATE.match(value.strip()))


@dataclass(frozen=True)
class _Window:
    rows: NDArray[np.bool_]
    first: np.datetime64
    last: np.datetime64
    months: float

    @property
    def label(self) -> str:
        return f"{self.first} to {self.last}"


def _window(table: PaymentTable, start: PeriodLike | None, end: PeriodLike | None,
            context: str) -> _Window:
    if len(table) == 0 and (start is None or end is None):
        raise InvalidParameterError(f"{context}: no payments, so the window cannot be "
                                    "inferred; pass start and end.")
    if start is None:
        first = table.date.min().astype("datetime64[M]").astype("datetime64[D]")
    elif _is_date(start):
        first = snapshot_date(start)
    else:
        first = np.datetime64(Period.parse(start).start, "D")
    if end is None:
        nxt = table.date.max().astype("datetime64[M]") + np.timedelta64(1, "M")
        last = nxt.astype("datetime64[D]") - np.timedelta64(1, "D")
    else:
        last = snapshot_date(end)
    if last < first:
        raise InvalidParameterError(f"{context}: the window from {first} to {last} is empty.")
    after = last + np.timedelta64(1, "D")
    whole = (first == first.astype("datetime64[M]").astype("datetime64[D]")) and (
        after == after.astype("datetime64[M]").astype("datetime64[D]"))
    if whole:
        months = float((after.astype("datetime64[M]") - first.astype("datetime64[M]"))
                       .astype(np.int64))
    else:  # a window of dates: a year is 365.25 days
        months = float((after - first).astype(np.int64)) / 365.25 * 12
    rows = (table.date >= first) & (table.date <= last)
    return _Window(rows, first, last, months)


def _payment_segments(table: PaymentTable, by: str | Mapping[Any, Any] | None, context: str
                      ) -> tuple[str | None, NDArray[Any], NDArray[np.int64]]:
    """Segment name, labels and each row's segment code."""
    if by is None:
        return None, np.array([None], dtype=object), np.zeros(len(table), dtype=np.int64)
    if by == "currency":
        return "currency", table.currencies.astype(object), table.currency_codes
    if isinstance(by, str):
        raise ColumnNotFoundError(by, ["currency"], context=f"{context} (by=)")
    values = lookup(table.customer_ids, by, context, "customers", required=True)
    try:
        labels, seg_of_customer = np.unique(values, return_inverse=True)
    except TypeError:
        labels, seg_of_customer = np.unique(values.astype(str), return_inverse=True)
    return "segment", labels.astype(object), seg_of_customer.reshape(-1)[table.customer_codes]


def _segment_currency(table: PaymentTable, rows: NDArray[np.bool_], seg: NDArray[np.int64],
                      n_seg: int, context: str) -> tuple[NDArray[np.int64], str]:
    n_cur = max(table.currencies.size, 1)
    pairs = np.unique(seg[rows] * n_cur + table.currency_codes[rows])
    per_seg = np.bincount(pairs // n_cur, minlength=n_seg)
    if (per_seg > 1).any():
        s = int(np.flatnonzero(per_seg > 1)[0])
        names = table.currencies[pairs[pairs // n_cur == s] % n_cur].tolist()
        raise CurrencyMismatchError(
            column="currency",
            rule=f"must hold one currency per result, found {', '.join(names)} (amounts in "
                 "different currencies are never summed; split with by='currency')",
            count=int(rows.sum()), positions=table.source_rows[np.flatnonzero(rows)[:5]]
            .tolist(), n_rows=len(table), context=context)
    cur = np.full(n_seg, -1, dtype=np.int64)
    cur[pairs // n_cur] = pairs % n_cur
    digits = np.array([MINOR_UNITS[table.currencies[c]] if c >= 0 else 2 for c in cur.tolist()],
                      dtype=np.int64)
    used = sorted({str(table.currencies[c]) for c in cur.tolist() if c >= 0})
    return digits, ", ".join(used)


@dataclass(frozen=True)
class _PaymentStats:
    name: str | None
    labels: NDArray[Any]
    revenue: NDArray[np.float64]
    payments: NDArray[np.int64]
    customers: NDArray[np.int64]
    window: _Window
    currency: str


def _payment_stats(payments: Any, start: PeriodLike | None, end: PeriodLike | None,
                   by: str | Mapping[Any, Any] | None, context: str) -> _PaymentStats:
    table = as_payments(payments, context)
    win = _window(table, start, end, context)
    name, labels, seg = _payment_segments(table, by, context)
    n_seg = labels.size
    digits, currency = _segment_currency(table, win.rows, seg, n_seg, context)
    s = seg[win.rows]
    revenue = np.bincount(s, weights=table.amount_minor[win.rows], minlength=n_seg)
    count = np.bincount(s, minlength=n_seg)
    n_cust = max(len(table.customer_ids), 1)
    pairs = np.unique(s * n_cust + table.customer_codes[win.rows])
    customers = np.bincount(pairs // n_cust, minlength=n_seg)
    return _PaymentStats(name, labels, revenue / 10.0 ** digits, count.astype(np.int64),
                         customers.astype(np.int64), win, currency)


_PER_MONTHS = {"year": 12.0, "month": 1.0}


def _per_factor(per: str, win: _Window, context: str) -> float:
    if per == "window":
        return 1.0
    if per not in _PER_MONTHS:
        raise InvalidParameterError(f"{context}: per must be 'year', 'month' or 'window', "
                                    f"got {per!r}.")
    return _PER_MONTHS[per] / win.months


def _result(stats: _PaymentStats, columns: dict[str, NDArray[Any]], title: str,
            money: Sequence[str], scalar: str) -> float | TableResult:
    if stats.name is None:
        return float(columns[scalar][0])
    cols: dict[str, Any] = {stats.name: stats.labels, **columns}
    return TableResult(cols, title=title, money=money)


def _ratio(num: NDArray[np.float64], den: NDArray[np.int64], what: str, context: str
           ) -> NDArray[np.float64]:
    zero = den == 0
    if zero.any():
        _warn(f"{context}: {int(zero.sum())} segment(s) have no {what} in the window (NaN).")
    return np.where(zero, np.nan, num / np.where(zero, 1, den))


def average_order_value(payments: Any, *, start: PeriodLike | None = None,
                        end: PeriodLike | None = None,
                        by: str | Mapping[Any, Any] | None = None) -> float | TableResult:
    """Average amount of a payment in the window: revenue over the number of payments.

    Parameters
    ----------
    payments : PaymentTable, list of Payment, or columns
        The payments.
    start, end : period or date, optional
        The window, inclusive (a period from its first to its last day). Defaults: the
        first day of the first payment's month and the last day of the last payment's month.
    by : "currency" or mapping, optional
        Split by currency or by a mapping from customer id to segment.

    Returns
    -------
    float or TableResult
        The average; split, a table with the segment, ``average_order_value``,
        ``payments`` and ``revenue``.

    Raises
    ------
    CurrencyMismatchError
        The window holds payments in several currencies (split with ``by="currency"``).

    Examples
    --------
    >>> from csmetrics import Payment
    >>> pays = [Payment(customer_id="a", date="2024-01-03", amount=20),
    ...         Payment(customer_id="b", date="2024-02-09", amount=35),
    ...         Payment(customer_id="a", date="2024-03-11", amount=50)]
    >>> average_order_value(pays)
    35.0
    """
    ctx = "average_order_value"
    st = _payment_stats(payments, start, end, by, ctx)
    aov = _ratio(st.revenue, st.payments, "payments", ctx)
    return _result(st, {"average_order_value": aov, "payments": st.payments,
                        "revenue": st.revenue},
                   f"Average order value, {st.window.label} ({st.currency})",
                   ("average_order_value", "revenue"), "average_order_value")


def purchase_frequency(payments: Any, *, start: PeriodLike | None = None,
                       end: PeriodLike | None = None, per: str = "year",
                       by: str | Mapping[Any, Any] | None = None) -> float | TableResult:
    """Payments per paying customer, per year (or per month, or over the whole window).

    Parameters
    ----------
    payments : PaymentTable, list of Payment, or columns
        The payments.
    start, end : period or date, optional
        The window, as in :func:`average_order_value`.
    per : {"year", "month", "window"}, default "year"
        Unit of time: the count per customer is divided by the window's length in years or
        months (whole calendar months when the window is made of whole months, otherwise
        days / 365.25), or not at all.
    by : "currency" or mapping, optional
        Split by currency or by a mapping from customer id to segment.

    Returns
    -------
    float or TableResult
        ``payments / customers / length``, where customers are those with a payment in the
        window; split, a table with the segment, ``purchase_frequency``, ``payments`` and
        ``customers``.

    Examples
    --------
    >>> from csmetrics import Payment
    >>> pays = [Payment(customer_id="a", date="2024-01-03", amount=20),
    ...         Payment(customer_id="b", date="2024-02-09", amount=35),
    ...         Payment(customer_id="a", date="2024-03-11", amount=50)]
    >>> purchase_frequency(pays, start="2024-01", end="2024-06")   # 3 / 2 per half-year
    3.0
    >>> purchase_frequency(pays, start="2024-01", end="2024-06", per="window")
    1.5
    """
    ctx = "purchase_frequency"
    st = _payment_stats(payments, start, end, by, ctx)
    freq = _ratio(st.payments.astype(np.float64), st.customers, "customers", ctx)
    freq = freq * _per_factor(per, st.window, ctx)
    return _result(st, {"purchase_frequency": freq, "payments": st.payments,
                        "customers": st.customers},
                   f"Purchases per customer per {per}, {st.window.label}", (),
                   "purchase_frequency")


def transactional_lifetime_value(payments: Any, *, lifespan: float,
                                 start: PeriodLike | None = None,
                                 end: PeriodLike | None = None, gross_margin: float = 1.0,
                                 per: str = "year",
                                 by: str | Mapping[Any, Any] | None = None
                                 ) -> float | TableResult:
    """Transactional CLV: average order value x purchase frequency x lifespan x margin.

    Parameters
    ----------
    payments : PaymentTable, list of Payment, or columns
        The payments.
    lifespan : float
        Expected customer lifespan, in units of ``per`` (years by default), > 0.
    start, end : period or date, optional
        The window the order value and frequency are measured over.
    gross_margin : float, default 1.0
        Fraction of revenue kept as margin.
    per : {"year", "month", "window"}, default "year"
        Unit of the frequency and of ``lifespan``.
    by : "currency" or mapping, optional
        Split by currency or by a mapping from customer id to segment.

    Returns
    -------
    float or TableResult
        The value; split, a table with ``average_order_value``, ``purchase_frequency`` and
        ``lifetime_value``.

    Notes
    -----
    ``AOV x frequency`` is revenue per customer per unit of time, so the value is
    ``revenue / customers / length x lifespan x margin``. Undiscounted; the lifespan is an
    input, not estimated from the payments (which would need a model of when one-off
    buyers are gone).

    Examples
    --------
    >>> from csmetrics import Payment
    >>> pays = [Payment(customer_id="a", date="2024-01-03", amount=20),
    ...         Payment(customer_id="b", date="2024-05-09", amount=35),
    ...         Payment(customer_id="a", date="2024-11-11", amount=50)]
    >>> transactional_lifetime_value(pays, lifespan=3, start="2024", end="2024")
    157.5
    """
    ctx = "transactional_lifetime_value"
    if not (isinstance(lifespan, int | float) and math.isfinite(lifespan) and lifespan > 0):
        raise InvalidParameterError(f"{ctx}: lifespan must be a finite number > 0, "
                                    f"got {lifespan!r}.")
    if not math.isfinite(gross_margin):
        raise InvalidParameterError(f"{ctx}: gross_margin must be finite.")
    st = _payment_stats(payments, start, end, by, ctx)
    aov = _ratio(st.revenue, st.payments, "payments", ctx)
    freq = _ratio(st.payments.astype(np.float64), st.customers, "customers", ctx)
    freq = freq * _per_factor(per, st.window, ctx)
    value = aov * freq * lifespan * gross_margin
    return _result(st, {"average_order_value": aov, "purchase_frequency": freq,
                        "lifetime_value": value},
                   f"Transactional lifetime value ({st.currency})",
                   ("average_order_value", "lifetime_value"), "lifetime_value")
