"""Input handling of the survey metrics: answers, weights, segments and account weighting.

Answers come as an array (a list, numpy array, pandas or polars Series, Arrow array) or as
survey data in any table form: a ``SurveyTable``, ``SurveyResponse`` records (or dicts of
their fields), or columns (a mapping of arrays, a pandas or polars DataFrame, a pyarrow
Table), which ``as_surveys`` turns into a ``SurveyTable``. Either way they are validated
against their scale and aligned with their weights, segment codes (``by=``, through the one
resolver of ``csmetrics._core.segments``) and dates in a ``_Data``; for B2B they can be
reweighted so that accounts, not answers, are the units.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.checks import Checker, ErrorMode
from csmetrics._core.columns import as_1d, is_arrow_stream
from csmetrics._core.convert import factorize, is_missing, to_float
from csmetrics._core.options import InstanceOf, OneOf, Satisfies
from csmetrics._core.segments import Segments, from_labels, is_mapping, is_positional, resolve
from csmetrics._core.warnings import warn_deprecated
from csmetrics._kernels import surveys as ks
from csmetrics.exceptions import InvalidParameterError
from csmetrics.results import SkippedRows, TableResult
from csmetrics.tables.coerce import as_surveys
from csmetrics.tables.surveys import SurveyResponse, SurveyScale, SurveyTable

WeightType = Literal["sampling", "frequency"]
AccountWeighting = Literal["response", "account", "revenue"]
WEIGHT_TYPE = OneOf("sampling", "frequency")
ACCOUNT_WEIGHTING = OneOf("response", "account", "revenue")
SURVEY = InstanceOf((str,), what="a survey name (text)")
REVENUE = Satisfies(lambda v: v is None or is_mapping(v),
                    "a mapping from customer id to revenue, or None")
SCALE = Satisfies(lambda v: v is None or SurveyScale.parse(v),
                  "a SurveyScale or a (low, high) pair of numbers, or None")
NUMBER = Satisfies(lambda v: v is None or (isinstance(v, numbers.Real) and not isinstance(
    v, bool | np.bool_) and math.isfinite(v)), "a finite number, or None")

Floats = NDArray[np.float64]
_NPS_SCALE = SurveyScale(0, 10, label="likelihood to recommend")


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
    # The counts of exactly these answers under one plan (its key), when validating them
    # counted them (the kernel checks while it counts): their partial costs no second pass.
    counted: tuple[str, ks.LevelCounts] | None = None
    column: str = "scores"
    sparse: bool = False  # some labels may have no answers: drop their groups after counting

    @property
    def customer_codes(self) -> NDArray[np.int64]:
        """Each answer's customer code (-1 for answers given as an array: no account)."""
        if self.customers is not None:
            return self.customers
        return np.full(self.values.size, -1, dtype=np.int64)

    def take(self, rows: NDArray[Any]) -> _Data:
        """The answers at ``rows`` (a part of the customers), with the same plan codes."""
        idx = np.asarray(rows)

        def pick(a: NDArray[Any] | None) -> Any:
            return None if a is None else a[idx]

        return replace(self, values=self.values[idx], weights=pick(self.weights),
                       groups=pick(self.groups), customers=pick(self.customers),
                       dates=pick(self.dates), counted=None)

    @property
    def from_table(self) -> bool:
        """Whether the answers came from survey data in a table form (which knows accounts)."""
        return self.customers is not None


def is_answers(scores: Any) -> bool:
    """Whether ``scores`` is an array of answers rather than survey data in a table form.

    A table, a mapping of columns, a DataFrame, an Arrow table and a list of records (or of
    dicts) are table forms; anything else (a list of numbers, an array, a Series) is answers.
    """
    if isinstance(scores, SurveyTable | Mapping):
        return False
    if hasattr(scores, "columns") or hasattr(scores, "column_names") or is_arrow_stream(
            scores):  # DataFrame, Arrow table or stream
        return False
    return not (isinstance(scores, list | tuple) and len(scores) > 0
                and isinstance(scores[0], SurveyResponse | Mapping))


def _load(scores: Any, *, context: str, survey: str, scale: SurveyScale | None,
          weights: ArrayLike | None, weight_type: WeightType, by: Any, errors: ErrorMode
          ) -> _Data:
    """Answers of a table's survey, or an array of answers, with weights and segments."""
    if isinstance(scores, TableResult):
        raise InvalidParameterError(
            f"{context}: scores must be answers or survey data (a SurveyTable, records or "
            f"columns), got a {type(scores).__name__}.")
    if not is_answers(scores):
        built = not isinstance(scores, SurveyTable)
        table = as_surveys(scores, context, by=by if isinstance(by, str) else None,
                           errors=errors)
        data = _load_table(table, context=context, survey=survey, scale=scale,
                           weights=weights, by=by)
        # Rows left out while building the table here are the call's own skipped rows.
        return replace(data, skipped=table.skipped) if built else data
    values = as_1d(scores, context, "scores")
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
    if by is None:
        groups, n_groups, labels, by_name = None, 1, np.array([None], dtype=object), None
    else:
        if isinstance(by, str | Mapping):
            raise InvalidParameterError(
                f"{context}: with an array of answers, by must be one label per answer; "
                "column names and customer mappings need survey data in a table form (a "
                "SurveyTable, records or columns).")
        seg, sparse = _answer_segments(as_1d(by, context, "by"), n, context, _name_of(by))
        groups, n_groups, labels, by_name = seg.of_row, seg.n, seg.labels, seg.name
    data = _Data(values, scale, w, weight_type, groups, n_groups, labels, by_name,
                 SkippedRows.empty(), context, errors, sparse=by is not None and sparse)
    return _drop_bad(data, chk) if chk.bad.any() else data


def _name_of(by: Any) -> str:
    """The segment column of labels: a named Series names it, otherwise ``"segment"``."""
    name = getattr(by, "name", None)
    return name if isinstance(name, str) and name else "segment"


def _answer_segments(labels: NDArray[Any], n: int, context: str, name: str
                     ) -> tuple[Segments, bool]:
    """Segments of one label per answer, and whether some may have no answers.

    Small non-negative integers (segment numbers) are their own codes, read without a copy
    or a count: the segments are ``0 .. max`` and those without answers are dropped after
    counting (``_Data.sparse``), so the labels cost two passes, not a sort.
    """
    if labels.size == n and labels.dtype.kind in "iu" and labels.size:
        low, high = int(labels.min()), int(labels.max())
        if low >= 0 and high <= 4 * labels.size + 1024:
            return Segments(name, np.arange(high + 1, dtype=labels.dtype).astype(object),
                            labels.astype(np.int64, copy=False), False), True
    return label_segments(labels, n, context, name), False


def label_segments(labels: NDArray[Any], n: int, context: str, name: str) -> Segments:
    """``_core.segments.from_labels`` for one label per answer, at the speed of a count.

    The resolver decides the segments, their order and ``"(none)"`` from the *distinct*
    labels; each answer's segment is then read through its label's code. Handing the
    resolver millions of labels would sort them all just to learn that they sort.
    """
    if labels.size != n:
        return from_labels(labels, n, context, name)  # raises its message about the length
    own = _own_codes(labels)
    if own is not None:  # labels 0 .. k - 1, each used: their own codes
        codes, k = own
        distinct: NDArray[Any] = np.arange(k, dtype=labels.dtype)
    else:
        missing = is_missing(labels)
        has_missing = bool(missing.any())
        cats, inner = factorize(labels[~missing] if has_missing else labels)
        distinct, codes = cats, inner
        if has_missing:
            distinct = np.concatenate([np.asarray(cats, dtype=object),
                                       np.array([None], dtype=object)])
            codes = np.full(n, cats.size, dtype=np.int64)
            codes[~missing] = inner
    seg = from_labels(distinct, distinct.size, context, name)
    same = bool(np.array_equal(seg.of_row, np.arange(distinct.size)))
    return Segments(seg.name, seg.labels, codes if same else seg.of_row[codes], False)


def _own_codes(labels: NDArray[Any]) -> tuple[NDArray[np.int64], int] | None:
    """The labels as codes, and how many, when they are the integers 0 .. k - 1 with none of
    them unused (segment numbers), read without a copy; otherwise None."""
    if labels.dtype.kind != "i" or labels.size == 0 or int(labels.min()) < 0:
        return None
    used = np.bincount(labels)  # one pass finds the largest label and which are used
    if used.size > labels.size or not bool(used.all()):
        return None
    return labels.astype(np.int64, copy=False), int(used.size)


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
    ``_check_weights`` on the slow path), except the whole-number rule of frequency weights,
    which is checked here."""
    w = as_1d(weights, context, "weights")
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


@dataclass(frozen=True)
class _SurveyRows:
    """The rows of one survey of a table, as the ``by=`` resolver reads a table."""

    table: SurveyTable
    rows: NDArray[np.int64] | None

    def pick(self, a: NDArray[Any]) -> NDArray[Any]:
        return a if self.rows is None else a[self.rows]

    @property
    def customer_codes(self) -> NDArray[np.int64]:
        return self.pick(self.table.customer_codes)

    @property
    def customer_ids(self) -> NDArray[Any]:
        return self.table.customer_ids

    def segment_column(self, name: str, context: str = "by"
                       ) -> tuple[NDArray[np.int64], NDArray[Any]]:
        codes, categories = self.table.segment_column(name, context)
        return self.pick(codes), categories


def _load_table(table: SurveyTable, *, context: str, survey: str, scale: SurveyScale | None,
                weights: ArrayLike | None, by: Any) -> _Data:
    if weights is not None:
        raise InvalidParameterError(
            f"{context}: a SurveyTable carries its own weights (its 'weight' column); "
            "do not pass weights= with it.")
    present = table.surveys.tolist()
    # An empty table has no answers to any survey: its metrics are NaN (with a warning),
    # not an error; a table with answers to other surveys only is a misspelt name.
    if len(table) and survey.strip().lower() not in present:
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
    rows = _SurveyRows(table, table.survey_rows(survey))
    if by is None:
        groups, n_groups, labels, by_name = None, 1, np.array([None], dtype=object), None
    else:
        seg = _table_segments(by, table, rows, context)
        groups, n_groups, labels, by_name = seg.of_row, seg.n, seg.labels, seg.name
    return _Data(rows.pick(table.score), own, rows.pick(table.weight) if table.weighted
                 else None, "sampling", groups, n_groups, labels, by_name,
                 SkippedRows.empty(), context, "raise", customers=rows.customer_codes,
                 customer_ids=table.customer_ids, dates=rows.pick(table.submitted_at),
                 column="score")


def _table_segments(by: Any, table: SurveyTable, rows: _SurveyRows, context: str
                    ) -> Segments:
    """A column name or a customer mapping through the one resolver; labels aligned with the
    table's rows (the meaning before 0.2) for one more release, with a DeprecationWarning."""
    positional = is_positional(by) and len(by) == len(table)  # labels per row, before 0.2
    if isinstance(by, str) or (is_mapping(by) and not positional):
        return resolve(by, rows, context)
    warn_deprecated(
        f"{context}: by= as one label per row of a table is deprecated and will be removed "
        "in 0.3; keep the labels as a column of the input (or with segments= when building "
        "the SurveyTable) and give its name, such as by='region'.")
    full = as_1d(by, context, "by")
    if full.size != len(table):
        raise InvalidParameterError(
            f"{context}: by must be a column name, a customer mapping or one label per "
            f"row of the table ({len(table):,}), got {full.size:,} labels.")
    picked = rows.pick(full)
    return label_segments(picked, picked.size, context, _name_of(by))
