"""Backtest a health score: did low scores at a date churn or shrink within the next months?

Definitions
-----------
Each observation is an account scored at a date ``at`` and paying at the end of that day;
its outcome (``churn_outcomes``) is whether it churned within ``horizon`` months, after how
many days (censored at the horizon or the data's edge), and whether its MRR at the horizon
end is below its MRR at ``at``. Several dates stack their observations (an account scored
at two dates counts twice, once per date).

* **Rates by band** with Wilson (1927) score intervals: ``churned / accounts`` and
  ``contracted / accounts`` per band of the scorecard.
* **Kaplan-Meier by band** of days to churn, and the log-rank test across the bands
  (``csmetrics.value.logrank``).
* **Harrell's C** (Harrell et al. 1982, 1996): over the comparable pairs (the shorter
  follow-up ends in churn; a churn and a censoring on the same day are comparable, two
  churns on the same day are not), the share in which the account that lived longer had
  the higher score, score ties counting 1/2. ``C = 0.5`` is chance, 1 a perfect ranking.
* **ROC and AUC** for churn within the horizon, a low score predicting churn: the curve
  flags accounts scored at or below each threshold; the AUC is the Mann-Whitney
  probability that a churned account scored below a retained one, ties counting 1/2
  (Hanley and McNeil 1982). An account followed less than the horizon without churning
  counts as retained.
* **Lift by decile**: deciles of the score (1 the lowest, by average rank, so equal scores
  share a decile), each decile's churn rate over the overall churn rate.

Only the scores speak for the time up to ``at`` and only the subscriptions after ``at``
decide the outcomes: compute each score table from data at or before its date (for
example ``account_signals(subscriptions, at, ...)``), or the backtest is optimistic.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.ids import positions
from csmetrics._core.options import CONFIDENCE, validate_params
from csmetrics._core.warnings import warn_undefined
from csmetrics._kernels import discrimination as kd
from csmetrics._kernels import logrank as klr
from csmetrics._kernels.surveys import wilson
from csmetrics.exceptions import InvalidParameterError, UndefinedMetricWarning
from csmetrics.health.backtest_result import HealthBacktest
from csmetrics.health.outcomes import HORIZON_MONTHS, churn_outcomes
from csmetrics.health.scores import HealthScores
from csmetrics.periods.calendar import PeriodLike, snapshot_date
from csmetrics.policies import POLICY, MetricPolicy
from csmetrics.results import TableResult
from csmetrics.tables.coerce import as_table
from csmetrics.value.logrank import logrank_result
from csmetrics.value.survival import kaplan_meier

__all__ = ["ScoresAt", "health_backtest"]

ScoresAt = HealthScores | Mapping[Any, HealthScores] | Sequence[tuple[Any, HealthScores]]
"""What ``health_backtest`` scores: one score table (with ``at``), or several by date."""

F64 = NDArray[np.float64]


@dataclass
class _Observations:
    """The stacked observations (account, date) and what was left out."""

    score: F64
    band: NDArray[np.int64]
    churned: NDArray[np.bool_]
    contracted: NDArray[np.bool_]
    days: NDArray[np.int64]
    not_paying: int = 0
    unscored: int = 0
    not_scored: int = 0
    short: int = 0


@validate_params({"horizon": HORIZON_MONTHS, "confidence": CONFIDENCE, "policy": POLICY})
def health_backtest(scores: ScoresAt, subscriptions: Any, at: PeriodLike | None = None, *,
                    horizon: int, confidence: float = 0.95,
                    policy: MetricPolicy | None = None) -> HealthBacktest:
    """Backtest health scores taken at ``at`` against churn and contraction in the next
    ``horizon`` months.

    Parameters
    ----------
    scores : HealthScores, mapping of date to HealthScores, or sequence of (date, HealthScores)
        The scores: one table taken at ``at``, or one table per date (then ``at`` is not
        given). Every table must come from scorecards with the same bands.
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscriptions the outcomes are read from (data after each date).
    at : period or date, optional
        The date of a single score table (a period means its last day).
    horizon : int
        Whole months of outcomes after each date (1 to 1200).
    confidence : float, default 0.95
        Level of the Wilson limits of the rates and of the survival curves' limits.
    policy : MetricPolicy, optional
        How churn is recognised, as in ``mrr_movements`` (see ``churn_outcomes``).

    Returns
    -------
    HealthBacktest
        Rates by band with Wilson limits (the table), ``survival`` (Kaplan-Meier by band),
        ``logrank``, ``concordance`` (Harrell's C), ``roc``, ``auc``, ``lift``, and the
        counts of accounts left out (``not_paying``, ``unscored``).

    Raises
    ------
    InvalidParameterError
        ``scores`` is not a HealthScores (or a mapping or pairs of them), ``at`` is missing
        for one table or given with several, a date repeats, the tables' bands differ, a
        table repeats an account, or a bad option.

    Warns
    -----
    UndefinedMetricWarning
        A band without accounts (its rates NaN), no comparable pair (C NaN), no churned or
        no retained account (AUC and lift NaN); the log-rank test warns when it is
        undefined.

    Notes
    -----
    See the module documentation for the definitions. Accounts of a score table that are
    not paying at its date have no outcome to predict: they are counted in ``not_paying``
    and left out, as are paying accounts without a score (``unscored``). The Wilson limits
    treat observations as independent; an account scored at several dates is several
    observations, so with many dates the limits are somewhat narrow. The Kaplan-Meier
    curves rarely fall to 0.5 within a horizon, so their medians are usually NaN (without
    a warning here).

    References
    ----------
    Harrell, F. E., Califf, R. M., Pryor, D. B., Lee, K. L. and Rosati, R. A. (1982).
    Evaluating the yield of medical tests. JAMA 247, 2543-2546. Harrell, F. E., Lee, K. L.
    and Mark, D. B. (1996). Multivariable prognostic models. Statistics in Medicine 15,
    361-387. Hanley, J. A. and McNeil, B. J. (1982). The meaning and use of the area under a
    ROC curve. Radiology 143, 29-36. Wilson, E. B. (1927). JASA 22, 209-212.

    Examples
    --------
    >>> import csmetrics as cm
    >>> from csmetrics.health import Linear, HealthScorecard, Measure
    >>> subs = [cm.Subscription(customer_id=c, start="2024-01-01", end=end, amount=10)
    ...         for c, end in [("a", "2024-08-20"), ("b", "2024-11-02"), ("c", None)]]
    >>> card = HealthScorecard(measures=[Measure(name="usage", rule=Linear(low=0, high=1))])
    >>> scores = card.score({"customer_id": ["a", "b", "c"], "usage": [0.1, 0.6, 0.9]})
    >>> bt = health_backtest(scores, subs, "2024-06", horizon=6)
    >>> bt.select("band", "accounts", "churned").to_dict()
    {'band': ['red', 'yellow', 'green'], 'accounts': [1, 1, 1], 'churned': [1, 1, 0]}
    >>> bt.concordance, bt.auc     # lower scores churned sooner: a perfect ranking
    (1.0, 1.0)
    """
    ctx = "health_backtest"
    pairs = _score_tables(scores, at, ctx)
    names = pairs[0][1].band_names
    for _, table_scores in pairs[1:]:
        if table_scores.band_names != names:
            raise InvalidParameterError(
                f"{ctx}: the score tables have different bands ({list(names)} and "
                f"{list(table_scores.band_names)}); backtest one scorecard at a time.")
    table = as_table(subscriptions, ctx)
    obs = _observe(pairs, table, int(horizon), policy, names, ctx)
    return _backtest(obs, names, tuple(str(d) for d, _ in pairs), int(horizon),
                     float(confidence), ctx)


def _score_tables(scores: Any, at: PeriodLike | None, context: str
                  ) -> list[tuple[np.datetime64, HealthScores]]:
    """The (date, score table) pairs, sorted by date."""
    items: list[Any]
    if isinstance(scores, HealthScores):
        if at is None:
            raise InvalidParameterError(
                f"{context}: give at=, the date the scores were taken (there is no hidden "
                "today): health_backtest(scores, subscriptions, at, horizon=...).")
        return [(snapshot_date(at), scores)]
    if isinstance(scores, Mapping):
        items = list(scores.items())
    elif isinstance(scores, Sequence) and not isinstance(scores, str | bytes):
        items = list(scores)
    else:
        raise InvalidParameterError(
            f"{context}: scores must be a HealthScores, a mapping of date to HealthScores or "
            f"a sequence of (date, HealthScores) pairs, got {type(scores).__name__}.")
    pairs: list[tuple[np.datetime64, HealthScores]] = []
    for item in items:
        if not (isinstance(item, tuple) and len(item) == 2
                and isinstance(item[1], HealthScores)):
            raise InvalidParameterError(
                f"{context}: each entry of scores must pair a date with a HealthScores, got "
                f"{type(item).__name__}.")
        try:
            day = snapshot_date(item[0])
        except InvalidParameterError as exc:
            raise InvalidParameterError(f"{context}: {exc}") from None
        pairs.append((day, item[1]))
    if not pairs:
        raise InvalidParameterError(f"{context}: scores holds no score table.")
    if at is not None:
        raise InvalidParameterError(
            f"{context}: at= goes with one score table; with several, each is keyed by its "
            "own date.")
    days = [d for d, _ in pairs]
    if len(set(days)) != len(days):
        raise InvalidParameterError(f"{context}: a date repeats among the score tables.")
    return sorted(pairs, key=lambda p: p[0])


def _observe(pairs: list[tuple[np.datetime64, HealthScores]], table: Any, horizon: int,
             policy: MetricPolicy | None, names: tuple[str, ...], context: str
             ) -> _Observations:
    """Each scored account paying at its date, with its outcome."""
    parts: list[tuple[Any, ...]] = []
    obs = _Observations(np.zeros(0), np.zeros(0, np.int64), np.zeros(0, bool),
                        np.zeros(0, bool), np.zeros(0, np.int64))
    band_code = {name: i for i, name in enumerate(names)}
    for day, sc in pairs:
        out = churn_outcomes(table, day, horizon=horizon, policy=policy)
        ids = np.asarray(sc[sc.id_column])
        if np.unique(ids.astype(str)).size != ids.size:
            raise InvalidParameterError(
                f"{context}: the scores at {day} repeat an account id; each account is "
                "scored once per date.")
        pos = positions(np.asarray(out["customer_id"]), ids)
        score = np.asarray(sc["score"], dtype=np.float64)
        paying, scored = pos >= 0, ~np.isnan(score)
        obs.not_paying += int(np.count_nonzero(~paying))
        obs.unscored += int(np.count_nonzero(paying & ~scored))
        obs.not_scored += len(out) - int(np.count_nonzero(paying))
        keep = paying & scored
        at_row = pos[keep]
        band = np.array([band_code.get(b, -1) for b in np.asarray(sc["band"])[keep].tolist()],
                        dtype=np.int64)
        full = int((np.datetime64(out.horizon_end) - day).astype(np.int64))
        days = np.asarray(out["days"])[at_row]
        churned = np.asarray(out["churned"])[at_row]
        obs.short += int(np.count_nonzero(~churned & (days < full)))
        parts.append((score[keep], band, churned, np.asarray(out["contracted"])[at_row], days))
    cols = [np.concatenate(c) for c in zip(*parts, strict=True)]
    obs.score, obs.band, obs.churned, obs.contracted, obs.days = (
        cols[0].astype(np.float64), cols[1].astype(np.int64), cols[2].astype(bool),
        cols[3].astype(bool), cols[4].astype(np.int64))
    return obs


def _backtest(obs: _Observations, names: tuple[str, ...], dates: tuple[str, ...],
              horizon: int, confidence: float, context: str) -> HealthBacktest:
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    k = len(names)
    valid = obs.band >= 0
    accounts = np.bincount(obs.band[valid], minlength=k)
    churned = np.bincount(obs.band[valid], weights=obs.churned[valid], minlength=k)
    contracted = np.bincount(obs.band[valid], weights=obs.contracted[valid], minlength=k)
    score_sum = np.bincount(obs.band[valid], weights=obs.score[valid], minlength=k)
    undefined: list[str] = []
    empty = accounts == 0
    if empty.any():
        undefined.append(f"{int(empty.sum())} band(s) without accounts have no rates "
                         f"({', '.join(np.asarray(names, dtype=object)[empty].tolist())})")
    with np.errstate(invalid="ignore", divide="ignore"):
        n = accounts.astype(np.float64)
        churn_rate = np.where(empty, np.nan, churned / n)
        contraction_rate = np.where(empty, np.nan, contracted / n)
        mean_score = np.where(empty, np.nan, score_sum / n)
    churn_lo, churn_hi = (np.where(empty, np.nan, b) for b in wilson(churn_rate, n, z))
    con_lo, con_hi = (np.where(empty, np.nan, b) for b in wilson(contraction_rate, n, z))
    cols: dict[str, Any] = {
        "band": np.asarray(names, dtype=object), "accounts": accounts.astype(np.int64),
        "mean_score": mean_score, "churned": churned.astype(np.int64),
        "churn_rate": churn_rate, "churn_lower": churn_lo, "churn_upper": churn_hi,
        "contracted": contracted.astype(np.int64), "contraction_rate": contraction_rate,
        "contraction_lower": con_lo, "contraction_upper": con_hi}
    labels = np.asarray((*names, "(none)"), dtype=object)[np.where(valid, obs.band, k)]
    with warnings.catch_warnings():
        # medians beyond the horizon are expected (see Notes); the curves are what is read
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        survival = kaplan_meier(obs.days, obs.churned, by=_named(labels),
                                confidence=confidence)
    code = np.where(valid, obs.band, k)
    n_labels = k + int(not valid.all())
    events, censored = klr.counts_by_time(code, obs.days, obs.churned, n_labels)
    test = logrank_result(events, censored, np.asarray((*names, "(none)")[:n_labels],
                                                       dtype=object), "band",
                          "Log-rank test across bands (days to churn)", context)
    pairs = kd.concordance(obs.days, obs.churned, obs.score)
    if pairs.comparable == 0:
        undefined.append("no comparable pair (no churn), so Harrell's C is NaN")
    total, n_churned = int(obs.score.size), int(np.count_nonzero(obs.churned))
    auc = kd.mann_whitney_auc(obs.score, obs.churned)
    if np.isnan(auc):
        undefined.append("no churned or no retained account, so the AUC and lift are NaN")
    curve = kd.roc(obs.score, obs.churned)
    roc = TableResult({"threshold": curve.threshold,
                       "false_positive_rate": curve.false_positive_rate,
                       "true_positive_rate": curve.true_positive_rate},
                      title="ROC of churn within the horizon (flag score <= threshold)")
    overall = n_churned / total if total else np.nan
    if undefined:
        warn_undefined(f"{context}: {'; '.join(undefined)}.")
    return HealthBacktest(
        cols, at=dates, horizon=horizon, confidence=confidence, survival=survival,
        logrank=test, concordance=pairs.index, concordant_pairs=pairs.concordant,
        tied_pairs=pairs.tied, comparable_pairs=pairs.comparable, roc=roc, auc=auc,
        lift=_lift(obs, overall), accounts=total, churned=n_churned,
        churn_rate=float(overall), not_paying=obs.not_paying, unscored=obs.unscored,
        not_scored=obs.not_scored, short_follow_up=obs.short)


@dataclass(frozen=True)
class _Column:
    """Labels with a column name, read by the array metrics' ``by=`` as a named Series."""

    name: str
    values: NDArray[Any]

    def to_numpy(self) -> NDArray[Any]:
        return self.values


def _named(labels: NDArray[Any]) -> Any:
    """Band labels as a segment column named ``band``."""
    return _Column("band", labels)


def _lift(obs: _Observations, overall: float) -> TableResult:
    """Churn by score decile over the overall churn rate (deciles with accounts only)."""
    decile = kd.score_deciles(obs.score)
    accounts = np.bincount(decile, minlength=11)[1:]
    churned = np.bincount(decile, weights=obs.churned, minlength=11)[1:]
    has = np.flatnonzero(accounts > 0)
    lo = np.full(10, np.inf)
    hi = np.full(10, -np.inf)
    np.minimum.at(lo, decile - 1, obs.score)
    np.maximum.at(hi, decile - 1, obs.score)
    rate = churned[has] / accounts[has]
    with np.errstate(invalid="ignore", divide="ignore"):
        lift = rate / overall if overall > 0 else np.full(has.size, np.nan)
    return TableResult({"decile": (has + 1).astype(np.int64),
                        "accounts": accounts[has].astype(np.int64),
                        "min_score": lo[has], "max_score": hi[has],
                        "churned": churned[has].astype(np.int64), "churn_rate": rate,
                        "lift": lift}, title="Churn lift by score decile (1 = lowest scores)")
