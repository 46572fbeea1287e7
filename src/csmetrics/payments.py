"""Payments and transactional customer lifetime value (one-off purchases).

Definitions
-----------
**Transactional CLV** for one-off purchases: average order value x purchase frequency
(purchases per customer per year, or per ``per``) x expected lifespan x gross margin.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, field_validator

from csmetrics._currency import MINOR_UNITS
from csmetrics._table_base import readonly
from csmetrics._validation import (
    Checker,
    ErrorMode,
    column_getter,
    lookup,
    to_codes,
    to_dates,
    to_float,
    validate_records,
)
from csmetrics.exceptions import (
    ColumnNotFoundError,
    CurrencyMismatchError,
    DataValidationError,
    InvalidParameterError,
)
from csmetrics.periods import Period, PeriodLike, snapshot_date
from csmetrics.results import SkippedRows, TableResult
from csmetrics.tables import _currencies
from csmetrics.value import _warn

__all__ = [
    "Payment",
    "PaymentTable",
    "average_order_value",
    "purchase_frequency",
    "transactional_lifetime_value",
]


# --- payments and transactional CLV ------------------------------------------------------------


class Payment(BaseModel):
    """One payment (a one-off purchase or an invoice paid).

    Parameters
    ----------
    customer_id : str or int
        The paying account.
    date : date
        Day the payment was made.
    amount : Decimal, int or float
        Amount paid, excluding tax; >= 0 (net refunds into the amount before).
    currency : str, default "USD"
        ISO 4217 code.
    payment_id : str or int, optional
        Identifies the payment.

    Examples
    --------
    >>> Payment(customer_id="acme", date="2024-03-15", amount=49.9)
    Payment(customer_id='acme', date=datetime.date(2024, 3, 15), amount=49.9, currency='USD', payment_id=None)
    """  # noqa: E501

    model_config = ConfigDict(frozen=True, extra="forbid")

    customer_id: str | int
    date: _dt.date
    amount: Decimal | int | float
    currency: str = "USD"
    payment_id: str | int | None = None

    @field_validator("amount")
    @classmethod
    def _amount_is_finite_and_not_negative(cls, v: Decimal | int | float
                                           ) -> Decimal | int | float:
        if (isinstance(v, Decimal) and not v.is_finite()) or (
                isinstance(v, float) and not math.isfinite(v)):
            raise ValueError("must be a finite number")
        if v < 0:
            raise ValueError("must be >= 0")
        return v

    @field_validator("currency")
    @classmethod
    def _currency_is_iso_4217(cls, v: str) -> str:
        code = v.strip().upper()
        if code not in MINOR_UNITS:
            raise ValueError(f"{v!r} is not an ISO 4217 currency code")
        return code


_PAYMENT_COLUMNS = ("customer_id", "date", "amount", "currency", "payment_id")
_MAX_AMOUNT = 1e12



@dataclass(frozen=True, repr=False, eq=False)
class PaymentTable:
    """Payments as validated, read-only numpy columns.

    Build one with :meth:`from_records` or :meth:`from_columns`.

    Attributes
    ----------
    customer_codes : ndarray of int64
        Index of each payment's customer into ``customer_ids`` (sorted unique ids).
    date : ndarray of datetime64[D]
    amount : ndarray of float64
    amount_minor : ndarray of int64
        Each amount in minor units of its currency (cents), rounded half to even.
    currency_codes : ndarray of int64
        Codes into ``currencies``.
    source_rows : ndarray of int64
        Each row's position in the input.
    skipped : SkippedRows
        Rows left out with ``errors="skip"``.

    Examples
    --------
    >>> PaymentTable.from_columns({"customer_id": ["a", "b", "a"],
    ...                            "date": ["2024-01-03", "2024-01-09", "2024-02-11"],
    ...                            "amount": [20, 35.5, 12]})
    PaymentTable(3 payments, 2 customers, 2024-01-03 to 2024-02-11, USD)
    """

    customer_codes: NDArray[np.int64]
    customer_ids: NDArray[Any]
    date: NDArray[np.datetime64]
    amount: NDArray[np.float64]
    amount_minor: NDArray[np.int64]
    currency_codes: NDArray[np.int64]
    currencies: NDArray[np.str_]
    source_rows: NDArray[np.int64]
    skipped: SkippedRows = field(default_factory=lambda: SkippedRows.empty())

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                object.__setattr__(self, f.name, readonly(value))

    @classmethod
    def from_records(cls, records: Iterable[Payment | Mapping[str, Any]], *,
                     errors: ErrorMode = "raise") -> PaymentTable:
        """Build a table from :class:`Payment` records or dicts of their fields.

        Examples
        --------
        >>> PaymentTable.from_records([Payment(customer_id=1, date="2024-05-01", amount=10)])
        PaymentTable(1 payment, 1 customer, 2024-05-01 to 2024-05-01, USD)
        """
        ctx = "PaymentTable.from_records"
        batch = validate_records(records, Payment, ctx, errors)
        columns = batch.columns(_PAYMENT_COLUMNS, convert={"amount": float})
        return cast(PaymentTable, batch.merge(
            cls.from_columns(columns, errors=errors, _context=ctx)))

    @classmethod
    def from_columns(cls, data: Any, *, customer_id: str = "customer_id", date: str = "date",
                     amount: str = "amount", currency: str = "currency",
                     errors: ErrorMode = "raise",
                     _context: str = "PaymentTable.from_columns") -> PaymentTable:
        """Build a table from columns: a mapping of arrays or lists, or a DataFrame.

        Parameters
        ----------
        data : mapping, pandas.DataFrame, polars.DataFrame or pyarrow.Table
        customer_id, date, amount, currency : str
            Names of the columns; ``currency`` is optional (default "USD").
        errors : {"raise", "skip"}, default "raise"
            Stop at the first broken rule, or leave bad rows out and list them in
            ``skipped``.

        Raises
        ------
        ColumnNotFoundError
            A required column is missing.
        DataValidationError
            A missing customer or date, an unreadable date, an amount that is missing,
            negative, not finite or too large, or an unknown currency.
        """
        ctx = _context
        names, get = column_getter(data, ctx)
        for wanted in (customer_id, date, amount):
            if wanted not in names:
                raise ColumnNotFoundError(wanted, names, context=ctx)
        cust_raw, date_raw, amount_raw = get(customer_id), get(date), get(amount)
        n = int(np.asarray(cust_raw).shape[0])
        sizes = {np.asarray(v).shape[0] for v in (cust_raw, date_raw, amount_raw)}
        cur_raw = get(currency) if currency in names else np.full(n, "USD", dtype=object)
        sizes.add(np.asarray(cur_raw).shape[0])
        if len(sizes) > 1:
            raise DataValidationError(column=f"{customer_id}, {date}, {amount}",
                                      rule="must all have one length", count=len(sizes),
                                      positions=[], n_rows=max(sizes), context=ctx)
        chk = Checker(n, ctx, errors)
        codes, ids = to_codes(np.asarray(cust_raw), customer_id, chk, required=True)
        days = to_dates(np.asarray(date_raw), date, chk)
        chk.check(np.isnat(days) & ~chk.bad, date, "must not be missing")
        amt = to_float(np.asarray(amount_raw), amount, chk)
        chk.check(np.isnan(amt) & ~chk.bad, amount, "must not be missing (None/NaN)")
        chk.check(np.isinf(amt), amount, "must be finite")
        chk.check(amt < 0, amount, "must be >= 0 (net refunds into the amount)")
        chk.check(amt >= _MAX_AMOUNT, amount, f"must be below {_MAX_AMOUNT:,.0f}")
        cur_codes, currencies = _currencies(np.asarray(cur_raw, dtype=object), currency, chk)
        digits = np.array([MINOR_UNITS[c] for c in currencies.tolist()], dtype=np.int64)
        safe = np.where(chk.bad, 0.0, np.nan_to_num(amt))
        minor = np.rint(safe * 10.0 ** digits[cur_codes]).astype(np.int64)
        table = cls(customer_codes=codes, customer_ids=ids, date=days, amount=amt,
                    amount_minor=minor, currency_codes=cur_codes, currencies=currencies,
                    source_rows=np.arange(n, dtype=np.int64),
                    skipped=SkippedRows.from_checker(chk))
        if not chk.bad.any():
            return table
        return table.take(np.flatnonzero(~chk.bad))

    def __len__(self) -> int:
        return int(self.customer_codes.size)

    @property
    def n_customers(self) -> int:
        """Distinct customers with at least one payment."""
        return int(np.unique(self.customer_codes).size)

    def take(self, indices: NDArray[np.integer[Any]] | NDArray[np.bool_]) -> PaymentTable:
        """The rows at ``indices`` (positions or a boolean mask), as a new table."""
        idx = np.asarray(indices)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        rows = ("customer_codes", "date", "amount", "amount_minor", "currency_codes",
                "source_rows")
        return replace(self, **{name: getattr(self, name)[idx] for name in rows})

    def __repr__(self) -> str:
        n = len(self)
        if n == 0:
            return "PaymentTable(0 payments)"
        cur = ", ".join(self.currencies[np.unique(self.currency_codes)].tolist())
        k = self.n_customers
        skipped = f", {len(self.skipped):,} skipped" if len(self.skipped) else ""
        return (f"PaymentTable({n:,} payment{'s' * (n != 1)}, {k:,} customer{'s' * (k != 1)}, "
                f"{self.date.min()} to {self.date.max()}, {cur}{skipped})")


def _as_payments(payments: Any, context: str) -> PaymentTable:
    if isinstance(payments, PaymentTable):
        return payments
    if isinstance(payments, list | tuple):
        return PaymentTable.from_records(payments)
    return PaymentTable.from_columns(payments, _context=context)


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
    values = lookup(table.customer_ids, by, context, "customers")
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
    table = _as_payments(payments, context)
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
