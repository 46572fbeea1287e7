"""Charts of health results: the share of accounts and of MRR in each colour band."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from csmetrics.plotting.axes import GAIN, LOSS, NEUTRAL, axes, one_row_per_period

if TYPE_CHECKING:
    from csmetrics.health.rollup import HealthRollup

_BAND_COLOURS = {"red": LOSS, "yellow": "#e9c46a", "green": GAIN}


def plot_health_bands(rollup: HealthRollup, *, ax: Any = None) -> Any:
    """Share of accounts and of MRR in each health band, from ``csmetrics.health_rollup``.

    Parameters
    ----------
    rollup : HealthRollup
        A roll-up of one row: without ``by``, or one segment's row (``rollup.row("EU")``).
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.

    Returns
    -------
    matplotlib.axes.Axes
        Bars of ``share_<band>`` (accounts) and, when the roll-up has MRR, hatched bars of
        ``mrr_share_<band>``, for each band and ``unscored``.

    Raises
    ------
    InvalidParameterError
        The roll-up has several rows (one per segment).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import HealthScorecard, Linear, Measure, health_rollup
    >>> card = HealthScorecard(measures=[Measure(name="x", rule=Linear(low=0, high=1))])
    >>> scores = card.score({"customer_id": [1, 2, 3], "x": [0.1, 0.6, 0.9],
    ...                      "mrr": [10, 20, 30]}, mrr="mrr")
    >>> ax = plot_health_bands(health_rollup(scores))
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['red', 'yellow', 'green', 'unscored']
    """
    one_row_per_period(rollup, 1, "plot_health_bands",
                       "plot one segment's row: rollup.row(label).plot().")
    ax = axes(ax, "plot_health_bands")
    names = rollup.column_names
    bands = [c[len("share_"):] for c in names if c.startswith("share_")]
    accounts = [float(np.asarray(rollup[f"share_{b}"])[0]) for b in bands]
    with_mrr = any(f"mrr_share_{b}" in names for b in bands)
    x = np.arange(len(bands))
    colours = [_BAND_COLOURS.get(b, NEUTRAL) for b in bands]
    ax.bar(x - 0.2, accounts, width=0.4, color=colours, label="accounts")
    if with_mrr:
        money = [float(np.asarray(rollup[f"mrr_share_{b}"])[0]) for b in bands]
        ax.bar(x + 0.2, money, width=0.4, color=colours, alpha=0.5, hatch="//", label="MRR")
    ax.set_xticks(x, bands)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share")
    ax.legend(fontsize="small")
    return ax
