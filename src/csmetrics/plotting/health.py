"""Charts of health results: the share of accounts and of MRR in each colour band, the
accounts with the most MRR at risk, and the band-to-band movements between two scorings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from csmetrics._core.compact import compact_money
from csmetrics._core.options import Interval, check_option
from csmetrics.plotting.axes import (
    GAIN,
    LOSS,
    NEUTRAL,
    axes,
    headroom,
    legend_outside,
    money_axis,
    one_row_per_period,
    percent_axis,
    value_labels,
)

if TYPE_CHECKING:
    from csmetrics.health.risk import AtRiskAccounts
    from csmetrics.health.rollup import HealthRollup
    from csmetrics.health.trend import HealthTrend

_BAND_COLOURS = {"red": LOSS, "yellow": "#e9c46a", "green": GAIN}
_TOP = Interval(1, integer=True)


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
        ``mrr_share_<band>``, for each band and ``unscored``, labelled with their share; the
        legend is beside the axes.

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
    width = 0.4 if with_mrr else 0.6
    left = x - 0.2 if with_mrr else x
    ax.bar(left, accounts, width=width, color=colours, label="accounts")
    value_labels(ax, list(left), accounts, [f"{v:.0%}" for v in accounts])
    tops = list(accounts)
    if with_mrr:
        money = [float(np.nan_to_num(np.asarray(rollup[f"mrr_share_{b}"])[0]))
                 for b in bands]
        ax.bar(x + 0.2, money, width=0.4, color=colours, alpha=0.5, hatch="//",
               edgecolor="#555555", linewidth=0, label="MRR")
        value_labels(ax, list(x + 0.2), money, [f"{v:.0%}" for v in money])
        tops += money
    ax.set_xticks(x, bands)
    headroom(ax, 0.0, max([*tops, 0.0]), share=0.14)
    percent_axis(ax)
    ax.set_ylabel("share")
    if with_mrr:
        legend_outside(ax)
    return ax


def plot_at_risk(accounts: AtRiskAccounts, *, ax: Any = None, top: int = 10,
                 currency: str | None = None) -> Any:
    """Horizontal bars of the MRR of the ``top`` accounts at risk, largest on top, each
    labelled by its id and its MRR.

    Parameters
    ----------
    accounts : AtRiskAccounts
        From ``csmetrics.at_risk``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.
    top : int, default 10
        How many accounts to draw (the list is ordered by MRR already).
    currency : str, optional
        The ISO code of the MRR, for its symbol on the axis (health results do not carry
        it); without it the axis reads ``12k``.

    Returns
    -------
    matplotlib.axes.Axes
        Titled with the total MRR at risk and its share of the MRR scored.

    Raises
    ------
    InvalidParameterError
        ``top`` is not a whole number >= 1.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import HealthScorecard, Linear, Measure, at_risk
    >>> card = HealthScorecard(measures=[Measure(name="usage", rule=Linear(low=0, high=1))])
    >>> scores = card.score({"customer_id": ["a", "b", "c"], "usage": [0.3, 0.9, 0.1]},
    ...                     mrr={"a": 500, "b": 900, "c": 200})
    >>> ax = plot_at_risk(at_risk(scores), currency="USD")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['a', 'c']
    >>> [t.get_text() for t in ax.texts]
    ['$500', '$200']
    """
    check_option("plot_at_risk", "top", top, _TOP)
    ax = axes(ax, "plot_at_risk")
    cur = currency or ""
    shown = min(int(top), len(accounts))
    ids = [str(v) for v in np.asarray(accounts[accounts.column_names[0]])[:shown].tolist()]
    mrr = np.nan_to_num(np.asarray(accounts["mrr"], dtype=float)[:shown])
    bands = [str(b) for b in np.asarray(accounts["band"], dtype=object)[:shown].tolist()]
    y = np.arange(shown)[::-1]
    ax.barh(y, mrr, height=0.7, color=[_BAND_COLOURS.get(b, LOSS) for b in bands])
    value_labels(ax, list(y), list(mrr), [compact_money(v, cur) for v in mrr],
                 horizontal=True)
    ax.set_yticks(y, ids)
    ax.tick_params(axis="y", labelsize="small")
    ax.set_ylim(-0.6, max(shown, 1) - 0.4)
    high = float(mrr.max(initial=0.0)) or 1.0
    ax.set_xlim(0.0, high * 1.22)   # room right of the longest bar for its label
    money_axis(ax, cur, "x", nbins=4)
    ax.set_xlabel(f"MRR ({currency})" if currency else "MRR")
    share = getattr(accounts, "share_of_mrr", float("nan"))
    total = compact_money(getattr(accounts, "mrr_at_risk", float(mrr.sum())), cur)
    of = f" ({share:.0%} of MRR)" if np.isfinite(share) else ""
    ax.set_title(f"MRR at risk {total}{of}: top {shown} of {len(accounts):,} accounts",
                 fontsize="medium")
    return ax


def plot_health_transitions(trend: HealthTrend, *, ax: Any = None,
                            weight: str = "accounts") -> Any:
    """Heat map of band-to-band movements between two scorings: bands before down, bands
    after across, each cell's count (or MRR) written in it.

    Parameters
    ----------
    trend : HealthTrend
        From ``csmetrics.health_trend``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure's axes by default.
    weight : {"accounts", "mrr"}, default "accounts"
        As in ``HealthTrend.transitions``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from csmetrics import HealthScorecard, Linear, Measure, health_trend
    >>> card = HealthScorecard(measures=[Measure(name="u", rule=Linear(low=0, high=1))])
    >>> t = health_trend(card.score({"customer_id": ["a", "b"], "u": [0.9, 0.6]}),
    ...                  card.score({"customer_id": ["a", "b"], "u": [0.4, 0.6]}))
    >>> ax = plot_health_transitions(t)
    >>> ax.get_ylabel(), ax.get_xlabel()
    ('band before', 'band after')
    """
    table = trend.transitions(weight=weight)  # type: ignore[arg-type]
    ax = axes(ax, "plot_health_transitions")
    names = [c for c in table.column_names if c != "band_before"]
    rows = [str(v) for v in table["band_before"].tolist()]
    values = np.array([np.asarray(table[c], dtype=float) for c in names]).T
    vmax = float(values.max(initial=0.0)) or 1.0
    ax.imshow(values, cmap="Blues", vmin=0.0, vmax=vmax, aspect="auto",
              interpolation="nearest")
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = values[i, j]
            text = compact_money(v, "") if weight == "mrr" else f"{int(v):,}"
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="white" if v > 0.6 * vmax else "#222222")
    ax.set_xticks(range(len(names)), names)
    ax.set_yticks(range(len(rows)), rows)
    ax.set_xlabel("band after")
    ax.set_ylabel("band before")
    ax.set_title("Band transitions (" + ("MRR" if weight == "mrr" else "accounts") + ")",
                 fontsize="medium")
    return ax
