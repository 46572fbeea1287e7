"""Customer lifetime value: the closed-form formulas, data-driven LTV, transactional CLV and the
shifted-beta-geometric (sBG) model of contract renewal.

Definitions
-----------
**Closed-form CLV.** A customer worth margin ``m = arpa * gross_margin`` per period who churns
with probability ``c`` each period (retention ``r = 1 - c``), discounted at ``d`` per period:

==========  ================================  ==========================================
timing      cash arrives                      CLV (no horizon)
==========  ================================  ==========================================
``start``   at the start of each period the   ``m * (1 + d) / (d + c)``
            customer is active (billed in
            advance; the first payment is now)
``end``     at the end of each period the     ``m / (d + c)``
            customer is active (in arrears)
==========  ================================  ==========================================

Undiscounted (``d = 0``) both are ``m / c``: ARPA x margin / churn. With a horizon of H
periods the sums stop after H payments: ``start`` is ``m (1 - q^H) / (1 - q)`` with
``q = r / (1 + d)``, ``end`` the same divided by ``1 + d``. Zero churn with no discount and
no horizon is infinite (``inf``, with an ``UndefinedMetricWarning``).

**Data-driven LTV** (:func:`lifetime_value`) is the ``start``-timing CLV with ARPA (MRR over
paying customers at the snapshot ``at``) and the mean of the monthly customer churn rates
(churned customers over customers at the start of the month) of the ``window`` months before
the month of ``at`` (ChartMogul's six-month trailing average, the current month excluded).

**Transactional CLV** for one-off purchases: average order value x purchase frequency
(purchases per customer per year, or per ``per``) x expected lifespan x gross margin.

**sBG model** (Fader and Hardie 2007). Each customer churns at the end of each period with
a constant probability theta, and theta varies across customers as Beta(alpha, beta). The
period T in which a customer churns (T >= 1) then has ``P(T = t) = B(alpha + 1, beta + t - 1)
/ B(alpha, beta)`` and survival ``S(t) = P(T > t) = B(alpha, beta + t) / B(alpha, beta)``;
the retention rate of period t is ``r_t = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta +
t - 1)``, which rises with t as the customers most likely to churn leave first.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from csmetrics._currency import MINOR_UNITS
from csmetrics._kernels import value as kv
from csmetrics._validation import (
    Checker,
    ErrorMode,
    column_getter,
    fail,
    lookup,
    to_codes,
    to_dates,
    to_float,
)
from csmetrics.exceptions import (
    ColumnNotFoundError,
    CurrencyMismatchError,
    DataValidationError,
    InvalidParameterError,
    UndefinedMetricWarning,
)
from csmetrics.periods import Period, PeriodLike, snapshot_date
from csmetrics.results import SkippedRows, TableResult
from csmetrics.tables import _currencies

__all__ = [
    "LifetimeValue",
    "Payment",
    "PaymentTable",
    "ShiftedBetaGeometric",
    "average_order_value",
    "cac_payback_months",
    "customer_lifetime_value",
    "lifetime_value",
    "ltv_to_cac",
    "purchase_frequency",
    "transactional_lifetime_value",
]

Timing = Literal["start", "end"]


def _warn(message: str) -> None:
    warnings.warn(message, UndefinedMetricWarning, stacklevel=3)


def _array(value: ArrayLike, name: str, context: str) -> NDArray[np.float64]:
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{context}: {name} must be a number or an array of "
                                    f"numbers, got {value!r}.") from None
    fail(name, "must be finite (NaN is passed through, infinity is not)", np.isinf(a).ravel(),
         context)
    return a


def _out(a: NDArray[np.float64]) -> float | NDArray[np.float64]:
    return float(a) if a.ndim == 0 else a


# --- closed-form CLV ---------------------------------------------------------------------------


@overload
def customer_lifetime_value(arpa: float, churn_rate: float, *, gross_margin: float = 1.0,
                            discount_rate: float = 0.0, timing: Timing = "start",
                            horizon: float | None = None) -> float: ...
@overload
def customer_lifetime_value(arpa: ArrayLike, churn_rate: ArrayLike, *,
                            gross_margin: ArrayLike = 1.0, discount_rate: ArrayLike = 0.0,
                            timing: Timing = "start", horizon: ArrayLike | None = None
                            ) -> float | NDArray[np.float64]: ...


def customer_lifetime_value(
    arpa: ArrayLike,
    churn_rate: ArrayLike,
    *,
    gross_margin: ArrayLike = 1.0,
    discount_rate: ArrayLike = 0.0,
    timing: Timing = "start",
    horizon: ArrayLike | None = None,
) -> float | NDArray[np.float64]:
    """Expected (discounted) margin of a customer with constant per-period churn.

    Parameters
    ----------
    arpa : float or array-like
        Average revenue per account per period (monthly ARPA for monthly churn).
    churn_rate : float or array-like
        Probability of churning each period, 0 to 1.
    gross_margin : float or array-like, default 1.0
        Fraction of revenue kept as margin.
    discount_rate : float or array-like, default 0.0
        Discount rate per period (a yearly 10% is about 0.797% a month), >= 0.
    timing : {"start", "end"}, default "start"
        Cash at the start of each active period (billed in advance, first payment now) or at
        its end (in arrears).
    horizon : float or array-like, optional
        Cap on the number of payments (whole periods, >= 1); None for no cap.

    Returns
    -------
    float or ndarray
        The CLV in the currency of ``arpa``; arrays broadcast. NaN inputs give NaN.

    Raises
    ------
    DataValidationError
        A churn rate outside 0..1, a negative discount rate, a horizon that is not a whole
        number >= 1, or an infinite input.

    Warns
    -----
    UndefinedMetricWarning
        Zero churn, no discount and no horizon: the CLV is infinite.

    Notes
    -----
    ``start``: ``m (1 + d) / (d + c)``; ``end``: ``m / (d + c)``; with ``m = arpa *
    gross_margin``. Undiscounted, both are ``m / c``. With a horizon H,
    ``start = m (1 - q^H) / (1 - q)`` with ``q = (1 - c) / (1 + d)`` and ``end = start / (1 +
    d)``. CLV falls as churn rises and is linear in ``arpa`` and in ``gross_margin``.

    References
    ----------
    Gupta, S. and Lehmann, D. R. (2003). Customers as assets. Journal of Interactive
    Marketing 17(1), 9-24. ChartMogul, "Customer Lifetime Value (LTV)": LTV = ARPA / churn.

    Examples
    --------
    >>> customer_lifetime_value(100, 0.05)                       # 100 / 0.05
    2000.0
    >>> customer_lifetime_value(100, 0.05, gross_margin=0.8, discount_rate=0.01)  # 80*1.01/0.06
    1346.6666666666665
    >>> customer_lifetime_value(100, [0.02, 0.05], horizon=24, timing="end").round(2)
    array([1921.1 , 1416.02])
    """
    ctx = "customer_lifetime_value"
    if timing not in ("start", "end"):
        raise InvalidParameterError(f"{ctx}: timing must be 'start' or 'end', got {timing!r}.")
    a = _array(arpa, "arpa", ctx)
    c = _array(churn_rate, "churn_rate", ctx)
    g = _array(gross_margin, "gross_margin", ctx)
    d = _array(discount_rate, "discount_rate", ctx)
    fail("churn_rate", "must be between 0 and 1", ((c < 0) | (c > 1)).ravel(), ctx)
    fail("discount_rate", "must be >= 0", (d < 0).ravel(), ctx)
    if horizon is None:
        h = np.asarray(np.inf)
    else:
        h = _array(horizon, "horizon", ctx)
        fail("horizon", "must be a whole number of periods >= 1",
             ((h < 1) | (h != np.floor(h))).ravel(), ctx)
    a, c, g, d, h = np.broadcast_arrays(a, c, g, d, h)
    value = kv.lifetime_value(a * g, c, d, h, timing == "start")
    infinite = np.isinf(value)
    if infinite.any():
        _warn(f"{ctx}: {int(infinite.sum()):,} value(s) have zero churn with no discount and "
              "no horizon: the lifetime value is infinite (pass horizon= to cap it).")
    return _out(value)


def ltv_to_cac(ltv: ArrayLike, cac: ArrayLike) -> float | NDArray[np.float64]:
    """LTV to CAC ratio: lifetime value over the cost of acquiring the customer.

    Parameters
    ----------
    ltv, cac : float or array-like
        Lifetime value and customer acquisition cost, in one currency.

    Returns
    -------
    float or ndarray
        ``ltv / cac``; NaN (with a warning) where ``cac`` is 0.

    Notes
    -----
    A ratio of 3 or more is the usual rule of thumb for a healthy SaaS business.

    Examples
    --------
    >>> ltv_to_cac(2000, 500)
    4.0
    """
    ctx = "ltv_to_cac"
    v = _array(ltv, "ltv", ctx)
    k = _array(cac, "cac", ctx)
    fail("cac", "must be >= 0", (k < 0).ravel(), ctx)
    zero = k == 0
    if np.any(zero):
        _warn(f"{ctx}: {int(np.sum(zero)):,} CAC value(s) are 0; the ratio is undefined (NaN).")
    with np.errstate(divide="ignore", invalid="ignore"):
        return _out(np.where(zero, np.nan, v / np.where(zero, 1.0, k)))


def cac_payback_months(cac: ArrayLike, arpa: ArrayLike, *, gross_margin: ArrayLike = 1.0
                       ) -> float | NDArray[np.float64]:
    """Months of margin needed to earn back the cost of acquiring a customer.

    Parameters
    ----------
    cac : float or array-like
        Customer acquisition cost.
    arpa : float or array-like
        Monthly average revenue per account (new customers' ARPA, ideally).
    gross_margin : float or array-like, default 1.0
        Fraction of revenue kept as margin.

    Returns
    -------
    float or ndarray
        ``cac / (arpa * gross_margin)``; NaN (with a warning) where the monthly margin is not
        positive (the cost is never earned back).

    Notes
    -----
    Churn is ignored, as in the usual definition; compare with
    :func:`customer_lifetime_value` to see whether customers stay that long.

    Examples
    --------
    >>> cac_payback_months(1200, 100, gross_margin=0.8)
    15.0
    """
    ctx = "cac_payback_months"
    k = _array(cac, "cac", ctx)
    m = _array(arpa, "arpa", ctx) * _array(gross_margin, "gross_margin", ctx)
    never = m <= 0
    if np.any(never):
        _warn(f"{ctx}: {int(np.sum(never)):,} value(s) have no positive monthly margin; the "
              "cost is never paid back (NaN).")
    with np.errstate(divide="ignore", invalid="ignore"):
        return _out(np.where(never, np.nan, k / np.where(never, 1.0, m)))


# --- data-driven LTV --------------------------------------------------------------------------


class LifetimeValue(TableResult):
    """Lifetime value estimated from subscriptions, with everything it used.

    Columns: the segment column when split, ``arpa``, ``churn_rate`` (the trailing mean of
    monthly customer churn), ``churn_months`` (months the mean is over), ``customers``
    (paying at ``at``) and ``lifetime_value``.

    Attributes
    ----------
    at : str
        The snapshot (ISO date) ARPA is read at.
    churn_periods : tuple of str
        The months whose churn rates are averaged.
    monthly_churn : ndarray, shape (segments, window)
        Each of those months' customer churn rate (NaN with no customers at its start).
    gross_margin, discount_rate : float
    timing : str
    horizon : float or None
    currency : str
    definition : str
        The formula and inputs, in words.
    """

    at: str
    churn_periods: tuple[str, ...]
    monthly_churn: NDArray[np.float64]
    gross_margin: float
    discount_rate: float
    timing: str
    horizon: float | None
    currency: str
    definition: str

    def __init__(self, columns: Mapping[str, Any], **attributes: Any) -> None:
        super().__init__(columns, title=f"Lifetime value at {attributes['at']} "
                         f"({attributes['currency']})", money=("arpa", "lifetime_value"))
        self._set(**attributes)

    @property
    def value(self) -> float:
        """The lifetime value of an unsplit result."""
        if len(self) != 1:
            raise InvalidParameterError("this result is split by segment: read the "
                                        "lifetime_value column.")
        return float(self["lifetime_value"][0])

    def __str__(self) -> str:
        return f"{super().__str__()}\n{self.definition}"

    def __repr__(self) -> str:
        if len(self) == 1:
            return (f"LifetimeValue({self.value:,.2f} {self.currency} at {self.at}: ARPA "
                    f"{self['arpa'][0]:,.2f}, churn {self['churn_rate'][0]:.4f})")
        return f"LifetimeValue({len(self)} segments at {self.at}, {self.currency})"


def lifetime_value(
    subscriptions: Any,
    *,
    at: PeriodLike,
    window: int = 6,
    gross_margin: float = 1.0,
    discount_rate: float = 0.0,
    timing: Timing = "start",
    horizon: float | None = None,
    by: str | Mapping[Any, Any] | None = None,
) -> LifetimeValue:
    """Lifetime value from the data: ARPA at ``at`` over a trailing mean of monthly churn.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscription spans.
    at : period or date
        The snapshot: ARPA is MRR over paying customers on its last day (or on the date).
    window : int, default 6
        Months of churn to average: the ``window`` whole months before the month of ``at``.
    gross_margin, discount_rate, timing, horizon
        As in :func:`customer_lifetime_value` (rates per month).
    by : str or mapping, optional
        Split by a column or a mapping from customer id to segment, as in
        :func:`csmetrics.mrr_movements`.

    Returns
    -------
    LifetimeValue
        The value with the ARPA, churn rate, months and formula it used.

    Warns
    -----
    UndefinedMetricWarning
        No paying customers at ``at`` (ARPA NaN), no month of the window with customers at
        its start (churn NaN), or zero churn (infinite value without a horizon).

    Notes
    -----
    ``monthly churn = churned_customers / starting_customers`` of each month in the public
    :func:`csmetrics.mrr_movements` bridge (a customer churns when their MRR goes from
    positive to 0); the churn rate used is the mean of the monthly rates, skipping months
    with no customers at their start (``churn_months`` says how many were used).
    ``lifetime_value = customer_lifetime_value(ARPA, churn, ...)``, so undiscounted it is
    ARPA x margin / churn, as in ChartMogul.

    Examples
    --------
    >>> from csmetrics.datasets import demo_portfolio
    >>> ltv = lifetime_value(demo_portfolio(), at="2024-12")
    >>> ltv.churn_periods
    ('2024-06', '2024-07', '2024-08', '2024-09', '2024-10', '2024-11')
    >>> round(float(ltv.value / ltv["arpa"][0] * ltv["churn_rate"][0]), 12)  # ARPA / churn
    1.0
    """
    from csmetrics.revenue import mrr_movements

    ctx = "lifetime_value"
    if not isinstance(window, int | np.integer) or window < 1:
        raise InvalidParameterError(f"{ctx}: window must be a whole number of months >= 1, "
                                    f"got {window!r}.")
    at_day = snapshot_date(at)
    first = Period.parse(at_day, "month") - int(window)
    bridge = mrr_movements(subscriptions, first, at_day, freq="month", by=by)
    seg_cols = [] if by is None else [by if isinstance(by, str) else "segment"]
    periods = list(dict.fromkeys(bridge["period"].tolist()))
    n_per = len(periods)
    n_seg = len(bridge) // n_per

    def grid(name: str) -> NDArray[np.float64]:
        flat: NDArray[np.float64] = np.asarray(bridge[name], dtype=np.float64)
        out: NDArray[np.float64] = flat.reshape(n_per, n_seg).T
        return out

    starting, churned = grid("starting_customers"), grid("churned_customers")
    with np.errstate(divide="ignore", invalid="ignore"):
        monthly = np.where(starting > 0, churned / np.where(starting > 0, starting, 1), np.nan)
    monthly = monthly[:, :window]
    used = (~np.isnan(monthly)).sum(axis=1)
    churn = np.full(n_seg, np.nan)
    churn[used > 0] = np.nanmean(monthly[used > 0], axis=1)
    customers = grid("ending_customers")[:, -1]
    mrr_at = grid("ending_mrr")[:, -1]
    arpa = np.where(customers > 0, mrr_at / np.where(customers > 0, customers, 1), np.nan)
    if (customers == 0).any():
        _warn(f"{ctx}: no paying customers at {at_day} in {int((customers == 0).sum())} "
              "segment(s); ARPA and the lifetime value are NaN.")
    if (used == 0).any():
        _warn(f"{ctx}: no month of the window had customers at its start in "
              f"{int((used == 0).sum())} segment(s); the churn rate is NaN.")
    value = customer_lifetime_value(arpa, churn, gross_margin=gross_margin,
                                    discount_rate=discount_rate, timing=timing,
                                    horizon=horizon)
    cols: dict[str, Any] = {}
    if seg_cols:
        cols[seg_cols[0]] = np.asarray(bridge[seg_cols[0]]).reshape(n_per, n_seg)[0]
    cols.update(arpa=arpa, churn_rate=churn, churn_months=used.astype(np.int64),
                customers=customers.astype(np.int64), lifetime_value=np.asarray(value))
    churn_periods = tuple(periods[:window])
    money = "ARPA x gross margin"
    formula = (f"{money} / churn" if discount_rate == 0 and horizon is None else
               f"customer_lifetime_value({money}, churn, discount_rate={discount_rate}, "
               f"timing={timing!r}, horizon={horizon})")
    definition = (
        f"lifetime_value = {formula}; ARPA = MRR / paying customers on {at_day}; churn = mean "
        f"monthly customer churn rate (churned / customers at month start) over "
        f"{churn_periods[0]} to {churn_periods[-1]}; gross margin {gross_margin:g}.")
    return LifetimeValue(
        cols, at=str(at_day), churn_periods=churn_periods, monthly_churn=monthly,
        gross_margin=float(gross_margin), discount_rate=float(discount_rate), timing=timing,
        horizon=horizon, currency=bridge.currency, definition=definition)


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


def _readonly(a: NDArray[Any]) -> NDArray[Any]:
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


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
                object.__setattr__(self, f.name, _readonly(value))

    @classmethod
    def from_records(cls, records: Iterable[Payment | Mapping[str, Any]], *,
                     errors: ErrorMode = "raise") -> PaymentTable:
        """Build a table from :class:`Payment` records or dicts of their fields.

        Examples
        --------
        >>> PaymentTable.from_records([Payment(customer_id=1, date="2024-05-01", amount=10)])
        PaymentTable(1 payment, 1 customer, 2024-05-01 to 2024-05-01, USD)
        """
        rows: list[Payment] = []
        kept: list[int] = []
        bad: list[tuple[int, str, str]] = []
        for i, rec in enumerate(records):
            try:
                rows.append(rec if isinstance(rec, Payment) else Payment.model_validate(rec))
                kept.append(i)
            except ValidationError as exc:
                err = exc.errors()[0]
                bad.append((i, ".".join(str(p) for p in err["loc"]), err["msg"]))
        if bad and errors == "raise":
            i, column, rule = bad[0]
            same = [p for p, c, r in bad if (c, r) == (column, rule)]
            raise DataValidationError(column=column, rule=f"must be valid ({rule})",
                                      count=len(same), positions=same,
                                      n_rows=len(rows) + len(bad),
                                      context="PaymentTable.from_records")
        columns = {name: [getattr(r, name) for r in rows] for name in _PAYMENT_COLUMNS}
        columns["amount"] = [float(v) for v in columns["amount"]]
        table = cls.from_columns(columns, errors=errors, _context="PaymentTable.from_records")
        if not bad:
            return table
        source = np.asarray(kept, dtype=np.int64)
        own = SkippedRows.build([b[0] for b in bad], [f"{b[1]}: {b[2]}" for b in bad])
        return replace(table, source_rows=_readonly(source[table.source_rows]),
                       skipped=SkippedRows.concat(own, table.skipped.remap(source)))

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


# --- shifted-beta-geometric --------------------------------------------------------------------


def _t_array(t: ArrayLike, name: str, context: str, minimum: int) -> NDArray[np.float64]:
    a = _array(t, name, context)
    fail(name, f"must be a whole number >= {minimum}",
         ((a < minimum) | (a != np.floor(a))).ravel(), context)
    return a


_GEOMETRIC = 1e4
"""Above this alpha + beta the fitted beta distribution has a polarization below 1e-4: churn is
the same for everyone and the sBG has become the geometric model, its limit."""


class ShiftedBetaGeometric:
    """The shifted-beta-geometric model of contract duration (Fader and Hardie 2007).

    Build one from known parameters, ``ShiftedBetaGeometric(alpha, beta)``, or estimate
    them with :meth:`fit`. Periods are renewal periods (months for monthly plans).

    Parameters
    ----------
    alpha, beta : float
        Parameters (> 0) of the beta distribution of the per-period churn probability.

    Attributes
    ----------
    alpha, beta : float
    log_likelihood : float
        At the estimate (NaN for a model built from parameters).
    standard_errors : dict of str to float
        Of alpha and beta, from the inverse of the observed information (NaN if not fitted).
    covariance : ndarray, shape (2, 2)
        Asymptotic covariance of (alpha, beta).
    n_customers, n_churned : int
        Customers the fit used, and how many of them churned.

    Notes
    -----
    ``S(t) = B(alpha, beta + t) / B(alpha, beta)``, ``r_t = (beta + t - 1) / (alpha + beta +
    t - 1)``, ``E[T] = (alpha + beta - 1) / (alpha - 1)`` (infinite for alpha <= 1). The mean
    churn probability is ``alpha / (alpha + beta)``; heterogeneity makes retention rise with
    tenure.

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2007). How to project customer retention. Journal
    of Interactive Marketing 21(1), 76-90.
    Fader, P. S. and Hardie, B. G. S. (2010). Customer-base valuation in a contractual
    setting: the perils of ignoring heterogeneity. Marketing Science 29(1), 85-93.

    Examples
    --------
    The 'regular' customers of Fader and Hardie (2007), years 0 to 7:

    >>> sbg = ShiftedBetaGeometric.fit([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> round(sbg.alpha, 3), round(sbg.beta, 3)
    (0.704, 1.182)
    >>> sbg.retention_rate([1, 2, 3]).round(3)     # rising: the likely churners go first
    array([0.627, 0.756, 0.819])
    """

    alpha: float
    beta: float
    log_likelihood: float
    covariance: NDArray[np.float64]
    n_customers: int
    n_churned: int
    converged: bool
    _counts: kv.SurvivalCounts | None

    def __init__(self, alpha: float, beta: float) -> None:
        for name, v in (("alpha", alpha), ("beta", beta)):
            if not (isinstance(v, int | float | np.floating | np.integer) and math.isfinite(v)
                    and v > 0):
                raise InvalidParameterError(
                    f"ShiftedBetaGeometric: {name} must be a finite number > 0, got {v!r}.")
        self._init(float(alpha), float(beta), math.nan, np.full((2, 2), np.nan), None, True)

    def _init(self, alpha: float, beta: float, ll: float, cov: NDArray[np.float64],
              counts: kv.SurvivalCounts | None, converged: bool) -> None:
        cov.flags.writeable = False
        n = 0 if counts is None else round(float(counts.churned.sum() + counts.censored.sum()))
        churned = 0 if counts is None else round(float(counts.churned.sum()))
        for name, value in (("alpha", alpha), ("beta", beta), ("log_likelihood", ll),
                            ("covariance", cov), ("_counts", counts), ("n_customers", n),
                            ("n_churned", churned), ("converged", converged)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("ShiftedBetaGeometric is read-only")

    # --- estimation -------------------------------------------------------------------------

    @classmethod
    def fit(cls, survivors: Any = None, *, durations: ArrayLike | None = None,
            churned: ArrayLike | None = None) -> ShiftedBetaGeometric:
        """Maximum-likelihood estimate from survivor counts or per-customer durations.

        Parameters
        ----------
        survivors : sequence of counts, or several sequences, optional
            Customers of a cohort still active after 0, 1, 2, ... periods (the first is the
            cohort size). Several cohorts of different ages: a list of such sequences, or a
            2-D array with NaN after each cohort's last observed period.
        durations : array-like of int, optional
            Per customer, periods paid: for a churned customer the period T >= 1 at whose
            end they left; for an active one the periods survived so far (censored: T is
            larger). :func:`csmetrics.cohorts.customer_lifetimes` gives these.
        churned : array-like of bool, optional
            With ``durations``: True where the customer churned.

        Returns
        -------
        ShiftedBetaGeometric
            The fitted model, with log-likelihood and standard errors.

        Raises
        ------
        InvalidParameterError
            Neither or both inputs given, or no customer churned (nothing identifies the
            churn distribution).
        DataValidationError
            A negative, missing or increasing survivor count, or a bad duration.

        Warns
        -----
        UndefinedMetricWarning
            The fit is (nearly) geometric, alpha + beta above 10,000, or the likelihood keeps
            rising toward the edge of the parameter space: the data show no heterogeneity,
            or are too few. Or the information matrix is singular (standard errors NaN).

        Notes
        -----
        The log-likelihood ``sum_t n_t log P(T = t) + sum_u m_u log S(u)`` (``n_t`` churned
        at t, ``m_u`` last seen alive after u periods) depends on the data only through
        those counts, so customers are aggregated first with ``bincount``: a million
        customers fit as fast as a thousand. It is maximised over log-parameters with
        L-BFGS-B and the analytic gradient, then polished by Newton steps with the analytic
        Hessian, whose inverse at the optimum gives the standard errors.

        Examples
        --------
        >>> sbg = ShiftedBetaGeometric.fit(durations=[1, 1, 2, 3, 3, 3],
        ...                                churned=[True, True, True, False, False, False])
        >>> sbg.n_customers, sbg.n_churned
        (6, 3)
        """
        ctx = "ShiftedBetaGeometric.fit"
        if (survivors is None) == (durations is None):
            raise InvalidParameterError(
                f"{ctx}: pass either survivors (counts per period) or durations with churned.")
        if survivors is not None:
            if churned is not None:
                raise InvalidParameterError(f"{ctx}: churned goes with durations, not "
                                            "survivors.")
            counts = kv.counts_from_survivors(_survivor_matrix(survivors, ctx))
        elif durations is not None:
            if churned is None:
                raise InvalidParameterError(f"{ctx}: durations need churned (True where the "
                                            "customer churned, False where still active).")
            counts = _duration_counts(durations, churned, ctx)
        total = counts.churned.sum() + counts.censored.sum()
        if total == 0:
            raise InvalidParameterError(f"{ctx}: there are no customers to fit.")
        if counts.churned.sum() == 0:
            raise InvalidParameterError(
                f"{ctx}: no customer churned, so the data say nothing about how churn varies "
                "across customers; the model cannot be estimated.")
        if counts.churned[1] == total:
            raise InvalidParameterError(
                f"{ctx}: every customer churned in the first period; the model cannot be "
                "estimated (the likelihood rises without bound as beta goes to 0).")
        result = kv.fit(counts)
        flat = result.alpha + result.beta > _GEOMETRIC
        if result.at_bound or not result.converged or flat:
            mean = result.alpha / (result.alpha + result.beta)
            _warn(f"{ctx}: the likelihood is flat or still rising at alpha={result.alpha:.4g}, "
                  f"beta={result.beta:.4g}: the data show little heterogeneity (a constant "
                  f"churn probability of {mean:.4g} fits about as well) or are too few; alpha "
                  "and beta are not identified separately, only their ratio.")
        info = -result.hessian
        if np.all(np.isfinite(info)) and np.linalg.det(info) > 0 and info[0, 0] > 0:
            cov = np.asarray(np.linalg.inv(info), dtype=np.float64)
        else:
            _warn(f"{ctx}: the information matrix is singular; standard errors are NaN.")
            cov = np.full((2, 2), np.nan)
        model = cls.__new__(cls)
        model._init(result.alpha, result.beta, result.log_likelihood, cov, counts,
                    result.converged and not result.at_bound)
        return model

    @property
    def standard_errors(self) -> dict[str, float]:
        """Standard errors of alpha and beta (NaN for a model built from parameters)."""
        se = np.sqrt(np.diag(self.covariance))
        return {"alpha": float(se[0]), "beta": float(se[1])}

    def summary(self, confidence: float = 0.95) -> TableResult:
        """Estimates with standard errors and Wald confidence limits.

        Examples
        --------
        >>> print(ShiftedBetaGeometric(1.0, 2.0).summary().select("parameter", "estimate"))
        sBG parameters
        parameter  estimate
        alpha             1
        beta              2
        """
        if not 0 < confidence < 1:
            raise InvalidParameterError("summary: confidence must be between 0 and 1.")
        z = float(kv.scipy("special").ndtri(0.5 + confidence / 2))
        est = np.array([self.alpha, self.beta])
        se = np.sqrt(np.diag(self.covariance))
        return TableResult({"parameter": np.array(["alpha", "beta"], dtype=object),
                            "estimate": est, "std_error": se, "lower": est - z * se,
                            "upper": est + z * se}, title="sBG parameters")

    # --- the model's answers ----------------------------------------------------------------

    def survival(self, t: ArrayLike) -> float | NDArray[np.float64]:
        """Probability that a customer is still active after ``t`` periods, S(t).

        Examples
        --------
        >>> ShiftedBetaGeometric(1.0, 1.0).survival([0, 1, 3])   # 1 / (t + 1)
        array([1.  , 0.5 , 0.25])
        """
        a = _t_array(t, "t", "survival", 0)
        return _out(np.exp(kv.log_survival(self.alpha, self.beta, a)))

    def churn_probability(self, t: ArrayLike) -> float | NDArray[np.float64]:
        """Probability that a new customer churns at the end of period ``t`` (t >= 1), P(T=t).

        Examples
        --------
        >>> ShiftedBetaGeometric(1.0, 1.0).churn_probability(1)
        0.5
        """
        a = _t_array(t, "t", "churn_probability", 1)
        return _out(np.exp(kv.log_churn_probability(self.alpha, self.beta, a)))

    def retention_rate(self, t: ArrayLike) -> float | NDArray[np.float64]:
        """Share of customers active in period ``t - 1`` who renew for period ``t`` (t >= 1).

        ``r_t = (beta + t - 1) / (alpha + beta + t - 1)``, rising with t.

        Examples
        --------
        >>> ShiftedBetaGeometric(1.0, 3.0).retention_rate([1, 2])
        array([0.75, 0.8 ])
        """
        a = _t_array(t, "t", "retention_rate", 1)
        b = self.beta + a - 1.0
        return _out(b / (self.alpha + b))

    def expected_lifetime(self) -> float:
        """Expected number of periods a new customer pays, E[T] = sum over t >= 0 of S(t).

        Returns
        -------
        float
            ``(alpha + beta - 1) / (alpha - 1)``; ``inf`` with a warning when alpha <= 1
            (the tail of long-lived customers is too heavy for a finite mean).

        Examples
        --------
        >>> ShiftedBetaGeometric(3.0, 4.0).expected_lifetime()
        3.0
        """
        if self.alpha <= 1:
            _warn(f"expected_lifetime: alpha = {self.alpha:.4g} <= 1, so the expected lifetime "
                  "is infinite; use discounted_expected_lifetime or the median.")
            return math.inf
        return (self.alpha + self.beta - 1.0) / (self.alpha - 1.0)

    def discounted_expected_lifetime(self, discount_rate: ArrayLike
                                     ) -> float | NDArray[np.float64]:
        """Discounted expected lifetime of a new customer: sum over t >= 0 of S(t) / (1+d)^t.

        Multiply by the margin per period to get the CLV of a new customer who pays at the
        start of each period. Equal to ``2F1(1, beta; alpha + beta; 1 / (1 + d))``.

        Parameters
        ----------
        discount_rate : float or array-like
            Per period, > 0 (0 gives :meth:`expected_lifetime`).

        Examples
        --------
        >>> round(ShiftedBetaGeometric(3.0, 4.0).discounted_expected_lifetime(0.1), 4)
        2.3749
        """
        d = _array(discount_rate, "discount_rate", "discounted_expected_lifetime")
        fail("discount_rate", "must be >= 0", (d < 0).ravel(), "discounted_expected_lifetime")
        if np.any(d == 0):
            mean = self.expected_lifetime()
            pos = np.where(d > 0, d, 1.0)
            out = np.where(d > 0, kv.hyp2f1_1(np.asarray(self.beta), np.asarray(
                self.alpha + self.beta), 1.0 / (1.0 + pos)), mean)
            return _out(np.asarray(out, dtype=np.float64))
        return _out(kv.hyp2f1_1(np.asarray(self.beta), np.asarray(self.alpha + self.beta),
                                1.0 / (1.0 + d)))

    def discounted_expected_residual_lifetime(self, discount_rate: ArrayLike, n: ArrayLike = 1
                                              ) -> float | NDArray[np.float64]:
        """DERL: discounted expected future renewals of a customer in period ``n``.

        The customer has made ``n - 1`` renewals and we stand at the end of period ``n``,
        just before their next renewal decision (Fader and Hardie 2010, eq. 6)::

            DERL = (beta + n - 1) / (alpha + beta + n - 1)
                   * 2F1(1, beta + n; alpha + beta + n; 1 / (1 + d))

        Multiply by the margin per period for the customer's expected residual value.

        Parameters
        ----------
        discount_rate : float or array-like
            Per period, >= 0. At 0 the value is ``(beta + n - 1) / (alpha - 1)``, infinite
            (with a warning) when alpha <= 1.
        n : int or array-like, default 1
            The period the customer is in (>= 1).

        Examples
        --------
        Case 1 of Fader and Hardie (2010), Table 3 (d = 10%):

        >>> sbg = ShiftedBetaGeometric(3.80, 15.20)
        >>> sbg.discounted_expected_residual_lifetime(0.1, n=[1, 2, 3]).round(2)
        array([3.31, 3.45, 3.59])
        """
        ctx = "discounted_expected_residual_lifetime"
        d = _array(discount_rate, "discount_rate", ctx)
        fail("discount_rate", "must be >= 0", (d < 0).ravel(), ctx)
        k = _t_array(n, "n", ctx, 1)
        d, k = np.broadcast_arrays(d, k)
        b = self.beta + k
        ab = self.alpha + self.beta + k
        pos = np.where(d > 0, d, 1.0)
        lead = (b - 1.0) / (ab - 1.0)
        with np.errstate(divide="ignore"):
            out = lead * kv.hyp2f1_1(b, ab, 1.0 / (1.0 + pos))
        if np.any(d == 0):
            if self.alpha <= 1:
                _warn(f"{ctx}: alpha <= 1 and no discount: the expected residual lifetime is "
                      "infinite.")
                undiscounted = np.full(k.shape, np.inf)
            else:
                undiscounted = (b - 1.0) / (self.alpha - 1.0)
            out = np.where(d > 0, out, undiscounted)
        return _out(np.asarray(out, dtype=np.float64))

    def projection(self, periods: int | None = None, *, observed: ArrayLike | None = None
                   ) -> TableResult:
        """The model's survival and retention by period, beside the observed ones.

        Parameters
        ----------
        periods : int, optional
            Last period to project (default: the longest of the fit data and ``observed``).
        observed : sequence of counts, optional
            Survivor counts of one cohort to compare against (for instance later years held
            out of the fit). Without it, the observed values are those of the fit data,
            pooled across cohorts (the Kaplan-Meier estimate of the aggregated counts).

        Returns
        -------
        TableResult
            ``period``, ``survival``, ``retention_rate`` (model), ``observed_survival`` and
            ``observed_retention`` (NaN where there is no observation).

        Examples
        --------
        >>> sbg = ShiftedBetaGeometric.fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> proj = sbg.projection(12, observed=[1000, 631, 468, 382, 326, 289, 262, 241, 223,
        ...                                     207, 194, 183, 173])
        >>> float(proj["observed_survival"][12]), round(float(proj["survival"][12]), 3)
        (0.173, 0.17)
        """
        obs_s: NDArray[np.float64] = np.zeros(0)
        if observed is not None:
            obs = _survivor_matrix(observed, "projection")
            if obs.shape[0] != 1:
                raise InvalidParameterError("projection: observed must be one cohort's counts.")
            obs_s = obs[0] / obs[0, 0]
        elif self._counts is not None:
            at_risk = self._counts.at_risk()
            d = self._counts.churned
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(at_risk > 0, 1.0 - d / np.where(at_risk > 0, at_risk, 1.0), np.nan)
            r[0] = 1.0
            obs_s = np.asarray(np.cumprod(r), dtype=np.float64)
            obs_s = obs_s[~np.isnan(obs_s)]
        n_obs = obs_s.size
        last = periods if periods is not None else max(n_obs - 1, 1)
        if not isinstance(last, int | np.integer) or last < 1:
            raise InvalidParameterError(f"projection: periods must be a whole number >= 1, "
                                        f"got {periods!r}.")
        t = np.arange(last + 1, dtype=np.float64)
        model_s = np.exp(kv.log_survival(self.alpha, self.beta, t))
        model_r = np.full(t.size, np.nan)
        model_r[1:] = (self.beta + t[1:] - 1.0) / (self.alpha + self.beta + t[1:] - 1.0)
        o_s = np.full(t.size, np.nan)
        k = min(n_obs, t.size)
        o_s[:k] = obs_s[:k]
        o_r = np.full(t.size, np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            o_r[1:] = np.where(o_s[:-1] > 0, o_s[1:] / o_s[:-1], np.nan)
        return TableResult({"period": t.astype(np.int64), "survival": model_s,
                            "retention_rate": model_r, "observed_survival": o_s,
                            "observed_retention": o_r},
                           title=f"sBG projection (alpha={self.alpha:.4g}, beta={self.beta:.4g})")

    def plot(self, periods: int | None = None, *, observed: ArrayLike | None = None,
             ax: Any = None) -> Any:
        """Projected survival against the observed (needs the ``plot`` extra)."""
        from csmetrics.plotting import plot_sbg_projection

        return plot_sbg_projection(self, periods=periods, observed=observed, ax=ax)

    def __repr__(self) -> str:
        fitted = "" if math.isnan(self.log_likelihood) else (
            f", log_likelihood={self.log_likelihood:.3f}, customers={self.n_customers:,}")
        return f"ShiftedBetaGeometric(alpha={self.alpha:.4g}, beta={self.beta:.4g}{fitted})"


def _survivor_matrix(survivors: Any, context: str) -> NDArray[np.float64]:
    """Survivor counts as (cohorts, periods + 1), NaN after each cohort's last period."""
    try:
        m = np.asarray(survivors, dtype=np.float64)
    except (TypeError, ValueError):
        rows = [np.asarray(s, dtype=np.float64).ravel() for s in survivors]
        width = max((r.size for r in rows), default=0)
        m = np.full((len(rows), width), np.nan)
        for i, r in enumerate(rows):  # one pass per cohort, not per customer
            m[i, :r.size] = r
    if m.ndim == 1:
        m = m[None, :]
    if m.ndim != 2 or m.shape[1] == 0:
        raise InvalidParameterError(f"{context}: survivors must be counts per period: one "
                                    "sequence, several sequences, or a 2-d array.")
    nan = np.isnan(m)
    fail("survivors", "must have no gap: NaN may only follow a cohort's last count",
         np.asarray((nan[:, :-1] & ~nan[:, 1:]).any(axis=1), dtype=bool), context)
    fail("survivors", "must start with a count > 0 (the cohort's size)",
         nan[:, 0] | (np.where(nan[:, 0], 0, m[:, 0]) <= 0), context)
    fail("survivors", "must be finite and >= 0",
         np.asarray((np.isinf(m) | (m < 0)).any(axis=1), dtype=bool), context)
    with np.errstate(invalid="ignore"):
        rising = (m[:, 1:] > m[:, :-1]) & ~nan[:, 1:]
    fail("survivors", "must not increase from one period to the next (a cohort cannot gain "
         "customers)", np.asarray(rising.any(axis=1), dtype=bool), context)
    return m


def _duration_counts(durations: ArrayLike, churned: ArrayLike, context: str
                     ) -> kv.SurvivalCounts:
    d = np.asarray(durations)
    c = np.asarray(churned)
    if d.ndim != 1 or c.shape != d.shape:
        raise InvalidParameterError(f"{context}: durations and churned must be 1-d and of one "
                                    f"length, got shapes {d.shape} and {c.shape}.")
    try:
        v = d.astype(np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{context}: durations must be numbers.") from None
    fail("durations", "must not be missing (NaN)", np.isnan(v), context)
    fail("durations", "must be a whole number >= 0", (v < 0) | (v != np.floor(v)), context)
    if c.dtype != bool:
        try:
            cf = c.astype(np.float64)
        except (TypeError, ValueError):
            raise InvalidParameterError(f"{context}: churned must be booleans.") from None
        fail("churned", "must be True/False (or 1/0)", ~np.isin(cf, (0.0, 1.0)), context)
        c = cf == 1.0
    fail("durations", "must be >= 1 where churned (a customer pays at least one period)",
         c & (v < 1), context)
    return kv.counts_from_durations(v.astype(np.int64), c)
