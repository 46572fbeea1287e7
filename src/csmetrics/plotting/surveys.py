"""Charts of survey results: the NPS bands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from csmetrics.plotting.axes import GAIN, LOSS, NEUTRAL, axes

if TYPE_CHECKING:
    from csmetrics.surveys import NetPromoterScore


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

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import net_promoter_score
    >>> ax = plot_nps(net_promoter_score([10, 9, 8, 7, 3, 10, 9, 6]))   # (4 - 2) / 8
    >>> ax.get_title().split(" (")[0]
    'NPS 25.0'
    """
    ax = axes(ax, "plot_nps")
    shares = [float(np.asarray(nps[c])[0]) for c in
              ("detractor_share", "passive_share", "promoter_share")]
    ax.bar(["detractors (0-6)", "passives (7-8)", "promoters (9-10)"], shares,
           color=[LOSS, NEUTRAL, GAIN])
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of answers")
    low, high = (float(np.asarray(nps[c])[0]) for c in ("ci_low", "ci_high"))
    score, n = float(np.asarray(nps["nps"])[0]), int(np.asarray(nps["n"])[0])
    level = getattr(nps, "confidence", 0.95)
    ax.set_title(f"NPS {score:.1f} ({level:.0%} CI {low:.1f} to {high:.1f}), n = {n:,}")
    return ax
