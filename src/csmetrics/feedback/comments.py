"""The comments a voice-of-the-customer metric reads, and the groups it reports.

Every metric of ``csmetrics.feedback`` reads the responses of one survey (``"nps"`` by
default) in a window, splits them by segment (``by=``), by period (``freq=``) and, for a
survey on the NPS scale (0-10), by NPS category: detractors (0-6), passives (7-8) and
promoters (9-10), as Reichheld (2003) defines them. Responses without a comment count in
``responses`` but in no comment metric.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.options import Satisfies
from csmetrics._core.segments import Segments, resolve, segment_columns
from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.calendar import Frequency, PeriodLike, parse_frequency
from csmetrics.periods.days import day_bounds
from csmetrics.tables.coerce import as_surveys
from csmetrics.tables.surveys import SurveyTable

I64 = NDArray[np.int64]

CATEGORIES = ("detractor", "passive", "promoter")
"""The NPS categories, in the order of their codes 0, 1, 2."""

ALL = "all"
"""The category label of a row over every response of its segment and period."""


def _frequency_or_none(v: Any) -> bool:
    if v is None:
        return True
    try:
        parse_frequency(v)
    except (InvalidParameterError, TypeError, ValueError, AttributeError):
        return False
    return True


FREQ_OR_NONE = Satisfies(_frequency_or_none, "None or a period length: 'month', 'quarter', "
                         "'year', or a fiscal 'quarter-<mon>' / 'year-<mon>'")
"""``freq=`` of the feedback metrics: ``None`` (the whole window) or a period length."""

SURVEY = Satisfies(lambda v: isinstance(v, str) and bool(v.strip()), "a survey name such as "
                   "'nps'")
"""``survey=`` of the feedback metrics."""


@dataclass(frozen=True)
class CommentRows:
    """The responses a feedback metric reads, with each one's group.

    Attributes
    ----------
    table : SurveyTable
        The responses of the survey in the window, in input order.
    comments : ndarray of object
        Each response's comment (``None`` where it has none).
    has : ndarray of bool
        Which responses have a comment.
    category : ndarray of int64
        NPS category code (0 detractor, 1 passive, 2 promoter); -1 off the NPS scale.
    nps : bool
        Whether the survey is on the NPS scale (then the categories are reported).
    segments : Segments
        The segment of each response (``by=``).
    period : ndarray of int64
        Each response's period (0 .. len(periods) - 1); all 0 without ``freq=``.
    periods : tuple of str
        The period labels (``()`` without ``freq=``).
    """

    table: SurveyTable
    comments: NDArray[Any]
    has: NDArray[np.bool_]
    category: I64
    nps: bool
    segments: Segments
    period: I64
    periods: tuple[str, ...]

    empty_periods: bool = False

    @property
    def n_periods(self) -> int:
        """Periods reported: 1 without ``freq=``; 0 with it and no response nor window."""
        if self.periods:
            return len(self.periods)
        return 0 if self.empty_periods else 1

    @property
    def categories(self) -> tuple[str, ...]:
        """The category labels of the result rows: "all", then the NPS categories."""
        return (ALL, *CATEGORIES) if self.nps else (ALL,)

    def take(self, mask: NDArray[np.bool_]) -> CommentRows:
        """The responses in ``mask``, in the same segments (without periods)."""
        seg = Segments(self.segments.name, self.segments.labels, self.segments.of_row[mask],
                       self.segments.per_customer)
        return CommentRows(self.table.take(mask), self.comments[mask], self.has[mask],
                           self.category[mask], self.nps, seg,
                           np.zeros(int(mask.sum()), dtype=np.int64), ())

    def cells(self) -> tuple[I64, I64, int]:
        """Each response's cell of the result grid (period x segment x category), with
        "all" cells apart: ``(cell of its category, cell of its "all" row, cells)``.

        The grid is ordered period, then segment, then category, as the result rows are.
        """
        n_cat = len(self.categories)
        base = (self.period * self.segments.n + self.segments.of_row) * n_cat
        own = np.where(self.category >= 0, base + 1 + self.category, base)
        return own, base, self.n_periods * self.segments.n * n_cat

    def columns(self, context: str, leading: Mapping[str, Any] | None = None,
                **columns: Any) -> dict[str, Any]:
        """The result grid's columns: ``leading``, the segment, ``period`` (with ``freq=``),
        ``category``, then ``columns``; a segment named like one of them is refused."""
        n_seg, n_cat = self.segments.n, len(self.categories)
        n_per = self.n_periods
        labels: dict[str, Any] = {}
        if self.periods or self.empty_periods:
            labels["period"] = np.repeat(np.asarray(self.periods, dtype=object), n_seg * n_cat)
        labels["category"] = np.tile(np.asarray(self.categories, dtype=object), n_per * n_seg)
        segment = np.tile(np.repeat(self.segments.labels, n_cat), n_per)
        return segment_columns(self.segments.name, segment, context, leading, **labels,
                               **columns)


def window_mask(table: SurveyTable, start: PeriodLike | None, end: PeriodLike | None,
                context: str) -> NDArray[np.bool_]:
    """Which responses were submitted from the start of ``start`` to the end of ``end``
    (either may be open).

    Raises
    ------
    InvalidParameterError
        ``end`` is before ``start``.
    """
    keep = np.ones(len(table), dtype=bool)
    first = day_bounds(start)[0] if start is not None else None
    last = day_bounds(end)[1] if end is not None else None
    if first is not None and last is not None and last < first:
        raise InvalidParameterError(f"{context}: end {end!r} is before start {start!r}.")
    if first is not None:
        keep &= table.submitted_at >= first
    if last is not None:
        keep &= table.submitted_at <= last
    return keep


def load_comments(surveys: Any, start: PeriodLike | None, end: PeriodLike | None, *,
                  by: Any, freq: str | Frequency | None, survey: str, context: str
                  ) -> CommentRows:
    """The responses of ``survey`` in the window, their comments and their groups.

    Raises
    ------
    InvalidParameterError
        The data has responses but no comment column; the table has no responses to
        ``survey``; ``end`` is before ``start``; ``by`` is not a segment of the data.
    """
    table = as_surveys(surveys, context, by=by if isinstance(by, str) else None)
    if len(table) and not table.has_comments:
        raise InvalidParameterError(
            f"{context}: the survey responses have no comment column; give one (a "
            "'comment' column, or comment='<column>' when building the SurveyTable).")
    # Segments of the whole input (a Series of row labels is then seen for what it is).
    every = resolve(by, table, context)
    rows = table.survey_rows(survey)
    keep = np.zeros(len(table), dtype=bool)
    keep[slice(None) if rows is None else rows] = True
    name = survey.strip().lower()
    scale = table.scales.get(name)
    if rows is not None:
        table = table.take(rows)
    inside = window_mask(table, start, end, context)
    if not inside.all():
        table = table.take(inside)
    keep[keep] = inside
    of_row, labels = every.of_row[keep], every.labels
    if isinstance(by, str):  # a column's values that only other surveys use are no segment
        used = np.zeros(labels.size, dtype=bool)
        used[of_row] = True
        of_row, labels = (np.cumsum(used) - 1)[of_row].astype(np.int64), labels[used]
    segments = Segments(every.name, labels, of_row, every.per_customer)
    nps = scale is not None and (scale.low, scale.high, scale.integer) == (0, 10, True)
    score = table.score
    category = (np.where(score <= 6, 0, np.where(score <= 8, 1, 2)).astype(np.int64) if nps
                else np.full(len(table), -1, dtype=np.int64))
    period = np.zeros(len(table), dtype=np.int64)
    periods: tuple[str, ...] = ()
    empty_periods = False
    if freq is not None:
        f = parse_frequency(freq)
        months = table.submitted_at.astype("datetime64[M]").astype(np.int64)
        pidx = f.period_index(months)
        lo = (int(f.period_index(np.array([day_bounds(start)[0].astype("datetime64[M]")
                                            .astype(np.int64)]))[0]) if start is not None
              else int(pidx.min()) if pidx.size else None)
        hi = (int(f.period_index(np.array([day_bounds(end)[1].astype("datetime64[M]")
                                            .astype(np.int64)]))[0]) if end is not None
              else int(pidx.max()) if pidx.size else None)
        if lo is None or hi is None:
            empty_periods = True  # no response and no window: no period to report
        else:
            period = (pidx - lo) // f.months
            periods = tuple(f.label(lo + k * f.months) for k in range((hi - lo) // f.months + 1))
    comments = table.comments
    return CommentRows(table, comments, comments != None,  # noqa: E711 (elementwise)
                       category, nps, segments, period, periods, empty_periods)


def group_counts(rows: CommentRows, mask: NDArray[np.bool_] | None = None,
                 weights: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
    """Per cell of the result grid, the sum of ``weights`` (1 each) of the responses in
    ``mask`` (all of them by default): a category cell over its own responses, an "all"
    cell over every response of its period and segment."""
    own, base, n_cells = rows.cells()
    if mask is not None:
        own, base = own[mask], base[mask]
        weights = None if weights is None else weights[mask]
    out = np.bincount(own, weights=weights, minlength=n_cells).astype(np.float64)
    if rows.nps:  # own cells are category cells, apart from the "all" cells
        out += np.bincount(base, weights=weights, minlength=n_cells)
    return out


def is_named_keywords(themes: Any) -> bool:
    """Whether ``themes`` maps names to keyword lists (``{"pricing": ["price"]}``)."""
    if not isinstance(themes, Mapping) or not themes:
        return False
    for name, words in themes.items():
        if not isinstance(name, str) or not name.strip():
            return False
        listed = [words] if isinstance(words, str) else words
        if not isinstance(listed, list | tuple) or not listed:
            return False
        if not all(isinstance(w, str) and w.strip() for w in listed):
            return False
    return True
