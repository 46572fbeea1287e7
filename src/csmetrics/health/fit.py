"""Scorecard weights learned from what happened: a ridge logistic model on the measures' points.

Definitions
-----------
Each measure's rule turns its signal into points (the same 0-100 points the scorecard sums),
rescaled to the unit interval, ``x_j = (points_j - low) / (high - low)``. For the accounts
paying at ``at`` (``churn_outcomes``), churn within ``horizon`` months is regressed on them::

    logit P(churn) = b0 + sum_j b_j x_j

maximising ``log-likelihood - penalty / 2 * sum_j b_j**2`` (L2, the intercept not
penalized; ``penalty=1`` is a N(0, 1) prior on each ``b_j``: an odds ratio of e between the
bottom and top of a measure's scale is one standard deviation). Healthy points should
*lower* churn, so each measure's weight is its negative coefficient, normalised::

    w_j = max(-b_j, 0) / sum_k max(-b_k, 0)

A measure whose coefficient is >= 0 (more points, no less churn) gets weight 0, with a
warning naming it. With every ``b_j < 0`` the fitted score is a decreasing function of the
model's churn risk, so ranking by the score is ranking by the model.

Accounts paying at ``at`` without signals, with a missing measure (complete cases only) or
whose outcome window is cut by the data's edge are left out of the fit and counted. An
out-of-time validation (``validate_at=``) scores the later signals with the fitted scorecard
and backtests them (``health_backtest``: Harrell's C and the AUC of the score for churn
within the horizon after that date), next to the same backtest in sample.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.checks import Checker
from csmetrics._core.columns import column_getter
from csmetrics._core.options import CONFIDENCE, Interval, Satisfies, validate_params
from csmetrics._core.warnings import find_stacklevel, warn_undefined
from csmetrics._kernels.logistic import fit_logistic
from csmetrics.exceptions import (
    ColumnNotFoundError,
    InvalidParameterError,
    UndefinedMetricWarning,
)
from csmetrics.health.backtest import health_backtest
from csmetrics.health.backtest_result import HealthBacktest
from csmetrics.health.compute import _points
from csmetrics.health.drivers import (
    INTERCEPT,
    account_outcomes,
    coefficient_columns,
    column_of,
    match,
    read_signals,
)
from csmetrics.health.outcomes import HORIZON_MONTHS
from csmetrics.health.scorecard import HealthScorecard, Measure
from csmetrics.policies import POLICY, MetricPolicy
from csmetrics.results import TableResult
from csmetrics.tables.coerce import as_table

Floats = NDArray[np.float64]
_CTX = "fit_scorecard"


def _is_measures(v: Any) -> bool:
    if isinstance(v, HealthScorecard):
        return True
    return (isinstance(v, Sequence) and not isinstance(v, str) and len(v) > 0
            and all(isinstance(m, Measure) for m in v))


class FittedScorecard(TableResult):
    """A scorecard whose weights were fitted to churn, with the fit and its validation.

    The table has one row per term (``"(intercept)"``, then each measure): ``coefficient``
    (log-odds per full scale of points), ``std_error``, ``odds_ratio`` with ``or_low`` /
    ``or_high`` (Wald, at ``confidence``), ``z``, ``p_value`` and the ``weight`` given to
    the measure (NaN for the intercept).

    Attributes
    ----------
    scorecard : HealthScorecard
        The fitted scorecard: the measures with their fitted weights (score with it, then
        ``explain()`` as usual).
    coefficients : TableResult
        The table above.
    validation : TableResult
        The fitted score backtested with ``health_backtest``: one row in sample (the
        signals at ``at``) and, with ``validate_at=``, one out of time: ``accounts``,
        ``churned``, ``churn_rate``, ``c_index`` (Harrell's C) and ``auc``.
    backtests : dict of str to HealthBacktest
        Those backtests in full (rates by band, Kaplan-Meier, ROC, lift), by sample.
    log_likelihood, null_log_likelihood : float
        At the fit (without the penalty) and for the intercept-only model.
    accounts, churned : int
        Accounts fitted and those that churned.
    excluded : TableResult
        Accounts left out of the fit, by reason, with counts.
    penalty, confidence : float
    at : str
    horizon : int
    """

    scorecard: HealthScorecard
    validation: TableResult
    backtests: dict[str, HealthBacktest]
    log_likelihood: float
    null_log_likelihood: float
    accounts: int
    churned: int
    excluded: TableResult
    penalty: float
    confidence: float
    at: str
    horizon: int

    @property
    def coefficients(self) -> TableResult:
        """The coefficients table (every column but ``weight``)."""
        return self.select(*(c for c in self.column_names if c != "weight"),
                           title=self.title)

    def to_text(self, *, max_rows: int | None = None) -> str:
        """The coefficients and weights, the sample, the exclusions and the validation."""
        dropped = ", ".join(f"{r}: {c:,}" for r, c in zip(
            self.excluded["reason"].tolist(), self.excluded["accounts"].tolist(), strict=True)
                            if c) or "none"
        v = self.validation
        aucs = "; ".join(f"{s}: AUC {a:.3f}, C {c:.3f} ({n:,} accounts at {at})"
                         for s, a, c, n, at in zip(v["sample"].tolist(), v["auc"].tolist(),
                                                   v["c_index"].tolist(), v["accounts"].tolist(),
                                                   v["at"].tolist(), strict=True))
        return (f"{super().to_text(max_rows=max_rows)}\n{self.accounts:,} accounts, "
                f"{self.churned:,} churned; penalty {self.penalty:g}; excluded: {dropped}\n"
                f"{aucs}")

    def __repr__(self) -> str:
        return (f"FittedScorecard({len(self) - 1} measures, {self.accounts:,} accounts, "
                f"{self.churned:,} churned within {self.horizon}M of {self.at})")


def _points_matrix(measures: Sequence[Measure], data: Any, id_column: str,
                   scale: tuple[float, float]) -> tuple[NDArray[Any], Floats]:
    names, get = column_getter(data, _CTX)
    ids, _ = read_signals(data, id_column, [], _CTX)
    chk = Checker(ids.size, _CTX)
    pts = np.empty((ids.size, len(measures)))
    for j, m in enumerate(measures):
        if m.source not in names:
            raise ColumnNotFoundError(m.source, names, context=f"{_CTX}: measure {m.name!r}")
        values = column_of(get, m.source, ids.size, id_column, _CTX)
        pts[:, j], _ = _points(m, values, scale, chk)
    lo, hi = scale
    return ids, (pts - lo) / (hi - lo)


_REASONS = ("not paying at at", "paying but without signals",
            "outcome window cut by the data's edge", "a measure missing")


@validate_params({"horizon": HORIZON_MONTHS,
                  "measures": Satisfies(_is_measures, "a HealthScorecard or a non-empty "
                                        "sequence of Measure"),
                  "penalty": Interval(0, closed="left"), "confidence": CONFIDENCE,
                  "policy": POLICY})
def fit_scorecard(signals: Any, subscriptions: Any, *, at: Any, horizon: int, measures: Any,
                  penalty: float = 1.0, validate_at: Any = None,
                  validation_signals: Any = None, confidence: float = 0.95,
                  policy: MetricPolicy | None = None, id_column: str = "customer_id",
                  name: str = "fitted") -> FittedScorecard:
    """Fit a scorecard's weights to churn within ``horizon`` months after ``at``.

    Parameters
    ----------
    signals : mapping of columns, DataFrame, Arrow table or ``account_signals`` result
        One row per account, read at ``at``: the id column and each measure's column.
    subscriptions : table
        The subscriptions, any table form: who pays at ``at`` and who churns after.
    at : period or date
        The day the signals were read; outcomes are what happened after it.
    horizon : int
        Churn within this many months after ``at`` is the outcome.
    measures : sequence of Measure, or HealthScorecard
        The measures and their rules (their weights are replaced). A scorecard also gives
        the bands, missing policy, scale and aggregation of the result; its group weights
        are dropped (a group weighs the sum of its fitted measure weights).
    penalty : float, default 1
        L2 strength on the coefficients of the points rescaled to 0-1 (0: plain maximum
        likelihood).
    validate_at : period or date, optional
        A later day for an out-of-time check: ``validation_signals`` (read at that day)
        are scored with the fitted scorecard against churn within ``horizon`` months after.
    validation_signals : table, optional
        Required with ``validate_at``.
    confidence : float, default 0.95
        Level of the Wald intervals.
    policy : MetricPolicy, optional
        Passed to ``churn_outcomes``: the free-customer and reactivation rules of churn.
    id_column : str, default "customer_id"
    name : str, default "fitted"
        The fitted scorecard's name.

    Returns
    -------
    FittedScorecard

    Raises
    ------
    InvalidParameterError
        No churn or only churn among the accounts fitted, no measure with a negative
        coefficient (nothing to weigh), or ``validate_at`` without its signals.

    Warns
    -----
    UserWarning
        A measure's coefficient is >= 0 (its weight is clipped to 0), or the fit did not
        converge.
    UndefinedMetricWarning
        Accounts left out for a missing measure.

    Examples
    --------
    >>> from csmetrics.health import Linear, Measure
    >>> subs = {"customer_id": list("abcdefgh"), "amount": [10] * 8,
    ...         "start": ["2024-01-01"] * 8,
    ...         "end": ["2024-02-10", None, "2024-02-20", None, None, "2024-03-01", None,
    ...                 "2024-12-31"]}  # the data run to 2024-12-31: every outcome is seen
    >>> sig = {"customer_id": list("abcdefgh"), "usage": [0.1, 0.8, 0.3, 0.9, 0.2, 0.4, 0.7, 0.6],
    ...        "tickets": [1, 0, 2, 3, 1, 2, 0, 4]}
    >>> fitted = fit_scorecard(sig, subs, at="2024-01", horizon=2, measures=[
    ...     Measure(name="usage", rule=Linear(low=0, high=1)),
    ...     Measure(name="tickets", rule=Linear(low=0, high=5), direction="lower")])
    >>> fitted.accounts, fitted.churned
    (8, 3)
    >>> round(sum(fitted.scorecard.effective_weights.values()), 6)
    1.0
    """
    card = measures if isinstance(measures, HealthScorecard) else None
    ms = tuple(card.measures if card is not None else measures)
    scale = card.scale if card is not None else (0.0, 100.0)
    if validate_at is not None and validation_signals is None:
        raise InvalidParameterError(f"{_CTX}: validate_at= needs validation_signals=, the "
                                    f"signals read at that day.")
    subscriptions = as_table(subscriptions, _CTX)  # validated once: fit and validation
    ids, x = _points_matrix(ms, signals, id_column, scale)
    keys, churned, observed = account_outcomes(subscriptions, at, horizon, policy)
    pos = match(ids, keys)
    counts = np.zeros(len(_REASONS), dtype=np.int64)
    counts[0] = np.count_nonzero(pos < 0)
    counts[1] = np.count_nonzero(match(keys, ids) < 0)
    rows = np.flatnonzero(pos >= 0)
    known = observed[pos[rows]]
    counts[2] = np.count_nonzero(~known)
    rows = rows[known]
    gap = np.isnan(x[rows]).any(axis=1)
    counts[3] = np.count_nonzero(gap)
    if counts[3]:
        warn_undefined(f"{_CTX}: {int(counts[3]):,} accounts paying at {at} miss a measure and "
                       f"are left out of the fit (see .excluded).")
    rows = rows[~gap]
    y = churned[pos[rows]].astype(np.float64)
    events = int(y.sum())
    if events in (0, y.size):
        raise InvalidParameterError(
            f"{_CTX}: {y.size:,} accounts fitted and {events:,} churned within {horizon} "
            f"month(s) of {at}; fitting weights needs accounts that churned and accounts "
            f"that did not.")
    fit = fit_logistic(x[rows], y, penalty=float(penalty))
    if not fit.converged:
        warnings.warn(f"{_CTX}: the fit did not converge (the measures separate churners "
                      f"from the others; a larger penalty= keeps it finite).", UserWarning,
                      stacklevel=find_stacklevel())
    slopes = fit.coef[1:]
    clipped = [m.name for m, b in zip(ms, slopes, strict=True) if not b < 0]
    if len(clipped) == len(ms):
        raise InvalidParameterError(
            f"{_CTX}: no measure lowers churn (every coefficient is >= 0: "
            f"{', '.join(clipped)}); there is nothing to weigh.")
    if clipped:
        warnings.warn(f"{_CTX}: more points of {', '.join(repr(c) for c in clipped)} do not "
                      f"lower churn (coefficient >= 0); weight clipped to 0.", UserWarning,
                      stacklevel=find_stacklevel())
    raw = np.clip(-slopes, 0.0, None)
    weights = raw / raw.sum()
    fitted = _card(card, ms, weights, name)
    table = coefficient_columns([INTERCEPT, *(m.name for m in ms)], fit, confidence,
                                len(ms) + 1)
    table["weight"] = np.r_[np.nan, weights]
    out = FittedScorecard(table, title=f"Fitted scorecard weights (churn within {horizon} "
                                       f"month(s) of {at})", segment="term")
    checks = [("in sample", signals, at)]
    if validate_at is not None:
        checks.append(("out of time", validation_signals, validate_at))
    validation, backtests = [], {}
    for sample, table_at, day in checks:
        row, backtests[sample] = _validate(fitted, table_at, subscriptions, day, horizon,
                                           policy, id_column, sample)
        validation.append(row)
    cols = {k: np.asarray([v[k] for v in validation], dtype=object if k in ("sample", "at")
                          else None) for k in validation[0]}
    out._set(scorecard=fitted, backtests=backtests,
             validation=TableResult(cols, title="Validation of the fitted score",
                                    segment="sample"),
             log_likelihood=fit.loglik, null_log_likelihood=fit.null_loglik,
             accounts=int(y.size), churned=events,
             excluded=TableResult({"reason": np.asarray(_REASONS, dtype=object),
                                   "accounts": counts}, title="Accounts left out of the fit",
                                  segment="reason"),
             penalty=float(penalty), confidence=float(confidence), at=str(at),
             horizon=int(horizon))
    return out


def _card(card: HealthScorecard | None, ms: Sequence[Measure], weights: Floats,
          name: str) -> HealthScorecard:
    new = tuple(m.model_copy(update={"weight": float(w)}) for m, w in zip(ms, weights,
                                                                           strict=True))
    # A group whose measures all weigh 0 would have no score: its measures leave the group.
    totals: dict[str, float] = {}
    for m in new:
        if m.group is not None:
            totals[m.group] = totals.get(m.group, 0.0) + m.weight
    new = tuple(m.model_copy(update={"group": None}) if m.group is not None
                and totals[m.group] <= 0 else m for m in new)
    if card is None:
        return HealthScorecard(measures=new, name=name)
    return card.model_copy(update={"measures": new, "groups": (), "name": name})


def _validate(card: HealthScorecard, signals: Any, subscriptions: Any, at: Any,
              horizon: int, policy: MetricPolicy | None, id_column: str, sample: str
              ) -> tuple[dict[str, Any], HealthBacktest]:
    """Backtest of the fitted score (``health_backtest``): its C-index and AUC at ``at``."""
    with warnings.catch_warnings():
        # Empty bands and the like are the backtest's detail; the headline is checked below.
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        scores = card.score(signals, id_column=id_column)
        bt = health_backtest(scores, subscriptions, at, horizon=horizon, policy=policy)
    if np.isnan(bt.auc) or np.isnan(bt.concordance):
        warn_undefined(f"{_CTX}: the {sample} validation at {at} has {bt.accounts:,} "
                       f"accounts and {bt.churned:,} churned; its AUC or C-index is NaN.")
    return ({"sample": sample, "at": str(at), "accounts": bt.accounts, "churned": bt.churned,
             "churn_rate": bt.churn_rate, "c_index": bt.concordance, "auc": bt.auc}, bt)
