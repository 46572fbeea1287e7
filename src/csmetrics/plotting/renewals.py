"""The renewal calendar's chart: ARR up for renewal per month, stacked by outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from csmetrics.plotting.axes import (
    GAIN,
    LEGEND_WIDTH,
    LOSS,
    NEUTRAL,
    axes,
    headroom,
    legend_outside,
    money_axis,
    period_ticks,
)

if TYPE_CHECKING:
    from csmetrics.revenue.renewals import RenewalCalendar


def plot_renewals(calendar: RenewalCalendar, *, ax: Any = None) -> Any:
    """ARR up for renewal each month as a stacked bar: renewed (its ARR before the
    renewal), lost and pending; segments and health bands are summed.

    Parameters
    ----------
    calendar : RenewalCalendar
        From ``csmetrics.renewals``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import renewals
    >>> from csmetrics.datasets import demo_portfolio
    >>> ax = plot_renewals(renewals(demo_portfolio(), "2024-01", "2024-08"))
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['renewed', 'lost', 'pending']
    """
    ax = axes(ax, "plot_renewals")
    periods = list(calendar.periods)
    index = {p: i for i, p in enumerate(periods)}
    at = np.array([index[p] for p in np.asarray(calendar["period"]).tolist()], dtype=np.int64)

    def per_period(name: str) -> Any:
        return np.bincount(at, weights=np.asarray(calendar[name], dtype=float),
                           minlength=len(periods))

    lost, pending = per_period("lost_arr"), per_period("pending_arr")
    renewed = per_period("arr_up") - lost - pending
    x = np.arange(len(periods))
    bottom = np.zeros(len(periods))
    for label, values, color in (("renewed", renewed, GAIN), ("lost", lost, LOSS),
                                 ("pending", pending, NEUTRAL)):
        ax.bar(x, values, bottom=bottom, color=color, width=0.7, label=label)
        bottom = bottom + values
    headroom(ax, 0.0, float(bottom.max(initial=0.0)), share=0.08)
    money_axis(ax, calendar.currency)
    period_ticks(ax, periods, reserve=LEGEND_WIDTH)
    ax.set_ylabel(f"ARR up for renewal ({calendar.currency})")
    legend_outside(ax)
    return ax
