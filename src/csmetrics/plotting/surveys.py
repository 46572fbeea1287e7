"""Charts of survey results: the NPS bands, a CSAT or CES estimate with its interval, and a
metric's trend with its interval band and its significant changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from csmetrics.exceptions import InvalidParameterError
from csmetrics.plotting.axes import (
    GAIN,
    LEGEND_WIDTH,
    LOSS,
    MARKERS,
    NEUTRAL,
    SERIES,
    axes,
    headroom,
    legend_outside,
    nps_axis,
    one_row_per_period,
    percent_axis,
    period_ticks,
    value_labels,
)

if TYPE_CHECKING:
    from csmetrics.surveys import NetPromoterScore, SurveyEstimate, SurveyTrend

_MAX_SEGMENTS = 8


def plot_nps(nps: NetPromoterScore, *, ax: Any = None) -> Any:
    """Shares of detractors, passives and promoters, titled with the NPS and its interval.

    Parameters
    ----------
    nps : NetPromoterScore
        From ``csmetrics.net_promoter_score`` (one row: without ``by``, or one segment's).
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.

    Returns
    -------
    matplotlib.axes.Axes
        Bars labelled with their share; a percentage axis.

    Raises
    ------
    InvalidParameterError
        The result has several rows (one per segment).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import net_promoter_score
    >>> ax = plot_nps(net_promoter_score([10, 9, 8, 7, 3, 10, 9, 6]))   # (4 - 2) / 8
    >>> ax.get_title().split(" (")[0]
    'NPS 25.0'
    >>> [t.get_text() for t in ax.texts]
    ['25%', '25%', '50%']
    """
    one_row_per_period(nps, 1, "plot_nps", "pick one segment: nps.row(label).plot().")
    ax = axes(ax, "plot_nps")
    shares = [float(np.asarray(nps[c])[0]) for c in
              ("detractor_share", "passive_share", "promoter_share")]
    x = np.arange(3)
    ax.bar(x, shares, color=[LOSS, NEUTRAL, GAIN], width=0.6)
    value_labels(ax, list(x), shares, [f"{s:.0%}" for s in shares], fontsize=9)
    ax.set_xticks(x, ["detractors (0-6)", "passives (7-8)", "promoters (9-10)"])
    headroom(ax, 0.0, max([*shares, 0.0]), share=0.16)
    percent_axis(ax)
    ax.set_ylabel("share of answers")
    low, high = (float(np.asarray(nps[c])[0]) for c in ("ci_low", "ci_high"))
    score, n = float(np.asarray(nps["nps"])[0]), int(np.asarray(nps["n"])[0])
    level = getattr(nps, "confidence", 0.95)
    ax.set_title(f"NPS {score:.1f} ({level:.0%} CI {low:.1f} to {high:.1f}), n = {n:,}",
                 fontsize="medium")
    return ax


def _is_share(metric: str) -> bool:
    return metric == "csat"


def plot_survey_estimate(estimate: SurveyEstimate, *, ax: Any = None) -> Any:
    """A CSAT or CES estimate as a point with its confidence interval, one row per segment.

    CSAT is the share satisfied on a percentage axis (0 to 100%); CES the mean score on its
    scale (``scale.low`` to ``scale.high``), titled with its polarity. Neither result keeps
    its answers' distribution (NPS does: see ``plot_nps``), so the chart shows the estimate.

    Parameters
    ----------
    estimate : CustomerSatisfactionScore or CustomerEffortScore
        From ``csmetrics.customer_satisfaction_score`` or ``customer_effort_score``, with or
        without ``by=`` (at most 8 segments).
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidParameterError
        More than 8 segments (plot some: ``estimate.row(label)``).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import customer_satisfaction_score
    >>> ax = plot_survey_estimate(customer_satisfaction_score([5, 4, 4, 2, 5]))   # 4 of 5
    >>> ax.texts[0].get_text()
    '80%'
    """
    metric = estimate.headline
    n_rows = len(estimate)
    if n_rows > _MAX_SEGMENTS:
        raise InvalidParameterError(
            f"plot_survey_estimate: {n_rows} segments are too many for one chart (at most "
            f"{_MAX_SEGMENTS}); plot some with estimate.row(label).plot().")
    ax = axes(ax, "plot_survey_estimate")
    value = np.asarray(estimate[metric], dtype=float)
    low = np.asarray(estimate["ci_low"], dtype=float)
    high = np.asarray(estimate["ci_high"], dtype=float)
    seg = estimate.segment_column
    names = [str(v) for v in estimate[seg].tolist()] if seg else [metric.upper()]
    y = np.arange(n_rows)[::-1]
    share = _is_share(metric)
    ax.errorbar(value, y, xerr=[np.nan_to_num(value - low), np.nan_to_num(high - value)],
                fmt="o", color=SERIES[0], ecolor=SERIES[0], elinewidth=2, capsize=4)

    def fmt(v: float) -> str:
        return f"{v:.0%}" if share else f"{v:.2f}"

    texts = [fmt(v) for v in value]
    for yi, text, v in zip(y, texts, value, strict=True):
        if np.isfinite(v):   # above the point: never past the axis end, never on the bar
            ax.annotate(text, (v, yi), xytext=(0, 6), textcoords="offset points",
                        ha="center", va="bottom", fontsize=8.5)
    ax.set_yticks(y, names)
    ax.set_ylim(-0.7, n_rows - 0.3)
    if share:
        ax.set_xlim(0.0, 1.0)
        percent_axis(ax, "x")
        ax.set_xlabel("share satisfied")
    else:
        scale = getattr(estimate, "scale", None)
        if scale is not None:
            ax.set_xlim(float(scale.low), float(scale.high))
        polarity = getattr(estimate, "polarity", "")
        ax.set_xlabel(f"mean score ({polarity})" if polarity else "mean score")
    level = getattr(estimate, "confidence", 0.95)
    if n_rows == 1:
        n = int(np.asarray(estimate["n"])[0])
        ax.set_title(f"{metric.upper()} {fmt(value[0])} ({level:.0%} CI {fmt(low[0])} to "
                     f"{fmt(high[0])}), n = {n:,}", fontsize="medium")
    else:
        ax.set_title(f"{metric.upper()} by {seg} ({level:.0%} intervals)", fontsize="medium")
    ax.grid(axis="x", color="#eeeeee")
    ax.set_axisbelow(True)
    return ax


def plot_survey_trend(trend: SurveyTrend, *, ax: Any = None, band: bool = True) -> Any:
    """A survey metric per period with its interval as a shaded band; significant changes
    from the period before marked with a ring; one line per segment with ``by=``.

    NPS is on an axis of points inside -100..100, CSAT on a percentage axis, CES on its
    score. A period without answers is a gap in the line.

    Parameters
    ----------
    trend : SurveyTrend
        From ``csmetrics.survey_trend`` (at most 8 segments).
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.
    band : bool, default True
        Shade each line's confidence interval.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidParameterError
        More than 8 segments.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import survey_trend
    >>> from csmetrics.datasets import synthetic_surveys
    >>> trend = survey_trend(synthetic_surveys(600, months=6, start="2024-01", seed=2))
    >>> ax = plot_survey_trend(trend)
    >>> ax.get_ylabel(), len(ax.collections) >= 1     # the line's band
    ('NPS (points)', True)
    """
    metric = trend.metric
    periods = list(trend.periods)
    n = len(periods)
    n_seg = len(trend) // n if n else 0
    if n_seg > _MAX_SEGMENTS:
        raise InvalidParameterError(
            f"plot_survey_trend: {n_seg} segments are too many for one chart (at most "
            f"{_MAX_SEGMENTS}); compute the trend for fewer segments (a by= mapping).")
    ax = axes(ax, "plot_survey_trend")
    seg = trend.segment_column

    def grid(name: str) -> Any:
        return np.asarray(trend[name], dtype=float).reshape(n, n_seg)

    value, low, high = grid(metric), grid("ci_low"), grid("ci_high")
    significant = np.asarray(trend["significant"], dtype=bool).reshape(n, n_seg)
    labels = ([str(v) for v in np.asarray(trend[seg], dtype=object)[:n_seg].tolist()]
              if seg else [metric.upper()])
    x = np.arange(n)
    marked = False
    for j in range(n_seg):
        colour = SERIES[j % len(SERIES)]
        ax.plot(x, value[:, j], color=colour, marker=MARKERS[j % len(MARKERS)],
                markersize=4, linewidth=1.8, label=labels[j])
        if band:
            ax.fill_between(x, low[:, j], high[:, j], color=colour, alpha=0.15, linewidth=0)
            # A period with no neighbour has no band to fill: its interval is a bar.
            known = ~np.isnan(value[:, j])
            before = np.concatenate([[False], known[:-1]])
            after = np.concatenate([known[1:], [False]])
            alone = known & ~before & ~after
            if alone.any():
                ax.vlines(x[alone], low[alone, j], high[alone, j], color=colour, alpha=0.45,
                          linewidth=6)
        hits = significant[:, j]
        if hits.any():
            ax.plot(x[hits], value[hits, j], linestyle="none", marker="o", markersize=10,
                    markerfacecolor="none", markeredgecolor="#222222", markeredgewidth=1.2,
                    label=None if marked else "significant change")
            marked = True
    shown = np.concatenate([value.ravel(), low.ravel(), high.ravel()]) if band else (
        value.ravel())
    finite = shown[np.isfinite(shown)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if metric == "nps":
        nps_axis(ax, lo, hi)
        ax.set_ylabel("NPS (points)")
    elif metric == "csat":
        pad = max(0.02, 0.08 * (hi - lo))
        ax.set_ylim(max(0.0, lo - pad), min(1.0, hi + pad))
        percent_axis(ax)
        ax.set_ylabel("CSAT (share satisfied)")
    else:
        pad = max(0.05, 0.08 * (hi - lo))
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_ylabel("CES (mean score)")
    beside = n_seg > 1 or marked
    period_ticks(ax, periods, reserve=LEGEND_WIDTH if beside else 0.0)
    level = trend.confidence
    ax.set_title(f"{metric.upper()} by {trend.freq.name}"
                 + (f" ({level:.0%} band)" if band else ""), fontsize="medium")
    if beside:
        handles, names = ax.get_legend_handles_labels()
        order = sorted(range(len(names)), key=lambda i: names[i] == "significant change")
        legend_outside(ax, handles=[handles[i] for i in order],
                       labels=[names[i] for i in order], title=seg if seg else None)
    return ax
