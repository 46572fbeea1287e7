"""The closed-form lifetime-value formulas: CLV, LTV to CAC and CAC payback.

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

The formulas take numbers or one-dimensional arrays and return one ``MetricResult`` either
way: one row per element of their broadcast inputs, the inputs as columns beside the value.
Lifetime value estimated from subscriptions is ``csmetrics.value.lifetime``; transactional
CLV for one-off purchases ``csmetrics.value.transactional``; the shifted-beta-geometric model
of contract renewal ``csmetrics.value.sbg``.
"""

from __future__ import annotations

import math
import numbers
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from csmetrics._core.checks import fail
from csmetrics._core.options import OneOf, Satisfies, validate_params
from csmetrics._core.ratios import divide
from csmetrics._core.warnings import warn_undefined
from csmetrics._kernels import value as kv
from csmetrics.results import MetricResult
from csmetrics.value.arrays import F64, as_floats, rows

__all__ = ["HORIZON", "TIMING", "Timing", "cac_payback_months", "clv_columns",
           "customer_lifetime_value", "ltv_to_cac"]

Timing = Literal["start", "end"]
TIMING = OneOf("start", "end")
"""``timing``: cash at the start or at the end of each period."""


def _is_horizon(h: object) -> bool:
    if h is None:
        return True
    if isinstance(h, bool) or not isinstance(h, numbers.Real):
        return False
    v = float(h)
    return math.isfinite(v) and v >= 1 and v == math.floor(v)


HORIZON = Satisfies(_is_horizon, "None or a whole number of periods >= 1")
"""``horizon`` as an option: no cap, or a number of payments."""


def clv_columns(arpa: ArrayLike, churn_rate: ArrayLike, gross_margin: ArrayLike,
         discount_rate: ArrayLike, horizon: ArrayLike | None, timing: str, context: str
         ) -> dict[str, F64]:
    """The CLV of every element of the broadcast inputs (``customer_lifetime_value``), beside
    those inputs; the checks, warnings and columns of ``customer_lifetime_value``."""
    a = as_floats(arpa, "arpa", context)
    c = as_floats(churn_rate, "churn_rate", context)
    g = as_floats(gross_margin, "gross_margin", context)
    d = as_floats(discount_rate, "discount_rate", context)
    fail("churn_rate", "must be between 0 and 1", ((c < 0) | (c > 1)).ravel(), context)
    fail("discount_rate", "must be >= 0", (d < 0).ravel(), context)
    if horizon is None:
        h = np.asarray(np.inf)
    else:
        h = as_floats(horizon, "horizon", context)
        fail("horizon", "must be a whole number of periods >= 1",
             ((h < 1) | (h != np.floor(h))).ravel(), context)
    inputs = rows(context, arpa=a, churn_rate=c, gross_margin=g, discount_rate=d, horizon=h)
    value = kv.lifetime_value(inputs["arpa"] * inputs["gross_margin"], inputs["churn_rate"],
                              inputs["discount_rate"], inputs["horizon"], timing == "start")
    infinite = np.isinf(value)
    if infinite.any():
        warn_undefined(f"{context}: {int(infinite.sum()):,} value(s) have zero churn with no "
                       "discount and no horizon: the lifetime value is infinite (pass horizon= "
                       "to cap it).")
    return {"customer_lifetime_value": value, **inputs}


@validate_params({"timing": TIMING})
def customer_lifetime_value(
    arpa: ArrayLike,
    churn_rate: ArrayLike,
    *,
    gross_margin: ArrayLike = 1.0,
    discount_rate: ArrayLike = 0.0,
    timing: Timing = "start",
    horizon: ArrayLike | None = None,
) -> MetricResult:
    """Expected (discounted) margin of a customer with constant per-period churn, in the
    currency of ``arpa``.

    Parameters
    ----------
    arpa : float or 1-d array-like
        Average revenue per account per period (monthly ARPA for monthly churn).
    churn_rate : float or 1-d array-like
        Probability of churning each period, 0 to 1.
    gross_margin : float or 1-d array-like, default 1.0
        Fraction of revenue kept as margin.
    discount_rate : float or 1-d array-like, default 0.0
        Discount rate per period (a yearly 10% is about 0.797% a month), >= 0.
    timing : {"start", "end"}, default "start"
        Cash at the start of each active period (billed in advance, first payment now) or at
        its end (in arrears).
    horizon : float or 1-d array-like, optional
        Cap on the number of payments (whole periods, >= 1); None for no cap (shown as
        ``inf`` in the ``horizon`` column).

    Returns
    -------
    MetricResult
        Value column ``customer_lifetime_value``, then the inputs ``arpa``, ``churn_rate``,
        ``gross_margin``, ``discount_rate`` and ``horizon``: one row for numbers, one row per
        element of the broadcast inputs for arrays. ``float(result)`` is the value of a
        one-row result, ``result["customer_lifetime_value"]`` the array. NaN inputs give NaN.

    Raises
    ------
    DataValidationError
        A churn rate outside 0..1, a negative discount rate, a horizon that is not a whole
        number >= 1, or an infinite input.
    InvalidParameterError
        An unknown ``timing``, or inputs that broadcast to more than one dimension.

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
    MetricResult(customer_lifetime_value=2,000)
    >>> clv = customer_lifetime_value(100, 0.05, gross_margin=0.8, discount_rate=0.01)
    >>> float(clv)                                                # 80 * 1.01 / 0.06
    1346.6666666666665
    >>> r = customer_lifetime_value(100, [0.02, 0.05], horizon=24, timing="end")
    >>> r["customer_lifetime_value"].round(2)
    array([1921.1 , 1416.02])
    """
    ctx = "customer_lifetime_value"
    columns = clv_columns(arpa, churn_rate, gross_margin, discount_rate, horizon, timing, ctx)
    return MetricResult(columns, value="customer_lifetime_value",
                        title=f"Customer lifetime value (cash at the {timing} of each period)",
                        money=("customer_lifetime_value", "arpa"))


def ltv_to_cac(ltv: ArrayLike, cac: ArrayLike) -> MetricResult:
    """LTV to CAC ratio: lifetime value over the cost of acquiring the customer (a ratio).

    Parameters
    ----------
    ltv, cac : float or 1-d array-like
        Lifetime value and customer acquisition cost, in one currency; ``cac`` >= 0.

    Returns
    -------
    MetricResult
        Value column ``ltv_to_cac``, then ``ltv`` and ``cac``: one row per element of the
        broadcast inputs (one for numbers).

    Raises
    ------
    DataValidationError
        A negative or infinite input.
    InvalidParameterError
        Inputs that broadcast to more than one dimension.

    Warns
    -----
    UndefinedMetricWarning
        A CAC is 0 (or NaN): its ratio is NaN.

    Notes
    -----
    ``ltv / cac``. A ratio of 3 or more is the usual rule of thumb for a healthy SaaS
    business.

    Examples
    --------
    >>> float(ltv_to_cac(2000, 500))
    4.0
    >>> ltv_to_cac([3000, 500], 1000)["ltv_to_cac"].tolist()
    [3.0, 0.5]
    """
    ctx = "ltv_to_cac"
    v = as_floats(ltv, "ltv", ctx)
    k = as_floats(cac, "cac", ctx)
    fail("cac", "must be >= 0", (k < 0).ravel(), ctx)
    inputs = rows(ctx, ltv=v, cac=k)
    ratio = divide(inputs["ltv"], inputs["cac"], context=ctx,
                   what="the CAC (customer acquisition cost)")
    return MetricResult({"ltv_to_cac": ratio, **inputs}, value="ltv_to_cac",
                        title="LTV to CAC", money=("ltv", "cac"))


def cac_payback_months(cac: ArrayLike, arpa: ArrayLike, *, gross_margin: ArrayLike = 1.0
                       ) -> MetricResult:
    """Months of margin needed to earn back the cost of acquiring a customer.

    Parameters
    ----------
    cac : float or 1-d array-like
        Customer acquisition cost.
    arpa : float or 1-d array-like
        Monthly average revenue per account (new customers' ARPA, ideally).
    gross_margin : float or 1-d array-like, default 1.0
        Fraction of revenue kept as margin.

    Returns
    -------
    MetricResult
        Value column ``cac_payback_months``, then ``cac``, ``arpa`` and ``gross_margin``: one
        row per element of the broadcast inputs (one for numbers).

    Raises
    ------
    DataValidationError
        An infinite input.
    InvalidParameterError
        Inputs that broadcast to more than one dimension.

    Warns
    -----
    UndefinedMetricWarning
        The monthly margin is not positive (or NaN): the cost is never earned back (NaN).

    Notes
    -----
    ``cac / (arpa * gross_margin)``. Churn is ignored, as in the usual definition; compare
    with ``customer_lifetime_value`` to see whether customers stay that long.

    Examples
    --------
    >>> float(cac_payback_months(1200, 100, gross_margin=0.8))   # 1200 / 80
    15.0
    """
    ctx = "cac_payback_months"
    inputs = rows(ctx, cac=as_floats(cac, "cac", ctx), arpa=as_floats(arpa, "arpa", ctx),
                  gross_margin=as_floats(gross_margin, "gross_margin", ctx))
    margin = inputs["arpa"] * inputs["gross_margin"]
    # A margin that is not positive never pays the cost back: undefined, like a zero one.
    paying = np.where((margin > 0) | np.isnan(margin), margin, 0.0)
    months = divide(inputs["cac"], paying, context=ctx,
                    what="the monthly margin (arpa x gross_margin; never paid back when not "
                         "positive)")
    return MetricResult({"cac_payback_months": months, **inputs}, value="cac_payback_months",
                        title="CAC payback (months)", money=("cac", "arpa"))
