"""Charts (needs ``pip install 'csmetrics[plot]'``): the MRR bridge and its movements over
time, the NRR/GRR trend, NPS bands, cohorts, survival and the sBG model.

matplotlib is imported when a chart is drawn, never when csmetrics is imported. Every
function draws on ``ax`` (or on a new figure's axes) and returns the matplotlib ``Axes``, so
charts compose and can be styled further.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from csmetrics._core.optional import import_optional

if TYPE_CHECKING:
    from csmetrics.results import TableResult
    from csmetrics.revenue.movements import MRRMovements
    from csmetrics.surveys import NetPromoterScore
    from csmetrics.value.cohorts import CohortTable
    from csmetrics.value.sbg import ShiftedBetaGeometric
    from csmetrics.value.survival import SurvivalCurve


_GAIN, _LOSS, _LEVEL, _FX = "#2a9d8f", "#e76f51", "#457b9d", "#b8b8b8"


def _axes(ax: Any, purpose: str) -> Any:
    plt = import_optional("matplotlib.pyplot", "plot", purpose)
    if ax is None:
        _, ax = plt.subplots()
    return ax


def plot_cohort_table(table: CohortTable, *, ax: Any = None, cmap: str = "viridis",
                      annotate: bool | None = None) -> Any:
    """Heat map of a cohort table: cohorts down, ages across, censored cells blank.

    Parameters
    ----------
    table : CohortTable
        From ``csmetrics.cohorts.cohort_table``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.
    cmap : str, default "viridis"
        Colour map of the shares.
    annotate : bool, optional
        Write each share in its cell (default: when the table has at most 24 ages).

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
    ax = _axes(ax, "plot_cohort_table")
    values = np.ma.masked_invalid(table.values)
    vmax = 1.0 if table.kind == "logo" else max(1.0, float(np.nanmax(table.values, initial=1.0)))
    image = ax.imshow(values, aspect="auto", cmap=cmap, vmin=0.0, vmax=vmax,
                      interpolation="nearest")
    n_rows, n_ages = table.values.shape
    labels = list(table.cohorts)
    seg_name = table.column_names[1]
    if seg_name != "customers":  # split by segment: the segment column follows "cohort"
        labels = [f"{s} {c}" for s, c in zip(table[seg_name], labels, strict=True)]
    step = max(1, n_rows // 24)
    ax.set_yticks(range(0, n_rows, step))
    ax.set_yticklabels(labels[::step])
    ax.set_xticks(range(0, n_ages, max(1, n_ages // 24)))
    unit = table.freq.name.split("-")[0]
    ax.set_xlabel(f"age ({unit}s)")
    ax.set_ylabel("cohort")
    ax.set_title(table.title)
    if annotate if annotate is not None else n_ages <= 24:
        for i, j in zip(*np.nonzero(~np.isnan(table.values)), strict=True):
            v = table.values[i, j]
            ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize=7,
                    color="white" if v < 0.6 * vmax else "black")
    ax.figure.colorbar(image, ax=ax, label="share of age 0")
    return ax


def plot_survival_curve(curve: SurvivalCurve, *, ax: Any = None, band: bool = True) -> Any:
    """Kaplan-Meier steps with the confidence band, one line per segment.

    Parameters
    ----------
    curve : SurvivalCurve
        From ``csmetrics.cohorts.survival_curve`` or ``kaplan_meier``.
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
    ax = _axes(ax, "plot_survival_curve")
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
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(curve.time_name)
    ax.set_ylabel("survival")
    ax.set_title(f"{curve.title}, {curve.confidence:.0%} band" if band else curve.title)
    if curve.segment_name is not None:
        ax.legend(title=curve.segment_name)
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
    ax = _axes(ax, "plot_sbg_projection")
    proj = model.projection(periods, observed=observed)
    t = proj["period"]
    ax.plot(t, proj["survival"], "-", label="sBG projection")
    seen = ~np.isnan(proj["observed_survival"])
    ax.plot(t[seen], proj["observed_survival"][seen], "o", label="observed")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("period")
    ax.set_ylabel("share still active")
    ax.set_title(proj.title)
    ax.legend()
    return ax


def _totals(movements: MRRMovements, name: str) -> float:
    return float(np.asarray(movements[name]).sum())


def _one_row_per_period(result: Any, periods: int, purpose: str) -> None:
    if len(result) != periods:
        from csmetrics.exceptions import InvalidParameterError

        raise InvalidParameterError(
            f"{purpose}: the result is split by segment ({len(result)} rows for {periods} "
            "periods); compute it without by= or plot one segment's rows.")


def plot_mrr_bridge(movements: MRRMovements, *, ax: Any = None) -> Any:
    """Waterfall of a window's MRR bridge: starting MRR, each movement, ending MRR.

    Parameters
    ----------
    movements : MRRMovements
        From ``csmetrics.mrr_movements`` (without ``by``: one row per period).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

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
    _one_row_per_period(movements, len(movements.periods), "plot_mrr_bridge")
    ax = _axes(ax, "plot_mrr_bridge")
    start = float(np.asarray(movements["starting_mrr"])[0])
    end = float(np.asarray(movements["ending_mrr"])[-1])
    steps = [("new", 1), ("expansion", 1), ("reactivation", 1), ("contraction", -1),
             ("churn", -1)]
    if "fx" in movements.column_names:
        steps.append(("fx", 1))
    labels, bottoms, heights, colours = ["start"], [0.0], [start], [_LEVEL]
    level = start
    for name, sign in steps:
        change = sign * _totals(movements, name)
        labels.append(name)
        bottoms.append(level if change >= 0 else level + change)
        heights.append(abs(change))
        colours.append(_FX if name == "fx" else _GAIN if change >= 0 else _LOSS)
        level += change
    labels.append("end")
    bottoms.append(0.0)
    heights.append(end)
    colours.append(_LEVEL)
    x = np.arange(len(labels))
    ax.bar(x, heights, bottom=bottoms, color=colours)
    ax.set_xticks(x, labels)
    ax.set_ylabel(f"MRR ({movements.currency})")
    first, last = movements.periods[0], movements.periods[-1]
    ax.set_title(f"MRR bridge, {first} to {last}")
    return ax


def plot_mrr_movements(movements: MRRMovements, *, ax: Any = None) -> Any:
    """Each period's movements as stacked bars: gains above zero, losses below, net as a line.

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
    _one_row_per_period(movements, len(movements.periods), "plot_mrr_movements")
    ax = _axes(ax, "plot_mrr_movements")
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
    _one_row_per_period(series, len(set(periods)), "plot_retention_trend")
    ax = _axes(ax, "plot_retention_trend")
    x = np.arange(len(periods))
    ax.plot(x, np.asarray(series["nrr"], dtype=float), marker="o", color=_LEVEL, label="NRR")
    ax.plot(x, np.asarray(series["grr"], dtype=float), marker="s", color=_LOSS, label="GRR")
    ax.axhline(1.0, color="#888888", linewidth=0.8, linestyle="--")
    ax.set_xticks(x, periods, rotation=45, ha="right")
    ax.set_ylabel("retention (fraction)")
    ax.legend(fontsize="small")
    return ax


def plot_nps(nps: NetPromoterScore, *, ax: Any = None) -> Any:
    """Shares of detractors, passives and promoters, titled with the NPS and its interval.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import net_promoter_score
    >>> ax = plot_nps(net_promoter_score([10, 9, 8, 7, 3, 10, 9, 6]))   # (4 - 2) / 8
    >>> ax.get_title().split(" (")[0]
    'NPS 25.0'
    """
    ax = _axes(ax, "plot_nps")
    shares = [float(np.asarray(nps[c])[0]) for c in
              ("detractor_share", "passive_share", "promoter_share")]
    ax.bar(["detractors (0-6)", "passives (7-8)", "promoters (9-10)"], shares,
           color=[_LOSS, _FX, _GAIN])
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of answers")
    low, high = (float(np.asarray(nps[c])[0]) for c in ("ci_low", "ci_high"))
    score, n = float(np.asarray(nps["nps"])[0]), int(np.asarray(nps["n"])[0])
    level = getattr(nps, "confidence", 0.95)
    ax.set_title(f"NPS {score:.1f} ({level:.0%} CI {low:.1f} to {high:.1f}), n = {n:,}")
    return ax


def plot_health_bands(rollup: TableResult, *, ax: Any = None) -> Any:
    """Share of accounts and of MRR in each health band, from ``csmetrics.health_rollup``
    (without ``by``).

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
    _one_row_per_period(rollup, 1, "plot_health_bands")
    ax = _axes(ax, "plot_health_bands")
    bands = [c[len("share_"):] for c in rollup.column_names
             if c.startswith("share_")]
    accounts = [float(np.asarray(rollup[f"share_{b}"])[0]) for b in bands]
    money = [float(np.asarray(rollup[f"mrr_share_{b}"])[0])
             if f"mrr_share_{b}" in rollup.column_names else 0.0 for b in bands]
    x = np.arange(len(bands))
    colours = {"red": _LOSS, "yellow": "#e9c46a", "green": _GAIN}
    ax.bar(x - 0.2, accounts, width=0.4, color=[colours.get(b, _FX) for b in bands],
           label="accounts")
    if any(f"mrr_share_{b}" in rollup.column_names for b in bands):
        ax.bar(x + 0.2, money, width=0.4, color=[colours.get(b, _FX) for b in bands],
               alpha=0.5, hatch="//", label="MRR")
    ax.set_xticks(x, bands)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share")
    ax.legend(fontsize="small")
    return ax
