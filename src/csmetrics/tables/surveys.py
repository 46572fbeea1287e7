"""Survey responses: answer scales, the record and the validated table.

A survey response is one answer of one respondent (a person at a customer account) to one
question: the NPS "how likely are you to recommend ...?" (0-10), a CSAT "how satisfied ...?"
(1-5 by default) or a CES "the company made it easy to handle my issue" (1-7 agreement, CES
2.0), or a question of your own given with its scale. Every score is checked against the
scale of its survey when the table is built: off-scale, non-integer (unless the scale allows
it), missing and non-finite scores are errors, or, with errors="skip", rows handed back in
table.skipped. Nothing is counted that was not checked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.checks import Checker, ErrorMode
from csmetrics._core.columns import read_columns
from csmetrics._core.convert import (
    is_missing,
    to_codes,
    to_dates,
    to_float,
)
from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.days import day_bounds
from csmetrics.results import SkippedRows
from csmetrics.tables.base import Coded, ColumnTable
from csmetrics.tables.scales import (
    SCALES,
    SurveyScale,
    SurveyScaleLike,
    canonical_survey,
    resolve_scales,
    survey_codes,
    survey_name_lookup,
)
from csmetrics.tables.survey_extras import (
    AttributeScales,
    attribute_matrix,
    read_attributes,
    read_comments,
    record_columns,
    resolve_attributes,
)
from csmetrics.tables.survey_record import SurveyResponse

__all__ = ["SCALES", "SurveyResponse", "SurveyScale", "SurveyScaleLike", "SurveyTable",
           "canonical_survey", "resolve_scales"]


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
    comments : ndarray of object
        Each response's comment (``str``) or ``None``; kept as given, shown escaped.
    attributes : mapping of str to ndarray of float64
        Each attribute's ratings (NaN where not answered), in the order given.
    attribute_scales : mapping of str to (low, high) or None
        Each attribute's scale (``None``: unbounded).
    has_comments : bool
        Whether the input had a comment column (then ``to_dict`` and the frames show it).

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
    _SHARED: ClassVar[tuple[str, ...]] = ("scales", "weighted", "non_responses",
                                          "attribute_scales", "has_comments")
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
    non_responses: int = 0
    comments: NDArray[Any] = field(default_factory=lambda: np.empty(0, dtype=object))
    attribute_values: NDArray[np.float64] = field(
        default_factory=lambda: np.empty((0, 0), dtype=np.float64))
    attribute_scales: AttributeScales = field(
        default_factory=lambda: MappingProxyType({}))
    has_comments: bool = False

    # --- construction ---------------------------------------------------------------------

    @classmethod
    def from_records(
        cls,
        records: Iterable[SurveyResponse | Mapping[str, Any]],
        *,
        scales: Mapping[str, SurveyScaleLike] | None = None,
        attributes: Mapping[str, tuple[float, float] | None] | Sequence[str] | None = None,
        errors: ErrorMode = "raise",
    ) -> SurveyTable:
        """Build a table from ``SurveyResponse`` records or dicts of their fields.

        ``attributes`` gives the scales of the records' attribute ratings, as in
        ``from_columns``; without it, the attribute names the records use are taken as
        unbounded ratings. A record rating an attribute not in ``attributes`` is an
        ``InvalidParameterError`` (the table would have no column for it).

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
                                 scales=scales, attributes=attributes)

    @classmethod
    def _record_columns(cls, batch: Any, options: dict[str, Any]
                        ) -> tuple[dict[str, NDArray[Any]], dict[str, Any]]:
        """The records' fields as columns, the attribute ratings one column per attribute
        (named ``attributes.<name>``, so no rating takes the place of another field)."""
        return record_columns(batch, cls._FIELDS, options)

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
        survey_names: Mapping[str, str] | None = None,
        comment: str = "comment",
        attributes: Mapping[str, tuple[float, float] | None] | Sequence[str] | None = None,
        _context: str = "SurveyTable.from_columns",
        _attribute_prefix: str = "",
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
        survey_names : mapping of str to str, optional
            Names of the survey column mapped to known surveys, such as
            ``{"NPS Q1": "nps", "NPS Q2": "nps"}`` (case and surrounding spaces ignored);
            names not in the mapping must themselves name a known survey.
        scales : mapping of str to SurveyScale or (low, high), optional
            Scales of surveys of your own, or overrides of the built-in ones (``"nps"`` 0-10,
            ``"csat"`` 1-5, ``"ces"`` 1-7). A survey with no known scale is an error.
        segments : sequence of str, optional
            Other columns of the input to keep as segments, so that ``by=`` can name them.
        errors : {"raise", "skip"}, default "raise"
            ``"raise"`` reports every rule broken at once. ``"skip"`` leaves bad rows out and
            lists them, with the rule each broke, in the table's ``skipped``.
        comment : str, default "comment"
            The column of free-text comments, optional (an explicitly renamed one must
            exist). Text of any length and script is kept as given; blank or
            whitespace-only text, None and NaN are no comment; other values break a rule.
        attributes : mapping of str to (low, high) or None, or sequence of str, optional
            Columns of attribute ratings, each with its scale (``{"ease": (1, 7)}``) or
            ``None`` (or given as a list of names) for an unbounded numeric rating. A blank
            rating is not answered (NaN); a rating that is not a number, not finite or off
            its scale breaks a rule of its column.

        Notes
        -----
        A blank score (None, NaN, an empty cell) is a *non-response*: a respondent who
        skipped the question. Such a row is not an answer and not an error: it is left out
        of the table and counted in ``non_responses`` (shown in the repr), so metrics over
        the answers are those of the answered rows alone. A row with a blank score that
        also breaks another rule (no customer, an unreadable date) is still that error.

        Raises
        ------
        ColumnNotFoundError
            A required (or explicitly named) column is missing.
        InvalidParameterError
            ``survey_names`` is not a mapping of names to names.
        DataValidationError
            A value breaks a rule: a missing customer id, survey or date; a survey
            with no known scale; a score that is not a number, not finite, off its survey's
            scale or not a whole number on an integer scale; a date that cannot be read; a
            weight that is missing, not finite or negative; a comment that is not text; an
            attribute rating that is not a number, not finite or off its scale.

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
        >>> t.non_responses, t
        (1, SurveyTable(1 response, 1 customer, nps 1, 2024-01-02 to 2024-01-02, 1 skipped, 1 non-response))
        """  # noqa: E501
        ctx = _context
        known = resolve_scales(scales)
        rated = resolve_attributes(attributes, ctx)
        renamed = {"customer_id": customer_id, "respondent_id": respondent_id,
                   "survey": survey, "score": score, "submitted_at": submitted_at,
                   "weight": weight, "comment": comment,
                   **{f"\0{name}": name for name in rated}}
        if survey_name is not None:   # one survey for every row: a survey column is ignored
            del renamed["survey"]
        raw, n, renamed = read_columns(data, renamed, {"respondent_id", "weight", "comment"},
                                       ctx)
        if survey_name is not None:
            raw["survey"], renamed["survey"] = None, survey
        chk = Checker(n, ctx, errors, collect=True).show({renamed[f]: v for f, v in raw.items()})
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
            if survey_names:
                raise InvalidParameterError(
                    f"{ctx}: survey_names= maps the names of a survey column, and the input has "
                    f"none: survey_name={survey_name!r} names every row's survey; give one.")
            name = canonical_survey(survey_name)
            if name not in known:
                raise InvalidParameterError(
                    f"{ctx}: survey_name {survey_name!r} has no known scale; give it with "
                    f"scales={{{name!r}: (low, high)}}.")
            sv_codes, surveys = np.zeros(n, dtype=np.int64), np.array([name], dtype=object)
        else:
            sv_codes, surveys = survey_codes(raw["survey"], survey, known, chk,
                                             survey_name_lookup(survey_names, ctx, known))

        # "" stands for rows whose survey is missing or unknown (already marked bad): no scale.
        names = surveys.tolist()
        low = np.array([known[s].low if s in known else np.nan for s in names] or [np.nan],
                       dtype=np.float64)[sv_codes]
        high = np.array([known[s].high if s in known else np.nan for s in names] or [np.nan],
                        dtype=np.float64)[sv_codes]
        whole = np.array([known[s].integer if s in known else False for s in names] or [False],
                         dtype=bool)[sv_codes]
        scale_text = ", ".join(f"{s}: {known[s]}" for s in names if s in known)
        answers = required("score")
        if answers.dtype.kind in "OU":  # blank text is no answer, as an empty cell is
            empty = np.char.str_len(np.char.strip(answers.astype(str))) == 0 if (
                answers.dtype.kind == "U") else np.fromiter(
                    (isinstance(v, str) and not v.strip() for v in answers), bool, answers.size)
            if empty.any():
                answers = answers.astype(object)
                answers[empty] = None
        blank = is_missing(answers)
        values = to_float(answers, score, chk)
        blank &= np.isnan(values)
        with np.errstate(invalid="ignore"):
            chk.check(~np.isnan(values) & ((values < low) | (values > high)), score,
                      f"must be on its survey's scale ({scale_text})")
            chk.check(whole & ~blank & (values != np.floor(values)) & ~chk.flagged(score), score,
                      f"must be a whole number on its survey's scale ({scale_text})")
        dates = to_dates(required("submitted_at"), submitted_at, chk)
        chk.check(np.isnat(dates) & ~chk.flagged(submitted_at), submitted_at,
                  "must not be missing")
        if raw["weight"] is None:
            w = np.ones(n, dtype=np.float64)
        else:
            w = to_float(raw["weight"], weight, chk)
            chk.check(np.isnan(w) & ~chk.flagged(weight), weight,
                      "must not be missing (None/NaN)")
            chk.check(np.isinf(w), weight, "must be finite")
            with np.errstate(invalid="ignore"):
                chk.check(w < 0, weight, "must be >= 0")
        notes = read_comments(raw["comment"], renamed["comment"], chk, n)
        ratings = read_attributes({name: required(f"\0{name}") for name in rated}, rated, chk,
                                  n) if rated else attribute_matrix(n, 0)
        if _attribute_prefix:  # records: "attributes.ease" is the rating "ease"
            rated = MappingProxyType({k.removeprefix(_attribute_prefix): v
                                      for k, v in rated.items()})

        table = cls(
            customer_codes=cust_codes, customer_ids=cust_ids, respondent_codes=resp_codes,
            respondent_ids=resp_ids, survey_codes=sv_codes, surveys=surveys,
            score=values, submitted_at=dates, weight=w,
            scales=MappingProxyType(known), source_rows=np.arange(n, dtype=np.int64),
            weighted=raw["weight"] is not None and bool((w[~chk.bad & ~blank] != 1.0).any()),
            comments=notes, attribute_values=ratings, attribute_scales=rated,
            has_comments=raw["comment"] is not None,
        )
        table = table._keep_segments(data, segments, chk)._finish(chk)
        # Non-responses: rows valid but for their blank score leave the table, counted.
        skipped_blank = blank[~chk.bad]
        if not skipped_blank.any():
            return table
        return replace(table.take(np.flatnonzero(~skipped_blank)).compact(),
                       non_responses=int(skipped_blank.sum()))

    # --- access -------------------------------------------------------------------------------

    @property
    def attributes(self) -> Mapping[str, NDArray[np.float64]]:
        """Each attribute's ratings (float64, NaN where not answered), read-only."""
        return MappingProxyType({name: self.attribute_values[:, j]
                                 for j, name in enumerate(self.attribute_scales)})

    def _decoded(self) -> dict[str, NDArray[Any]]:
        out = super()._decoded()
        if self.has_comments:
            out["comment"] = self.comments
        out.update(self.attributes)
        return out

    def _column(self, name: str) -> NDArray[Any] | None:
        """``comment`` and the attribute ratings."""
        if name == "comment":
            return self.comments
        if name in self.attribute_scales:
            return self.attributes[name]
        return None

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

    def between(self, start: Any, end: Any = None) -> SurveyTable:
        """Rows submitted from the start of period (or date) ``start`` to the end of ``end``;
        with ``start`` alone, that one period: ``between("2024-Q4")`` is October to December.

        Examples
        --------
        >>> from csmetrics.datasets import synthetic_surveys
        >>> t = synthetic_surveys(50, months=12, start="2024-01", seed=1)
        >>> q1 = t.between("2024-01", "2024-03")
        >>> str(q1.submitted_at.min()) >= "2024-01-01", str(q1.submitted_at.max()) <= "2024-03-31"
        (True, True)
        >>> len(t.between("2024-Q1")) == len(q1)
        True
        """
        first, _ = day_bounds(start)
        _, last = day_bounds(start if end is None else end)
        return self.take((self.submitted_at >= first) & (self.submitted_at <= last))

    def __repr__(self) -> str:
        n = len(self)
        blanks = self.non_responses
        blank_text = f", {blanks:,} non-response{'s' * (blanks != 1)}" if blanks else ""
        if n == 0:
            return f"SurveyTable(0 responses{self._skipped_text()}{blank_text})"
        per = np.bincount(self.survey_codes, minlength=self.surveys.size)
        mix = " / ".join(f"{s} {c:,}" for s, c in zip(self.surveys.tolist(), per.tolist(),
                                                     strict=True) if c)
        cust = self.n_customers
        return (f"SurveyTable({n:,} response{'s' * (n != 1)}, {cust:,} "
                f"customer{'s' * (cust != 1)}, {mix}, {self.submitted_at.min()} to "
                f"{self.submitted_at.max()}{self._comment_text()}{self._skipped_text()}"
                f"{blank_text})")

    def _comment_text(self) -> str:
        if not self.has_comments:
            return ""
        k = int(np.count_nonzero(self.comments != None))  # noqa: E711 (elementwise)
        return f", {k:,} comment{'s' * (k != 1)}"
