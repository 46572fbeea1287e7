"""Survey responses: answer scales, the record and the validated table.

A survey response is one answer of one respondent (a person at a customer account) to one
question: the NPS "how likely are you to recommend ...?" (0-10), a CSAT "how satisfied ...?"
(1-5 by default) or a CES "the company made it easy to handle my issue" (1-7 agreement, CES
2.0), or a question of your own given with its scale. Every score is checked against the
scale of its survey when the table is built: off-scale, non-integer (unless the scale allows
it), missing and non-finite scores are errors, or, with errors="skip", rows handed back in
table.skipped. Nothing is counted that was not checked."""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, TypeAlias

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, field_validator

from csmetrics._core.checks import Checker, ErrorMode
from csmetrics._core.columns import read_columns
from csmetrics._core.convert import factorize_scalars, is_missing, to_codes, to_dates, to_float
from csmetrics._core.formatting import format_bound
from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.days import day_bounds
from csmetrics.results import SkippedRows
from csmetrics.tables.base import Coded, ColumnTable


@dataclass(frozen=True)
class SurveyScale:
    """The answers a survey question allows: ``low`` to ``high``, whole numbers or any value.

    Parameters
    ----------
    low, high : float
        The lowest and highest possible answer (inclusive), ``low < high``.
    integer : bool, default True
        Whether only whole numbers are valid answers (a rating scale). A slider from 0 to 100
        that records decimals is ``integer=False``.
    label : str, optional
        What the points mean, for display ("likelihood to recommend").

    Examples
    --------
    >>> SurveyScale(1, 7, label="agreement")
    SurveyScale(1-7, agreement)
    >>> SurveyScale.parse((0, 100)).n_points
    101
    """

    low: float
    high: float
    integer: bool = True
    label: str = ""

    def __post_init__(self) -> None:
        if not all(isinstance(v, int | float | np.integer | np.floating) and not isinstance(
                v, bool | np.bool_) for v in (self.low, self.high)):
            raise InvalidParameterError(f"a scale is (low, high) numbers, got ({self.low!r}, "
                                        f"{self.high!r}).")
        low, high = float(self.low), float(self.high)
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise InvalidParameterError(
                f"a scale needs finite bounds with low < high, got ({self.low!r}, {self.high!r})."
            )
        if self.integer and (low != round(low) or high != round(high)):
            raise InvalidParameterError(
                f"an integer scale needs whole-number bounds, got ({self.low!r}, {self.high!r})."
            )
        if self.integer and high - low > 1_000_000:
            raise InvalidParameterError("an integer scale may have at most 1,000,001 points.")
        object.__setattr__(self, "low", int(low) if self.integer else low)
        object.__setattr__(self, "high", int(high) if self.integer else high)

    @classmethod
    def parse(cls, value: SurveyScaleLike) -> SurveyScale:
        """A scale from a ``SurveyScale`` or a ``(low, high)`` pair of whole numbers."""
        if isinstance(value, SurveyScale):
            return value
        if isinstance(value, tuple | list) and len(value) == 2:
            return cls(*value)  # numbers, checked by __post_init__
        raise InvalidParameterError(
            f"a scale is a SurveyScale or a (low, high) pair such as (1, 5), got {value!r}."
        )

    @property
    def n_points(self) -> int:
        """Number of valid answers of an integer scale."""
        if not self.integer:
            raise InvalidParameterError(f"the scale {self} is not an integer scale.")
        return int(self.high - self.low) + 1

    def __str__(self) -> str:
        return f"{format_bound(self.low)}-{format_bound(self.high)}"

    def __repr__(self) -> str:
        extra = "" if self.integer else ", any value"
        label = f", {self.label}" if self.label else ""
        return f"SurveyScale({self}{extra}{label})"


SurveyScaleLike: TypeAlias = "SurveyScale | tuple[float, float]"
"""A ``SurveyScale`` or a ``(low, high)`` pair of whole numbers."""


SCALES: Mapping[str, SurveyScale] = MappingProxyType({
    "nps": SurveyScale(0, 10, label="likelihood to recommend"),
    "csat": SurveyScale(1, 5, label="satisfaction"),
    "ces": SurveyScale(1, 7, label="agreement that it was easy (CES 2.0)"),
})
"""Scales of the built-in surveys. Give others (or override these) with ``scales=``."""


def canonical_survey(value: object) -> str:
    """A survey's canonical name: stripped and lower case (``" NPS "`` is ``"nps"``)."""
    return str(value).strip().lower()


def resolve_scales(scales: Mapping[str, SurveyScaleLike] | None) -> dict[str, SurveyScale]:
    """The built-in scales overridden and extended by ``scales`` (names are case-insensitive)."""
    out = dict(SCALES)
    if scales is not None and not isinstance(scales, Mapping):
        raise InvalidParameterError(f"scales= must be a mapping from survey name to scale, such "
                                    f"as {{'csat': (1, 7)}}, got {scales!r}.")
    for name, scale in (scales or {}).items():
        key = canonical_survey(name)
        if not key:
            raise InvalidParameterError("a survey name in scales= must not be empty.")
        out[key] = SurveyScale.parse(scale)
    return out


class SurveyResponse(BaseModel):
    """One answer of one respondent to one survey question.

    Parameters
    ----------
    customer_id : str or int
        The account the respondent belongs to (B2B) or the customer (B2C).
    respondent_id : str or int, optional
        The person who answered, when known.
    survey : str
        ``"nps"``, ``"csat"``, ``"ces"`` or the name of a survey of your own whose scale
        is given to the table with ``scales=``. Case and surrounding spaces are ignored.
    score : int or float
        The answer; checked against the survey's scale when the table is built.
    submitted_at : date or datetime
        When the answer was given. Timezone-aware times are taken in UTC; the table keeps
        the date.
    weight : float, default 1
        Sampling (or, if asked, frequency) weight of the response; finite and >= 0.

    Examples
    --------
    >>> SurveyResponse(customer_id="acme", survey="NPS", score=9, submitted_at="2024-03-01")
    SurveyResponse(customer_id='acme', respondent_id=None, survey='nps', score=9, submitted_at=datetime.date(2024, 3, 1), weight=1.0)
    """  # noqa: E501

    model_config = ConfigDict(frozen=True, extra="forbid")

    customer_id: str | int
    respondent_id: str | int | None = None
    survey: str
    score: int | float = Field(allow_inf_nan=False)
    submitted_at: _dt.date | _dt.datetime
    weight: float = Field(default=1.0, ge=0, allow_inf_nan=False)

    @field_validator("survey")
    @classmethod
    def _survey_is_named(cls, v: str) -> str:
        name = canonical_survey(v)
        if not name:
            raise ValueError("must not be empty")
        return name

    @field_validator("submitted_at", mode="before")
    @classmethod
    def _date_first(cls, v: Any) -> Any:
        # "2024-03-01" is a date, not midnight of a datetime.
        if isinstance(v, str) and len(v.strip()) == 10:
            return _dt.date.fromisoformat(v.strip())
        return v


_COLUMNS = ("customer_id", "respondent_id", "survey", "score", "submitted_at", "weight")


@dataclass(frozen=True, repr=False, eq=False)
class SurveyTable(ColumnTable):
    """Survey responses as validated, read-only numpy columns.

    Build one with ``from_records`` or ``from_columns``; do not call the constructor.
    Rows keep their input order.

    Attributes
    ----------
    customer_codes : ndarray of int64
        Index of each row's customer into ``customer_ids`` (sorted unique ids).
    respondent_codes : ndarray of int64
        Index into ``respondent_ids``; -1 where not given.
    survey_codes : ndarray of int64
        Index into ``surveys`` (sorted, lower-case survey names present in the table).
    score : ndarray of float64
        The answers, each valid on its survey's scale.
    submitted_at : ndarray of datetime64[D]
    weight : ndarray of float64
        Finite and >= 0 (1 unless given).
    scales : mapping of str to SurveyScale
        The scale of every known survey (built-in ones and those given as ``scales=``).
    source_rows : ndarray of int64
        Each row's position in the input it was built from.
    skipped : SkippedRows
        Input rows left out with ``errors="skip"`` and the rule each broke.
    weighted : bool
        Whether some weight differs from 1 (then metrics use the weights and Kish's
        effective sample size).

    Examples
    --------
    >>> t = SurveyTable.from_columns({
    ...     "customer_id": ["a", "a", "b"],
    ...     "survey": ["nps", "csat", "nps"],
    ...     "score": [9, 4, 6],
    ...     "submitted_at": ["2024-01-05", "2024-01-09", "2024-02-11"],
    ... })
    >>> t
    SurveyTable(3 responses, 2 customers, csat 1 / nps 2, 2024-01-05 to 2024-02-11)
    """

    _FIELDS: ClassVar[tuple[str, ...]] = tuple(_COLUMNS)
    _CODED: ClassVar[Mapping[str, tuple[str, str]]] = {
        "customer_id": ("customer_codes", "customer_ids"),
        "respondent_id": ("respondent_codes", "respondent_ids"),
        "survey": ("survey_codes", "surveys"),
    }
    _SHARED: ClassVar[tuple[str, ...]] = ("scales", "weighted")
    _COMPACT: ClassVar[tuple[str, ...]] = ("customer_id", "survey")
    _RECORD: ClassVar[Any] = SurveyResponse
    _NOUN: ClassVar[str] = "survey responses"

    customer_codes: NDArray[np.int64]
    customer_ids: NDArray[Any]
    respondent_codes: NDArray[np.int64]
    respondent_ids: NDArray[Any]
    survey_codes: NDArray[np.int64]
    surveys: NDArray[Any]
    score: NDArray[np.float64]
    submitted_at: NDArray[np.datetime64]
    weight: NDArray[np.float64]
    scales: Mapping[str, SurveyScale]
    source_rows: NDArray[np.int64]
    skipped: SkippedRows = field(default_factory=lambda: SkippedRows.empty())
    weighted: bool = False
    segments: Mapping[str, Coded] = field(default_factory=dict)

    # --- construction ---------------------------------------------------------------------

    @classmethod
    def from_records(
        cls,
        records: Iterable[SurveyResponse | Mapping[str, Any]],
        *,
        scales: Mapping[str, SurveyScaleLike] | None = None,
        errors: ErrorMode = "raise",
    ) -> SurveyTable:
        """Build a table from ``SurveyResponse`` records or dicts of their fields.

        Dicts are validated as records (a failure names the field, the rule and the rows);
        the records then pass the same vectorized checks as ``from_columns``, including
        the score against its survey's scale, so both paths give the same table.

        Examples
        --------
        >>> SurveyTable.from_records([
        ...     SurveyResponse(customer_id=1, survey="nps", score=10, submitted_at="2024-05-01"),
        ...     {"customer_id": 2, "survey": "nps", "score": 12, "submitted_at": "2024-05-02"},
        ... ], errors="skip").skipped.to_dict()
        {'row': [1], 'column': ['score'], 'rule': ["must be on its survey's scale (nps: 0-10)"]}
        """
        return cls._from_records(records, errors=errors, context="SurveyTable.from_records",
                                 scales=scales)

    @classmethod
    def from_columns(
        cls,
        data: Any,
        *,
        customer_id: str = "customer_id",
        respondent_id: str = "respondent_id",
        survey: str = "survey",
        score: str = "score",
        submitted_at: str = "submitted_at",
        weight: str = "weight",
        survey_name: str | None = None,
        scales: Mapping[str, SurveyScaleLike] | None = None,
        segments: Sequence[str] = (),
        errors: ErrorMode = "raise",
        _context: str = "SurveyTable.from_columns",
    ) -> SurveyTable:
        """Build a table from columns: a mapping of arrays or lists, or a DataFrame.

        Parameters
        ----------
        data : mapping, pandas.DataFrame, polars.DataFrame or pyarrow.Table
            The input; other columns are ignored. DataFrame libraries are recognised, not
            imported.
        customer_id, respondent_id, survey, score, submitted_at, weight : str
            Name of the column holding each field, when it differs from the field name.
            ``customer_id``, ``score`` and ``submitted_at`` are required, and ``survey``
            unless ``survey_name`` is given. ``respondent_id`` and ``weight`` are optional
            (no respondent, weight 1); an optional column *renamed* here must exist.
        survey_name : str, optional
            The survey of every row, for data without a survey column (an NPS export).
        scales : mapping of str to SurveyScale or (low, high), optional
            Scales of surveys of your own, or overrides of the built-in ones (``"nps"`` 0-10,
            ``"csat"`` 1-5, ``"ces"`` 1-7). A survey with no known scale is an error.
        segments : sequence of str, optional
            Other columns of the input to keep as segments, so that ``by=`` can name them.
        errors : {"raise", "skip"}, default "raise"
            ``"raise"`` stops at the first rule broken. ``"skip"`` leaves bad rows out and
            lists them, with the rule each broke, in the table's ``skipped``.

        Raises
        ------
        ColumnNotFoundError
            A required (or explicitly named) column is missing.
        DataValidationError
            A value breaks a rule: a missing customer id, survey, score or date; a survey
            with no known scale; a score that is not a number, not finite, off its survey's
            scale or not a whole number on an integer scale; a date that cannot be read; a
            weight that is missing, not finite or negative.

        Examples
        --------
        >>> t = SurveyTable.from_columns(
        ...     {"account": [1, 2, 3], "ltr": [10, 6.5, None],
        ...      "date": ["2024-01-02", "2024-01-03", "2024-01-04"]},
        ...     customer_id="account", score="ltr", submitted_at="date", survey_name="nps",
        ...     errors="skip")
        >>> print(t.skipped)
        Skipped rows
        row  column  rule
          1  ltr     must be a whole number on its survey's scale (nps: 0-10)
          2  ltr     must not be missing (None/NaN)
        """
        ctx = _context
        known = resolve_scales(scales)
        renamed = {"customer_id": customer_id, "respondent_id": respondent_id,
                   "survey": survey, "score": score, "submitted_at": submitted_at,
                   "weight": weight}
        if survey_name is not None:   # one survey for every row: a survey column is ignored
            del renamed["survey"]
        raw, n, renamed = read_columns(data, renamed, {"respondent_id", "weight"}, ctx)
        if survey_name is not None:
            raw["survey"], renamed["survey"] = None, survey
        chk = Checker(n, ctx, errors)

        def required(field_name: str) -> NDArray[Any]:
            values = raw[field_name]
            assert values is not None
            return values

        cust_codes, cust_ids = to_codes(required("customer_id"), customer_id, chk,
                                        required=True)
        resp = raw["respondent_id"]
        if resp is None:
            resp_codes, resp_ids = np.full(n, -1, dtype=np.int64), np.empty(0, dtype=object)
        else:
            resp_codes, resp_ids = to_codes(resp, respondent_id, chk, required=False)

        if raw["survey"] is None:
            assert survey_name is not None
            name = canonical_survey(survey_name)
            if name not in known:
                raise InvalidParameterError(
                    f"{ctx}: survey_name {survey_name!r} has no known scale; give it with "
                    f"scales={{{name!r}: (low, high)}}.")
            sv_codes, surveys = np.zeros(n, dtype=np.int64), np.array([name], dtype=object)
        else:
            sv_codes, surveys = _surveys(raw["survey"], survey, known, chk)

        # "" stands for rows whose survey is missing or unknown (already marked bad): no scale.
        names = surveys.tolist()
        low = np.array([known[s].low if s in known else np.nan for s in names] or [np.nan],
                       dtype=np.float64)[sv_codes]
        high = np.array([known[s].high if s in known else np.nan for s in names] or [np.nan],
                        dtype=np.float64)[sv_codes]
        whole = np.array([known[s].integer if s in known else False for s in names] or [False],
                         dtype=bool)[sv_codes]
        scale_text = ", ".join(f"{s}: {known[s]}" for s in names if s in known)
        values = to_float(required("score"), score, chk)
        chk.check(np.isnan(values) & ~chk.bad, score, "must not be missing (None/NaN)")
        with np.errstate(invalid="ignore"):
            chk.check(~np.isnan(values) & ((values < low) | (values > high)), score,
                      f"must be on its survey's scale ({scale_text})")
            chk.check(whole & (values != np.floor(values)) & ~chk.bad, score,
                      f"must be a whole number on its survey's scale ({scale_text})")

        dates = to_dates(required("submitted_at"), submitted_at, chk)
        chk.check(np.isnat(dates) & ~chk.bad, submitted_at, "must not be missing")

        if raw["weight"] is None:
            w = np.ones(n, dtype=np.float64)
        else:
            w = to_float(raw["weight"], weight, chk)
            chk.check(np.isnan(w) & ~chk.bad, weight, "must not be missing (None/NaN)")
            chk.check(np.isinf(w), weight, "must be finite")
            with np.errstate(invalid="ignore"):
                chk.check(w < 0, weight, "must be >= 0")

        table = cls(
            customer_codes=cust_codes, customer_ids=cust_ids, respondent_codes=resp_codes,
            respondent_ids=resp_ids, survey_codes=sv_codes, surveys=surveys,
            score=values, submitted_at=dates, weight=w,
            scales=MappingProxyType(known), source_rows=np.arange(n, dtype=np.int64),
            weighted=raw["weight"] is not None and bool((w[~chk.bad] != 1.0).any()),
        )
        return table._keep_segments(data, segments, chk)._finish(chk)

    # --- access -------------------------------------------------------------------------------

    def scale_of(self, survey: str) -> SurveyScale:
        """The scale of ``survey`` (case-insensitive)."""
        name = canonical_survey(survey)
        if name not in self.scales:
            raise InvalidParameterError(
                f"no scale is known for survey {survey!r}; known surveys: "
                f"{', '.join(sorted(self.scales))}.")
        return self.scales[name]

    def survey_rows(self, survey: str) -> NDArray[np.int64] | None:
        """Positions of the rows of ``survey``; ``None`` when every row is of it (none in an
        empty table).

        Raises
        ------
        InvalidParameterError
            No row of the table is of ``survey`` (most likely a misspelt name).
        """
        name = canonical_survey(survey)
        if len(self) == 0:
            return np.zeros(0, dtype=np.int64)
        found = np.flatnonzero(self.surveys == name)
        if found.size == 0:
            present = ", ".join(repr(s) for s in self.surveys.tolist()) or "none"
            raise InvalidParameterError(
                f"the table has no responses to survey {survey!r}; surveys present: {present}.")
        if self.surveys.size == 1:
            return None
        return np.flatnonzero(self.survey_codes == found[0])

    def between(self, start: Any, end: Any) -> SurveyTable:
        """Rows submitted from the start of period (or date) ``start`` to the end of ``end``.

        Examples
        --------
        >>> from csmetrics.datasets import synthetic_surveys
        >>> t = synthetic_surveys(50, months=12, start="2024-01", seed=1)
        >>> q1 = t.between("2024-01", "2024-03")
        >>> str(q1.submitted_at.min()) >= "2024-01-01", str(q1.submitted_at.max()) <= "2024-03-31"
        (True, True)
        """
        first, _ = day_bounds(start)
        _, last = day_bounds(end)
        return self.take((self.submitted_at >= first) & (self.submitted_at <= last))

    def __repr__(self) -> str:
        n = len(self)
        if n == 0:
            return "SurveyTable(0 responses)"
        per = np.bincount(self.survey_codes, minlength=self.surveys.size)
        mix = " / ".join(f"{s} {c:,}" for s, c in zip(self.surveys.tolist(), per.tolist(),
                                                     strict=True) if c)
        cust = self.n_customers
        return (f"SurveyTable({n:,} response{'s' * (n != 1)}, {cust:,} "
                f"customer{'s' * (cust != 1)}, {mix}, {self.submitted_at.min()} to "
                f"{self.submitted_at.max()}{self._skipped_text()})")


def _surveys(values: NDArray[Any], column: str, known: Mapping[str, SurveyScale], chk: Checker
             ) -> tuple[NDArray[np.int64], NDArray[Any]]:
    """Survey names normalised (lower case, stripped) and checked against the known scales."""
    missing = is_missing(values)
    chk.check(missing, column, "must not be missing (None/NaN)")
    cats, inv = factorize_scalars(np.where(missing, "", values) if missing.any() else values,
                                  column, chk, fill="")
    normal = [canonical_survey(c) for c in cats.tolist()]
    known_cat = np.array([c in known for c in normal], dtype=bool)
    listed = ", ".join(sorted(known))
    chk.check(~known_cat[inv] & ~missing, column,
              f"must name a survey with a known scale ({listed}; give others with scales=)")
    final, remap = np.unique(np.array([c if c in known else "" for c in normal] or [""],
                                      dtype=object), return_inverse=True)
    codes = remap.reshape(-1).astype(np.int64)[inv] if cats.size else np.zeros(0, np.int64)
    return codes, final
