"""Charts of value results: cohort heat maps, survival curves and the sBG projection.

Every function draws on ``ax`` (or on a new figure's axes) and returns the matplotlib
``Axes``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from csmetrics.plotting.axes import axes, legend_outside, percent_axis

if TYPE_CHECKING:
    from csmetrics.value.cohorts import CohortTable
    from csmetrics.value.sbg import ShiftedBetaGeometric
    from csmetrics.value.survival import SurvivalCurve


def plot_cohort_table(table: CohortTable, *, ax: Any = None, cmap: str = "viridis",
                      annotate: bool | None = None) -> Any:
    """Heat map of a cohort table: cohorts down, ages across, censored cells blank.

    Parameters
    ----------
    table : CohortTable
        From ``csmetrics.cohort_table``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.
    cmap : str, default "viridis"
        Colour map of the shares.
    annotate : bool, optional
        Write each share in its cell (default: when the table has at most 24 ages and the
        text fits its cell at 4.5 points or more).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import cohort_table
    >>> from csmetrics.datasets import demo_portfolio
    >>> ax = plot_cohort_table(cohort_table(demo_portfolio(), start="2024-01", end="2024-06"))
    >>> ax.get_xlabel()
    'age (months)'
    """
    ax = axes(ax, "plot_cohort_table")
    values = np.ma.masked_invalid(table.values)
    vmax = 1.0 if table.kind == "logo" else max(1.0, float(np.nanmax(table.values, initial=1.0)))
    image = ax.imshow(values, aspect="auto", cmap=cmap, vmin=0.0, vmax=vmax,
                      interpolation="nearest")
    n_rows, n_ages = table.values.shape
    labels = list(table.cohorts)
    seg_name = table.column_names[1]
    if seg_name != "customers":  # split by segment: the segment column follows "cohort"
        labels = [f"{s} {c}" for s, c in zip(table[seg_name], labels, strict=True)]
    # Label at most ~12 rows and ~16 ages, so tick labels never run into each other.
    step = max(1, -(-n_rows // 12))
    ax.set_yticks(range(0, n_rows, step), labels[::step])
    ax.set_xticks(range(0, n_ages, max(1, -(-n_ages // 16))))
    ax.tick_params(labelsize="small")
    unit = table.freq.name.split("-")[0]
    ax.set_xlabel(f"age ({unit}s)")
    ax.set_ylabel("cohort")
    ax.set_title(table.title, fontsize="medium")
    size = _cell_font(ax, n_rows, n_ages)
    if annotate if annotate is not None else (n_ages <= 24 and size >= 4.5):
        # Text that fits the cell it sits in; a censored cell (NaN) stays blank.
        size = max(size, 3.0)
        for i, j in zip(*np.nonzero(~np.isnan(table.values)), strict=True):
            v = table.values[i, j]
            ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize=size,
                    color="white" if v < 0.6 * vmax else "black")
    bar = ax.figure.colorbar(image, ax=ax, label="share of age 0", fraction=0.05, pad=0.02)
    percent_axis(bar.ax)
    return ax


def _cell_font(ax: Any, n_rows: int, n_ages: int) -> float:
    """The font size (points) at which "100%" fits a cell of the heat map: its width less a
    margin (the text is ~2.9 em wide) and three quarters of its height."""
    fig = ax.get_figure()
    if fig.get_layout_engine() is not None and len(fig.axes) == 1:
        # Constrained or tight: the axes span the figure less the labels and the colour bar.
        width, height = fig.get_figwidth() - 1.6, fig.get_figheight() - 1.0
    else:
        box = ax.get_position()
        width, height = fig.get_figwidth() * box.width, fig.get_figheight() * box.height
    cell_w = 72 * width / max(n_ages, 1)
    cell_h = 72 * height / max(n_rows, 1)
    return float(min(8.0, 0.9 * cell_w / 2.9, 0.75 * cell_h))


def plot_survival_curve(curve: SurvivalCurve, *, ax: Any = None, band: bool = True) -> Any:
    """Kaplan-Meier steps with the confidence band, one line per segment.

    Parameters
    ----------
    curve : SurvivalCurve
        From ``csmetrics.survival_curve`` or ``csmetrics.kaplan_meier``.
    ax : matplotlib Axes, optional
        Where to draw.
    band : bool, default True
        Shade the log-log confidence band.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import kaplan_meier
    >>> ax = plot_survival_curve(kaplan_meier([1, 2, 2, 3, 5], [1, 1, 0, 1, 0]))
    >>> ax.get_ylabel()
    'survival'
    """
    ax = axes(ax, "plot_survival_curve")
    time = curve[curve.time_name]
    segs = curve[curve.segment_name] if curve.segment_name else np.zeros(len(curve), dtype=int)
    for label in dict.fromkeys(segs.tolist()):
        rows = segs == label
        name = None if curve.segment_name is None else str(label)
        (line,) = ax.step(time[rows], curve["survival"][rows], where="post", label=name)
        if band:
            lower = np.nan_to_num(curve["lower"][rows], nan=0.0)
            upper = np.nan_to_num(curve["upper"][rows], nan=0.0)
            ax.fill_between(time[rows], lower, upper, step="post", alpha=0.2,
                            color=line.get_color(), linewidth=0)
    ax.set_ylim(0, 1.04)
    percent_axis(ax)
    ax.set_xlabel(curve.time_name)
    ax.set_ylabel("survival")
    ax.set_title(f"{curve.title}, {curve.confidence:.0%} band" if band else curve.title,
                 fontsize="medium")
    if curve.segment_name is not None:
        legend_outside(ax, title=curve.segment_name)
    return ax


def plot_sbg_projection(model: ShiftedBetaGeometric, *, periods: int | None = None,
                        observed: ArrayLike | None = None, ax: Any = None) -> Any:
    """sBG survival projection against the observed survival (fit data or ``observed``).

    Parameters
    ----------
    model : ShiftedBetaGeometric
        A model (fitted, or from parameters with ``observed``).
    periods : int, optional
        Last period to project.
    observed : sequence of counts, optional
        Survivor counts of one cohort to compare against.
    ax : matplotlib Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import ShiftedBetaGeometric
    >>> sbg = ShiftedBetaGeometric.fit([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> ax = plot_sbg_projection(sbg, periods=12)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['sBG projection', 'observed']
    """
    ax = axes(ax, "plot_sbg_projection")
    proj = model.projection(periods, observed=observed)
    t = proj["period"]
    ax.plot(t, proj["survival"], "-", label="sBG projection")
    seen = ~np.isnan(proj["observed_survival"])
    ax.plot(t[seen], proj["observed_survival"][seen], "o", label="observed")
    ax.set_ylim(0, 1.04)
    percent_axis(ax)
    ax.set_xlabel("period")
    ax.set_ylabel("share still active")
    ax.set_title(proj.title, fontsize="medium")
    legend_outside(ax)
    return ax
