"""Charts of revenue results: the MRR bridge, its movements over time, the MRR series and the
NRR/GRR trend.

Every function draws on ``ax`` (or on a new figure's axes) and returns the matplotlib
``Axes``, so charts compose and can be styled further. Money axes carry the currency
(``$160k``), ratio axes read as percentages, legends sit outside the data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.compact import compact_money
from csmetrics.exceptions import InvalidParameterError
from csmetrics.plotting.axes import (
    GAIN,
    LEGEND_WIDTH,
    LEVEL,
    LOSS,
    MARKERS,
    NEUTRAL,
    SERIES,
    axes,
    headroom,
    legend_outside,
    money_axis,
    one_row_per_period,
    percent_axis,
    period_step,
    period_ticks,
    value_labels,
)

if TYPE_CHECKING:
    from csmetrics.results import TableResult
    from csmetrics.revenue.movements import MRRMovements, MRRSeries

_MAX_LINES = 8


def segment_rows(result: Any, segment: Any, periods: int, purpose: str
                 ) -> dict[str, NDArray[Any]]:
    """The columns of ``result``'s rows of ``segment`` (all rows when None), which must be
    one per period: a chart of one series refuses a result split by segment."""
    seg = result.segment_column
    if segment is None or seg is None:
        if segment is not None:
            raise InvalidParameterError(f"{purpose}: segment={segment!r} given, but the "
                                        "result is not split by segment.")
        one_row_per_period(result, periods, purpose,
                           f"pass segment=<one value of {seg!r}>, or compute it without by=."
                           if seg else "")
        return {k: np.asarray(result[k]) for k in result.column_names}
    labels = np.asarray(result[seg], dtype=object)
    keep = np.array([v == segment or str(v) == str(segment) for v in labels.tolist()],
                    dtype=bool)
    if int(keep.sum()) != periods:
        shown = ", ".join(repr(v) for v in list(dict.fromkeys(labels.tolist()))[:10])
        raise InvalidParameterError(f"{purpose}: no segment {segment!r} of {seg!r}; the "
                                    f"segments are {shown}.")
    return {k: np.asarray(result[k])[keep] for k in result.column_names}


def _sum(rows: dict[str, NDArray[Any]], name: str) -> float:
    return float(np.asarray(rows[name], dtype=float).sum())


def _category_ticks(ax: Any, labels: list[str]) -> None:
    """Bar names under the bars: level when they fit the width, else slanted."""
    fits = period_step(ax, labels, fontsize="small") == 1
    ax.set_xticks(np.arange(len(labels)), labels)
    ax.tick_params(axis="x", labelsize="small")
    if not fits:
        ax.tick_params(axis="x", labelrotation=30)
        for t in ax.get_xticklabels():
            t.set_ha("right")
            t.set_rotation_mode("anchor")


def plot_mrr_bridge(movements: MRRMovements, *, ax: Any = None, segment: Any = None) -> Any:
    """Waterfall of a window's MRR bridge: starting MRR, each movement, ending MRR.

    Each bar is labelled with its amount (``+$27.3k``); the axis is money of the bridge's
    currency, with room above the tallest bar for its label.

    Parameters
    ----------
    movements : MRRMovements
        From ``csmetrics.mrr_movements``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.
    segment : optional
        With movements split ``by=``, the segment to draw (a value of the segment column).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidParameterError
        The movements are split by segment and no (or an unknown) ``segment`` is given.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import mrr_movements
    >>> from csmetrics.datasets import demo_portfolio
    >>> ax = plot_mrr_bridge(mrr_movements(demo_portfolio(), "2024-01", "2024-12"))
    >>> [t.get_text() for t in ax.get_xticklabels()][:3]
    ['start', 'new', 'expansion']
    >>> ax.texts[0].get_text()          # the starting MRR, in the currency
    '$48.1k'
    """
    rows = segment_rows(movements, segment, len(movements.periods), "plot_mrr_bridge")
    ax = axes(ax, "plot_mrr_bridge")
    cur = movements.currency
    start = float(rows["starting_mrr"][0])
    end = float(rows["ending_mrr"][-1])
    steps = [("new", 1), ("expansion", 1), ("reactivation", 1), ("contraction", -1),
             ("churn", -1)]
    if "fx" in rows:
        steps.append(("fx", 1))
    labels, bottoms, heights, colours = ["start"], [0.0], [start], [LEVEL]
    texts = [compact_money(start, cur)]
    level = start
    for name, sign in steps:
        change = sign * _sum(rows, name)
        labels.append(name)
        bottoms.append(level if change >= 0 else level + change)
        heights.append(abs(change))
        colours.append(NEUTRAL if name == "fx" else GAIN if change >= 0 else LOSS)
        texts.append(("+" if change >= 0 else "") + compact_money(change, cur))
        level += change
    labels.append("end")
    bottoms.append(0.0)
    heights.append(end)
    colours.append(LEVEL)
    texts.append(compact_money(end, cur))
    x = np.arange(len(labels))
    tops = np.add(bottoms, heights)
    ax.bar(x, heights, bottom=bottoms, color=colours, width=0.7)
    # Thin connectors from each bar's level to the next bar.
    levels = np.concatenate([[start], start + np.cumsum(
        [s * _sum(rows, n) for n, s in steps])])
    for i, lv in enumerate(levels):
        ax.plot([i + 0.35, i + 0.65], [lv, lv], color="#888888", linewidth=0.8)
    value_labels(ax, list(x), list(tops), texts)
    headroom(ax, float(min(bottoms)), float(tops.max()))
    money_axis(ax, cur)
    _category_ticks(ax, labels)
    ax.set_ylabel(f"MRR ({cur})")
    first, last = movements.periods[0], movements.periods[-1]
    ax.set_title(f"MRR bridge, {first} to {last}", fontsize="medium")
    return ax


_SHADES = {"new": "#2a9d8f", "expansion": "#8ab17d", "reactivation": "#b5e48c",
           "contraction": "#f4a261", "churn": "#e76f51"}


def plot_mrr_movements(movements: MRRMovements, *, ax: Any = None, segment: Any = None
                       ) -> Any:
    """Each period's movements as stacked bars: gains above zero, losses below, net as a line.

    Parameters
    ----------
    movements : MRRMovements
        From ``csmetrics.mrr_movements``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.
    segment : optional
        With movements split ``by=``, the segment to draw.

    Returns
    -------
    matplotlib.axes.Axes
        The legend is to the right of the axes; period labels are thinned to fit.

    Raises
    ------
    InvalidParameterError
        The movements are split by segment and no (or an unknown) ``segment`` is given.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import mrr_movements
    >>> from csmetrics.datasets import demo_portfolio
    >>> ax = plot_mrr_movements(mrr_movements(demo_portfolio(), "2024-01", "2024-06"))
    >>> len(ax.patches)        # 6 periods x 5 movements
    30
    """
    rows = segment_rows(movements, segment, len(movements.periods), "plot_mrr_movements")
    ax = axes(ax, "plot_mrr_movements")
    periods = list(movements.periods)
    x = np.arange(len(periods))
    up = np.zeros(len(periods))
    down = np.zeros(len(periods))
    for name, colour in _SHADES.items():
        values = np.asarray(rows[name], dtype=float)
        if name in ("contraction", "churn"):
            ax.bar(x, -values, bottom=down, color=colour, label=name, width=0.75)
            down -= values
        else:
            ax.bar(x, values, bottom=up, color=colour, label=name, width=0.75)
            up += values
    ax.plot(x, up + down, color="#222222", marker="o", markersize=4, linewidth=1.2,
            label="net")
    ax.axhline(0, color="#888888", linewidth=0.8)
    headroom(ax, float(down.min(initial=0.0)), float(up.max(initial=0.0)), share=0.06)
    money_axis(ax, movements.currency)
    period_ticks(ax, periods, reserve=LEGEND_WIDTH)
    ax.set_ylabel(f"MRR change ({movements.currency})")
    legend_outside(ax)
    return ax


def plot_mrr_series(series: MRRSeries, *, ax: Any = None) -> Any:
    """MRR at each period end as a line; one line per segment when split ``by=`` (or wide).

    With more than 8 segments, the 7 largest (by their last MRR) are drawn and the rest
    summed as one ``other`` line.

    Parameters
    ----------
    series : MRRSeries
        From ``csmetrics.mrr_series`` (long or ``wide=True``).
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import mrr_series
    >>> from csmetrics.datasets import demo_portfolio
    >>> ax = plot_mrr_series(mrr_series(demo_portfolio(), "2024-01", "2024-12", by="plan"))
    >>> sorted(line.get_label() for line in ax.get_lines())
    ['addon', 'enterprise', 'growth', 'pro', 'starter']
    """
    ax = axes(ax, "plot_mrr_series")
    periods = list(series.periods)
    n = len(periods)
    lines: dict[str, NDArray[np.float64]] = {}
    seg = series.segment_column
    if series.wide:
        for name in series.money:
            lines[str(name)] = np.asarray(series[name], dtype=float)
    elif seg is None:
        lines["MRR"] = np.asarray(series["mrr"], dtype=float)
    else:
        labels = np.asarray(series[seg], dtype=object).reshape(n, -1)[0]
        grid = np.asarray(series["mrr"], dtype=float).reshape(n, -1)
        for j, label in enumerate(labels.tolist()):
            lines[str(label)] = grid[:, j]
    if len(lines) > _MAX_LINES:
        ranked = sorted(lines, key=lambda k: -np.nan_to_num(lines[k][-1]))
        rest = ranked[_MAX_LINES - 1:]
        other = np.sum([lines.pop(k) for k in rest], axis=0)
        lines[f"other ({len(rest)})"] = other
    x = np.arange(n)
    for i, (name, values) in enumerate(lines.items()):
        ax.plot(x, values, color=SERIES[i % len(SERIES)], marker=MARKERS[i % len(MARKERS)],
                markersize=3.5, linewidth=1.6, label=name)
    top = max((float(np.nanmax(v, initial=0.0)) for v in lines.values()), default=0.0)
    headroom(ax, 0.0, top, share=0.08)
    money_axis(ax, series.currency)
    several = len(lines) > 1
    period_ticks(ax, periods, reserve=LEGEND_WIDTH if several else 0.0)
    ax.set_ylabel(f"MRR ({series.currency})")
    if several:
        legend_outside(ax, title=seg if seg else None)
    return ax


def plot_retention_trend(series: TableResult, *, ax: Any = None, segment: Any = None) -> Any:
    """NRR and GRR over time, from ``csmetrics.nrr_series``.

    NRR is a solid line with round markers, GRR a dashed line with square markers, in
    different colours, so the two read apart where they meet (GRR never exceeds NRR, and
    equals it in a period without expansion); a dotted line marks 100% (all revenue kept).

    Parameters
    ----------
    series : TableResult
        A retention series with ``period``, ``nrr`` and ``grr`` columns.
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.
    segment : optional
        With a series split ``by=``, the segment to draw.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidParameterError
        The series is split by segment and no (or an unknown) ``segment`` is given.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import nrr_series
    >>> from csmetrics.datasets import demo_portfolio
    >>> ax = plot_retention_trend(nrr_series(demo_portfolio(), "2024-06", "2024-12"))
    >>> [line.get_label() for line in ax.get_lines()][:2]
    ['NRR', 'GRR']
    >>> ax.get_lines()[1].get_linestyle()
    '--'
    """
    periods = list(dict.fromkeys(str(p) for p in np.asarray(series["period"]).tolist()))
    rows = segment_rows(series, segment, len(periods), "plot_retention_trend")
    ax = axes(ax, "plot_retention_trend")
    x = np.arange(len(periods))
    nrr = np.asarray(rows["nrr"], dtype=float)
    grr = np.asarray(rows["grr"], dtype=float)
    ax.plot(x, nrr, marker="o", markersize=5, color=LEVEL, linewidth=2, label="NRR")
    ax.plot(x, grr, marker="s", markersize=4, color=LOSS, linewidth=1.6, linestyle="--",
            label="GRR")
    ax.axhline(1.0, color="#888888", linewidth=0.8, linestyle=":")
    values = np.concatenate([nrr, grr, [1.0]])
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    pad = max(0.02, 0.1 * (hi - lo))
    ax.set_ylim(lo - pad, hi + pad)
    percent_axis(ax)
    period_ticks(ax, periods, reserve=LEGEND_WIDTH)
    ax.set_ylabel("retention")
    legend_outside(ax)
    return ax
