"""Reading the answers of ``key_drivers``: columns (any table form) or a ``SurveyTable``
with attribute ratings, as one float64 matrix (outcome first) with its segments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.checks import Checker
from csmetrics._core.columns import column_getter, match_columns
from csmetrics._core.convert import factorize, is_missing, to_float
from csmetrics._core.segments import (
    By,
    Segments,
    from_labels,
    from_mapping,
    is_mapping,
    resolve,
    whole,
)
from csmetrics.exceptions import ColumnNotFoundError, InvalidParameterError
from csmetrics.tables.surveys import SurveyTable

Floats = NDArray[np.float64]
_CONTEXT = "key_drivers"
_ID = "customer_id"


@dataclass(frozen=True)
class DriverColumns:
    """The outcome (column 0) and drivers of every answer, and their segments.

    ``values`` is ``(n, 1 + k)`` float64 with NaN where not answered; ``complete`` flags the
    rows without NaN; ``scales`` the known scale of each driver."""

    outcome: str
    drivers: tuple[str, ...]
    values: Floats
    complete: NDArray[np.bool_]
    segments: Segments
    scales: Mapping[str, tuple[float, float] | None]

    def rows_of_segments(self) -> list[NDArray[np.int64]]:
        """The rows of each segment, in segment order (one sort, not a scan per segment)."""
        if self.segments.n == 1:
            return [np.arange(self.values.shape[0])]
        order = np.argsort(self.segments.of_row, kind="stable")
        bounds = np.searchsorted(self.segments.of_row[order], np.arange(self.segments.n + 1))
        return [order[bounds[g]:bounds[g + 1]] for g in range(self.segments.n)]

    def complete_rows(self, rows: NDArray[np.int64]) -> Floats:
        """The complete answers among ``rows`` (the values themselves when that is all)."""
        if rows.size == self.values.shape[0] and bool(self.complete.all()):
            return self.values   # the whole portfolio, nothing missing: no copy
        return self.values[rows[self.complete[rows]]]

    def excluded_in(self, rows: NDArray[np.int64]) -> int:
        return int(rows.size - self.complete[rows].sum())


def _check_names(outcome: str, drivers: list[str], by: By,
                 scales: Mapping[str, tuple[float, float] | None] | None) -> None:
    repeated = sorted({d for d in drivers if drivers.count(d) > 1})
    if repeated:
        raise InvalidParameterError(f"{_CONTEXT}: drivers name {repeated} more than once.")
    if outcome in drivers:
        raise InvalidParameterError(f"{_CONTEXT}: the outcome {outcome!r} is also a driver.")
    if isinstance(by, str) and by in (outcome, *drivers):
        raise InvalidParameterError(
            f"{_CONTEXT}: by={by!r} is the outcome or a driver; split by another column.")
    unknown = sorted(set(scales or {}) - set(drivers))
    if unknown:
        raise InvalidParameterError(f"{_CONTEXT}: scales names columns that are not drivers: "
                                    f"{unknown}.")


def read_columns(data: Any, outcome: str | None, drivers: Sequence[str] | None, by: By,
          missing: str, scales: Mapping[str, tuple[float, float] | None] | None) -> DriverColumns:
    """The columns as float64, checked: numbers, finite, missing only where allowed."""
    if outcome is None or drivers is None:
        raise InvalidParameterError(
            f"{_CONTEXT}: give the outcome column and the driver columns "
            "(outcome='nps', drivers=['ease', 'support', ...]).")
    drivers = list(drivers)
    _check_names(outcome, drivers, by, scales)
    names, get = column_getter(data, _CONTEXT)
    wanted = [outcome, *drivers] + ([by] if isinstance(by, str) else []) + (
        [_ID] if is_mapping(by) else [])
    source = match_columns(names, wanted, _CONTEXT)
    raw = {name: get(source[name]) for name in [outcome, *drivers]}
    n = len(raw[outcome])
    if any(len(v) != n for v in raw.values()):
        raise InvalidParameterError(f"{_CONTEXT}: columns must all have one length.")
    chk = Checker(n, _CONTEXT, collect=True).show(raw)
    # Column-major: every pass over one column reads contiguous memory.
    values = np.empty((n, len(drivers) + 1), order="F")
    complete = np.ones(n, dtype=bool)
    for j, name in enumerate(raw):
        column = raw[name]
        numeric = column.dtype.kind in "iuf"
        values[:, j] = column if numeric else to_float(column, name, chk)
        chk.check(np.isinf(values[:, j]), name, "must be finite")
        gone = np.isnan(values[:, j])
        if missing == "raise":
            chk.check(gone & ~chk.flagged(name), name, "must not be missing")
        complete &= ~gone
    chk.raise_collected()
    segments = _segments(by, get, source, n)
    return DriverColumns(outcome, tuple(drivers), values, complete, segments, dict(scales or {}))


def read_table(table: SurveyTable, outcome: str | None, drivers: Sequence[str] | None,
                by: By, missing: str, scales: Mapping[str, tuple[float, float] | None] | None,
                survey: str | None) -> DriverColumns:
    """A SurveyTable's responses (of one survey): the score and the attribute ratings."""
    if outcome not in (None, "score"):
        raise InvalidParameterError(
            f"{_CONTEXT}: with a SurveyTable the outcome is the score (outcome=None), got "
            f"{outcome!r}.")
    rated = list(table.attribute_scales)
    drivers = rated if drivers is None else list(drivers)
    for name in drivers:
        if name not in table.attribute_scales:
            raise ColumnNotFoundError(name, rated, context=f"{_CONTEXT} (attribute ratings)")
    if not drivers:
        raise InvalidParameterError(
            f"{_CONTEXT}: the SurveyTable has no attribute ratings; build it with "
            "SurveyTable.from_columns(..., attributes={'ease': (1, 7), ...}).")
    _check_names("score", drivers, by, scales)
    surveys = [str(v) for v in table.surveys.tolist()]
    if survey is None and len(surveys) > 1:
        raise InvalidParameterError(
            f"{_CONTEXT}: the SurveyTable holds several surveys ({', '.join(surveys)}); "
            "pick one with survey=.")
    if survey is not None:
        if survey.lower() not in surveys:
            raise InvalidParameterError(f"{_CONTEXT}: survey {survey!r} is not in the table "
                                        f"({', '.join(surveys) or 'no surveys'}).")
        table = table.take(table.survey_codes == surveys.index(survey.lower()))
    values = np.column_stack([table.score, *(table.attributes[d] for d in drivers)]) if (
        table.score.size) else np.empty((0, len(drivers) + 1))
    if missing == "raise":
        chk = Checker(values.shape[0], _CONTEXT, collect=True)
        for j, name in enumerate(drivers):
            chk.check(np.isnan(values[:, j + 1]), name, "must not be missing")
        chk.raise_collected()
    known = {d: table.attribute_scales[d] for d in drivers}
    return DriverColumns("score", tuple(drivers), np.asfortranarray(values, dtype=np.float64),
                    np.asarray(~np.isnan(values).any(axis=1), dtype=bool),
                    resolve(by, table, _CONTEXT), {**known, **(scales or {})})


def _segments(by: By, get: Any, source: Mapping[str, str], n: int) -> Segments:
    if by is None:
        return whole(n)
    if isinstance(by, str):
        return from_labels(get(source[by]), n, _CONTEXT, name=by)
    ids = get(source[_ID])
    gone = is_missing(ids)
    Checker(n, _CONTEXT).show({_ID: ids}).check(gone, _ID, "must not be missing")
    categories, codes = factorize(ids)
    return from_mapping(by, np.asarray(categories), codes, _CONTEXT, n_rows=n)
