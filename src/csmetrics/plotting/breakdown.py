"""Charts of the churn breakdown: lost MRR per period, stacked by churn reason or type."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from csmetrics.plotting.axes import (
    LEGEND_WIDTH,
    NEUTRAL,
    SERIES,
    axes,
    headroom,
    legend_outside,
    money_axis,
    period_ticks,
)
from csmetrics.plotting.revenue import segment_rows

if TYPE_CHECKING:
    from csmetrics.revenue.breakdown import ChurnBreakdown


def plot_churn_breakdown(breakdown: ChurnBreakdown, *, ax: Any = None, segment: Any = None
                         ) -> Any:
    """Churned MRR per period as bars stacked by churn reason (or type).

    Parameters
    ----------
    breakdown : ChurnBreakdown
        From ``csmetrics.churn_breakdown``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.
    segment : optional
        With a breakdown split ``by=``, the segment to draw.

    Returns
    -------
    matplotlib.axes.Axes
        One bar per period, one colour per label ("(unknown)" in grey); the legend is to
        the right of the axes.

    Raises
    ------
    InvalidParameterError
        The breakdown is split by segment and no (or an unknown) ``segment`` is given.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import Subscription, churn_breakdown
    >>> subs = [Subscription(customer_id="a", start="2024-01-01", end="2024-02-10",
    ...                      amount=80, churn_reason="price")]
    >>> subs.append(Subscription(customer_id="b", start="2024-01-01", end="2024-03-05",
    ...                          amount=20))
    >>> ax = plot_churn_breakdown(churn_breakdown(subs, "2024-02", "2024-03"))
    >>> len(ax.patches)          # 2 periods x 2 labels ("price", "(unknown)")
    4
    """
    periods = list(breakdown.periods)
    # Every period has one row per label: a segment's rows are periods x labels.
    labels = dict.fromkeys(np.asarray(breakdown[breakdown.label_column], dtype=object).tolist())
    rows = segment_rows(breakdown, segment, len(periods) * len(labels), "plot_churn_breakdown")
    names = np.asarray(rows[breakdown.label_column], dtype=object)
    lost = np.asarray(rows["churned_mrr"], dtype=float)
    order = list(dict.fromkeys(names.tolist()))
    grid = lost.reshape(len(periods), len(order)) if periods else lost.reshape(0, len(order))
    ax = axes(ax, "plot_churn_breakdown")
    x = np.arange(len(periods))
    bottom = np.zeros(len(periods))
    for j, name in enumerate(order):
        colour = NEUTRAL if name == "(unknown)" else SERIES[j % len(SERIES)]
        ax.bar(x, grid[:, j], bottom=bottom, color=colour, label=str(name), width=0.75)
        bottom += grid[:, j]
    headroom(ax, 0.0, float(bottom.max(initial=0.0)), share=0.06)
    money_axis(ax, breakdown.currency)
    period_ticks(ax, periods, reserve=LEGEND_WIDTH)
    ax.set_ylabel(f"Churned MRR ({breakdown.currency})")
    legend_outside(ax)
    return ax
