"""The MRR forecast: committed, retained and new MRR for the months after an origin.

Definitions
-----------
**Origin.** A forecast for the ``horizon`` months from ``start`` is made at the end of the
month before ``start`` (the base snapshot of a ``start..end`` window) and reads only what the
table says then: the book on that day, the lifetimes and movements up to it, and, in
``mrr_forecast``, spans the table already holds for later (future starts, known ends, and a
``cancel_at`` column when the table has one). ``forecast_backtest`` hides those.

**Committed MRR** of a month: the MRR at its last day of spans with a known end (or
``cancel_at``): contracted, so they do not churn before it, and they stop at it; and of
bookings (spans starting after the origin) with no end, for their first billing term (a
quarter for a quarterly plan), after which they are open like the rest of the book.

**Retained MRR**: each customer's open-ended MRR in the month (as the table has it) times the
probability ``S(a + h) / S(a)`` that a customer of tenure ``a`` months at the origin is still
paying ``h`` months later, grown by the trailing net expansion rate ``g`` (mean over the
window's months of (expansion - contraction) / starting MRR): ``(1 + g)^h``.

**New MRR**: the trailing mean monthly new + reactivated MRR of the window, less bookings the
table already holds for that month, added each month and then retained and grown like the
book: ``sum_j new_j * S(h - j) * (1 + g)^(h - j)``.

The survival ``S`` is the ``method``'s retention model (see
``csmetrics.forecast.retention``): ``"cohort"`` an empirical life table of the window,
``"sbg"`` the shifted-beta-geometric model (Fader and Hardie 2007) on all lifetimes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from csmetrics._core.options import CONFIDENCE, SEED, Interval, OneOf, Satisfies, validate_params
from csmetrics._core.segments import segment_columns
from csmetrics._core.warnings import warn_if_undefined
from csmetrics.forecast.engine import forecast_at, month_end, month_index, month_label, month_text
from csmetrics.periods.calendar import PeriodLike
from csmetrics.periods.windows import window_months
from csmetrics.results import MetricResult, TableResult
from csmetrics.revenue.segments import By, currency_digits, segment
from csmetrics.tables.coerce import as_table

__all__ = ["MRRForecast", "mrr_forecast"]

METHOD = OneOf("cohort", "sbg")
HORIZON = Interval(1, 60, integer=True)
SIMULATIONS = Interval(100, 100_000, integer=True)
WINDOW = Satisfies(lambda v: isinstance(v, str) and len(v) > 1,
                   "a month window such as '12M', '4Q' or '1Y'")


class MRRForecast(MetricResult):
    """Monthly MRR forecast (see ``mrr_forecast``): one row per month (and segment).

    Columns: the segment column when split, ``period``, ``mrr`` (the point forecast, the
    value column), ``lower`` and ``upper`` (the prediction interval), and the point's parts
    ``committed``, ``retained`` and ``new``. Attributes ``origin`` (the day the forecast is
    made), ``method``, ``confidence``, ``parameters`` (of the retention model), ``currency``
    (every segment's, comma-separated), ``segment_currencies`` (segment label -> currency)
    and ``history`` (MRR at the window's month ends, for the chart).
    """

    origin: str
    method: str
    confidence: float
    parameters: Mapping[str, float]
    currency: str
    segment_currencies: Mapping[str, str]
    history: TableResult

    def __init__(self, columns: Mapping[str, Any], *, origin: str, method: str,
                 confidence: float, parameters: Mapping[str, float], currency: str,
                 history: TableResult, digits: Any = 2, segment: str | None = None,
                 segment_currencies: Mapping[str, str] | None = None) -> None:
        super().__init__(columns, value="mrr", money=("mrr", "lower", "upper", "committed",
                                                       "retained", "new"),
                         title=(f"MRR forecast from {origin} ({method}, "
                                f"{confidence:.0%} interval, {currency})"),
                         digits=digits, segment=segment)
        self._set(origin=origin, method=method, confidence=confidence,
                  parameters=dict(parameters), currency=currency, history=history,
                  segment_currencies=dict(segment_currencies or {}))

    def plot(self, *, segment: Any = None, ax: Any = None) -> Any:
        """The history, the point forecast and its interval as a fan (needs ``plot``)."""
        from csmetrics.plotting import plot_mrr_forecast

        return plot_mrr_forecast(self, segment=segment, ax=ax)


@validate_params({"method": METHOD, "horizon": HORIZON, "window": WINDOW,
                  "confidence": CONFIDENCE, "simulations": SIMULATIONS, "seed": SEED})
def mrr_forecast(subscriptions: Any, start: PeriodLike, horizon: int = 12, *,
                 method: str = "cohort", window: str = "12M", confidence: float = 0.8,
                 simulations: int = 1000, seed: int | np.random.Generator | None = 0,
                 by: By = None) -> MRRForecast:
    """Forecast monthly MRR for the ``horizon`` months from ``start``, with an interval.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscription spans, as known at the origin.
    start : period
        The first forecast month (``"2025-01"``); the forecast is made at the end of the
        month before it (the origin).
    horizon : int, default 12
        Months to forecast, 1 to 60.
    method : {"cohort", "sbg"}, default "cohort"
        The retention model: ``"cohort"`` the empirical churn rate by tenure over the
        trailing ``window``; ``"sbg"`` the shifted-beta-geometric model fitted to every
        customer's lifetime up to the origin.
    window : str, default "12M"
        The trailing months whose movements give the new-MRR and expansion rates (and the
        cohort method's churn).
    confidence : float, default 0.8
        Level of the prediction interval (0.8 or 0.9 are usual for planning).
    simulations : int, default 1000
        Simulated paths behind the interval (100 to 100,000).
    seed : int, numpy Generator or None, default 0
        Seed of the simulation: the same seed gives the same interval.
    by : str or mapping, optional
        One forecast per segment (a column or a customer mapping); the retention model is
        fitted once to the whole portfolio, the book, new-MRR and expansion rates are the
        segment's own.

    Returns
    -------
    MRRForecast
        One row per forecast month (and segment): ``mrr``, ``lower``, ``upper``,
        ``committed``, ``retained``, ``new``.

    Raises
    ------
    CurrencyMismatchError
        The table mixes currencies.

    Warns
    -----
    UndefinedMetricWarning
        No history before the origin, or a retention model that cannot be fitted (the sBG
        with no churn): the forecast is NaN (committed MRR stays known).

    Notes
    -----
    ``mrr = committed + retained + new`` (module documentation). The interval comes from
    ``simulations`` paths: each path takes one of 100 bootstrap refits of the retention
    model (customers resampled with replacement), draws every customer's churn as a
    Bernoulli event against that fit's conditional survival, and draws each month's new MRR
    and net expansion rate from the window's months (a bootstrap of monthly movements). The
    bounds are the paths' ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` quantiles.
    Committed MRR is certain. Customers are whole: a reactivated customer keeps the tenure
    of their first paying month. The simulation costs about ``simulations x customers``
    steps (a few seconds for 50,000 customers and 1,000 paths): lower ``simulations`` for a
    quick look at a large book.

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2007). How to project customer retention. Journal of
    Interactive Marketing 21(1), 76-90.

    Examples
    --------
    >>> from csmetrics.datasets import demo_portfolio
    >>> fc = mrr_forecast(demo_portfolio(), "2025-01", 3)
    >>> fc["period"].tolist()
    ['2025-01', '2025-02', '2025-03']
    >>> bool((fc["lower"] <= fc["mrr"]).all() and (fc["mrr"] <= fc["upper"]).all())
    True
    """
    ctx = "mrr_forecast"
    months = window_months(window, ctx)
    table = as_table(subscriptions, ctx, by=by)
    seg = segment(table, by, ctx)
    digits, names = currency_digits(table, seg, table.mrr_units != 0, ctx)
    # One currency per segment (by="currency" splits them); the title names them all.
    currency = ", ".join(sorted({c for c in names if c})) or "USD"
    first = month_index(start)
    origin_month = first - 1
    rng = np.random.default_rng(seed)
    fc = forecast_at(table, seg, by, origin_month, int(horizon), method=method, window=months,
                     confidence=float(confidence), simulations=int(simulations), rng=rng,
                     known_future=True)
    warn_if_undefined(np.isnan(fc.point).any(axis=1), context=ctx,
                      because="there is no history before the origin or the retention model "
                      "cannot be fitted", what="segment forecasts")
    n_seg, h = fc.point.shape
    scale = np.repeat(10.0 ** digits, h)
    labels = np.tile(month_label(first + np.arange(h)), n_seg)
    seg_labels = None if seg.name is None else np.repeat(seg.labels, h)
    cols = segment_columns(seg.name, seg_labels, ctx)
    cols["period"] = labels
    for name in ("point", "lower", "upper", "committed", "retained", "new"):
        # Expected values, not amounts billed: not rounded to the cent.
        cols["mrr" if name == "point" else name] = getattr(fc, name).ravel() / scale
    return MRRForecast(cols, origin=str(month_end(origin_month)[()]), method=method,
                       confidence=float(confidence), parameters=fc.model.parameters,
                       currency=str(currency), history=_history(table, by, origin_month,
                                                                months),
                       digits=np.repeat(digits, h), segment=seg.name,
                       segment_currencies={str(k): c or currency for k, c in
                                           zip(seg.labels.tolist(), names, strict=True)})


def _history(table: Any, by: By, origin_month: int, months: int) -> TableResult:
    """MRR at the window's month ends up to the origin (empty for an empty table)."""
    from csmetrics.revenue.movements import mrr_series

    if len(table) == 0:
        return TableResult({"period": np.zeros(0, dtype=object), "mrr": np.zeros(0)})
    series = mrr_series(table, month_text(origin_month - months + 1), month_text(origin_month),
                        by=by)
    return series.select(*[c for c in series.column_names if c != "customers"])
