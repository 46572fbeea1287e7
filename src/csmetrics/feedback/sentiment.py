"""Comment sentiment: VADER scores of survey comments, by NPS category, segment and period.

Each comment gets VADER's four scores (Hutto and Gilbert 2014): the shares of its text that
are negative, neutral and positive, and the *compound* score, the sum of its words' valences
(adjusted by VADER's rules for negation, intensifiers, "but", capitals and punctuation)
normalised to -1 .. 1 by ``x / sqrt(x^2 + 15)``. Following VADER's documentation, a comment
is *positive* when its compound is >= 0.05, *negative* when it is <= -0.05, neutral between.

Per group (segment x period x NPS category) the result gives the comments, their mean
compound with a t interval (``mean +- t(n-1) * s / sqrt(n)``), and the shares positive and
negative with Wilson (1927) intervals. VADER is English-only: text in other languages or
scripts mostly scores 0 (neutral) and is counted so.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.optional import scipy
from csmetrics._core.options import CONFIDENCE, Satisfies, validate_params
from csmetrics._core.segments import By
from csmetrics._core.warnings import warn_if_undefined
from csmetrics._kernels import surveys as ks
from csmetrics.feedback.comments import (
    CATEGORIES,
    FREQ_OR_NONE,
    SURVEY,
    CommentRows,
    group_counts,
    load_comments,
)
from csmetrics.feedback.vader import SCORES, sentiment_scores
from csmetrics.periods.calendar import Frequency, PeriodLike
from csmetrics.results import MetricResult, TableResult
from csmetrics.tables.accounts import BY
from csmetrics.tables.base import decode

POSITIVE_AT = 0.05
"""VADER's documented threshold: a compound score >= 0.05 is positive."""

NEGATIVE_AT = -0.05
"""VADER's documented threshold: a compound score <= -0.05 is negative."""

WORKERS = Satisfies(lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool)
                                            and v >= 1), "None or a whole number >= 1")


class CommentSentiment(MetricResult):
    """Sentiment of survey comments per group: one row per segment x period x category.

    The value column is ``mean_compound``. Rows are ordered period, segment, then category
    (``"all"``, then, for an NPS survey, ``"detractor"``, ``"passive"``, ``"promoter"``).

    Attributes
    ----------
    comments : TableResult
        One row per comment: its response's position, customer, date, score, category
        (and segment and period), the comment and its four VADER scores.
    confidence : float
    by : str or None
    freq : str or None
    """

    comments: TableResult
    confidence: float
    by: str | None
    freq: str | None

    def __init__(self, columns: dict[str, Any], *, comments: TableResult, confidence: float,
                 by: str | None, freq: str | None) -> None:
        super().__init__(columns, value="mean_compound", segment=by,
                         title=f"Comment sentiment (VADER; {confidence:.0%} intervals)")
        self._set(comments=comments, confidence=confidence, by=by, freq=freq)

    def to_pandas(self, *, index: bool = True, level: str = "group") -> Any:
        """The groups (``level="group"``) or one row per comment (``level="comment"``) as
        a pandas DataFrame."""
        if level == "comment":
            return self.comments.to_pandas(index=False)
        if level != "group":
            from csmetrics.exceptions import InvalidParameterError
            raise InvalidParameterError(
                f"CommentSentiment.to_pandas: level must be 'group' or 'comment', got {level!r}.")
        return super().to_pandas(index=index)

    def __repr__(self) -> str:
        n = int(np.nansum(np.asarray(self["comments"], dtype=float)[
            np.asarray(self["category"]) == "all"]))
        return f"CommentSentiment({len(self):,} groups, {n:,} comments)"


@validate_params({"by": BY, "freq": FREQ_OR_NONE, "survey": SURVEY,
                  "confidence": CONFIDENCE, "workers": WORKERS})
def comment_sentiment(
    surveys: Any,
    start: PeriodLike | None = None,
    end: PeriodLike | None = None,
    *,
    by: By = None,
    freq: str | Frequency | None = None,
    survey: str = "nps",
    confidence: float = 0.95,
    workers: int | None = None,
) -> CommentSentiment:
    """Sentiment (VADER) of survey comments, by NPS category, segment and period.

    Parameters
    ----------
    surveys : SurveyTable, list of SurveyResponse (or dicts), or columns
        Survey responses with a ``comment`` column.
    start, end : period or date, optional
        The window (inclusive); default every response.
    by : str or mapping, optional
        A column (``"customer_id"``, a column of the input) or a mapping from customer id
        to segment (unmapped ids in ``"(none)"``).
    freq : {"month", "quarter", "year"} or fiscal "quarter-<mon>" / "year-<mon>", optional
        Report each period apart; default the whole window as one.
    survey : str, default "nps"
        The survey whose comments are read. On the NPS scale (0-10) the rows are also split
        into detractors (0-6), passives (7-8) and promoters (9-10).
    confidence : float, default 0.95
    workers : int, optional
        Processes that score the distinct texts (default every core; used from 20,000
        distinct texts). The scores do not depend on it.

    Returns
    -------
    CommentSentiment
        Columns: the segment, ``period`` (with ``freq=``), ``category`` (``"all"`` and the
        NPS categories), ``responses``, ``comments``, ``mean_compound``, ``ci_low`` and
        ``ci_high`` (t interval), ``share_positive``, ``positive_ci_low``,
        ``positive_ci_high``, ``share_negative``, ``negative_ci_low``, ``negative_ci_high``
        (Wilson) and ``share_neutral``. Per-comment scores are in ``result.comments``.

    Raises
    ------
    InvalidParameterError
        A bad option; the data has no comment column or no responses to ``survey``.
    MissingDependencyError
        ``vaderSentiment`` is not installed (``pip install 'csmetrics[text]'``).

    Warns
    -----
    UndefinedMetricWarning
        A group has no comments (its numbers are NaN), or one (its interval is NaN).

    Notes
    -----
    VADER scores English; other languages mostly score 0 and count as neutral. Responses
    are counted unweighted (sentiment describes the comments, not the population). Blank
    comments are no comment. Each distinct text is scored once.

    References
    ----------
    Hutto, C. J. and Gilbert, E. (2014). VADER: a parsimonious rule-based model for
    sentiment analysis of social media text. Proceedings of ICWSM-14.
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. JASA 22, 209-212.

    Examples
    --------
    >>> import warnings
    >>> data = {"customer_id": ["a", "b", "c", "d"], "survey": ["nps"] * 4,
    ...         "score": [10, 9, 3, 8], "submitted_at": ["2024-01-05"] * 4,
    ...         "comment": ["Great support, love it!", "Really helpful team",
    ...                     "Terrible, slow and buggy", None]}
    >>> with warnings.catch_warnings():    # the passive left no comment: NaN, with a warning
    ...     warnings.simplefilter("ignore")
    ...     r = comment_sentiment(data)
    >>> r.to_dict()["category"], r.to_dict()["comments"]
    (['all', 'detractor', 'passive', 'promoter'], [3, 1, 0, 2])
    >>> r.comments["compound"].tolist()
    [0.906, 0.4754, -0.4767]
    """
    ctx = "comment_sentiment"
    rows = load_comments(surveys, start, end, by=by, freq=freq, survey=survey, context=ctx)
    text_rows = np.flatnonzero(rows.has)
    scores = (sentiment_scores(rows.comments[text_rows], workers=workers) if text_rows.size
              else np.empty((0, 4), dtype=np.float64))
    compound = np.full(len(rows.table), np.nan)
    compound[text_rows] = scores[:, 3]
    columns = _group_columns(rows, compound, confidence, ctx)
    return CommentSentiment(columns, comments=_comment_table(rows, text_rows, scores),
                            confidence=confidence, by=rows.segments.name,
                            freq=None if freq is None else str(freq))


def _group_columns(rows: CommentRows, compound: NDArray[np.float64], confidence: float,
                   context: str) -> dict[str, Any]:
    """The result grid: counts, the mean compound with its t interval, the shares."""
    has = rows.has
    x = np.where(has, compound, 0.0)
    n = group_counts(rows, has)
    total = group_counts(rows, has, x)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
    own, base, n_cells = rows.cells()
    # Deviations from each group's own mean (two passes: no cancellation of large sums).
    dev_own = np.where(has, compound - mean[own], 0.0) ** 2
    ss = np.bincount(own, weights=dev_own, minlength=n_cells)
    if rows.nps:
        ss = ss + np.bincount(base, weights=np.where(has, compound - mean[base], 0.0) ** 2,
                              minlength=n_cells)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(ss / (n - 1))
        # scipy.special's t quantile: scipy.stats would cost a second to import.
        t = scipy("special").stdtrit(np.maximum(n - 1, 1), 0.5 + confidence / 2)
        half = np.where(n >= 2, t * sd / np.sqrt(n), np.nan)
        pos = group_counts(rows, has & (compound >= POSITIVE_AT)) / n
        neg = group_counts(rows, has & (compound <= NEGATIVE_AT)) / n
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    pos_lo, pos_hi = ks.wilson(pos, n, z)
    neg_lo, neg_hi = ks.wilson(neg, n, z)
    warn_if_undefined(n == 0, context=context, because="a group has no comments")
    warn_if_undefined((n == 1), context=context, because="a group has one comment",
                      what="the mean's interval is")
    return rows.columns(
        context, None, responses=group_counts(rows).astype(np.int64),
        comments=n.astype(np.int64), mean_compound=mean, ci_low=mean - half,
        ci_high=mean + half, share_positive=pos, positive_ci_low=pos_lo,
        positive_ci_high=pos_hi, share_negative=neg, negative_ci_low=neg_lo,
        negative_ci_high=neg_hi, share_neutral=1.0 - pos - neg)


def _comment_table(rows: CommentRows, text_rows: NDArray[np.int64],
                   scores: NDArray[np.float64]) -> TableResult:
    """One row per comment: where it came from, its groups, its text and its scores."""
    t = rows.table
    cols: dict[str, Any] = {
        "row": t.source_rows[text_rows],
        "customer_id": decode(t.customer_codes[text_rows], t.customer_ids),
        "submitted_at": t.submitted_at[text_rows],
        "score": t.score[text_rows],
    }
    if rows.nps:
        cols["category"] = np.asarray(CATEGORIES, dtype=object)[rows.category[text_rows]]
    if rows.segments.name is not None and rows.segments.name not in cols:
        cols[rows.segments.name] = rows.segments.labels[rows.segments.of_row[text_rows]]
    if rows.periods:
        cols["period"] = np.asarray(rows.periods, dtype=object)[rows.period[text_rows]]
    cols["comment"] = rows.comments[text_rows]
    for j, name in enumerate(SCORES):
        cols[name] = scores[:, j]
    return TableResult(cols, title="Comment sentiment (VADER), one row per comment")
