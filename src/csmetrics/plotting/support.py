"""Charts of support SLAs: attainment with its interval, and response or resolution times."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from csmetrics.exceptions import InvalidParameterError
from csmetrics.plotting.axes import SERIES, axes, legend_outside, percent_axis

if TYPE_CHECKING:
    from csmetrics.support import SlaAttainment, TicketTimes

_MAX_ROWS = 8


def _labels(result: Any, context: str, fallback: str) -> tuple[list[str], Any]:
    """The row labels (top to bottom) and their y positions; at most 8 rows."""
    n = len(result)
    if n > _MAX_ROWS:
        raise InvalidParameterError(
            f"{context}: {n} rows are too many for one chart (at most {_MAX_ROWS}); plot some "
            "with result.row(label).plot().")
    seg = result.segment_column
    names = [str(v) for v in result[seg].tolist()] if seg else [fallback]
    return names, np.arange(n)[::-1]


def plot_sla_attainment(result: SlaAttainment, *, ax: Any = None) -> Any:
    """SLA attainment as a point with its Wilson interval, one row per segment.

    Parameters
    ----------
    result : SlaAttainment
        From ``csmetrics.sla_attainment`` (``by="priority"``: a row per priority; at most 8).
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.

    Returns
    -------
    matplotlib.axes.Axes
        A percentage axis (0 to 100%), each point labelled with its share.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import sla_attainment
    >>> t = {"customer_id": ["a", "b"], "opened_at": ["2024-03-01T09:00Z"] * 2,
    ...      "first_response_at": ["2024-03-01T10:00Z", "2024-03-01T20:00Z"]}
    >>> ax = plot_sla_attainment(sla_attainment(t, "2024-03-01", targets="4h"))
    >>> ax.texts[0].get_text()
    '50%'
    """
    ctx = "plot_sla_attainment"
    names, y = _labels(result, ctx, "all tickets")
    ax = axes(ax, ctx)
    value = np.asarray(result["attainment"], dtype=float)
    low = np.asarray(result["lower"], dtype=float)
    high = np.asarray(result["upper"], dtype=float)
    ax.errorbar(value, y, xerr=[np.nan_to_num(value - low), np.nan_to_num(high - value)],
                fmt="o", color=SERIES[0], ecolor=SERIES[0], elinewidth=2, capsize=4)
    for yi, v in zip(y, value, strict=True):
        if np.isfinite(v):
            ax.annotate(f"{v:.0%}", (v, yi), xytext=(0, 6), textcoords="offset points",
                        ha="center", va="bottom", fontsize=8.5)
    ax.set_yticks(y, names)
    ax.set_ylim(-0.7, len(names) - 0.3)
    ax.set_xlim(0.0, 1.0)
    percent_axis(ax, "x")
    ax.set_xlabel("share of decided tickets that met their target")
    level = getattr(result, "confidence", 0.95)
    kind = str(getattr(result, "kind", "first_response")).replace("_", " ")
    ax.set_title(f"SLA attainment, {kind} ({level:.0%} Wilson intervals)", fontsize="medium")
    ax.grid(axis="x", color="#eeeeee")
    ax.set_axisbelow(True)
    return ax


def plot_ticket_times(result: TicketTimes, *, ax: Any = None) -> Any:
    """Response or resolution times: the median in hours with its interval, and the other
    percentiles as open markers, one row per segment.

    Parameters
    ----------
    result : TicketTimes
        From ``csmetrics.first_response_time`` or ``resolution_time`` (at most 8 rows).
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import resolution_time
    >>> t = {"customer_id": ["a", "b", "c"], "opened_at": ["2024-03-01T00:00Z"] * 3,
    ...      "resolved_at": ["2024-03-01T02:00Z", "2024-03-01T05:00Z", "2024-03-01T09:00Z"]}
    >>> ax = plot_ticket_times(resolution_time(t, "2024-03-01", percentiles=[90]))
    >>> ax.get_xlabel()
    'hours'
    """
    ctx = "plot_ticket_times"
    names, y = _labels(result, ctx, "all tickets")
    ax = axes(ax, ctx)
    median = np.asarray(result["median_hours"], dtype=float)
    low = np.asarray(result["median_lower"], dtype=float)
    high = np.asarray(result["median_upper"], dtype=float)
    ax.errorbar(median, y, xerr=[np.nan_to_num(median - low), np.nan_to_num(high - median)],
                fmt="o", color=SERIES[0], ecolor=SERIES[0], elinewidth=2, capsize=4,
                label="median")
    others = [p for p in getattr(result, "percentiles", ()) if p != 50]
    for i, p in enumerate(others):
        column = f"p{p:g}".replace(".", "_") + "_hours"
        if column in result.columns:
            ax.plot(np.asarray(result[column], dtype=float), y, linestyle="none",
                    marker="^v<>sD"[i % 6], markerfacecolor="none",
                    color=SERIES[(i + 1) % len(SERIES)], label=f"p{p:g}")
    finite = [v for c in result.columns if c.endswith(("_hours", "_upper"))
              for v in np.asarray(result[c], dtype=float).tolist() if np.isfinite(v)]
    ax.set_xlim(0.0, (max(finite) if finite else 1.0) * 1.12 or 1.0)
    ax.set_yticks(y, names)
    ax.set_ylim(-0.7, len(names) - 0.3)
    ax.set_xlabel("hours")
    kind = "First response" if getattr(result, "kind", "") == "first_response" else (
        "Resolution")
    level = getattr(result, "confidence", 0.95)
    ax.set_title(f"{kind} time (Kaplan-Meier; median with its {level:.0%} interval)",
                 fontsize="medium")
    legend_outside(ax)
    ax.grid(axis="x", color="#eeeeee")
    ax.set_axisbelow(True)
    return ax
