"""Chart of churn drivers: each signal's odds ratio with its interval, on a log axis."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from csmetrics.plotting.axes import GAIN, LOSS, NEUTRAL, axes

if TYPE_CHECKING:
    from csmetrics.health.drivers import ChurnDrivers


def plot_churn_drivers(drivers: ChurnDrivers, *, ax: Any = None) -> Any:
    """Odds ratios of churn per signal with their Wald intervals (a forest plot).

    Parameters
    ----------
    drivers : ChurnDrivers
        From ``csmetrics.churn_drivers``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.

    Returns
    -------
    matplotlib.axes.Axes
        One line per signal (top to bottom in the table's order, the baseline terms left out) on
        a log x axis with a reference line at 1: red where the interval lies above 1 (more
        churn), green below 1, grey when it includes 1. Signals without an estimate are
        listed without a mark.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import churn_drivers
    >>> subs = {"customer_id": ["a", "b", "c", "d"], "amount": [10] * 4,
    ...         "start": ["2024-01-01"] * 4,
    ...         "end": ["2024-03-10", None, "2024-04-20", "2024-12-31"]}
    >>> snaps = {"2024-01": {"customer_id": ["a", "b", "c", "d"], "logins": [0, 8, 2, 6]},
    ...          "2024-02": {"customer_id": ["a", "b", "c", "d"], "logins": [0, 9, 3, 5]},
    ...          "2024-03": {"customer_id": ["b", "c", "d"], "logins": [7, 1, 6]}}
    >>> ax = plot_churn_drivers(churn_drivers(snaps, subs, horizon=1))
    >>> [t.get_text() for t in ax.get_yticklabels()], ax.get_xscale()
    (['logins'], 'log')
    """
    ax = axes(ax, "plot_churn_drivers")
    every = [str(t) for t in drivers["term"].tolist()]
    signal = np.array([not t.startswith("(") for t in every])  # not the baseline terms
    terms = [t for t, keep in zip(every, signal, strict=True) if keep]
    ratio = np.asarray(drivers["odds_ratio"], dtype=np.float64)[signal]
    low = np.asarray(drivers["or_low"], dtype=np.float64)[signal]
    high = np.asarray(drivers["or_high"], dtype=np.float64)[signal]
    y = np.arange(len(terms))[::-1]
    colours = np.where(low > 1, LOSS, np.where(high < 1, GAIN, NEUTRAL))
    ok = np.isfinite(ratio) & np.isfinite(low) & np.isfinite(high) & (low > 0)
    for yi, r, lo, hi, c in zip(y[ok], ratio[ok], low[ok], high[ok], colours[ok],
                                strict=True):
        ax.plot([lo, hi], [yi, yi], color=c, linewidth=2)
        ax.plot([r], [yi], "o", color=c)
    ax.axvline(1.0, color="#555555", linewidth=1, linestyle="--")
    ax.set_xscale("log")
    ax.set_yticks(y, terms)
    ax.set_ylim(-0.5, len(terms) - 0.5)
    per = " per standard deviation" if drivers.standardized else ""
    ax.set_xlabel(f"odds ratio of churn within {drivers.horizon} month(s){per} "
                  f"({drivers.confidence:.0%} interval)")
    return ax
