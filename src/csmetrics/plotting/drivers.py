"""The importance-performance quadrant chart of key drivers (Martilla and James 1977; the
chart Qualtrics and SurveyMonkey show): importance across, performance up, the quadrants
split at the means."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from csmetrics.plotting.axes import GAIN, LEVEL, LOSS, NEUTRAL, axes, percent_axis

if TYPE_CHECKING:
    from csmetrics.feedback import KeyDrivers

_COLOURS = {"fix first": LOSS, "keep": GAIN, "maintain": LEVEL, "low priority": NEUTRAL}


def plot_key_drivers(result: KeyDrivers, *, ax: Any = None) -> Any:
    """Each driver at (importance, performance), the quadrants split at the means and named.

    Parameters
    ----------
    result : KeyDrivers
        One block (without ``by=``, or one segment's: ``result.segment(label)``).
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.

    Returns
    -------
    matplotlib.axes.Axes
        Performance on 0-100 where every driver's scale is known (the raw mean rating
        otherwise); importance as a percentage of R-squared, with the bootstrap interval as
        a horizontal bar.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import key_drivers
    >>> data = {"csat": [5, 4, 4, 2, 3, 5, 1, 4], "ease": [5, 4, 3, 2, 3, 5, 1, 5],
    ...         "price": [3, 4, 2, 2, 4, 3, 2, 3], "support": [4, 5, 4, 1, 2, 4, 2, 3]}
    >>> r = key_drivers(data, outcome="csat", drivers=["ease", "price", "support"],
    ...                 scales=dict.fromkeys(["ease", "price", "support"], (1, 5)))
    >>> plot_key_drivers(r).get_ylabel()
    'performance (0-100)'
    """
    ax = axes(ax, "plot_key_drivers")
    share = np.asarray(result["importance"], dtype=float)
    perf = np.asarray(result["performance"], dtype=float)
    scaled = bool(np.isfinite(perf).all())
    y = perf if scaled else np.asarray(result["mean"], dtype=float)
    ok = np.isfinite(share) & np.isfinite(y)
    quadrant = result["quadrant"].tolist()
    low = np.asarray(result["importance_low"], dtype=float)
    high = np.asarray(result["importance_high"], dtype=float)
    for i in np.flatnonzero(ok).tolist():
        colour = _COLOURS.get(quadrant[i], NEUTRAL)
        if np.isfinite(low[i]) and np.isfinite(high[i]):
            ax.plot([low[i], high[i]], [y[i], y[i]], color=colour, alpha=0.35, linewidth=3)
        ax.scatter([share[i]], [y[i]], color=colour, zorder=3)
        ax.annotate(str(result["driver"][i]), (share[i], y[i]), xytext=(5, 4),
                    textcoords="offset points", fontsize=9)
    if ok.any():
        mx, my = float(share[ok].mean()), float(y[ok].mean())
        ax.axvline(mx, color=NEUTRAL, linestyle="--", linewidth=1)
        ax.axhline(my, color=NEUTRAL, linestyle="--", linewidth=1)
        corners = {"fix first": (0.98, 0.02, "right", "bottom"),
                   "keep": (0.98, 0.98, "right", "top"),
                   "maintain": (0.02, 0.98, "left", "top"),
                   "low priority": (0.02, 0.02, "left", "bottom")}
        for name, (cx, cy, ha, va) in corners.items():
            ax.text(cx, cy, name, transform=ax.transAxes, ha=ha, va=va, fontsize=9,
                    color=_COLOURS[name], fontweight="bold")
    ax.margins(x=0.12, y=0.18)  # room for the quadrant names in the corners
    ax.set_xlabel("importance (share of R²)")
    ax.set_ylabel("performance (0-100)" if scaled else "mean rating")
    percent_axis(ax, "x")
    title = f"Key drivers of {result.outcome}"
    if ok.any():
        title += f" (R² {result.r_squared:.2f})"
    ax.set_title(title)
    return ax
