"""Backtest of the MRR forecast: refit at past origins and compare with what happened.

Definitions
-----------
Every month ``m`` of ``start..end`` is in turn the first forecast month: the forecast is made
at the end of ``m - 1`` from what the table knew then (spans that start later are left out
and later ends are open: nothing after the origin leaks in), for ``horizon`` months, and each
forecast month inside ``start..end`` is scored against the actual MRR at its month end.

Per horizon step ``h`` (1 = the first forecast month), over the ``n`` scored forecasts:

* **coverage**: the share whose actual MRR lies in the prediction interval, with a Wilson
  (1927) score interval at ``coverage_confidence``;
* **mean_error** (bias): mean of ``forecast - actual``; **mae**: mean of ``|forecast -
  actual|``; **mape**: mean of ``|forecast - actual| / actual`` over actuals > 0;
* **mase** (Hyndman and Koehler 2006): ``mae`` over the in-sample mean absolute one-month
  change of MRR (the error of the naive "last value" forecast one month ahead) in the
  ``window`` months before ``start``; below 1 the forecast beats that naive scale.
  ``naive_mae`` is the out-of-sample error of the naive forecast (the origin's MRR) at the
  same step, for a direct comparison.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.optional import scipy
from csmetrics._core.options import CONFIDENCE, SEED, validate_params
from csmetrics._core.segments import segment_columns
from csmetrics._core.warnings import warn_if_undefined
from csmetrics._kernels import revenue as kr
from csmetrics._kernels.surveys import wilson
from csmetrics.exceptions import InvalidParameterError
from csmetrics.forecast.engine import forecast_at, month_end, month_index, month_label
from csmetrics.forecast.mrr import HORIZON, METHOD, SIMULATIONS, WINDOW
from csmetrics.periods.calendar import PeriodLike
from csmetrics.periods.windows import window_months
from csmetrics.results import MetricResult, TableResult
from csmetrics.revenue.segments import By, Segmentation, currency_digits, segment
from csmetrics.tables.coerce import as_table
from csmetrics.tables.subscriptions import SubscriptionTable

__all__ = ["ForecastBacktest", "forecast_backtest"]

F64 = NDArray[np.float64]


class ForecastBacktest(MetricResult):
    """Accuracy of the MRR forecast by horizon step (see ``forecast_backtest``).

    Columns: the segment column when split, ``step``, ``forecasts``, ``covered``,
    ``coverage`` (the value column), ``coverage_lower``, ``coverage_upper``, ``mean_error``,
    ``mae``, ``mape``, ``mase`` and ``naive_mae``. Attributes ``confidence`` (the nominal
    coverage), ``method`` and ``details`` (one row per scored forecast: ``origin``,
    ``period``, ``step``, ``actual``, ``mrr``, ``lower``, ``upper``, ``covered``).
    """

    confidence: float
    method: str
    details: TableResult

    def __init__(self, columns: Mapping[str, Any], *, confidence: float, method: str,
                 details: TableResult, digits: Any = 2, segment: str | None = None) -> None:
        super().__init__(columns, value="coverage", money=("mean_error", "mae", "naive_mae"),
                         title=f"MRR forecast backtest ({method}, {confidence:.0%} interval)",
                         digits=digits, segment=segment)
        self._set(confidence=confidence, method=method, details=details)


@validate_params({"method": METHOD, "horizon": HORIZON, "window": WINDOW,
                  "confidence": CONFIDENCE, "coverage_confidence": CONFIDENCE,
                  "simulations": SIMULATIONS, "seed": SEED})
def forecast_backtest(subscriptions: Any, start: PeriodLike, end: PeriodLike, horizon: int = 3,
                      *, method: str = "cohort", window: str = "12M", confidence: float = 0.8,
                      coverage_confidence: float = 0.95, simulations: int = 1000,
                      seed: int | np.random.Generator | None = 0, by: By = None
                      ) -> ForecastBacktest:
    """Refit the MRR forecast at each month of a past window and score it against the actuals.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscription spans, covering ``start..end``.
    start, end : period
        The window (months, inclusive) of the forecast months scored; the first origin is the
        end of the month before ``start``.
    horizon : int, default 3
        Months ahead each forecast goes (1 to 60).
    method, window, confidence, simulations, seed, by
        As in ``mrr_forecast``.
    coverage_confidence : float, default 0.95
        Level of the Wilson interval on each step's coverage.

    Returns
    -------
    ForecastBacktest
        One row per horizon step (and segment); ``details`` holds every scored forecast.

    Raises
    ------
    InvalidParameterError
        ``end`` is before ``start``.

    Warns
    -----
    UndefinedMetricWarning
        A step with no scored forecast (NaN coverage and errors), or no in-sample MRR change
        to scale the MASE by.

    Notes
    -----
    See the module documentation for the definitions. The refits' own diagnostics (an sBG
    fit at the geometric limit) are not repeated at every origin. Forecasts from
    neighbouring origins overlap, so the Wilson interval (which assumes independent
    forecasts) is narrower than the true uncertainty of the coverage.

    References
    ----------
    Hyndman, R. J. and Koehler, A. B. (2006). Another look at measures of forecast accuracy.
    International Journal of Forecasting 22(4), 679-688.

    Examples
    --------
    >>> from csmetrics.datasets import demo_portfolio
    >>> bt = forecast_backtest(demo_portfolio(), "2024-07", "2024-12", 2, simulations=200)
    >>> bt["step"].tolist(), bt["forecasts"].tolist()
    ([1, 2], [6, 5])
    """
    ctx = "forecast_backtest"
    months = window_months(window, ctx)
    table = as_table(subscriptions, ctx, by=by)
    seg = segment(table, by, ctx)
    digits, _ = currency_digits(table, seg, table.mrr_units != 0, ctx)
    first = month_index(start)
    last = month_index(end)
    if last < first:
        raise InvalidParameterError(f"{ctx}: end ({end}) is before start ({start}).")
    h = int(horizon)
    rng = np.random.default_rng(seed)
    actual = _actuals(table, seg, np.arange(first - months - 1, last + 1))  # (seg, months)
    at = first - months - 1  # month index of actual[:, 0]
    rows: dict[str, list[Any]] = {k: [] for k in ("seg", "origin", "period", "step", "actual",
                                                  "mrr", "lower", "upper", "naive")}
    for origin in range(first - 1, last):  # one refit per origin month
        with warnings.catch_warnings():  # a refit's diagnostics, repeated at every origin
            warnings.simplefilter("ignore")
            fc = forecast_at(table, seg, by, origin, h, method=method, window=months,
                             confidence=float(confidence), simulations=int(simulations),
                             rng=rng, known_future=False)
        steps = np.arange(1, min(h, last - origin) + 1)
        for s in range(seg.n_segments):
            rows["seg"].extend([s] * steps.size)
            rows["origin"].extend([origin] * steps.size)
            rows["period"].extend((origin + steps).tolist())
            rows["step"].extend(steps.tolist())
            rows["actual"].extend(actual[s, origin + steps - at].tolist())
            rows["naive"].extend([actual[s, origin - at]] * steps.size)
            for k in ("mrr", "lower", "upper"):
                values = fc.point if k == "mrr" else getattr(fc, k)
                rows[k].extend(values[s, steps - 1].tolist())
    d = {k: np.asarray(v) for k, v in rows.items()}
    seg_scale = 10.0 ** digits
    scale = seg_scale[d["seg"].astype(np.int64)]
    hist = actual[:, :months + 1]
    naive_scale = np.abs(np.diff(hist, axis=1)).mean(axis=1) if months else np.full(
        seg.n_segments, np.nan)
    cols = _score(d, seg, h, naive_scale, float(coverage_confidence),
                  np.repeat(seg_scale, h), ctx)
    covered = (d["actual"] >= d["lower"]) & (d["actual"] <= d["upper"])
    seg_labels = None if seg.name is None else seg.labels[d["seg"].astype(np.int64)]
    details = TableResult({**segment_columns(seg.name, seg_labels, ctx),
                           "origin": np.asarray([str(x) for x in month_end(d["origin"])],
                                                dtype=object),
                           "period": month_label(d["period"]), "step": d["step"],
                           "actual": d["actual"] / scale, "mrr": d["mrr"] / scale,
                           "lower": d["lower"] / scale, "upper": d["upper"] / scale,
                           "covered": covered},
                          title="Backtest forecasts", money=("actual", "mrr", "lower", "upper"),
                          digits=digits[d["seg"].astype(np.int64)], segment=seg.name)
    return ForecastBacktest(cols, confidence=float(confidence), method=method, details=details,
                            digits=np.repeat(digits, h), segment=seg.name)


def _actuals(table: SubscriptionTable, seg: Segmentation, months: NDArray[np.int64]) -> F64:
    """MRR (minor units) per segment at each month end."""
    out = np.zeros((seg.n_segments, months.size))
    for j, day in enumerate(month_end(months)):  # one pass over the rows per month
        minor = kr.entity_minor_at(seg.entity_of_row, table.mrr_units,
                                   kr.active_on(table.start, table.end, day), seg.n_entities)
        out[:, j] = np.bincount(seg.segment_of_entity, minor.astype(np.float64),
                                seg.n_segments)
    return out


def _score(d: Mapping[str, NDArray[Any]], seg: Segmentation, horizon: int, naive_scale: F64,
           level: float, scale: F64, ctx: str) -> dict[str, Any]:
    n_seg = seg.n_segments
    key = d["seg"].astype(np.int64) * horizon + d["step"].astype(np.int64) - 1
    size = n_seg * horizon
    ok = np.isfinite(d["mrr"])
    k = np.where(ok, key, size)  # unscored forecasts (NaN) go to a spare cell

    def total(values: NDArray[Any]) -> F64:
        out: F64 = np.bincount(k, np.where(ok, values, 0.0), size + 1)[:size].astype(float)
        return out

    n = total(np.ones(key.size))
    err = d["mrr"] - d["actual"]
    covered = total(((d["actual"] >= d["lower"]) & (d["actual"] <= d["upper"])).astype(float))
    pos = ok & (d["actual"] > 0)
    n_pos = np.bincount(np.where(pos, key, size), minlength=size + 1)[:size]
    ape = np.bincount(np.where(pos, key, size), np.where(pos, np.abs(err) / np.where(
        pos, d["actual"], 1.0), 0.0), size + 1)[:size]
    with np.errstate(invalid="ignore", divide="ignore"):
        coverage = covered / n
        mae = total(np.abs(err)) / n
        mase = mae / np.repeat(naive_scale, horizon)
        cols_err = {"mean_error": total(err) / n / scale, "mae": mae / scale,
                    "mape": ape / n_pos, "mase": mase,
                    "naive_mae": total(np.abs(d["naive"] - d["actual"])) / n / scale}
    z = float(scipy("special").ndtri(0.5 + level / 2))
    lo, hi = wilson(coverage, n, z)
    warn_if_undefined(n == 0, context=ctx, because="no forecast of that step falls inside "
                      "the window", what="the backtest steps'")
    warn_if_undefined((n > 0) & ~np.isfinite(mase), context=ctx,
                      because="MRR did not change in the months before start",
                      what="MASE is")
    labels = None if seg.name is None else np.repeat(seg.labels, horizon)
    cols = segment_columns(seg.name, labels, ctx)
    cols.update(step=np.tile(np.arange(1, horizon + 1), n_seg), forecasts=n.astype(np.int64),
                covered=covered.astype(np.int64), coverage=coverage,
                coverage_lower=np.where(n > 0, lo, np.nan),
                coverage_upper=np.where(n > 0, hi, np.nan), **cols_err)
    return cols
