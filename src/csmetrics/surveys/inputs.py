"""Input handling of the survey metrics: answers, weights, segments and account weighting.

Scores come as an array or as a :class:`~csmetrics.survey_data.SurveyTable`; they are
validated against their scale, aligned with their weights, segment codes (``by=``) and dates
in a :class:`_Data`, and for B2B reweighted so that accounts, not answers, are the units.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.checks import Checker, ErrorMode
from csmetrics._core.columns import _as_array
from csmetrics._core.convert import factorize, to_codes, to_float
from csmetrics._core.lookup import lookup
from csmetrics._kernels import surveys as ks
from csmetrics.exceptions import InvalidParameterError
from csmetrics.results import SkippedRows, TableResult
from csmetrics.tables.surveys import SurveyScale, SurveyTable

WeightType = Literal["sampling", "frequency"]
AccountWeighting = Literal["response", "account", "revenue"]
By: TypeAlias = "str | Mapping[Any, Any] | ArrayLike | None"
"""Segments: an array of labels aligned with the answers; with a :class:`SurveyTable`, also a
column name (``"customer_id"``, ``"respondent_id"``) or a mapping from customer id to segment."""

Floats = NDArray[np.float64]
_NPS_SCALE = SurveyScale(0, 10, label="likelihood to recommend")


# --- input -----------------------------------------------------------------------------------


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
        seg = lookup(table.customer_ids[present], by, context, "customers", required=True)
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


# --- account weighting -----------------------------------------------------------------------


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
        raw = lookup(data.customer_ids[present], revenue, ctx, "customers", required=True)
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
