"""Customer lifetime value: the closed-form formulas and data-driven LTV.

Transactional CLV for one-off purchases is in :mod:`csmetrics.payments`; the
shifted-beta-geometric model of contract renewal in :mod:`csmetrics.sbg`.

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
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.checks import fail
from csmetrics._kernels import value as kv
from csmetrics.exceptions import (
    InvalidParameterError,
    UndefinedMetricWarning,
)
from csmetrics.fx import FxRates
from csmetrics.periods.calendar import Period, PeriodLike, snapshot_date
from csmetrics.results import TableResult

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
    fx: FxRates | None = None,
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
    fx : FxRates, optional
        Exchange rates, for a portfolio billed in several currencies (ARPA in the reporting
        currency).

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
    bridge = mrr_movements(subscriptions, first, at_day, freq="month", by=by, fx=fx)
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
