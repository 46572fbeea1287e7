"""Survey metrics: NPS, CSAT and CES with confidence intervals, comparisons, weights and trends.

Definitions
-----------
**Net Promoter Score.** On the 0-10 "how likely are you to recommend" question, answers 0-6
are *detractors*, 7-8 *passives* and 9-10 *promoters*. ``NPS = 100 * (promoters - detractors)
/ answers``, from -100 to 100. Only whole numbers 0-10 are answers: 6.5, 11, -1, NaN and
missing scores are errors (or, with ``errors="skip"``, rows handed back), never put in a band.

**CSAT.** The share of satisfied answers (a fraction), by default the top two points of a
1-5 scale (4 and 5), with the mean score beside it.

**CES.** CES 2.0 asks for agreement with "the company made it easy for me to handle my
issue" on 1-7 (higher is easier): the mean and the share agreeing (5-7). CES 1.0 asks "how
much effort did you personally have to put forth?" on 1-5 (lower is easier): the mean and
the share answering low effort (1-2). The result states its polarity.

**Intervals.** NPS: adjusted-Wald (default; Sauro and Lewis, after Rocks 2016), Wald, or a
seeded percentile bootstrap. Shares: Wilson (1927) score interval. Means: Student t. With
weights, every interval uses Kish's effective sample size ``(Σw)^2 / Σw^2``.

**Undefined is not zero.** No answers (or only zero weights) give NaN with an
:class:`~csmetrics.exceptions.UndefinedMetricWarning`.

The formulas, edge cases and references are in ``docs/surveys.md`` and in each function.
"""

from __future__ import annotations

import copy
import difflib
import importlib
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeAlias, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._kernels import surveys as ks
from csmetrics._validation import (
    Checker,
    ErrorMode,
    _as_array,
    factorize,
    lookup,
    to_codes,
    to_float,
)
from csmetrics.exceptions import InvalidParameterError, UndefinedMetricWarning
from csmetrics.periods import Frequency, PeriodLike, parse_frequency
from csmetrics.results import SkippedRows, TableResult
from csmetrics.survey_data import SurveyScale, SurveyScaleLike, SurveyTable, day_bounds

__all__ = [
    "Comparison",
    "CustomerEffortScore",
    "CustomerSatisfactionScore",
    "NetPromoterScore",
    "SurveyEstimate",
    "SurveyTrend",
    "compare_means",
    "compare_nps",
    "compare_proportions",
    "compare_to_benchmark",
    "customer_effort_score",
    "customer_satisfaction_score",
    "net_promoter_score",
    "nps_sample_size",
    "survey_trend",
]

Interval = Literal["adjusted_wald", "wald", "bootstrap"]
WeightType = Literal["sampling", "frequency"]
AccountWeighting = Literal["response", "account", "revenue"]
Alternative = Literal["greater", "less", "two-sided"]
By: TypeAlias = "str | Mapping[Any, Any] | ArrayLike | None"
"""Segments: an array of labels aligned with the answers; with a :class:`SurveyTable`, also a
column name (``"customer_id"``, ``"respondent_id"``) or a mapping from customer id to segment."""

Floats = NDArray[np.float64]
_NPS_SCALE = SurveyScale(0, 10, label="likelihood to recommend")
_INTERVAL_NAMES = {"adjusted_wald": "adjusted-Wald", "wald": "Wald", "bootstrap": "bootstrap"}
_DEFAULT_SATISFIED = {(1, 5): 4, (1, 7): 6, (1, 10): 8, (0, 10): 8}
_CES = {
    "2.0": {"scale": SurveyScale(1, 7, label="agreement"), "higher": True,
            "easy": {(1, 7): 5, (1, 5): 4, (1, 10): 8}},
    "1.0": {"scale": SurveyScale(1, 5, label="effort"), "higher": False,
            "easy": {(1, 5): 2}},
}


# --- results -----------------------------------------------------------------------------------

_E = TypeVar("_E", bound="SurveyEstimate")


class SurveyEstimate(TableResult):
    """A survey metric: one row per segment (one row without ``by=``) with its interval.

    ``ci_low`` and ``ci_high`` always bound the headline column (``nps``, ``csat`` or
    ``ces``). For a single row, :attr:`score`, :meth:`confidence_interval` and
    :meth:`value` read numbers directly; with segments, read columns (``result["nps"]``) or
    pick a segment with :meth:`row`.
    """

    metric: str
    headline: str
    confidence: float
    by: str | None
    skipped: SkippedRows

    def __init__(self, columns: Mapping[str, Any], *, title: str, metric: str, headline: str,
                 confidence: float, by: str | None, skipped: SkippedRows,
                 **extra: Any) -> None:
        super().__init__(columns, title=title)
        self._set(metric=metric, headline=headline, confidence=confidence, by=by,
                  skipped=skipped, **extra)

    def _single(self) -> None:
        if len(self) != 1:
            raise InvalidParameterError(
                f"{type(self).__name__} has {len(self)} rows (one per {self.by!r}); read a "
                f"column such as result[{self.headline!r}] or pick one with result.row(label)."
            )

    def value(self, column: str) -> float:
        """The number in ``column`` of a single-row result."""
        self._single()
        return float(self[column][0])

    @property
    def score(self) -> float:
        """The headline number of a single-row result (NPS, CSAT share or CES mean)."""
        return self.value(self.headline)

    def confidence_interval(self) -> tuple[float, float]:
        """``(low, high)`` of the headline's interval, for a single-row result."""
        return self.value("ci_low"), self.value("ci_high")

    def row(self: _E, label: Any) -> _E:
        """The one-row result of segment ``label``."""
        if self.by is None:
            return self
        hits = np.flatnonzero(np.asarray([v == label for v in self[self.by].tolist()]))
        if hits.size != 1:
            shown = ", ".join(repr(v) for v in self[self.by].tolist()[:10])
            raise InvalidParameterError(f"no segment {label!r}; segments: {shown}.")
        return _take_rows(self, hits)

    def __repr__(self) -> str:
        name = type(self).__name__
        if len(self) == 1:
            low, high = self["ci_low"][0], self["ci_high"][0]
            n = self["n"][0]
            return (f"{name}({self.headline}={_fmt(self[self.headline][0])}, "
                    f"{self.confidence:.0%} CI {_fmt(low)} to {_fmt(high)}, n={_fmt(n)})")
        return f"{name}({len(self):,} segments by {self.by!r})"


def _take_rows(result: _E, idx: NDArray[np.int64]) -> _E:
    new = copy.copy(result)
    TableResult.__init__(new, {k: v[idx] for k, v in result.columns.items()},
                         title=result.title, money=result.money)
    return new


def _fmt(v: Any) -> str:
    v = float(v)
    if v != v:
        return "NaN"
    return f"{v:,.4f}".rstrip("0").rstrip(".")


class NetPromoterScore(SurveyEstimate):
    """Net Promoter Score with its interval, counts and shares (see :func:`net_promoter_score`).

    Columns: the segment (with ``by``), ``nps``, ``ci_low``, ``ci_high``, ``se`` (all in NPS
    points), ``n`` (answers), ``effective_n``, ``promoters``, ``passives``, ``detractors``
    (weighted counts) and ``promoter_share``, ``passive_share``, ``detractor_share``
    (fractions). Attribute ``interval`` names the interval method.
    """

    interval: str


class CustomerSatisfactionScore(SurveyEstimate):
    """CSAT: share satisfied with its Wilson interval and the mean score with its t-interval.

    Columns: the segment (with ``by``), ``csat`` (fraction satisfied), ``ci_low``, ``ci_high``,
    ``mean``, ``mean_ci_low``, ``mean_ci_high``, ``sd``, ``n``, ``effective_n``,
    ``satisfied`` (weighted count). Attributes ``scale`` and ``satisfied_at``.
    """

    scale: SurveyScale
    satisfied_at: float


class CustomerEffortScore(SurveyEstimate):
    """CES: mean effort score with its t-interval and the share answering on the easy side.

    Columns: the segment (with ``by``), ``ces`` (mean), ``ci_low``, ``ci_high``, ``sd``,
    ``easy_share``, ``easy_ci_low``, ``easy_ci_high`` (Wilson), ``n``, ``effective_n``.
    Attributes ``version``, ``scale``, ``higher_is_easier``, ``easy_at`` and ``polarity``
    (a sentence such as ``"higher is easier"``).
    """

    version: str
    scale: SurveyScale
    higher_is_easier: bool
    easy_at: float
    polarity: str


class Comparison(TableResult):
    """A test of a difference: between two results, or of one result against a benchmark.

    Columns include ``difference``, ``ci_low``, ``ci_high``, ``p_value`` and ``significant``;
    the statistic (``z`` or ``t``) and the two estimates are named after the metric.
    Attributes ``metric``, ``method``, ``confidence`` and ``alternative``.
    """

    metric: str
    method: str
    confidence: float
    alternative: str

    def __init__(self, columns: Mapping[str, Any], *, title: str, metric: str, method: str,
                 confidence: float, alternative: str = "two-sided") -> None:
        super().__init__(columns, title=title)
        self._set(metric=metric, method=method, confidence=confidence, alternative=alternative)

    def _one(self, column: str) -> Any:
        if len(self) != 1:
            raise InvalidParameterError(
                f"Comparison has {len(self)} rows; read the column result[{column!r}].")
        return self[column][0]

    def value(self, column: str) -> float:
        """The number in ``column`` of a single-row comparison."""
        return float(self._one(column))

    @property
    def difference(self) -> float:
        """The estimated difference (single row)."""
        return float(self._one("difference"))

    @property
    def p_value(self) -> float:
        """The p-value (single row)."""
        return float(self._one("p_value"))

    @property
    def significant(self) -> bool:
        """Whether the difference is significant at the confidence level (single row)."""
        return bool(self._one("significant"))

    def confidence_interval(self) -> tuple[float, float]:
        """``(low, high)`` of the difference (single row)."""
        return float(self._one("ci_low")), float(self._one("ci_high"))

    def __repr__(self) -> str:
        if len(self) == 1:
            return (f"Comparison({self.metric}: difference {_fmt(self['difference'][0])}, "
                    f"{self.confidence:.0%} CI {_fmt(self['ci_low'][0])} to "
                    f"{_fmt(self['ci_high'][0])}, p={float(self['p_value'][0]):.4g}, "
                    f"{self.method})")
        return f"Comparison({self.metric}, {len(self):,} rows, {self.method})"


class SurveyTrend(TableResult):
    """A survey metric per period (and segment), with the change from the period before.

    Columns: ``period``, the segment (with ``by``), the metric (``nps``, ``csat`` or ``ces``),
    ``ci_low``, ``ci_high``, ``n``, ``effective_n``, ``change`` (from the previous period of
    the same segment), ``change_ci_low``, ``change_ci_high``, ``p_value`` and
    ``significant``. Attributes ``metric``, ``freq``, ``periods``, ``confidence``,
    ``account_weighting``.
    """

    metric: str
    freq: Frequency
    periods: tuple[str, ...]
    confidence: float
    account_weighting: str

    def __init__(self, columns: Mapping[str, Any], *, title: str, metric: str, freq: Frequency,
                 periods: tuple[str, ...], confidence: float, account_weighting: str) -> None:
        super().__init__(columns, title=title)
        self._set(metric=metric, freq=freq, periods=periods, confidence=confidence,
                  account_weighting=account_weighting)

    def __repr__(self) -> str:
        n = len(self.periods)
        span = f"{self.periods[0]} to {self.periods[-1]}" if n else "no periods"
        flagged = int(np.sum(self["significant"]))
        return (f"SurveyTrend({self.metric}, {n} period{'s' * (n != 1)}, {span}, "
                f"{flagged} significant change{'s' * (flagged != 1)})")


# --- input -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Data:
    """Validated answers of one metric call, aligned with their weights, groups and dates."""

    values: NDArray[Any]
    scale: SurveyScale
    weights: Floats | None
    weight_type: WeightType
    groups: NDArray[np.int64] | None
    n_groups: int
    labels: NDArray[Any]
    by_name: str | None
    skipped: SkippedRows
    context: str
    errors: ErrorMode
    customers: NDArray[np.int64] | None = None
    customer_ids: NDArray[Any] | None = None
    dates: NDArray[np.datetime64] | None = None
    unit_n_eff: Floats | None = None
    column: str = "scores"
    sparse_labels: bool = False


def _check_options(context: str, confidence: float, **choices: tuple[Any, Sequence[Any]]
                   ) -> None:
    if not (isinstance(confidence, int | float) and 0 < confidence < 1):
        raise InvalidParameterError(
            f"{context}: confidence must be between 0 and 1 (such as 0.95), got {confidence!r}.")
    for name, (value, allowed) in choices.items():
        if value not in allowed:
            listed = ", ".join(repr(a) for a in allowed)
            raise InvalidParameterError(f"{context}: {name} must be one of {listed}, "
                                        f"got {value!r}.")


def _load(scores: Any, *, context: str, survey: str, scale: SurveyScale | None,
          weights: ArrayLike | None, weight_type: WeightType, by: By, errors: ErrorMode
          ) -> _Data:
    """Answers of a table's survey, or an array of scores, with weights and segments."""
    if isinstance(scores, SurveyTable):
        return _load_table(scores, context=context, survey=survey, scale=scale,
                           weights=weights, by=by)
    if isinstance(scores, TableResult | Mapping):
        raise InvalidParameterError(
            f"{context}: scores must be an array of answers or a SurveyTable, got "
            f"{type(scores).__name__}.")
    values = _as_1d(scores, context, "scores")
    scale = scale if scale is not None else _NPS_SCALE
    n = values.size
    chk = Checker(n, context, errors)
    if values.dtype.kind == "b":
        raise InvalidParameterError(f"{context}: scores must be numbers, not booleans.")
    if values.dtype.kind not in "iuf":
        values = to_float(values, "scores", chk)
    w = None if weights is None else _load_weights(weights, n, weight_type, context, chk)
    if not scale.integer:  # the counting kernel checks integer scales on the way
        _check_scores(values.astype(np.float64, copy=False), scale, "scores", chk)
        if w is not None:
            _check_weights(w, chk)
    groups, n_groups, labels, by_name, sparse = _groups_of_array(by, n, context)
    data = _Data(values, scale, w, weight_type, groups, n_groups, labels, by_name,
                 SkippedRows.empty(), context, errors, sparse_labels=sparse)
    return _drop_bad(data, chk) if chk.bad.any() else data


def _as_1d(values: Any, context: str, name: str) -> NDArray[Any]:
    """A one-dimensional numpy view of a list, array, Series or Arrow/Polars column."""
    if isinstance(values, np.ndarray):
        arr = values
    elif isinstance(values, list | tuple):
        arr = np.asarray(values)
    else:
        arr = _as_array(values)
    if arr.ndim != 1:
        raise InvalidParameterError(f"{context}: {name} must be one-dimensional, got shape "
                                    f"{arr.shape}.")
    return arr


def _check_scores(values: Floats, scale: SurveyScale, column: str, chk: Checker) -> None:
    """Locate the answers that are missing, off the scale or (on an integer scale) fractional."""
    chk.check(np.isnan(values) & ~chk.bad, column, "must not be missing (None/NaN)")
    with np.errstate(invalid="ignore"):
        chk.check((values < scale.low) | (values > scale.high), column,
                  f"must be on the {scale} scale")
        if scale.integer:
            chk.check((values != np.floor(values)) & ~chk.bad, column,
                      f"must be a whole number on the {scale} scale")


def _load_weights(weights: ArrayLike, n: int, weight_type: WeightType, context: str,
                  chk: Checker) -> Floats:
    """Weights as float64. Their values are checked while counting (or by
    :func:`_check_weights` on the slow path), except the whole-number rule of frequency
    weights, which is checked here."""
    w = _as_1d(weights, context, "weights")
    if w.size != n:
        raise InvalidParameterError(
            f"{context}: weights must have one value per answer ({n:,}), got {w.size:,}.")
    if w.dtype.kind == "b":
        raise InvalidParameterError(f"{context}: weights must be numbers, not booleans.")
    w = to_float(w, "weights", chk) if w.dtype.kind not in "iuf" else w
    w = np.ascontiguousarray(w, dtype=np.float64)
    if weight_type == "frequency":
        with np.errstate(invalid="ignore"):
            chk.check((w != np.floor(w)) & np.isfinite(w), "weights",
                      "must be a whole number (frequency weights count repeated answers)")
    return w


def _check_weights(w: Floats, chk: Checker) -> None:
    """Locate weights that are missing, infinite or negative."""
    chk.check(np.isnan(w) & ~chk.bad, "weights", "must not be missing (None/NaN)")
    chk.check(np.isinf(w), "weights", "must be finite")
    with np.errstate(invalid="ignore"):
        chk.check(w < 0, "weights", "must be >= 0")


def _drop_bad(data: _Data, chk: Checker) -> _Data:
    keep = np.flatnonzero(~chk.bad)
    return replace(
        data, values=data.values[keep],
        weights=None if data.weights is None else data.weights[keep],
        groups=None if data.groups is None else data.groups[keep],
        skipped=SkippedRows.concat(data.skipped, SkippedRows.from_checker(chk)),
    )


def _groups_of_array(by: By, n: int, context: str
                     ) -> tuple[NDArray[np.int64] | None, int, NDArray[Any], str | None, bool]:
    if by is None:
        return None, 1, np.array([None], dtype=object), None, False
    if isinstance(by, str | Mapping):
        raise InvalidParameterError(
            f"{context}: with an array of scores, by must be an array of segment labels (one "
            "per answer); column names and customer mappings need a SurveyTable.")
    labels = _as_1d(by, context, "by")
    if labels.size != n:
        raise InvalidParameterError(
            f"{context}: by must have one label per answer ({n:,}), got {labels.size:,}.")
    groups, cats, sparse = _factorize_labels(labels, context)
    return groups, int(cats.size), cats, "segment", sparse


def _factorize_labels(labels: NDArray[Any], context: str
                      ) -> tuple[NDArray[np.int64], NDArray[Any], bool]:
    """Segment codes, sorted labels, and whether some labels may have no rows.

    Small non-negative integers are their own codes, with no per-row remapping: the labels
    are then ``0 .. max`` and those without rows are dropped after counting. Missing labels
    (None, NaN) form a segment of their own, labelled None.
    """
    if labels.dtype.kind in "iu" and labels.size:
        lo, hi = int(labels.min()), int(labels.max())
        if lo >= 0 and hi <= 4 * labels.size + 1024:
            return labels.astype(np.int64, copy=False), np.arange(hi + 1), True
    if labels.dtype.kind == "f" and not np.isnan(labels).any():
        cats, codes = factorize(labels)
        return codes, cats, False
    chk = Checker(labels.size, context)
    codes, cats = to_codes(labels, "by", chk, required=False)
    if (codes < 0).any():
        codes = np.where(codes < 0, cats.size, codes)
        cats = np.concatenate([cats.astype(object), np.array([None], dtype=object)])
    return codes, cats, False


def _load_table(table: SurveyTable, *, context: str, survey: str, scale: SurveyScale | None,
                weights: ArrayLike | None, by: By) -> _Data:
    if weights is not None:
        raise InvalidParameterError(
            f"{context}: a SurveyTable carries its own weights (its 'weight' column); "
            "do not pass weights= with it.")
    present = table.surveys.tolist()
    if survey.strip().lower() not in present:
        close = difflib.get_close_matches(survey.strip().lower(), present, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        listed = ", ".join(repr(p) for p in present) or "none"
        raise InvalidParameterError(
            f"{context}: the table has no answers to survey {survey!r}; surveys present: "
            f"{listed}.{hint}")
    own = table.scale_of(survey)
    if scale is not None and (scale.low, scale.high, scale.integer) != (
            own.low, own.high, own.integer):
        raise InvalidParameterError(
            f"{context}: scale {scale} disagrees with the table's scale of survey "
            f"{survey!r} ({own}); declare it when building the table with scales=.")
    rows = table.survey_rows(survey)

    def pick(a: NDArray[Any]) -> NDArray[Any]:
        return a if rows is None else a[rows]

    w = pick(table.weight)
    weighted = table.weighted
    cust = pick(table.customer_codes)
    sparse = False
    if by is None:
        groups, n_groups, labels, by_name = None, 1, np.array([None], dtype=object), None
    elif isinstance(by, str):
        if by == "customer_id":
            groups, labels = _compact(cust, table.customer_ids)
        elif by == "respondent_id":
            resp = pick(table.respondent_codes)
            groups, labels = _compact(np.where(resp < 0, table.respondent_ids.size, resp),
                                      np.concatenate([table.respondent_ids.astype(object),
                                                      np.array([None], dtype=object)]))
        else:
            from csmetrics.exceptions import ColumnNotFoundError

            raise ColumnNotFoundError(by, ["customer_id", "respondent_id"],
                                      context=f"{context} (by=)")
        n_groups, by_name = int(labels.size), by
    elif isinstance(by, Mapping):
        present = np.unique(cust)
        seg = lookup(table.customer_ids[present], by, context, "customers")
        seg_codes, labels, sparse = _factorize_labels(np.asarray(seg), context)
        per_customer = np.zeros(table.n_customers, dtype=np.int64)
        per_customer[present] = seg_codes
        groups, n_groups, by_name = per_customer[cust], int(labels.size), "segment"
    else:
        full = _as_1d(by, context, "by")
        if full.size != len(table):
            raise InvalidParameterError(
                f"{context}: by must be a column name, a customer mapping or one label per "
                f"row of the table ({len(table):,}), got {full.size:,} labels.")
        groups, labels, sparse = _factorize_labels(pick(full), context)
        n_groups, by_name = int(labels.size), "segment"
    return _Data(pick(table.score), own, w if weighted else None, "sampling", groups, n_groups,
                 labels, by_name, SkippedRows.empty(), context, "raise",
                 customers=cust, customer_ids=table.customer_ids,
                 dates=pick(table.submitted_at), column="score", sparse_labels=sparse)


def _compact(codes: NDArray[np.int64], cats: NDArray[Any]
             ) -> tuple[NDArray[np.int64], NDArray[Any]]:
    present, inv = np.unique(codes, return_inverse=True)
    return inv.reshape(-1).astype(np.int64), cats[present]


# --- account weighting ---------------------------------------------------------------------------


def _weigh_accounts(data: _Data, mode: AccountWeighting, revenue: Mapping[Any, Any] | None
                    ) -> _Data:
    """Reweight answers so that accounts, not answers, are the units (B2B).

    ``"account"``: within each group, an account's answers share one unit of weight (in
    proportion to their own weights), so the metric averages the accounts' own values.
    ``"revenue"``: the account's unit is its revenue instead. Either way the effective
    sample size is Kish's over accounts, never over answers.
    """
    ctx = data.context
    if mode == "response":
        if revenue is not None:
            raise InvalidParameterError(
                f"{ctx}: revenue= is used only with account_weighting='revenue'.")
        return data
    if data.customers is None or data.customer_ids is None:
        raise InvalidParameterError(
            f"{ctx}: account_weighting={mode!r} needs a SurveyTable, which knows each "
            "answer's account.")
    if (mode == "revenue") != (revenue is not None):
        raise InvalidParameterError(
            f"{ctx}: account_weighting='revenue' needs revenue= (a mapping from customer id "
            "to revenue), and revenue= needs account_weighting='revenue'.")
    n_cust = max(int(data.customer_ids.size), 1)
    g = np.zeros(data.values.size, dtype=np.int64) if data.groups is None else data.groups
    pair_keys, pair_idx = factorize(g * np.int64(n_cust) + data.customers)
    w = np.ones(data.values.size) if data.weights is None else data.weights
    account_w = np.bincount(pair_idx, weights=w, minlength=pair_keys.size)
    pair_cust, pair_group = pair_keys % n_cust, pair_keys // n_cust
    if mode == "account":
        unit = (account_w > 0).astype(np.float64)
    else:
        assert revenue is not None
        present = np.unique(pair_cust)
        raw = lookup(data.customer_ids[present], revenue, ctx, "customers")
        try:
            values = np.asarray(raw, dtype=np.float64)
        except (TypeError, ValueError):
            raise InvalidParameterError(f"{ctx}: revenue= must map customers to numbers.") from None
        bad = ~np.isfinite(values) | (values < 0)
        if bad.any():
            shown = ", ".join(repr(c) for c in data.customer_ids[present][bad][:5].tolist())
            raise InvalidParameterError(
                f"{ctx}: revenue must be a finite number >= 0 for every account; "
                f"{int(bad.sum()):,} are not (first: {shown}).")
        per_customer = np.zeros(n_cust)
        per_customer[present] = values
        unit = np.where(account_w > 0, per_customer[pair_cust], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(account_w > 0, unit / account_w, 0.0)
    n_eff = ks.kish(ks.sum_by(pair_group, unit, data.n_groups),
                    ks.sum_by(pair_group, unit * unit, data.n_groups))
    return replace(data, weights=w * share[pair_idx], weight_type="sampling", unit_n_eff=n_eff)


# --- counting ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tally:
    """Answers counted per group: the raw material of every metric."""

    data: _Data
    n: NDArray[np.int64]
    rows: NDArray[np.int64]
    sum_w: Floats
    n_eff: Floats
    counts: Floats | None
    mean: Floats
    sum_sq: Floats

    def total_at(self, threshold: float, at_most: bool) -> Floats:
        """Weighted number of answers ``>= threshold`` (or ``<=`` with ``at_most``)."""
        d = self.data
        if self.counts is not None:
            points = d.scale.low + np.arange(self.counts.shape[1])
            hit = points <= threshold if at_most else points >= threshold
            return np.asarray(self.counts[:, hit].sum(axis=1), dtype=np.float64)
        return ks.share_at_least(d.values.astype(np.float64, copy=False), threshold,
                                 groups=d.groups, n_groups=d.n_groups, weights=d.weights,
                                 at_most=at_most)


def _tally(data: _Data) -> _Tally:
    if data.scale.integer:
        kernel_args: dict[str, Any] = {"groups": data.groups, "n_groups": data.n_groups,
                                       "weights": data.weights}
        low, points = int(data.scale.low), data.scale.n_points
        lc = ks.level_counts(data.values, low, points, **kernel_args)
        if not lc.ok:  # find the rows at fault, then raise, or skip them and count again
            chk = Checker(data.values.size, data.context, data.errors)
            _check_scores(data.values.astype(np.float64), data.scale, data.column, chk)
            if data.weights is not None:
                _check_weights(data.weights, chk)
            data = _drop_bad(data, chk)
            kernel_args.update(groups=data.groups, weights=data.weights)
            lc = ks.level_counts(data.values, low, points, **kernel_args)
            if not lc.ok:
                raise InvalidParameterError(
                    f"{data.context}: weights are too large: their squares overflow float64.")
        counts: Floats | None = lc.counts
        n, sum_w, sum_w2 = lc.n, lc.sum_w, lc.sum_w2
        mean, sum_sq = ks.level_moments(lc.counts, data.scale.low)
    else:
        m = ks.moments(data.values.astype(np.float64, copy=False), groups=data.groups,
                       n_groups=data.n_groups, weights=data.weights)
        counts, n, sum_w, sum_w2, mean, sum_sq = None, m.n, m.sum_w, m.sum_w2, m.mean, m.sum_sq
    rows = n
    if data.unit_n_eff is not None:
        n_eff = data.unit_n_eff
    elif data.weights is None:
        n_eff = n.astype(np.float64)
    elif data.weight_type == "frequency":
        n_eff = sum_w
        n = np.rint(sum_w).astype(np.int64)
    else:
        n_eff = ks.kish(sum_w, sum_w2)
    return _Tally(data, n, rows, sum_w, n_eff, counts, mean, sum_sq)


def _present(t: _Tally, n_periods: int = 1) -> NDArray[np.int64] | None:
    """Result rows to keep when integer labels were used as codes: segments with answers."""
    if not t.data.sparse_labels:
        return None
    seg_has_rows = t.rows.reshape(n_periods, -1).sum(axis=0) > 0
    if seg_has_rows.all():
        return None
    keep = np.flatnonzero(seg_has_rows)
    rows = np.arange(n_periods)[:, None] * seg_has_rows.size + keep[None, :]
    return np.asarray(rows.reshape(-1), dtype=np.int64)


def _keep(cols: Mapping[str, Any], idx: NDArray[np.int64] | None) -> dict[str, Any]:
    return dict(cols) if idx is None else {k: np.asarray(v)[idx] for k, v in cols.items()}


def _warn(context: str, undefined: NDArray[np.bool_], what: str, unit: str = "result") -> None:
    k = int(undefined.sum())
    if k:
        total = undefined.size
        warnings.warn(
            f"{context}: {k:,} of {total:,} {unit}{'s' * (total != 1)} "
            f"{'has' if k == 1 else 'have'} {what}; NaN is reported, not 0.",
            UndefinedMetricWarning, stacklevel=3)


def _stats() -> Any:
    """``scipy.stats``, imported on first use so that ``import csmetrics`` stays light."""
    return importlib.import_module("scipy.stats")


def _z(confidence: float, two_sided: bool = True) -> float:
    norm = _stats().norm
    return float(norm.ppf(0.5 + confidence / 2 if two_sided else confidence))


def _t(confidence: float, df: Floats, two_sided: bool = True) -> Floats:
    t = _stats().t
    q = 0.5 + confidence / 2 if two_sided else confidence
    with np.errstate(invalid="ignore"):
        return np.asarray(t.ppf(q, np.where(df > 0, df, np.nan)), dtype=np.float64)


# --- NPS ---------------------------------------------------------------------------------------


def _nps_parts(t: _Tally) -> tuple[Floats, Floats, Floats, Floats, Floats]:
    assert t.counts is not None
    det = t.counts[:, :7].sum(axis=1)
    pas = t.counts[:, 7:9].sum(axis=1)
    pro = t.counts[:, 9:].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return det, pas, pro, pro / t.sum_w, det / t.sum_w


def _nps_interval(p: Floats, d: Floats, n_eff: Floats, z: float, interval: str
                  ) -> tuple[Floats, Floats, Floats]:
    """Centre, standard error and the (centre - z se, centre + z se) method of ``interval``."""
    if interval == "wald":
        return ks.nps_wald(p, d, n_eff, z)[0], ks.nps_wald(p, d, n_eff, z)[1], n_eff
    centre, se = ks.nps_adjusted_wald(p, d, n_eff)
    return centre, se, n_eff + 3.0


def _nps_columns(t: _Tally, *, confidence: float, interval: str, n_resamples: int,
                 seed: int | np.random.Generator | None) -> dict[str, Any]:
    det, pas, pro, p, d = _nps_parts(t)
    empty = ~(t.sum_w > 0)
    z = _z(confidence)
    if interval == "bootstrap":
        lo, hi, se = _bootstrap(t, det, pas, pro, confidence, n_resamples, seed)
    else:
        centre, se, _ = _nps_interval(p, d, t.n_eff, z, interval)
        lo, hi = centre - z * se, centre + z * se
    nan = np.where(empty, np.nan, 1.0)
    with np.errstate(invalid="ignore"):
        return {
            "nps": 100.0 * (pro - det) / np.where(empty, np.nan, t.sum_w),
            "ci_low": np.clip(100.0 * lo, -100.0, 100.0) * nan,
            "ci_high": np.clip(100.0 * hi, -100.0, 100.0) * nan,
            "se": 100.0 * se * nan,
            "n": t.n,
            "effective_n": t.n_eff,
            "promoters": pro,
            "passives": pas,
            "detractors": det,
            "promoter_share": p,
            "passive_share": pas / np.where(empty, np.nan, t.sum_w),
            "detractor_share": d,
        }


def _bootstrap(t: _Tally, det: Floats, pas: Floats, pro: Floats, confidence: float,
               n_resamples: int, seed: int | np.random.Generator | None
               ) -> tuple[Floats, Floats, Floats]:
    d = t.data
    if d.unit_n_eff is not None:
        raise InvalidParameterError(
            f"{d.context}: the bootstrap resamples answers, which account weighting does not "
            "allow; use interval='adjusted_wald' or 'wald'.")
    if not (isinstance(n_resamples, int) and n_resamples >= 2):
        raise InvalidParameterError(f"{d.context}: n_resamples must be an integer >= 2.")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    g_count = d.n_groups
    if d.weights is None or d.weight_type == "frequency":
        cell_group = np.repeat(np.arange(g_count), 3)
        cell_value = np.tile([-1.0, 0.0, 1.0], g_count)
        cell_weight = np.ones(3 * g_count)
        cell_count = np.rint(np.stack([det, pas, pro], axis=1).reshape(-1)).astype(np.int64)
    else:
        v = d.values
        cat = (v >= 9).astype(np.int64) - (v <= 6).astype(np.int64) + 1
        groups = np.zeros(v.size, dtype=np.int64) if d.groups is None else d.groups
        w_values, w_codes = factorize(d.weights)
        key = (groups * 3 + cat) * np.int64(w_values.size) + w_codes
        cells, cell_count = np.unique(key, return_counts=True)
        cell_weight = w_values[cells % w_values.size].astype(np.float64)
        cell_group = cells // w_values.size // 3
        cell_value = (cells // w_values.size % 3 - 1).astype(np.float64)
    alpha = 1.0 - confidence
    return ks.bootstrap_nps(cell_group, cell_value, cell_weight, cell_count.astype(np.int64),
                            g_count, n_resamples, rng, (alpha / 2, 1.0 - alpha / 2))


def _label_column(data: _Data, cols: dict[str, Any], keep: NDArray[np.int64] | None
                  ) -> dict[str, Any]:
    """The columns with the segment labels first, limited to the segments with answers."""
    if data.by_name is not None:
        cols = {data.by_name: data.labels, **cols}
    return _keep(cols, keep)


def _pick(mask: NDArray[np.bool_], keep: NDArray[np.int64] | None) -> NDArray[np.bool_]:
    return mask if keep is None else mask[keep]


def net_promoter_score(
    scores: Any,
    *,
    weights: ArrayLike | None = None,
    confidence: float = 0.95,
    interval: Interval = "adjusted_wald",
    by: By = None,
    weight_type: WeightType = "sampling",
    survey: str = "nps",
    account_weighting: AccountWeighting = "response",
    revenue: Mapping[Any, Any] | None = None,
    n_resamples: int = 2_000,
    seed: int | np.random.Generator | None = 0,
    errors: ErrorMode = "raise",
) -> NetPromoterScore:
    """Net Promoter Score (-100 to 100) with its confidence interval, counts and shares.

    Parameters
    ----------
    scores : array-like of int or SurveyTable
        Answers to "how likely are you to recommend ...?" on the 0-10 scale, or a
        :class:`~csmetrics.survey_data.SurveyTable` (its ``survey`` rows are used).
    weights : array-like of float, optional
        One weight per answer (finite, >= 0). Not with a table, which has its own.
    confidence : float, default 0.95
        Confidence level of the interval.
    interval : {"adjusted_wald", "wald", "bootstrap"}, default "adjusted_wald"
        How the interval is computed (see Notes).
    by : array-like, str or mapping, optional
        Segments: one label per answer; with a table also ``"customer_id"``,
        ``"respondent_id"`` or a dict from customer id to segment.
    weight_type : {"sampling", "frequency"}, default "sampling"
        ``"sampling"`` weights (survey weights) change the estimate, and the interval uses
        Kish's effective sample size. ``"frequency"`` weights are whole numbers counting
        identical answers: a weight of 3 is three answers.
    survey : str, default "nps"
        With a table, the survey whose answers are used (its scale must be 0-10).
    account_weighting : {"response", "account", "revenue"}, default "response"
        With a table: every answer counts, every account counts once (the average of its
        answers), or accounts count by their revenue (``revenue=``).
    revenue : mapping, optional
        Customer id to revenue (>= 0), for ``account_weighting="revenue"``.
    n_resamples : int, default 2000
        Bootstrap resamples.
    seed : int or numpy Generator, default 0
        Bootstrap seed: the same data and seed give the same interval.
    errors : {"raise", "skip"}, default "raise"
        For an array: stop at an invalid answer, or leave invalid answers out and list them
        in the result's ``skipped``.

    Returns
    -------
    NetPromoterScore
        One row (one per segment with ``by``): ``nps``, ``ci_low``, ``ci_high``, ``se``
        (NPS points), ``n``, ``effective_n``, the counts and shares of promoters, passives
        and detractors. ``.score`` and ``.confidence_interval()`` read a single row.

    Raises
    ------
    DataValidationError
        An answer is missing, not a number, off the 0-10 scale or not a whole number (6.5
        is in no band), or a weight is missing, infinite or negative.
    InvalidParameterError
        An option is not one of those listed, or a table's survey is not on 0-10.

    Notes
    -----
    With ``p`` and ``d`` the (weighted) shares of promoters (9-10) and detractors (0-6) and
    ``n`` the (effective) number of answers, ``NPS = 100 (p - d)``.

    * **Wald**: ``NPS ± z 100 sqrt((p + d - (p - d)^2) / n)``. It collapses to a single
      point when every answer is in one band.
    * **Adjusted-Wald** (Sauro and Lewis, following Rocks 2016): add 3/4 of an answer to
      the promoters and to the detractors and 3 to ``n``, then the Wald formula. The interval
      is centred on the adjusted score, so it is pulled towards 0 and, for a handful of
      answers all in one band, need not contain the raw score. Coverage is close to nominal
      even for small samples.
    * **Bootstrap**: percentiles of the NPS of ``n_resamples`` resamples of the answers
      (with their weights), drawn with a seeded generator; ``se`` is their standard deviation.

    Bounds are clipped to -100..100. No answers (or only zero weights) give NaN with an
    :class:`~csmetrics.exceptions.UndefinedMetricWarning`, never 0. Answers are counted in
    one pass of ``np.bincount`` over the integer scores (and segment codes).

    References
    ----------
    Reichheld, F. (2003). The One Number You Need to Grow. Harvard Business Review.
    Rocks, B. (2016). Interval Estimation for the "Net Promoter Score". The American
    Statistician 70(4), 365-372.
    Sauro, J. and Lewis, J. R. (2016). Quantifying the User Experience, 2nd ed.; Lewis and
    Sauro (2020-2021), "Confidence Intervals for Net Promoter Scores", MeasuringU.
    Kish, L. (1965). Survey Sampling. Wiley.

    Examples
    --------
    >>> r = net_promoter_score([10, 9, 9, 8, 7, 6, 3, 10, 9, 5])
    >>> r.score                       # 5 promoters, 3 detractors in 10 answers
    20.0
    >>> [round(x, 1) for x in r.confidence_interval()]     # adjusted-Wald
    [-30.3, 61.1]
    >>> net_promoter_score([9, 10, 6], interval="wald").confidence_interval()[1] <= 100
    True
    """
    ctx = "net_promoter_score"
    _check_options(ctx, confidence, interval=(interval, tuple(_INTERVAL_NAMES)),
                   weight_type=(weight_type, ("sampling", "frequency")),
                   account_weighting=(account_weighting, ("response", "account", "revenue")))
    data = _load(scores, context=ctx, survey=survey, scale=None, weights=weights,
                 weight_type=weight_type, by=by, errors=errors)
    if (data.scale.low, data.scale.high, data.scale.integer) != (0, 10, True):
        raise InvalidParameterError(
            f"{ctx}: survey {survey!r} is on a {data.scale} scale; NPS needs 0-10 answers.")
    data = _weigh_accounts(data, account_weighting, revenue)
    t = _tally(data)
    cols = _nps_columns(t, confidence=confidence, interval=interval,
                        n_resamples=n_resamples, seed=seed)
    keep = _present(t)
    _warn(ctx, _pick(~(t.sum_w > 0), keep), "no answers (or only zero weights)")
    by_text = f" by {t.data.by_name}" if t.data.by_name else ""
    return NetPromoterScore(
        _label_column(t.data, cols, keep),
        title=f"Net Promoter Score{by_text} ({confidence:.0%} "
              f"{_INTERVAL_NAMES[interval]} interval)",
        metric="nps", headline="nps", confidence=confidence, by=t.data.by_name,
        skipped=t.data.skipped, interval=interval)


# --- CSAT and CES --------------------------------------------------------------------------------


def _share_mean_columns(t: _Tally, *, confidence: float, threshold: float, at_most: bool
                        ) -> tuple[dict[str, Floats], NDArray[np.bool_], NDArray[np.bool_]]:
    """Share at the threshold with Wilson bounds, and the mean with t bounds, per group."""
    scale = t.data.scale
    empty = ~(t.sum_w > 0)
    hit = t.total_at(threshold, at_most)
    z = _z(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = hit / t.sum_w
        lo, hi = ks.wilson(share, t.n_eff, z)
        var = ks.sample_variance(t.sum_sq, t.sum_w, t.n_eff)
        no_spread = ~(t.n_eff > 1)
        sd = np.where(no_spread, np.nan, np.sqrt(np.maximum(var, 0.0)))
        se = sd / np.sqrt(t.n_eff)
        tq = _t(confidence, t.n_eff - 1.0)
        mean = np.where(empty, np.nan, t.mean)
        m_lo = np.clip(mean - tq * se, scale.low, scale.high)
        m_hi = np.clip(mean + tq * se, scale.low, scale.high)
    return ({"share": share, "lo": lo, "hi": hi, "mean": mean, "m_lo": m_lo, "m_hi": m_hi,
             "sd": sd, "hit": hit}, empty, no_spread & ~empty)


def _threshold(value: float | None, defaults: Mapping[tuple[int, int], float],
               scale: SurveyScale, context: str, name: str) -> float:
    if value is None:
        key = (int(scale.low), int(scale.high)) if scale.integer else None
        if key not in defaults:
            raise InvalidParameterError(
                f"{context}: there is no default {name} for the {scale} scale; give one, "
                f"such as {name}={_fmt(scale.high)}.")
        return float(defaults[key])  # type: ignore[index]
    if not (isinstance(value, int | float) and scale.low <= value <= scale.high):
        raise InvalidParameterError(
            f"{context}: {name} must be a number on the {scale} scale, got {value!r}.")
    return float(value)


def customer_satisfaction_score(
    scores: Any,
    *,
    scale: SurveyScaleLike | None = None,
    satisfied_at: float | None = None,
    confidence: float = 0.95,
    by: By = None,
    weights: ArrayLike | None = None,
    weight_type: WeightType = "sampling",
    survey: str = "csat",
    account_weighting: AccountWeighting = "response",
    revenue: Mapping[Any, Any] | None = None,
    errors: ErrorMode = "raise",
) -> CustomerSatisfactionScore:
    """CSAT: the share of satisfied answers (a fraction) with a Wilson interval, and the mean.

    Parameters
    ----------
    scores : array-like or SurveyTable
        Answers to "how satisfied were you ...?", or a table (its ``survey`` rows).
    scale : (low, high) or SurveyScale, default (1, 5)
        The answer scale; with a table, the table's scale of the survey.
    satisfied_at : float, optional
        Lowest satisfied answer. Default: the top two points of a 1-5 (4) or 1-7 (6) scale,
        the top three of 1-10 or 0-10 (8); other scales need it.
    confidence : float, default 0.95
    by, weights, weight_type, survey, account_weighting, revenue, errors
        As in :func:`net_promoter_score`.

    Returns
    -------
    CustomerSatisfactionScore
        ``csat`` (fraction satisfied), its Wilson ``ci_low`` and ``ci_high``, ``mean`` with
        ``mean_ci_low`` and ``mean_ci_high`` (t-interval), ``sd``, ``n``, ``effective_n``
        and ``satisfied`` (weighted count), one row per segment.

    Raises
    ------
    DataValidationError
        An answer is missing, off the scale or (on an integer scale) not a whole number.
    InvalidParameterError
        A bad option, or no default threshold for the scale.

    Notes
    -----
    ``csat = satisfied / n`` (weighted). Its interval is Wilson's score interval with the
    effective ``n``: ``(p + z^2/2n ± z sqrt(p(1 - p)/n + z^2/4n^2)) / (1 + z^2/n)``, which
    stays within 0..1 and is sensible at 0% and 100%. The mean's interval is
    ``mean ± t(n - 1) s / sqrt(n)`` with ``s`` the sample standard deviation (weighted:
    ``s^2 = Σw(x - m)^2 / Σw * n/(n - 1)`` with Kish's ``n``), clipped to the scale; it is
    NaN, with a warning, for fewer than two (effective) answers. No answers give NaN.

    References
    ----------
    Wilson, E. B. (1927). Probable Inference, the Law of Succession, and Statistical
    Inference. Journal of the American Statistical Association 22, 209-212.

    Examples
    --------
    >>> r = customer_satisfaction_score([5, 4, 4, 3, 5, 2, 5, 4])
    >>> r.score, r.value("mean")       # 6 of 8 answered 4 or 5
    (0.75, 4.0)
    >>> [round(x, 4) for x in r.confidence_interval()]
    [0.4093, 0.9285]
    """
    ctx = "customer_satisfaction_score"
    _check_options(ctx, confidence, weight_type=(weight_type, ("sampling", "frequency")),
                   account_weighting=(account_weighting, ("response", "account", "revenue")))
    parsed = None if scale is None else SurveyScale.parse(scale)
    if parsed is None and not isinstance(scores, SurveyTable):
        parsed = SurveyScale(1, 5, label="satisfaction")
    data = _load(scores, context=ctx, survey=survey, scale=parsed, weights=weights,
                 weight_type=weight_type, by=by, errors=errors)
    threshold = _threshold(satisfied_at, _DEFAULT_SATISFIED, data.scale, ctx, "satisfied_at")
    t = _tally(_weigh_accounts(data, account_weighting, revenue))
    c, empty, no_spread = _share_mean_columns(t, confidence=confidence, threshold=threshold,
                                              at_most=False)
    keep = _present(t)
    _warn(ctx, _pick(empty, keep), "no answers (or only zero weights)")
    _warn(ctx, _pick(no_spread, keep),
          "fewer than two (effective) answers, so no interval for the mean")
    cols = {"csat": c["share"], "ci_low": c["lo"], "ci_high": c["hi"], "mean": c["mean"],
            "mean_ci_low": c["m_lo"], "mean_ci_high": c["m_hi"], "sd": c["sd"], "n": t.n,
            "effective_n": t.n_eff, "satisfied": c["hit"]}
    by_text = f" by {t.data.by_name}" if t.data.by_name else ""
    return CustomerSatisfactionScore(
        _label_column(t.data, cols, keep),
        title=f"CSAT{by_text}: share answering >= {_fmt(threshold)} on {t.data.scale} "
              f"({confidence:.0%} Wilson interval)",
        metric="csat", headline="csat", confidence=confidence, by=t.data.by_name,
        skipped=t.data.skipped, scale=t.data.scale, satisfied_at=threshold)


def _ces_version(version: Any, context: str) -> str:
    text = str(version).strip()
    mapped = {"2": "2.0", "2.0": "2.0", "1": "1.0", "1.0": "1.0"}.get(text)
    if mapped is None:
        raise InvalidParameterError(f"{context}: version must be '2.0' or '1.0', got {version!r}.")
    return mapped


def customer_effort_score(
    scores: Any,
    *,
    version: str = "2.0",
    scale: SurveyScaleLike | None = None,
    easy_at: float | None = None,
    confidence: float = 0.95,
    by: By = None,
    weights: ArrayLike | None = None,
    weight_type: WeightType = "sampling",
    survey: str = "ces",
    account_weighting: AccountWeighting = "response",
    revenue: Mapping[Any, Any] | None = None,
    errors: ErrorMode = "raise",
) -> CustomerEffortScore:
    """Customer Effort Score: the mean with its t-interval and the share on the easy side.

    Parameters
    ----------
    scores : array-like or SurveyTable
        The answers, or a table (its ``survey`` rows).
    version : {"2.0", "1.0"}, default "2.0"
        CES 2.0: agreement with "the company made it easy for me to handle my issue", 1-7,
        **higher is easier**. CES 1.0: "how much effort did you personally have to put
        forth to handle your request?", 1-5, **lower is easier**.
    scale : (low, high) or SurveyScale, optional
        Default 1-7 for 2.0 and 1-5 for 1.0; with a table, the table's scale of the survey.
    easy_at : float, optional
        The threshold of the easy side: answers ``>= easy_at`` (2.0) or ``<= easy_at``
        (1.0). Defaults: 2.0 on 1-7 is 5 (somewhat agree or more), on 1-5 is 4, on 1-10 is
        8; 1.0 on 1-5 is 2 (low or very low effort).
    confidence : float, default 0.95
    by, weights, weight_type, survey, account_weighting, revenue, errors
        As in :func:`net_promoter_score`.

    Returns
    -------
    CustomerEffortScore
        ``ces`` (mean) with ``ci_low`` and ``ci_high`` (t-interval), ``sd``, ``easy_share``
        with ``easy_ci_low`` and ``easy_ci_high`` (Wilson), ``n`` and ``effective_n``, one
        row per segment; ``polarity`` and ``higher_is_easier`` say which way is better.

    Raises
    ------
    DataValidationError
        An answer is missing, off the scale or not a whole number.
    InvalidParameterError
        A bad option or version, or no default ``easy_at`` for the scale.

    Notes
    -----
    The intervals are those of :func:`customer_satisfaction_score`: Student t for the mean
    (NaN with a warning below two effective answers) and Wilson for the share. A CES 1.0 mean
    of 2.1 is *better* than one of 2.8; a CES 2.0 mean of 5.6 is better than 5.1. Comparing
    means across versions is meaningless; the result states its version and polarity.

    References
    ----------
    Dixon, M., Freeman, K. and Toman, N. (2010). Stop Trying to Delight Your Customers.
    Harvard Business Review (CES 1.0). CEB / Gartner (2013), The Effortless Experience:
    CES 2.0.

    Examples
    --------
    >>> r = customer_effort_score([7, 6, 5, 5, 3, 6, 2, 7])
    >>> r.score, r.value("easy_share"), r.polarity
    (5.125, 0.75, 'higher is easier')
    >>> customer_effort_score([1, 2, 2, 4, 5], version="1.0").polarity
    'lower is easier'
    """
    ctx = "customer_effort_score"
    ver = _ces_version(version, ctx)
    spec = _CES[ver]
    _check_options(ctx, confidence, weight_type=(weight_type, ("sampling", "frequency")),
                   account_weighting=(account_weighting, ("response", "account", "revenue")))
    parsed = None if scale is None else SurveyScale.parse(scale)
    if parsed is None and not isinstance(scores, SurveyTable):
        parsed = spec["scale"]  # type: ignore[assignment]
    data = _load(scores, context=ctx, survey=survey, scale=parsed, weights=weights,
                 weight_type=weight_type, by=by, errors=errors)
    higher = bool(spec["higher"])
    if (ver == "1.0" and easy_at is None and isinstance(scores, SurveyTable)
            and (data.scale.low, data.scale.high) != (1, 5)):
        raise InvalidParameterError(
            f"{ctx}: CES 1.0 is answered on 1-5, but the table's scale of survey {survey!r} "
            f"is {data.scale}; declare scales={{{survey!r}: (1, 5)}} when building the table "
            "(or give easy_at).")
    threshold = _threshold(easy_at, spec["easy"], data.scale, ctx, "easy_at")  # type: ignore[arg-type]
    t = _tally(_weigh_accounts(data, account_weighting, revenue))
    c, empty, no_spread = _share_mean_columns(t, confidence=confidence, threshold=threshold,
                                              at_most=not higher)
    keep = _present(t)
    _warn(ctx, _pick(empty, keep), "no answers (or only zero weights)")
    _warn(ctx, _pick(no_spread, keep),
          "fewer than two (effective) answers, so no interval for the mean")
    polarity = "higher is easier" if higher else "lower is easier"
    cols = {"ces": c["mean"], "ci_low": c["m_lo"], "ci_high": c["m_hi"], "sd": c["sd"],
            "easy_share": c["share"], "easy_ci_low": c["lo"], "easy_ci_high": c["hi"],
            "n": t.n, "effective_n": t.n_eff}
    by_text = f" by {t.data.by_name}" if t.data.by_name else ""
    side = ">=" if higher else "<="
    return CustomerEffortScore(
        _label_column(t.data, cols, keep),
        title=f"Customer Effort Score {ver}{by_text}: mean on {t.data.scale}, {polarity}; "
              f"easy {side} {_fmt(threshold)} ({confidence:.0%} intervals)",
        metric="ces", headline="ces", confidence=confidence, by=t.data.by_name,
        skipped=t.data.skipped, version=ver, scale=t.data.scale, higher_is_easier=higher,
        easy_at=threshold, polarity=polarity)


# --- comparisons -------------------------------------------------------------------------------


def _as_result(value: Any, kind: type[_E], make: Any, context: str) -> _E:
    if isinstance(value, kind):
        return value
    if isinstance(value, SurveyEstimate | TableResult):
        raise InvalidParameterError(
            f"{context}: expected a {kind.__name__} or the answers to compute one, got a "
            f"{type(value).__name__}.")
    result: _E = make(value)
    return result


def _align(a: SurveyEstimate, b: SurveyEstimate, context: str
           ) -> tuple[NDArray[np.int64], NDArray[np.int64], str | None, NDArray[Any] | None]:
    """Row positions pairing ``a`` with ``b`` (equal segments, or one side a single row)."""
    na, nb = len(a), len(b)
    if na == nb and (a.by is None or b.by is None or
                     a[a.by].tolist() == b[b.by].tolist()):
        by = a.by or b.by
        labels = None if by is None else (a if a.by else b)[by]
        return np.arange(na), np.arange(nb), by, labels
    if na == 1 or nb == 1:
        n = max(na, nb)
        longer = a if na > 1 else b
        return (np.zeros(n, np.int64) if na == 1 else np.arange(n),
                np.zeros(n, np.int64) if nb == 1 else np.arange(n), longer.by,
                None if longer.by is None else longer[longer.by])
    raise InvalidParameterError(
        f"{context}: the two results must have the same segments (or one of them a single "
        f"row); got {na} and {nb} rows.")


def _two_sided_p(stat: Floats) -> Floats:
    norm = _stats().norm
    return np.asarray(2.0 * norm.sf(np.abs(stat)), dtype=np.float64)


def _ratio(num: Floats, den: Floats) -> Floats:
    """``num / den``, with 0/0 = 0 (no difference and no spread) and x/0 = ±inf."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((den == 0) & (num == 0), 0.0, num / den)


def _with_labels(by: str | None, labels: NDArray[Any] | None, cols: dict[str, Any]
                 ) -> dict[str, Any]:
    return cols if by is None or labels is None else {by: labels, **cols}


def compare_nps(a: Any, b: Any, *, confidence: float = 0.95,
                interval: Literal["adjusted_wald", "wald"] = "adjusted_wald") -> Comparison:
    """Test the difference between two Net Promoter Scores (``a - b``, in NPS points).

    Parameters
    ----------
    a, b : NetPromoterScore, array-like of 0-10 answers, or SurveyTable
        The two independent samples (results of :func:`net_promoter_score`, for weights or
        segments; segments are compared row by row).
    confidence : float, default 0.95
    interval : {"adjusted_wald", "wald"}, default "adjusted_wald"
        Standard errors of each score, as in :func:`net_promoter_score`.

    Returns
    -------
    Comparison
        ``nps_a``, ``nps_b``, ``difference`` (``nps_a - nps_b``), ``ci_low``, ``ci_high``,
        ``se``, ``z``, ``p_value`` (two-sided) and ``significant`` (``p < 1 - confidence``,
        the same as the interval excluding 0).

    Notes
    -----
    ``SE = sqrt(SE_a^2 + SE_b^2)`` with each standard error from the chosen method; ``z`` is
    the difference of the (adjusted) centres over ``SE``, and the interval is that difference
    ``± z_{1-α/2} SE``. This is the test Lewis and Sauro (MeasuringU, 2021) derived from the
    adjusted-Wald interval. ``difference`` reports the raw scores' difference.

    Examples
    --------
    >>> last = [9] * 40 + [7] * 30 + [3] * 30     # NPS 10, 100 answers
    >>> this = [9] * 50 + [7] * 30 + [3] * 20     # NPS 30, 100 answers
    >>> c = compare_nps(this, last)
    >>> c.difference, round(c.p_value, 3), c.significant
    (20.0, 0.083, False)
    """
    ctx = "compare_nps"
    _check_options(ctx, confidence, interval=(interval, ("adjusted_wald", "wald")))

    def make(x: Any) -> NetPromoterScore:
        return net_promoter_score(x, interval="wald")

    ra = _as_result(a, NetPromoterScore, make, ctx)
    rb = _as_result(b, NetPromoterScore, make, ctx)
    ia, ib, by, labels = _align(ra, rb, ctx)
    z = _z(confidence)
    ca, sa, _ = _nps_interval(ra["promoter_share"][ia], ra["detractor_share"][ia],
                              ra["effective_n"][ia], z, interval)
    cb, sb, _ = _nps_interval(rb["promoter_share"][ib], rb["detractor_share"][ib],
                              rb["effective_n"][ib], z, interval)
    diff, se = ca - cb, np.hypot(sa, sb)
    stat = _ratio(diff, se)
    p = _two_sided_p(stat)
    cols = {"nps_a": ra["nps"][ia], "nps_b": rb["nps"][ib],
            "difference": ra["nps"][ia] - rb["nps"][ib],
            "ci_low": np.clip(100 * (diff - z * se), -200, 200),
            "ci_high": np.clip(100 * (diff + z * se), -200, 200), "se": 100 * se, "z": stat,
            "p_value": p, "significant": p < 1 - confidence}
    return Comparison(_with_labels(by, labels, cols),
                      title=f"NPS a - b ({confidence:.0%} {_INTERVAL_NAMES[interval]} z test)",
                      metric="nps", method=f"{_INTERVAL_NAMES[interval]} z test",
                      confidence=confidence)


def _as_share(x: Any, context: str) -> tuple[Floats, Floats, str | None, NDArray[Any] | None,
                                              SurveyEstimate | None]:
    if isinstance(x, CustomerSatisfactionScore):
        return x["csat"], x["effective_n"], x.by, None if x.by is None else x[x.by], x
    if isinstance(x, CustomerEffortScore):
        return x["easy_share"], x["effective_n"], x.by, None if x.by is None else x[x.by], x
    if isinstance(x, tuple) and len(x) == 2:
        hits, n = (np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in x)
        if hits.shape != n.shape or hits.ndim != 1:
            raise InvalidParameterError(f"{context}: (successes, n) must be two numbers or "
                                        "two arrays of one length.")
        if not (np.all(np.isfinite(hits)) and np.all(n >= 0) and np.all(hits >= 0)
                and np.all(hits <= n)):
            raise InvalidParameterError(
                f"{context}: (successes, n) needs 0 <= successes <= n, got {x!r}.")
        with np.errstate(invalid="ignore", divide="ignore"):
            return hits / n, n, None, None, None
    raise InvalidParameterError(
        f"{context}: expected a CSAT or CES result or a (successes, n) pair, got "
        f"{type(x).__name__}.")


def compare_proportions(a: Any, b: Any, *, confidence: float = 0.95) -> Comparison:
    """Difference of two independent proportions (``a - b``) with Newcombe's interval.

    Parameters
    ----------
    a, b : CustomerSatisfactionScore, CustomerEffortScore, or (successes, n)
        The shares to compare: a CSAT result's ``csat``, a CES result's ``easy_share`` (with
        their effective n), or counts. Segmented results are compared row by row.
    confidence : float, default 0.95

    Returns
    -------
    Comparison
        ``share_a``, ``share_b``, ``difference``, ``ci_low``, ``ci_high`` (Newcombe), ``z``
        and ``p_value`` (two-sided score test), and ``significant`` (the interval excludes
        0).

    Notes
    -----
    Newcombe's hybrid score interval (method 10 of his 1998 comparison of eleven methods)
    combines the Wilson intervals ``(l_a, u_a)`` and ``(l_b, u_b)``:
    ``d - sqrt((p_a - l_a)^2 + (u_b - p_b)^2)`` to ``d + sqrt((u_a - p_a)^2 + (p_b - l_b)^2)``.
    It stays within -1..1 and behaves at 0% and 100%. The p-value is the pooled two-proportion
    z test (uncorrected chi-square); in rare borderline cases it can disagree with the
    interval, and ``significant`` follows the interval.

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between independent
    proportions: comparison of eleven methods. Statistics in Medicine 17, 873-890.

    Examples
    --------
    >>> c = compare_proportions((56, 70), (48, 80))     # Newcombe (1998), example (a)
    >>> round(c.difference, 4), [round(v, 4) for v in c.confidence_interval()]
    (0.2, [0.0524, 0.3339])
    """
    ctx = "compare_proportions"
    _check_options(ctx, confidence)
    pa, na, by_a, lab_a, ra = _as_share(a, ctx)
    pb, nb, by_b, lab_b, rb = _as_share(b, ctx)
    if ra is not None and rb is not None:
        ia, ib, by, labels = _align(ra, rb, ctx)
    elif pa.size == pb.size or pa.size == 1 or pb.size == 1:
        size = max(pa.size, pb.size)
        ia = np.zeros(size, np.int64) if pa.size == 1 else np.arange(size)
        ib = np.zeros(size, np.int64) if pb.size == 1 else np.arange(size)
        by, labels = (by_a, lab_a) if pa.size >= pb.size else (by_b, lab_b)
    else:
        raise InvalidParameterError(f"{ctx}: a and b have {pa.size} and {pb.size} rows.")
    pa, na, pb, nb = pa[ia], na[ia], pb[ib], nb[ib]
    _warn(ctx, ~((na > 0) & (nb > 0)), "an empty sample", unit="comparison")
    lo, hi = ks.newcombe(pa, na, pb, nb, _z(confidence))
    stat = ks.pooled_z(pa, na, pb, nb)
    stat = np.where((pa == pb) & np.isnan(stat), 0.0, stat)
    cols = {"share_a": pa, "share_b": pb, "difference": pa - pb, "ci_low": lo, "ci_high": hi,
            "z": stat, "p_value": _two_sided_p(stat), "significant": (lo > 0) | (hi < 0)}
    return Comparison(_with_labels(by, labels, cols),
                      title=f"Share a - b ({confidence:.0%} Newcombe interval)",
                      metric="share", method="Newcombe hybrid score interval",
                      confidence=confidence)


def _as_mean(x: Any, context: str) -> tuple[Floats, Floats, Floats, SurveyEstimate | None]:
    if isinstance(x, CustomerSatisfactionScore | CustomerEffortScore):
        centre = x["mean"] if isinstance(x, CustomerSatisfactionScore) else x["ces"]
        return centre, x["sd"] ** 2, x["effective_n"], x
    if isinstance(x, SurveyEstimate | TableResult | SurveyTable):
        raise InvalidParameterError(
            f"{context}: expected an array of values or a CSAT or CES result, got "
            f"{type(x).__name__}.")
    values = _as_1d(x, context, "values")
    chk = Checker(values.size, context)
    v = to_float(values, "values", chk) if values.dtype.kind not in "iuf" else values.astype(
        np.float64)
    chk.check(~np.isfinite(v), "values", "must be finite numbers (not missing)")
    n = float(v.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = float(np.var(v, ddof=1)) if v.size > 1 else np.nan
        mean = float(v.mean()) if v.size else np.nan
    return np.array([mean]), np.array([var]), np.array([n]), None


def compare_means(a: Any, b: Any, *, confidence: float = 0.95) -> Comparison:
    """Welch's t test and interval for the difference of two means (``a - b``).

    Parameters
    ----------
    a, b : array-like of numbers, CustomerSatisfactionScore or CustomerEffortScore
        Raw values, or results whose mean (``mean`` of CSAT, ``ces`` of CES), ``sd`` and
        effective n are used. Segmented results are compared row by row.
    confidence : float, default 0.95

    Returns
    -------
    Comparison
        ``mean_a``, ``mean_b``, ``difference``, ``ci_low``, ``ci_high``, ``se``, ``t``,
        ``df`` (Welch-Satterthwaite), ``p_value`` (two-sided) and ``significant``.

    Notes
    -----
    ``SE = sqrt(s_a^2/n_a + s_b^2/n_b)``; ``df = SE^4 / ((s_a^2/n_a)^2/(n_a - 1) +
    (s_b^2/n_b)^2/(n_b - 1))``; the interval is ``difference ± t_df SE``. Unlike Student's
    pooled test it does not assume equal variances. Fewer than two values on a side give NaN.

    References
    ----------
    Welch, B. L. (1947). The generalization of "Student's" problem when several different
    population variances are involved. Biometrika 34, 28-35.

    Examples
    --------
    Student's (1908) sleep data, as in R's ``t.test(extra ~ group, data = sleep)``:

    >>> drug1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
    >>> drug2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
    >>> c = compare_means(drug1, drug2)
    >>> round(c.value("t"), 4), round(c.value("df"), 3), round(c.p_value, 5)
    (-1.8608, 17.776, 0.07939)
    """
    ctx = "compare_means"
    _check_options(ctx, confidence)
    ma, va, na, ra = _as_mean(a, ctx)
    mb, vb, nb, rb = _as_mean(b, ctx)
    if ra is not None and rb is not None:
        ia, ib, by, labels = _align(ra, rb, ctx)
    else:
        size = max(ma.size, mb.size)
        if ma.size not in (1, size) or mb.size not in (1, size):
            raise InvalidParameterError(f"{ctx}: a and b have {ma.size} and {mb.size} rows.")
        ia = np.zeros(size, np.int64) if ma.size == 1 else np.arange(size)
        ib = np.zeros(size, np.int64) if mb.size == 1 else np.arange(size)
        longer = ra if ra is not None else rb
        by = None if longer is None else longer.by
        labels = None if longer is None or by is None else longer[by]
    ma, va, na, mb, vb, nb = ma[ia], va[ia], na[ia], mb[ib], vb[ib], nb[ib]
    _warn(ctx, ~((na > 1) & (nb > 1)), "fewer than two values on a side", unit="comparison")
    diff, se, df = ks.welch(ma, va, na, mb, vb, nb)
    student = _stats().t
    stat = _ratio(diff, se)
    with np.errstate(invalid="ignore"):
        p = np.asarray(2.0 * student.sf(np.abs(stat), df), dtype=np.float64)
    tq = _t(confidence, df)
    cols = {"mean_a": ma, "mean_b": mb, "difference": diff, "ci_low": diff - tq * se,
            "ci_high": diff + tq * se, "se": se, "t": stat, "df": df, "p_value": p,
            "significant": p < 1 - confidence}
    return Comparison(_with_labels(by, labels, cols),
                      title=f"Mean a - b ({confidence:.0%} Welch t interval)",
                      metric="mean", method="Welch t test", confidence=confidence)


def compare_to_benchmark(
    result: SurveyEstimate,
    benchmark: float,
    *,
    alternative: Alternative = "greater",
    confidence: float = 0.95,
    measure: Literal["share", "mean"] | None = None,
) -> Comparison:
    """Test a score against a benchmark value, one-sided by default ("is it above 30?").

    Parameters
    ----------
    result : NetPromoterScore, CustomerSatisfactionScore or CustomerEffortScore
        The estimate (each segment is tested).
    benchmark : float
        The value to beat, in the measure's units: NPS points (-100..100), a fraction for a
        share, scale points for a mean.
    alternative : {"greater", "less", "two-sided"}, default "greater"
        The alternative hypothesis: the true value is above (below, or not equal to) the
        benchmark. For CES 1.0, where lower is better, "better" is ``"less"``.
    confidence : float, default 0.95
        The confidence bound (``ci_low`` for "greater", ``ci_high`` for "less") is one-sided
        at this level, and ``significant`` means ``p < 1 - confidence``.
    measure : {"share", "mean"}, optional
        For CSAT (default ``"share"``) and CES (default ``"mean"``): which number to test.

    Returns
    -------
    Comparison
        ``estimate``, ``benchmark``, ``difference``, ``se``, ``statistic``, ``df``,
        ``p_value``, ``ci_low``, ``ci_high`` (the open side infinite when one-sided) and
        ``significant``.

    Notes
    -----
    * NPS: ``z = (centre - benchmark) / SE`` with the centre and SE of the result's interval
      method (the adjusted centre for adjusted-Wald; the score and the bootstrap SD for the
      bootstrap).
    * Shares: the one-sample score test ``z = (p - p0) / sqrt(p0 (1 - p0) / n)``, whose
      inversion is Wilson's interval; the bound is the one-sided Wilson bound.
    * Means: the one-sample t test ``t = (mean - m0) / (s / sqrt(n))`` with ``n - 1``
      degrees of freedom.

    Examples
    --------
    >>> r = net_promoter_score([10] * 45 + [8] * 35 + [5] * 20)     # NPS 25
    >>> c = compare_to_benchmark(r, 10)                            # is it above 10?
    >>> round(c.p_value, 4), c.significant
    (0.0293, True)
    """
    ctx = "compare_to_benchmark"
    _check_options(ctx, confidence, alternative=(alternative, ("greater", "less", "two-sided")))
    if not isinstance(result, NetPromoterScore | CustomerSatisfactionScore
                      | CustomerEffortScore):
        raise InvalidParameterError(
            f"{ctx}: expected a result of net_promoter_score, customer_satisfaction_score or "
            f"customer_effort_score, got {type(result).__name__}.")
    if not (isinstance(benchmark, int | float) and math.isfinite(benchmark)):
        raise InvalidParameterError(f"{ctx}: benchmark must be a finite number.")
    two = alternative == "two-sided"
    zq = _z(confidence, two_sided=two)
    b = float(benchmark)
    df = np.full(len(result), np.nan)
    if isinstance(result, NetPromoterScore):
        if not -100 <= b <= 100:
            raise InvalidParameterError(f"{ctx}: an NPS benchmark is between -100 and 100.")
        p, d, n = result["promoter_share"], result["detractor_share"], result["effective_n"]
        if result.interval == "bootstrap":
            centre, se = result["nps"] / 100, result["se"] / 100
        else:
            centre, se, _ = _nps_interval(p, d, n, zq, result.interval)
        estimate, what = result["nps"], "NPS"
        stat = _ratio(centre - b / 100, se)
        lo, hi = 100 * (centre - zq * se), 100 * (centre + zq * se)
        se = 100 * se
        lo, hi = np.clip(lo, -100, 100), np.clip(hi, -100, 100)
    else:
        default = "share" if isinstance(result, CustomerSatisfactionScore) else "mean"
        which = measure or default
        _check_options(ctx, confidence, measure=(which, ("share", "mean")))
        n = result["effective_n"]
        if which == "share":
            estimate = result["csat"] if isinstance(result, CustomerSatisfactionScore) else (
                result["easy_share"])
            if not 0 < b < 1:
                raise InvalidParameterError(f"{ctx}: a share benchmark is a fraction in (0, 1).")
            with np.errstate(invalid="ignore", divide="ignore"):
                se = np.sqrt(b * (1 - b) / n)
            stat = _ratio(estimate - b, se)
            lo, hi = ks.wilson(estimate, n, zq)
            what = "share"
        else:
            estimate = result["mean"] if isinstance(result, CustomerSatisfactionScore) else (
                result["ces"])
            with np.errstate(invalid="ignore", divide="ignore"):
                se = result["sd"] / np.sqrt(n)
            df = n - 1.0
            stat = _ratio(estimate - b, se)
            tq = _t(confidence, df, two_sided=two)
            lo, hi = estimate - tq * se, estimate + tq * se
            what = "mean"
    p_value = _p_value(stat, df, alternative)
    if alternative == "greater":
        hi = np.full(len(result), np.inf)
    elif alternative == "less":
        lo = np.full(len(result), -np.inf)
    cols = {"estimate": estimate, "benchmark": np.full(len(result), b),
            "difference": estimate - b, "se": se, "statistic": stat, "df": df,
            "p_value": p_value, "ci_low": lo, "ci_high": hi,
            "significant": p_value < 1 - confidence}
    labels = None if result.by is None else result[result.by]
    sign = {"greater": ">", "less": "<", "two-sided": "!="}[alternative]
    return Comparison(_with_labels(result.by, labels, cols),
                      title=f"{what} {sign} {_fmt(b)}? ({confidence:.0%}, {alternative})",
                      metric=result.metric, method=f"one-sample {'t' if what == 'mean' else 'z'}"
                      " test", confidence=confidence, alternative=alternative)


def _p_value(stat: Floats, df: Floats, alternative: str) -> Floats:
    norm, student = _stats().norm, _stats().t
    use_t = np.isfinite(df)
    with np.errstate(invalid="ignore"):
        if alternative == "greater":
            upper = np.where(use_t, student.sf(stat, np.where(use_t, df, 1)), norm.sf(stat))
        elif alternative == "less":
            upper = np.where(use_t, student.cdf(stat, np.where(use_t, df, 1)), norm.cdf(stat))
        else:
            upper = 2 * np.where(use_t, student.sf(np.abs(stat), np.where(use_t, df, 1)),
                                 norm.sf(np.abs(stat)))
    return np.asarray(np.where(np.isnan(stat), np.nan, upper), dtype=np.float64)


def nps_sample_size(
    margin: float,
    *,
    confidence: float = 0.95,
    promoters: float | None = None,
    detractors: float | None = None,
    interval: Literal["adjusted_wald", "wald"] = "adjusted_wald",
) -> int:
    """Answers needed for an NPS interval of ``± margin`` points.

    Parameters
    ----------
    margin : float
        The half-width wanted, in NPS points (5 means ±5).
    confidence : float, default 0.95
    promoters, detractors : float, optional
        Expected shares (fractions). Without them, the worst case (half promoters, half
        detractors: the largest variance) is assumed, which never under-samples.
    interval : {"adjusted_wald", "wald"}, default "adjusted_wald"
        The method the interval will be computed with.

    Returns
    -------
    int
        The smallest number of answers whose expected margin is at most ``margin``.

    Notes
    -----
    With ``V = p + d - (p - d)^2`` and ``z`` the normal quantile, the Wald margin is
    ``100 z sqrt(V / n)``, so ``n = ceil((100 z)^2 V / margin^2)``; the adjusted-Wald margin
    uses ``n + 3``, so three fewer answers are needed (taking ``V`` at the expected shares).
    At ``p = d = 1/3`` and 95% this is the rule of thumb "margin ≈ 160 / sqrt(n)"
    (Engelhardt, 2016).

    Examples
    --------
    >>> nps_sample_size(5, promoters=1/3, detractors=1/3, interval="wald")
    1025
    >>> nps_sample_size(5)           # worst case
    1534
    """
    ctx = "nps_sample_size"
    _check_options(ctx, confidence, interval=(interval, ("adjusted_wald", "wald")))
    if not (isinstance(margin, int | float) and 0 < margin <= 200 and math.isfinite(margin)):
        raise InvalidParameterError(f"{ctx}: margin must be in NPS points, > 0, got {margin!r}.")
    if (promoters is None) != (detractors is None):
        raise InvalidParameterError(f"{ctx}: give both promoters and detractors, or neither.")
    p = 0.5 if promoters is None else float(promoters)
    d = 0.5 if detractors is None else float(detractors)
    if not (0 <= p <= 1 and 0 <= d <= 1 and p + d <= 1):
        raise InvalidParameterError(
            f"{ctx}: promoters and detractors are shares with a sum of at most 1.")
    var = p + d - (p - d) ** 2
    n = (100 * _z(confidence)) ** 2 * var / margin ** 2
    if interval == "adjusted_wald":
        n -= 3
    # Round away float noise before the ceiling: 1024.0000000001 answers is 1024.
    return max(math.ceil(round(n, 9)), 1)


# --- trends ------------------------------------------------------------------------------------


def survey_trend(
    table: SurveyTable,
    *,
    metric: Literal["nps", "csat", "ces"] = "nps",
    freq: str | Frequency = "month",
    by: By = None,
    start: PeriodLike | None = None,
    end: PeriodLike | None = None,
    survey: str | None = None,
    confidence: float = 0.95,
    interval: Literal["adjusted_wald", "wald"] = "adjusted_wald",
    satisfied_at: float | None = None,
    version: str = "2.0",
    account_weighting: AccountWeighting = "response",
    revenue: Mapping[Any, Any] | None = None,
) -> SurveyTrend:
    """A survey metric per period (and segment), flagging significant changes.

    Parameters
    ----------
    table : SurveyTable
        The responses; ``submitted_at`` places each in a period.
    metric : {"nps", "csat", "ces"}, default "nps"
        NPS (points), CSAT (share satisfied) or CES (mean).
    freq : {"month", "quarter", "year"} or fiscal "quarter-<mon>" / "year-<mon>"
        Period length.
    by : str, mapping or array, optional
        Segments, as in :func:`net_promoter_score` with a table.
    start, end : period or date, optional
        The window (inclusive); default from the first to the last response.
    survey : str, optional
        The survey to read; default the metric's name.
    confidence : float, default 0.95
    interval : {"adjusted_wald", "wald"}, default "adjusted_wald"
        NPS intervals and change tests.
    satisfied_at : float, optional
        CSAT threshold (see :func:`customer_satisfaction_score`).
    version : {"2.0", "1.0"}, default "2.0"
        CES version (see :func:`customer_effort_score`).
    account_weighting : {"response", "account", "revenue"}, default "response"
        B2B aggregation: every answer counts; every account counts once in each period (its
        answers averaged first); or accounts weighted by ``revenue``.
    revenue : mapping, optional
        Customer id to revenue, for ``account_weighting="revenue"``.

    Returns
    -------
    SurveyTrend
        One row per period (and segment, period-major): the metric, ``ci_low``, ``ci_high``,
        ``n``, ``effective_n``, ``change`` from the previous period of the same segment,
        ``change_ci_low``, ``change_ci_high``, ``p_value`` and ``significant``.

    Notes
    -----
    Every period from the first to the last is listed, so gaps show: a period without
    answers has NaN values (with one :class:`~csmetrics.exceptions.UndefinedMetricWarning`)
    and no change on either side of it. The change tests are those of :func:`compare_nps`
    (NPS), :func:`compare_proportions` (CSAT; ``significant`` when Newcombe's interval
    excludes 0) and :func:`compare_means` (CES, Welch). Each period is tested against the
    one before only: over many periods, some flags are expected by chance alone (about one
    in twenty at 95%).

    Examples
    --------
    >>> from csmetrics.survey_data import synthetic_surveys
    >>> t = synthetic_surveys(300, months=6, start="2024-01", seed=2)
    >>> trend = survey_trend(t, freq="quarter")
    >>> trend["period"].tolist()
    ['2024-Q1', '2024-Q2']
    """
    ctx = "survey_trend"
    _check_options(ctx, confidence, metric=(metric, ("nps", "csat", "ces")),
                   interval=(interval, ("adjusted_wald", "wald")),
                   account_weighting=(account_weighting, ("response", "account", "revenue")))
    if not isinstance(table, SurveyTable):
        raise InvalidParameterError(f"{ctx}: expected a SurveyTable, got {type(table).__name__}.")
    f = parse_frequency(freq)
    data = _load(table, context=ctx, survey=survey or metric, scale=None, weights=None,
                 weight_type="sampling", by=by, errors="raise")
    if metric == "nps" and (data.scale.low, data.scale.high, data.scale.integer) != (0, 10, True):
        raise InvalidParameterError(f"{ctx}: NPS needs a 0-10 survey, got {data.scale}.")
    assert data.dates is not None
    pidx = f.period_index(data.dates.astype("datetime64[M]").astype(np.int64))
    if start is None and end is None and pidx.size == 0:
        raise InvalidParameterError(f"{ctx}: there are no answers to place in periods.")
    first = int(pidx.min()) if start is None else int(f.period_index(np.array(
        [day_bounds(start)[0].astype("datetime64[M]").astype(np.int64)]))[0])
    last = int(pidx.max()) if end is None else int(f.period_index(np.array(
        [day_bounds(end)[1].astype("datetime64[M]").astype(np.int64)]))[0])
    if last < first:
        raise InvalidParameterError(f"{ctx}: end {end!r} is before start {start!r}.")
    keep = (pidx >= first) & (pidx <= last)
    if not keep.all():
        idx = np.flatnonzero(keep)
        data = replace(data, values=data.values[idx],
                       weights=None if data.weights is None else data.weights[idx],
                       groups=None if data.groups is None else data.groups[idx],
                       customers=None if data.customers is None else data.customers[idx],
                       dates=data.dates[idx])
        pidx = pidx[idx]
    n_periods = (last - first) // f.months + 1
    n_seg = data.n_groups
    seg = np.zeros(pidx.size, np.int64) if data.groups is None else data.groups
    data = replace(data, groups=(pidx - first) // f.months * n_seg + seg,
                   n_groups=n_periods * n_seg)
    t = _tally(_weigh_accounts(data, account_weighting, revenue))
    labels = tuple(f.label(first + k * f.months) for k in range(n_periods))
    per = np.repeat(np.arange(n_periods), n_seg)
    cols: dict[str, Any] = {"period": np.asarray(labels, dtype=object)[per]}
    if data.by_name is not None:
        cols[data.by_name] = np.tile(data.labels, n_periods)
    cols.update(_trend_columns(t, metric, confidence, interval, satisfied_at, version, ctx,
                               n_periods, n_seg))
    rows = _present(t, n_periods)
    cols = _keep(cols, rows)
    _warn(ctx, _pick(~(t.sum_w > 0), rows), "no answers", unit="period row")
    by_text = f" by {data.by_name}" if data.by_name else ""
    return SurveyTrend(cols, title=f"{metric.upper()} by {f.name}{by_text} ({confidence:.0%} "
                                   "intervals; change vs previous period)",
                       metric=metric, freq=f, periods=labels, confidence=confidence,
                       account_weighting=account_weighting)


def _trend_columns(t: _Tally, metric: str, confidence: float, interval: str,
                   satisfied_at: float | None, version: str, ctx: str, n_periods: int,
                   n_seg: int) -> dict[str, Any]:
    z = _z(confidence)
    shape = (n_periods, n_seg)

    def shifted(a: Floats) -> tuple[Floats, Floats]:
        """Each period's value and the previous period's (NaN for the first)."""
        grid = a.reshape(shape)
        prev = np.vstack([np.full((1, n_seg), np.nan), grid[:-1]])
        return grid.reshape(-1), prev.reshape(-1)

    if metric == "nps":
        c = _nps_columns(t, confidence=confidence, interval=interval, n_resamples=2,
                         seed=None)
        value, low, high = c["nps"], c["ci_low"], c["ci_high"]
        centre, se, _ = _nps_interval(c["promoter_share"], c["detractor_share"], t.n_eff, z,
                                      interval)
        cur, prev = shifted(centre)
        se_cur, se_prev = shifted(se)
        diff, dse = cur - prev, np.hypot(se_cur, se_prev)
        stat = _ratio(diff, dse)
        p = _two_sided_p(stat)
        v_cur, v_prev = shifted(value)
        change, c_lo, c_hi = v_cur - v_prev, 100 * (diff - z * dse), 100 * (diff + z * dse)
        significant = p < 1 - confidence
    else:
        ver = _ces_version(version, ctx)
        higher = metric == "csat" or bool(_CES[ver]["higher"])
        defaults = _DEFAULT_SATISFIED if metric == "csat" else _CES[ver]["easy"]
        threshold = _threshold(satisfied_at, defaults, t.data.scale, ctx,  # type: ignore[arg-type]
                               "satisfied_at" if metric == "csat" else "easy_at")
        c2, _, _ = _share_mean_columns(t, confidence=confidence, threshold=threshold,
                                       at_most=not higher)
        n_cur, n_prev = shifted(t.n_eff)
        if metric == "csat":
            value, low, high = c2["share"], c2["lo"], c2["hi"]
            cur, prev = shifted(value)
            change = cur - prev
            c_lo, c_hi = ks.newcombe(cur, n_cur, prev, n_prev, z)
            stat = ks.pooled_z(cur, n_cur, prev, n_prev)
            stat = np.where((cur == prev) & np.isnan(stat), 0.0, stat)
            p = _two_sided_p(stat)
            significant = (c_lo > 0) | (c_hi < 0)
        else:
            value, low, high = c2["mean"], c2["m_lo"], c2["m_hi"]
            cur, prev = shifted(value)
            v_cur, v_prev = shifted(c2["sd"] ** 2)
            change, dse, df = ks.welch(cur, v_cur, n_cur, prev, v_prev, n_prev)
            stat = _ratio(change, dse)
            student = _stats().t
            with np.errstate(invalid="ignore"):
                p = np.asarray(2.0 * student.sf(np.abs(stat), df), dtype=np.float64)
            tq = _t(confidence, df)
            c_lo, c_hi = change - tq * dse, change + tq * dse
            significant = p < 1 - confidence
    return {metric: value, "ci_low": low, "ci_high": high, "n": t.n, "effective_n": t.n_eff,
            "change": change, "change_ci_low": c_lo, "change_ci_high": c_hi,
            "p_value": p, "significant": np.asarray(significant, dtype=bool)}
