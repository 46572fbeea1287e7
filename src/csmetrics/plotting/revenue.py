"""Charts of revenue results: the MRR bridge, its movements over time, the NRR/GRR trend.

Every function draws on ``ax`` (or on a new figure's axes) and returns the matplotlib
``Axes``, so charts compose and can be styled further.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from csmetrics.plotting.axes import GAIN, LEVEL, LOSS, NEUTRAL, axes, one_row_per_period

if TYPE_CHECKING:
    from csmetrics.results import TableResult
    from csmetrics.revenue.movements import MRRMovements


def _totals(movements: MRRMovements, name: str) -> float:
    return float(np.asarray(movements[name]).sum())


def plot_mrr_bridge(movements: MRRMovements, *, ax: Any = None) -> Any:
    """Waterfall of a window's MRR bridge: starting MRR, each movement, ending MRR.

    Parameters
    ----------
    movements : MRRMovements
        From ``csmetrics.mrr_movements`` (without ``by``: one row per period).
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidParameterError
        The movements are split by segment.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import mrr_movements
    >>> from csmetrics.datasets import demo_portfolio
    >>> ax = plot_mrr_bridge(mrr_movements(demo_portfolio(), "2024-01", "2024-12"))
    >>> [t.get_text() for t in ax.get_xticklabels()][:3]
    ['start', 'new', 'expansion']
    """
    one_row_per_period(movements, len(movements.periods), "plot_mrr_bridge")
    ax = axes(ax, "plot_mrr_bridge")
    start = float(np.asarray(movements["starting_mrr"])[0])
    end = float(np.asarray(movements["ending_mrr"])[-1])
    steps = [("new", 1), ("expansion", 1), ("reactivation", 1), ("contraction", -1),
             ("churn", -1)]
    if "fx" in movements.column_names:
        steps.append(("fx", 1))
    labels, bottoms, heights, colours = ["start"], [0.0], [start], [LEVEL]
    level = start
    for name, sign in steps:
        change = sign * _totals(movements, name)
        labels.append(name)
        bottoms.append(level if change >= 0 else level + change)
        heights.append(abs(change))
        colours.append(NEUTRAL if name == "fx" else GAIN if change >= 0 else LOSS)
        level += change
    labels.append("end")
    bottoms.append(0.0)
    heights.append(end)
    colours.append(LEVEL)
    x = np.arange(len(labels))
    ax.bar(x, heights, bottom=bottoms, color=colours)
    ax.set_xticks(x, labels)
    ax.set_ylabel(f"MRR ({movements.currency})")
    first, last = movements.periods[0], movements.periods[-1]
    ax.set_title(f"MRR bridge, {first} to {last}")
    return ax


def plot_mrr_movements(movements: MRRMovements, *, ax: Any = None) -> Any:
    """Each period's movements as stacked bars: gains above zero, losses below, net as a line.

    Parameters
    ----------
    movements : MRRMovements
        From ``csmetrics.mrr_movements`` (without ``by``: one row per period).
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidParameterError
        The movements are split by segment.

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
    one_row_per_period(movements, len(movements.periods), "plot_mrr_movements")
    ax = axes(ax, "plot_mrr_movements")
    periods = list(movements.periods)
    x = np.arange(len(periods))
    up = np.zeros(len(periods))
    down = np.zeros(len(periods))
    shades = {"new": "#2a9d8f", "expansion": "#8ab17d", "reactivation": "#b5e48c",
              "contraction": "#f4a261", "churn": "#e76f51"}
    for name, colour in shades.items():
        values = np.asarray(movements[name], dtype=float)
        if name in ("contraction", "churn"):
            ax.bar(x, -values, bottom=down, color=colour, label=name)
            down -= values
        else:
            ax.bar(x, values, bottom=up, color=colour, label=name)
            up += values
    ax.plot(x, up + down, color="#222222", marker="o", label="net")
    ax.axhline(0, color="#888888", linewidth=0.8)
    ax.set_xticks(x, periods, rotation=45, ha="right")
    ax.set_ylabel(f"MRR change ({movements.currency})")
    ax.legend(fontsize="small", ncol=3)
    return ax


def plot_retention_trend(series: TableResult, *, ax: Any = None) -> Any:
    """NRR and GRR over time, from ``csmetrics.nrr_series`` (without ``by``).

    Parameters
    ----------
    series : TableResult
        A retention series with ``period``, ``nrr`` and ``grr`` columns, one row per period.
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.

    Returns
    -------
    matplotlib.axes.Axes
        One line per ratio, and a dashed line at 1 (all revenue kept).

    Raises
    ------
    InvalidParameterError
        The series is split by segment.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import nrr_series
    >>> from csmetrics.datasets import demo_portfolio
    >>> ax = plot_retention_trend(nrr_series(demo_portfolio(), "2024-06", "2024-12"))
    >>> [line.get_label() for line in ax.get_lines()][:2]
    ['NRR', 'GRR']
    """
    periods = [str(p) for p in np.asarray(series["period"]).tolist()]
    one_row_per_period(series, len(set(periods)), "plot_retention_trend")
    ax = axes(ax, "plot_retention_trend")
    x = np.arange(len(periods))
    ax.plot(x, np.asarray(series["nrr"], dtype=float), marker="o", color=LEVEL, label="NRR")
    ax.plot(x, np.asarray(series["grr"], dtype=float), marker="s", color=LOSS, label="GRR")
    ax.axhline(1.0, color="#888888", linewidth=0.8, linestyle="--")
    ax.set_xticks(x, periods, rotation=45, ha="right")
    ax.set_ylabel("retention (fraction)")
    ax.legend(fontsize="small")
    return ax
