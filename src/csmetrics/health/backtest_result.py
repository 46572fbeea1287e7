"""``HealthBacktest``: what a health score said at a date against what happened after it.

Re-exported by ``csmetrics.health``; built by ``health_backtest`` (``health/backtest.py``).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from csmetrics.results import TableResult

if TYPE_CHECKING:
    from csmetrics.value.logrank import LogRankTest
    from csmetrics.value.survival import SurvivalCurve

__all__ = ["HealthBacktest"]


class HealthBacktest(TableResult):
    """A backtest of health scores against churn and contraction within a horizon.

    The table has one row per band of the scorecard (lowest first): ``band``, ``accounts``,
    ``mean_score``, ``churned``, ``churn_rate`` with its Wilson limits ``churn_lower`` and
    ``churn_upper``, ``contracted``, ``contraction_rate``, ``contraction_lower`` and
    ``contraction_upper``. A backtest has no single value (``.value`` raises): its numbers
    are attributes.

    Attributes
    ----------
    at : tuple of str
        The score dates (ISO), one per score table.
    horizon : int
        Months followed after each date.
    confidence : float
        Level of the Wilson limits and of the survival curves' limits.
    survival : SurvivalCurve
        Kaplan-Meier curves of days to churn by band (``time`` in days).
    logrank : LogRankTest
        The log-rank test across the bands.
    concordance : float
        Harrell's C of the score against days to churn (a higher score predicting a longer
        life; 0.5 is chance).
    concordant_pairs, tied_pairs, comparable_pairs : int
        Its pair counts: ``C = (concordant + tied / 2) / comparable``.
    roc : TableResult
        ``threshold``, ``false_positive_rate``, ``true_positive_rate``: flagging accounts
        scored at or below the threshold as churners (the first row flags none).
    auc : float
        The area under the ROC curve: the chance that an account that churned scored below
        one that did not, ties counting 1/2.
    lift : TableResult
        By score decile (1 = lowest scores): ``decile``, ``accounts``, ``min_score``,
        ``max_score``, ``churned``, ``churn_rate``, ``lift`` (the decile's churn rate over
        the overall one).
    accounts, churned : int
        Observations (account and date) backtested, and those that churned.
    churn_rate : float
        ``churned / accounts``.
    not_paying, unscored, not_scored, short_follow_up : int
        Left out: accounts of the score tables not paying at their date, and paying ones
        without a score (NaN); not in the score tables: accounts paying at a date that its
        table lacks. Kept: accounts followed less than the horizon (the data end first).
    """

    at: tuple[str, ...]
    horizon: int
    confidence: float
    survival: SurvivalCurve
    logrank: LogRankTest
    concordance: float
    concordant_pairs: int
    tied_pairs: int
    comparable_pairs: int
    roc: TableResult
    auc: float
    lift: TableResult
    accounts: int
    churned: int
    churn_rate: float
    not_paying: int
    unscored: int
    not_scored: int
    short_follow_up: int

    def __init__(self, columns: Mapping[str, Any], **attributes: Any) -> None:
        dates = attributes["at"]
        when = dates[0] if len(dates) == 1 else f"{len(dates)} dates, {dates[0]} to {dates[-1]}"
        super().__init__(columns, title=f"Health backtest: scores at {when}, outcomes within "
                                        f"{attributes['horizon']} months")
        self._set(**attributes)

    @property
    def index_columns(self) -> tuple[str, ...]:
        """``to_pandas()`` indexes the bands by name."""
        return ("band",)

    def lines(self) -> list[str]:
        """The backtest's headline numbers, one sentence each."""
        out = [
            f"{self.accounts:,} accounts scored and paying, {self.churned:,} churned within "
            f"{self.horizon} months ({self.churn_rate:.1%}).",
            f"Harrell's C = {self.concordance:.3f} over {self.comparable_pairs:,} comparable "
            f"pairs (0.5 is chance); ROC AUC for churn = {self.auc:.3f}.",
            f"Log-rank across bands: chi-square {self.logrank.statistic:.4g} on "
            f"{self.logrank.df} df, p = {self.logrank.p_value:.3g}.",
        ]
        left = [f"{n:,} {what}" for n, what in (
            (self.not_paying, "not paying at their date"),
            (self.unscored, "paying but without a score")) if n]
        if left:
            out.append("Left out: " + "; ".join(left) + ".")
        if self.not_scored:
            out.append(f"{self.not_scored:,} paying accounts had no row in the scores.")
        if self.short_follow_up:
            out.append(f"{self.short_follow_up:,} accounts were followed less than the "
                       "horizon (the data end first).")
        return out

    def summary(self) -> dict[str, Any]:
        """The headline numbers as plain Python values."""
        return {"at": list(self.at), "horizon": self.horizon, "accounts": self.accounts,
                "churned": self.churned, "churn_rate": self.churn_rate,
                "concordance": self.concordance, "auc": self.auc,
                "logrank_statistic": self.logrank.statistic, "logrank_df": self.logrank.df,
                "logrank_p_value": self.logrank.p_value, "not_paying": self.not_paying,
                "unscored": self.unscored, "not_scored": self.not_scored,
                "short_follow_up": self.short_follow_up}

    def __str__(self) -> str:
        return "\n".join([self.to_text(), *self.lines()])

    def to_html(self, *, max_rows: int | None = 40) -> str:
        """The band table with the headline numbers under it (every string escaped)."""
        notes = "".join(f"<p>{html.escape(line)}</p>" for line in self.lines())
        return f"{super().to_html(max_rows=max_rows)}{notes}"

    def __repr__(self) -> str:
        return (f"HealthBacktest({self.accounts:,} accounts, {len(self.at)} date"
                f"{'s' * (len(self.at) != 1)}, {self.horizon} months: C {self.concordance:.3f}"
                f", AUC {self.auc:.3f})")

    def plot(self, kind: str = "both", *, ax: Any = None) -> Any:
        """Kaplan-Meier curves by band and the ROC curve (needs the ``plot`` extra).

        Parameters
        ----------
        kind : {"both", "survival", "roc"}, default "both"
            Both charts side by side (``ax``: None or two Axes; returns both), or one.
        ax : matplotlib Axes, optional
            Where to draw.
        """
        from csmetrics.plotting import plot_backtest

        return plot_backtest(self, kind=kind, ax=ax)
