"""Lifetime value estimated from subscriptions: ARPA over a trailing mean of monthly churn.

Definitions
-----------
**Data-driven LTV** (``lifetime_value``) is the ``start``-timing closed-form CLV of
``csmetrics.value.formulas`` with ARPA (MRR over paying customers at the snapshot ``at``) and
the mean of the monthly customer churn rates (churned customers over customers at the start
of the month) of the ``window`` months before the month of ``at`` (ChartMogul's six-month
trailing average, the current month excluded).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.options import Interval, validate_params
from csmetrics._core.segments import segment_columns
from csmetrics._core.warnings import warn_undefined
from csmetrics.fx import FX, FxRates
from csmetrics.periods.calendar import Period, PeriodLike, snapshot_date
from csmetrics.periods.windows import WindowLike, window_months
from csmetrics.results import MetricResult
from csmetrics.revenue import mrr_movements
from csmetrics.revenue.segments import By
from csmetrics.value.formulas import HORIZON, TIMING, Timing, clv_columns

__all__ = ["LifetimeValue", "lifetime_value"]


class LifetimeValue(MetricResult):
    """Lifetime value estimated from subscriptions, with everything it used.

    Value column ``lifetime_value``; columns: the segment column when split, ``arpa``,
    ``churn_rate`` (the trailing mean of monthly customer churn), ``churn_months`` (months
    the mean is over), ``customers`` (paying at ``at``) and ``lifetime_value``. One row, or
    one per segment: ``float(ltv)``, ``ltv.value``, ``ltv.row("pro")``.

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

    def __init__(self, columns: Mapping[str, Any], *, segment: str | None,
                 **attributes: Any) -> None:
        super().__init__(columns, value="lifetime_value", segment=segment,
                         title=f"Lifetime value at {attributes['at']}"
                               + (f" ({attributes['currency']})" if attributes["currency"]
                                  else ""),
                         money=("arpa", "lifetime_value"))
        self._set(**attributes)

    def __str__(self) -> str:
        return f"{super().__str__()}\n{self.definition}"

    def __repr__(self) -> str:
        if len(self) == 1:
            return (f"LifetimeValue({self.value:,.2f} {self.currency} at {self.at}: ARPA "
                    f"{self['arpa'][0]:,.2f}, churn {self['churn_rate'][0]:.4f})")
        return f"LifetimeValue({len(self)} segments at {self.at}, {self.currency})"


@validate_params({"timing": TIMING, "gross_margin": Interval(closed="neither"),
                  "discount_rate": Interval(0, math.inf, closed="left"),
                  "horizon": HORIZON, "fx": FX})
def lifetime_value(
    subscriptions: Any,
    at: PeriodLike,
    *,
    window: WindowLike = "6M",
    gross_margin: float = 1.0,
    discount_rate: float = 0.0,
    timing: Timing = "start",
    horizon: float | None = None,
    by: By = None,
    fx: FxRates | None = None,
) -> LifetimeValue:
    """Lifetime value from the data, in the table's currency: ARPA at ``at`` over a trailing
    mean of monthly customer churn.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscription spans.
    at : period or date
        The snapshot: ARPA is MRR over paying customers on its last day (or on the date).
    window : str, default "6M"
        Months of churn to average, with their unit (``"6M"``, ``"2Q"``, ``"1Y"``): the
        whole months before the month of ``at``. A bare number of months (``6``) is
        deprecated.
    gross_margin, discount_rate, timing, horizon
        As in ``customer_lifetime_value`` (rates per month): a finite margin, a discount
        rate >= 0, ``"start"`` or ``"end"``, None or a whole number of months >= 1.
    by : str or mapping, optional
        ``None``: the portfolio. A column (``"plan"``, ``"currency"``, ``"customer_id"``, any
        input column) or a mapping from customer id to segment (ids it lacks in
        ``"(none)"``): one row per segment, as in ``mrr_movements``.
    fx : FxRates, optional
        Exchange rates, for a portfolio billed in several currencies (ARPA in the reporting
        currency).

    Returns
    -------
    LifetimeValue
        Value column ``lifetime_value``, with the ARPA, churn rate, months and formula it
        used.

    Raises
    ------
    InvalidParameterError
        A bad option (a window not in months, quarters or years, a negative discount rate,
        an unknown timing ...).
    ColumnNotFoundError
        ``by`` names no column of the input.

    Warns
    -----
    UndefinedMetricWarning
        No paying customers at ``at`` (ARPA NaN) or no month of the window with customers at
        its start (churn NaN): one warning for both; or zero churn (infinite value without a
        horizon).

    Notes
    -----
    ``monthly churn = churned_customers / starting_customers`` of each month in the public
    ``mrr_movements`` bridge (a customer churns when their MRR goes from positive to 0); the
    churn rate used is the mean of the monthly rates, skipping months with no customers at
    their start (``churn_months`` says how many were used). ``lifetime_value =
    customer_lifetime_value(ARPA, churn, ...)``, so undiscounted it is ARPA x margin / churn,
    as in ChartMogul.

    References
    ----------
    ChartMogul Help, "Customer Lifetime Value (LTV)": ARPA over the six-month trailing
    average of the customer churn rate.

    Examples
    --------
    >>> from csmetrics.datasets import demo_portfolio
    >>> ltv = lifetime_value(demo_portfolio(), "2024-12")
    >>> ltv.churn_periods
    ('2024-06', '2024-07', '2024-08', '2024-09', '2024-10', '2024-11')
    >>> float(round(ltv.value / ltv["arpa"][0] * ltv["churn_rate"][0], 12))  # ARPA / churn
    1.0
    """
    months = window_months(window, "lifetime_value")
    at_day = snapshot_date(at)
    bridge = mrr_movements(subscriptions, *value_window(at_day, months), freq="month", by=by,
                           fx=fx)
    return value_of_bridge(bridge, months, at_day, gross_margin=gross_margin,
                           discount_rate=discount_rate, timing=timing, horizon=horizon)


def value_window(at_day: np.datetime64, months: int) -> tuple[Period, np.datetime64]:
    """The window of the bridge ``lifetime_value`` reads: the ``months`` whole months
    before the month of ``at_day``, then that month up to ``at_day``."""
    return Period.parse(at_day, "month") - months, at_day


def value_of_bridge(bridge: Any, months: int, at_day: np.datetime64, *,
                    gross_margin: float = 1.0, discount_rate: float = 0.0,
                    timing: Timing = "start", horizon: float | None = None) -> LifetimeValue:
    """``lifetime_value`` of the bridge it reads (``mrr_movements`` of ``value_window``):
    for a caller that has that bridge already (a report)."""
    ctx = "lifetime_value"
    seg_name = bridge.segment_column
    periods = list(bridge.periods)  # the grid, also when a split has no segments (no rows)
    n_per = len(periods)
    n_seg = len(bridge) // n_per

    def grid(name: str) -> NDArray[np.float64]:
        flat: NDArray[np.float64] = np.asarray(bridge[name], dtype=np.float64)
        out: NDArray[np.float64] = flat.reshape(n_per, n_seg).T
        return out

    starting = grid("starting_customers")[:, :months]
    churned = grid("churned_customers")[:, :months]
    # A month without customers at its start has no churn rate: it is left out of the mean
    # (NaN in monthly_churn), not undefined.
    had = starting > 0
    monthly = np.full(starting.shape, np.nan)
    monthly[had] = churned[had] / starting[had]
    used = had.sum(axis=1)
    customers = grid("ending_customers")[:, -1]
    mrr_at = grid("ending_mrr")[:, -1]
    no_customers, no_months = customers == 0, used == 0
    arpa = np.full(n_seg, np.nan)
    arpa[~no_customers] = mrr_at[~no_customers] / customers[~no_customers]
    churn = np.full(n_seg, np.nan)
    churn[~no_months] = np.nanmean(monthly[~no_months], axis=1)
    _warn_undefined(ctx, at_day, no_customers, no_months, seg_name)
    value = clv_columns(arpa, churn, gross_margin, discount_rate, horizon, timing, ctx)
    cols = segment_columns(seg_name, None if seg_name is None else np.asarray(
        bridge[seg_name]).reshape(n_per, n_seg)[0], ctx)
    cols.update(arpa=arpa, churn_rate=churn, churn_months=used.astype(np.int64),
                customers=customers.astype(np.int64),
                lifetime_value=value["customer_lifetime_value"])
    churn_periods = tuple(periods[:months])
    money = "ARPA x gross margin"
    formula = (f"{money} / churn" if discount_rate == 0 and horizon is None else
               f"customer_lifetime_value({money}, churn, discount_rate={discount_rate}, "
               f"timing={timing!r}, horizon={horizon})")
    definition = (
        f"lifetime_value = {formula}; ARPA = MRR / paying customers on {at_day}; churn = mean "
        f"monthly customer churn rate (churned / customers at month start) over "
        f"{churn_periods[0]} to {churn_periods[-1]}; gross margin {gross_margin:g}.")
    return LifetimeValue(
        cols, segment=seg_name, at=str(at_day), churn_periods=churn_periods,
        monthly_churn=monthly, gross_margin=float(gross_margin),
        discount_rate=float(discount_rate), timing=timing, horizon=horizon,
        currency=bridge.currency, definition=definition)


def _warn_undefined(context: str, day: np.datetime64, no_customers: NDArray[np.bool_],
                    no_months: NDArray[np.bool_], segment: str | None) -> None:
    """One warning for the values left undefined, naming each reason."""
    undefined = no_customers | no_months
    if not undefined.any():
        return
    where = "" if segment is None else " segment(s)"
    reasons = []
    if no_customers.any():
        reasons.append(f"no paying customers on {day}, so no ARPA"
                       + (f" ({int(no_customers.sum())}{where})" if where else ""))
    if no_months.any():
        reasons.append("no month of the window with customers at its start, so no churn rate"
                       + (f" ({int(no_months.sum())}{where})" if where else ""))
    warn_undefined(f"{context}: undefined for {int(undefined.sum()):,} of {undefined.size:,} "
                   f"result(s): {'; '.join(reasons)}; returning NaN.")
