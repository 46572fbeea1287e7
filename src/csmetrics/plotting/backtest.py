"""Charts of a health backtest: survival by band and the ROC curve of churn.

Every function draws on ``ax`` (or on a new figure's axes) and returns what it drew on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from csmetrics._core.optional import import_optional
from csmetrics.exceptions import InvalidParameterError
from csmetrics.plotting.axes import FIGSIZE, axes, legend_outside, percent_axis
from csmetrics.plotting.value import plot_survival_curve

if TYPE_CHECKING:
    from csmetrics.health.backtest_result import HealthBacktest

__all__ = ["plot_backtest", "plot_roc"]

_KINDS = ("both", "survival", "roc")


def plot_roc(backtest: HealthBacktest, *, ax: Any = None) -> Any:
    """The ROC curve of churn within the horizon, with the chance diagonal and the AUC.

    Parameters
    ----------
    backtest : HealthBacktest
        From ``csmetrics.health_backtest``.
    ax : matplotlib Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = axes(ax, "plot_roc")
    roc = backtest.roc
    ax.plot(roc["false_positive_rate"], roc["true_positive_rate"], drawstyle="default",
            label=f"score (AUC {backtest.auc:.3f})")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=0.8, label="chance")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    percent_axis(ax, "x")
    percent_axis(ax, "y")
    ax.set_xlabel("retained accounts flagged")
    ax.set_ylabel("churned accounts flagged")
    ax.set_title(f"ROC of churn within {backtest.horizon} months", fontsize="medium")
    legend_outside(ax)
    return ax


def plot_backtest(backtest: HealthBacktest, *, kind: str = "both", ax: Any = None) -> Any:
    """Kaplan-Meier survival by band and the ROC curve of a health backtest.

    Parameters
    ----------
    backtest : HealthBacktest
        From ``csmetrics.health_backtest``.
    kind : {"both", "survival", "roc"}, default "both"
        Both charts side by side, or one.
    ax : matplotlib Axes (a pair of them for "both"), optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.axes.Axes, or a tuple of two for "both"

    Raises
    ------
    InvalidParameterError
        An unknown ``kind``, or ``kind="both"`` with other than two Axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import csmetrics as cm
    >>> from csmetrics.health import Linear, HealthScorecard, Measure
    >>> subs = [cm.Subscription(customer_id=c, start="2024-01-01", end=end, amount=10)
    ...         for c, end in [("a", "2024-08-20"), ("b", "2024-11-02"), ("c", None)]]
    >>> card = HealthScorecard(measures=[Measure(name="usage", rule=Linear(low=0, high=1))])
    >>> scores = card.score({"customer_id": ["a", "b", "c"], "usage": [0.1, 0.6, 0.9]})
    >>> left, right = plot_backtest(cm.health_backtest(scores, subs, "2024-06", horizon=6))
    >>> left.get_xlabel(), right.get_ylabel()
    ('days after the score', 'churned accounts flagged')
    """
    if kind not in _KINDS:
        raise InvalidParameterError(
            f"plot_backtest: kind must be one of {', '.join(map(repr, _KINDS))}, got {kind!r}.")
    if kind == "survival":
        return _survival(backtest, ax)
    if kind == "roc":
        return plot_roc(backtest, ax=ax)
    if ax is None:
        plt = import_optional("matplotlib.pyplot", "plot", "plot_backtest")
        _, pair = plt.subplots(1, 2, figsize=(FIGSIZE[0] * 1.5, FIGSIZE[1]),
                               layout="constrained")
        ax = tuple(pair)
    try:
        left, right = ax
    except (TypeError, ValueError):
        raise InvalidParameterError(
            "plot_backtest: kind='both' draws on two Axes: give ax=(left, right), or one "
            "kind ('survival' or 'roc').") from None
    return _survival(backtest, left), plot_roc(backtest, ax=right)


def _survival(backtest: HealthBacktest, ax: Any) -> Any:
    ax = plot_survival_curve(backtest.survival, ax=ax, band=False)
    ax.set_xlabel("days after the score")
    ax.set_title(f"Survival by band (log-rank p = {backtest.logrank.p_value:.3g})",
                 fontsize="medium")
    return ax
