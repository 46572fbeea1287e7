"""Transactional value: average order value, purchase frequency and transactional CLV.

Definitions
-----------
Over a window from the first day of ``start`` to the last day of ``end`` (defaults: the
months of the first and the last payment):

* **average order value** = revenue / payments;
* **purchase frequency** = payments / customers with a payment / the window's length in
  periods of ``freq`` (a window of whole months has an exact length in months; a window of
  arbitrary dates is ``days / 365.25`` years; ``freq="window"`` divides by nothing);
* **transactional lifetime value** = average order value x purchase frequency x lifespan x
  gross margin, the lifespan in periods of ``freq``: undiscounted, and the lifespan is an
  input, not estimated from the payments.

Money is never summed across currencies (split with ``by="currency"``).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.currency import MINOR_UNITS
from csmetrics._core.options import Interval, Satisfies, validate_params
from csmetrics._core.partials import Job, Partials, staged
from csmetrics._core.ratios import divide
from csmetrics._core.segments import By, resolve, segment_columns
from csmetrics._kernels.primitives import bincount_int
from csmetrics.exceptions import CurrencyMismatchError, InvalidParameterError
from csmetrics.periods.calendar import Frequency, Period, PeriodLike, parse_frequency, snapshot_date
from csmetrics.results import MetricResult
from csmetrics.tables.coerce import as_payments
from csmetrics.tables.payments import PaymentTable
from csmetrics.value.plan import PlanSegments, plan_segments, row_segments

__all__ = ["average_order_value", "purchase_frequency", "transactional_lifetime_value"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _is_date(value: Any) -> bool:
    if isinstance(value, _dt.date):
        return True
    if isinstance(value, np.datetime64):
        return np.datetime_data(value.dtype)[0] not in ("Y", "M")
    return isinstance(value, str) and bool(_DATE.match(value.strip()))


@dataclass(frozen=True)
class _Window:
    first: np.datetime64
    last: np.datetime64
    months: float

    @property
    def label(self) -> str:
        return "no payments" if np.isnat(self.first) else f"{self.first} to {self.last}"

    def rows(self, table: PaymentTable) -> NDArray[np.bool_]:
        """The payments of ``table`` dated in the window (none when it is unknown)."""
        return (table.date >= self.first) & (table.date <= self.last)


def _window(table: PaymentTable, start: PeriodLike | None, end: PeriodLike | None,
            context: str) -> _Window:
    """The window from the first day of ``start`` to the last day of ``end``, and its length
    in months. Without payments and a window to infer, the window is unknown (its values
    are undefined)."""
    if len(table) == 0 and (start is None or end is None):
        nat = np.datetime64("NaT", "D")
        return _Window(nat, nat, math.nan)
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
    return _Window(first, last, months)


def _segment_currency(table: PaymentTable, rows: NDArray[np.bool_], seg: NDArray[np.int64],
                      n_seg: int, context: str) -> tuple[NDArray[np.int64], str]:
    """Minor-unit digits of each segment's one currency, and the currencies used; a segment
    whose payments in the window mix currencies is an error (never summed)."""
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
class _Plan:
    """What the parts of a payment metric agree on: the window, the segments, each
    segment's currency digits, and the metric's options."""

    segments: PlanSegments
    window: _Window
    currency: str
    digits: NDArray[np.int64]
    context: str
    freq: str | Frequency = "year"
    lifespan: float = 1.0
    gross_margin: float = 1.0


@dataclass(frozen=True)
class _PaymentStats:
    name: str | None
    labels: NDArray[Any]
    revenue: NDArray[np.float64]
    payments: NDArray[np.int64]
    customers: NDArray[np.int64]
    window: _Window
    currency: str
    digits: NDArray[np.int64]
    context: str


def _prepare(payments: Any, start: PeriodLike | None, end: PeriodLike | None, by: By,
             context: str, **options: Any) -> tuple[PaymentTable, _Plan]:
    table = as_payments(payments, context, by=by)
    win = _window(table, start, end, context)
    segs = resolve(by, table, context)
    digits, currency = _segment_currency(table, win.rows(table), segs.of_row, segs.n, context)
    plan = _Plan(plan_segments(segs, table, by, context), win, currency, digits, context,
                 **options)
    return table, plan


def _partial(part: PaymentTable, plan: _Plan) -> Partials:
    """A part's revenue (minor units), payments and paying customers per segment."""
    rows = plan.window.rows(part)
    n_seg = plan.segments.n
    s = row_segments(part, plan.segments)[rows]
    revenue = bincount_int(s, part.amount_minor[rows], n_seg)
    count = np.bincount(s, minlength=n_seg).astype(np.int64)
    # A customer's payments are all in one part, so its (segment, customer) pairs are too.
    n_cust = max(len(part.customer_ids), 1)
    pairs = np.unique(s * n_cust + part.customer_codes[rows])
    customers = np.bincount(pairs // n_cust, minlength=n_seg).astype(np.int64)
    return Partials(plan.context, {"revenue_minor": revenue, "payments": count,
                                   "customers": customers})


def _stats(partials: Partials, plan: _Plan) -> _PaymentStats:
    seg = plan.segments
    revenue = partials["revenue_minor"].astype(np.float64) / 10.0 ** plan.digits
    return _PaymentStats(seg.name, seg.labels, revenue, partials["payments"],
                         partials["customers"], plan.window, plan.currency, plan.digits,
                         plan.context)


def _is_freq(value: Any) -> Any:
    return value == "window" or parse_frequency(value)


_FREQ = Satisfies(_is_freq, "a period length ('month', 'quarter', 'year', or a fiscal "
                  "'quarter-<mon>' / 'year-<mon>') or 'window' (the whole window)")
_FINITE = Interval(closed="neither")


def _per_factor(freq: str | Frequency, win: _Window) -> float:
    """What turns a count over the window into a count per period of ``freq``: the months of
    one period over the months of the window (1 for ``"window"``)."""
    if isinstance(freq, str) and freq == "window":
        return 1.0
    return float(parse_frequency(freq).months) / win.months


def _unit(freq: str | Frequency) -> str:
    if isinstance(freq, str) and freq == "window":
        return "window"
    return parse_frequency(freq).name.split("-")[0]


def _result(stats: _PaymentStats, columns: dict[str, NDArray[Any]], value: str, title: str,
            money: Sequence[str]) -> MetricResult:
    cols = segment_columns(stats.name, stats.labels, stats.context)
    cols.update(columns)
    return MetricResult(cols, value=value, title=title, money=money, digits=stats.digits,
                        segment=stats.name)


def _per_payment(st: _PaymentStats, context: str) -> NDArray[np.float64]:
    return divide(st.revenue, st.payments, context=context,
                  what="the number of payments in the window")


def _per_customer(st: _PaymentStats, context: str, *, warned: bool = False
                  ) -> NDArray[np.float64]:
    """Payments per paying customer. A segment without payments has no paying customer
    either: with ``warned``, those rows were already reported (by ``_per_payment``), so they
    are NaN here without a second warning."""
    if not warned:
        return divide(st.payments, st.customers, context=context,
                      what="the number of paying customers in the window")
    none = st.payments == 0
    return divide(np.where(none, np.nan, st.payments), np.where(none, 1, st.customers),
                  context=context, what="the number of paying customers in the window")


@staged(MetricResult)
@validate_params({})
def average_order_value(payments: Any, start: PeriodLike | None = None,
                        end: PeriodLike | None = None, *, by: By = None) -> Job[MetricResult]:
    """Average amount of a payment in the window, in the payments' currency: revenue over the
    number of payments.

    Parameters
    ----------
    payments : PaymentTable, list of Payment, or columns
        The payments.
    start, end : period or date, optional
        The window, inclusive (a period from its first to its last day). Defaults: the
        first day of the first payment's month and the last day of the last payment's month.
    by : str or mapping, optional
        ``None``: the portfolio. A column (``"currency"``, ``"customer_id"`` for one row per
        customer, or any input column) or a mapping from customer id to segment (ids it
        lacks in ``"(none)"``): one row per segment.

    Returns
    -------
    MetricResult
        Value column ``average_order_value``, with its parts ``payments`` and ``revenue``.

    Raises
    ------
    CurrencyMismatchError
        A result would sum payments in several currencies (split with ``by="currency"``).
    InvalidParameterError
        The window is empty (its end before its start), or ``by`` is not None, a column
        name or a mapping.
    ColumnNotFoundError
        ``by`` names no column of the input (the message lists those there are).

    Warns
    -----
    UndefinedMetricWarning
        A result has no payments in the window (NaN).

    Notes
    -----
    ``revenue / payments`` over the payments dated in the window; revenue is summed in
    minor units (cents), so it is exact.

    Examples
    --------
    >>> from csmetrics import Payment
    >>> pays = [Payment(customer_id="a", date="2024-01-03", amount=20),
    ...         Payment(customer_id="b", date="2024-02-09", amount=35),
    ...         Payment(customer_id="a", date="2024-03-11", amount=50)]
    >>> average_order_value(pays)
    MetricResult(average_order_value=35)
    """
    return Job(*_prepare(payments, start, end, by, "average_order_value"), _partial,
               _aov_finalize)


def _aov_finalize(partials: Partials, plan: _Plan) -> MetricResult:
    """``average_order_value`` of the combined partials."""
    ctx = plan.context
    st = _stats(partials, plan)
    aov = _per_payment(st, ctx)
    return _result(st, {"average_order_value": aov, "payments": st.payments,
                        "revenue": st.revenue}, "average_order_value",
                   f"Average order value, {st.window.label} ({st.currency})",
                   ("average_order_value", "revenue"))


@staged(MetricResult)
@validate_params({"freq": _FREQ}, renamed={"per": "freq"})
def purchase_frequency(payments: Any, start: PeriodLike | None = None,
                       end: PeriodLike | None = None, *, freq: str | Frequency = "year",
                       by: By = None) -> Job[MetricResult]:
    """Payments per paying customer, per period of ``freq`` (a year by default).

    Parameters
    ----------
    payments : PaymentTable, list of Payment, or columns
        The payments.
    start, end : period or date, optional
        The window, as in ``average_order_value``.
    freq : str, default "year"
        The period the count is per: ``"year"``, ``"quarter"`` or ``"month"`` (a fiscal
        ``"year-apr"`` is the same length as ``"year"``), or ``"window"`` for the count over
        the whole window. Before 0.2 this was ``per=``, still accepted for one release with
        a ``DeprecationWarning``.
    by : str or mapping, optional
        As in ``average_order_value``.

    Returns
    -------
    MetricResult
        Value column ``purchase_frequency``, with its parts ``payments`` and ``customers``
        (customers with a payment in the window).

    Raises
    ------
    InvalidParameterError
        An unknown ``freq``, or an empty window.

    Warns
    -----
    UndefinedMetricWarning
        A result has no paying customers in the window (NaN).

    Notes
    -----
    ``payments / customers / length``, the length of the window in periods of ``freq``:
    whole calendar months when the window is made of whole months, otherwise
    ``days / 365.25`` years.

    Examples
    --------
    >>> from csmetrics import Payment
    >>> pays = [Payment(customer_id="a", date="2024-01-03", amount=20),
    ...         Payment(customer_id="b", date="2024-02-09", amount=35),
    ...         Payment(customer_id="a", date="2024-03-11", amount=50)]
    >>> float(purchase_frequency(pays, "2024-01", "2024-06"))   # 3 / 2 per half-year
    3.0
    >>> float(purchase_frequency(pays, "2024-01", "2024-06", freq="window"))
    1.5
    """
    return Job(*_prepare(payments, start, end, by, "purchase_frequency", freq=freq),
               _partial, _pf_finalize)


def _pf_finalize(partials: Partials, plan: _Plan) -> MetricResult:
    """``purchase_frequency`` of the combined partials."""
    ctx, freq = plan.context, plan.freq
    st = _stats(partials, plan)
    per_customer = _per_customer(st, ctx) * _per_factor(freq, st.window)
    return _result(st, {"purchase_frequency": per_customer, "payments": st.payments,
                        "customers": st.customers}, "purchase_frequency",
                   f"Purchases per customer per {_unit(freq)}, {st.window.label}", ())


@staged(MetricResult)
@validate_params({"lifespan": Interval(0, math.inf, closed="neither"),
                  "gross_margin": _FINITE, "freq": _FREQ}, renamed={"per": "freq"})
def transactional_lifetime_value(payments: Any, start: PeriodLike | None = None,
                                 end: PeriodLike | None = None, *, lifespan: float,
                                 gross_margin: float = 1.0, freq: str | Frequency = "year",
                                 by: By = None) -> Job[MetricResult]:
    """Transactional CLV, in the payments' currency: average order value x purchase frequency
    x lifespan x margin.

    Parameters
    ----------
    payments : PaymentTable, list of Payment, or columns
        The payments.
    start, end : period or date, optional
        The window the order value and frequency are measured over.
    lifespan : float
        Expected customer lifespan, in periods of ``freq`` (years by default), > 0.
    gross_margin : float, default 1.0
        Fraction of revenue kept as margin.
    freq : str, default "year"
        Unit of the frequency and of ``lifespan``, as in ``purchase_frequency`` (``per=``
        before 0.2, still accepted for one release).
    by : str or mapping, optional
        As in ``average_order_value``.

    Returns
    -------
    MetricResult
        Value column ``lifetime_value``, with ``average_order_value`` and
        ``purchase_frequency``.

    Raises
    ------
    InvalidParameterError
        A lifespan that is not a number > 0, a margin that is not finite, an unknown
        ``freq``, or an empty window.

    Warns
    -----
    UndefinedMetricWarning
        A result has no payments in the window (NaN): one warning.

    Notes
    -----
    ``AOV x frequency`` is revenue per customer per period, so the value is
    ``revenue / customers / length x lifespan x margin``. Undiscounted; the lifespan is an
    input, not estimated from the payments (which would need a model of when one-off
    buyers are gone).

    Examples
    --------
    >>> from csmetrics import Payment
    >>> pays = [Payment(customer_id="a", date="2024-01-03", amount=20),
    ...         Payment(customer_id="b", date="2024-05-09", amount=35),
    ...         Payment(customer_id="a", date="2024-11-11", amount=50)]
    >>> float(transactional_lifetime_value(pays, "2024", "2024", lifespan=3))
    157.5
    """
    return Job(*_prepare(payments, start, end, by, "transactional_lifetime_value", freq=freq,
                         lifespan=lifespan, gross_margin=gross_margin), _partial,
               _tlv_finalize)


def _tlv_finalize(partials: Partials, plan: _Plan) -> MetricResult:
    """``transactional_lifetime_value`` of the combined partials."""
    ctx, freq = plan.context, plan.freq
    lifespan, gross_margin = plan.lifespan, plan.gross_margin
    st = _stats(partials, plan)
    aov = _per_payment(st, ctx)
    per_customer = _per_customer(st, ctx, warned=True) * _per_factor(freq, st.window)
    value = aov * per_customer * lifespan * gross_margin
    return _result(st, {"lifetime_value": value, "average_order_value": aov,
                        "purchase_frequency": per_customer}, "lifetime_value",
                   f"Transactional lifetime value ({st.currency})",
                   ("average_order_value", "lifetime_value"))
