"""Charts of forecasts: the MRR history, the point forecast and its interval as a fan.

The function draws on ``ax`` (or on a new figure's axes) and returns the matplotlib ``Axes``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from csmetrics.exceptions import InvalidParameterError
from csmetrics.plotting.axes import (
    LEGEND_WIDTH,
    LEVEL,
    NEUTRAL,
    axes,
    legend_outside,
    money_axis,
    period_ticks,
)

if TYPE_CHECKING:
    from csmetrics.forecast.mrr import MRRForecast

__all__ = ["plot_mrr_forecast"]


def _rows(result: Any, segment: Any, purpose: str) -> Any:
    """The rows of one segment (all rows when the result is not split)."""
    seg = result.segment_column
    if seg is None:
        if segment is not None:
            raise InvalidParameterError(f"{purpose}: segment={segment!r} given, but the "
                                        "result is not split by segment.")
        return np.ones(len(result), dtype=bool)
    if segment is None:
        raise InvalidParameterError(f"{purpose}: the result is split by {seg!r}; pass "
                                    f"segment=<one value of {seg!r}>.")
    labels = np.asarray(result[seg], dtype=object).tolist()
    keep = np.array([v == segment or str(v) == str(segment) for v in labels], dtype=bool)
    if not keep.any():
        raise InvalidParameterError(f"{purpose}: no rows of {seg} {segment!r}.")
    return keep


def plot_mrr_forecast(forecast: MRRForecast, *, segment: Any = None, ax: Any = None) -> Any:
    """MRR history as a line, then the point forecast and its prediction interval (a fan).

    Parameters
    ----------
    forecast : MRRForecast
        From ``csmetrics.mrr_forecast``.
    segment : optional
        With a forecast split ``by=``, the segment to draw.
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import mrr_forecast
    >>> from csmetrics.datasets import demo_portfolio
    >>> ax = plot_mrr_forecast(mrr_forecast(demo_portfolio(), "2025-01", 6))
    >>> sorted(line.get_label() for line in ax.get_lines() if not line.get_label()[0] == "_")
    ['forecast', 'history']
    """
    purpose = "MRRForecast.plot"
    ax = axes(ax, purpose)
    keep = _rows(forecast, segment, purpose)
    hist = forecast.history
    hk = _rows(hist, segment, purpose) if len(hist) else np.zeros(0, dtype=bool)
    past = [str(p) for p in np.asarray(hist["period"])[hk].tolist()] if len(hist) else []
    past_mrr = np.asarray(hist["mrr"], dtype=float)[hk] if len(hist) else np.zeros(0)
    ahead = [str(p) for p in np.asarray(forecast["period"])[keep].tolist()]
    x_past = np.arange(len(past))
    x_ahead = np.arange(len(past), len(past) + len(ahead))
    ax.plot(x_past, past_mrr, color=LEVEL, label="history")
    point = np.asarray(forecast["mrr"], dtype=float)[keep]
    low = np.asarray(forecast["lower"], dtype=float)[keep]
    high = np.asarray(forecast["upper"], dtype=float)[keep]
    # The fan starts at the last observed month so the forecast joins the history.
    if len(past):
        xs = np.concatenate([[x_past[-1]], x_ahead])
        point, low, high = (np.concatenate([[past_mrr[-1]], v]) for v in (point, low, high))
    else:
        xs = x_ahead
    ax.fill_between(xs, low, high, color=LEVEL, alpha=0.2, linewidth=0,
                    label=f"{forecast.confidence:.0%} interval")
    ax.plot(xs, point, color=LEVEL, linestyle="--", label="forecast")
    ax.axvline(len(past) - 0.5, color=NEUTRAL, linewidth=0.8)
    period_ticks(ax, past + ahead, reserve=LEGEND_WIDTH)
    currency = (forecast.currency if segment is None else
                forecast.segment_currencies.get(str(segment), forecast.currency))
    money_axis(ax, currency)
    ax.set_ylabel(f"MRR ({currency})")
    ax.set_title(f"MRR forecast from {forecast.origin} ({forecast.method})")
    legend_outside(ax)
    return ax
