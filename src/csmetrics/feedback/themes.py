"""Comment themes: the share of comments that mention each theme of your own, and its change.

A theme is a name and its keywords (``{"pricing": ["price", "expensive", "cost"]}``). A
comment mentions the theme when it contains one of the keywords as a whole word,
case-insensitively: ``price`` matches "Price", "price," and "the price." but not "prices"
or "priceless" (list "prices" too if you mean it). A keyword may be a phrase
(``"hard to use"``); its words match across any run of spaces or line breaks. Matching is
plain text, not a regular expression: ``"c++"`` means those three characters.

Per group (segment x NPS category) the result gives the comments, those mentioning the
theme and their share with a Wilson (1927) interval. With ``compare=`` (an earlier window)
it also gives the share then and the change, tested with the pooled two-proportion z test
(``compare_proportions``: Newcombe's interval, the z statistic and its two-sided p-value).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from statistics import NormalDist
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.options import CONFIDENCE, Satisfies, validate_params
from csmetrics._core.segments import By
from csmetrics._core.warnings import warn_if_undefined
from csmetrics._kernels import surveys as ks
from csmetrics.feedback.comments import (
    SURVEY,
    CommentRows,
    group_counts,
    is_named_keywords,
    load_comments,
    window_mask,
)
from csmetrics.feedback.vader import distinct_texts
from csmetrics.periods.calendar import PeriodLike
from csmetrics.results import MetricResult
from csmetrics.surveys.compare import compare_proportions
from csmetrics.tables.accounts import BY

THEMES = Satisfies(is_named_keywords, "a mapping of theme names to lists of keywords, such "
                   "as {'pricing': ['price', 'expensive']}")


def _is_window(v: Any) -> bool:
    if v is None or isinstance(v, str):
        return True
    return isinstance(v, tuple) and len(v) == 2


COMPARE = Satisfies(_is_window, "None, a period (such as '2024-Q1') or a (start, end) pair")


class CommentThemes(MetricResult):
    """The share of comments mentioning each theme, per segment and NPS category.

    Value column ``share``; rows ordered theme, then segment, then category.
    """

    themes: tuple[str, ...]
    confidence: float
    by: str | None

    def __init__(self, columns: dict[str, Any], *, themes: tuple[str, ...], confidence: float,
                 by: str | None) -> None:
        super().__init__(columns, value="share", segment=by,
                         title=f"Comment themes ({confidence:.0%} Wilson intervals)")
        self._set(themes=themes, confidence=confidence, by=by)

    def __repr__(self) -> str:
        return f"CommentThemes({len(self.themes):,} themes, {len(self):,} rows)"


def theme_pattern(keywords: Sequence[str]) -> re.Pattern[str]:
    """The whole-word, case-insensitive pattern of a theme's keywords (see the module
    documentation).

    Examples
    --------
    >>> p = theme_pattern(["price", "hard to use"])
    >>> [bool(p.search(t)) for t in ["Price is high", "priceless", "HARD  to\\nuse"]]
    [True, False, True]
    """
    parts = [r"\s+".join(re.escape(w) for w in k.split()) for k in keywords]
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def mentions(texts: NDArray[Any], keywords: Sequence[str]) -> NDArray[np.bool_]:
    """Which texts (an object array of ``str``) mention one of ``keywords``; each distinct
    text is searched once."""
    distinct, codes = distinct_texts(texts)
    search = theme_pattern(keywords).search
    found = np.fromiter((search(t) is not None for t in distinct), dtype=bool,
                        count=len(distinct))
    return found[codes]


@validate_params({"themes": THEMES, "by": BY, "compare": COMPARE, "survey": SURVEY,
                  "confidence": CONFIDENCE})
def comment_themes(
    surveys: Any,
    themes: Mapping[str, Sequence[str] | str],
    start: PeriodLike | None = None,
    end: PeriodLike | None = None,
    *,
    compare: PeriodLike | tuple[PeriodLike, PeriodLike] | None = None,
    by: By = None,
    survey: str = "nps",
    confidence: float = 0.95,
) -> CommentThemes:
    """Each theme's share of detractor, passive and promoter comments, and its change.

    Parameters
    ----------
    surveys : SurveyTable, list of SurveyResponse (or dicts), or columns
        Survey responses with a ``comment`` column.
    themes : mapping of str to list of str
        Theme name -> keywords or phrases (whole-word, case-insensitive).
    start, end : period or date, optional
        The window (inclusive); default every response.
    compare : period or (start, end), optional
        An earlier (or any other) window to compare with: adds its share and the change
        (this window's share minus that one's) with a two-proportion z test.
    by : str or mapping, optional
        A column or a mapping from customer id to segment.
    survey : str, default "nps"
        The survey whose comments are read; on the NPS scale the rows are split by
        category.
    confidence : float, default 0.95

    Returns
    -------
    CommentThemes
        Columns: ``theme``, the segment, ``category`` (``"all"`` and the NPS categories),
        ``comments``, ``mentions``, ``share``, ``ci_low``, ``ci_high`` (Wilson), and
        ``previous_comments``, ``previous_mentions``, ``previous_share``, ``change``,
        ``change_ci_low``, ``change_ci_high`` (Newcombe), ``z`` and ``p_value``, which
        are NaN without ``compare=``.

    Raises
    ------
    InvalidParameterError
        A bad option (themes that are not names with keywords); the data has no comment
        column or no responses to ``survey``.

    Warns
    -----
    UndefinedMetricWarning
        A group has no comments (its share is NaN).

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. JASA 22, 209-212.

    Examples
    --------
    >>> r = comment_themes({
    ...     "customer_id": list("abcd"), "survey": ["nps"] * 4, "score": [2, 5, 8, 10],
    ...     "submitted_at": ["2024-01-05"] * 4,
    ...     "comment": ["Too expensive", "the PRICE doubled", "fine, priceless", "love it"]},
    ...     {"pricing": ["price", "expensive"]})
    >>> r.to_dict()["category"], r.to_dict()["share"]
    (['all', 'detractor', 'passive', 'promoter'], [0.5, 1.0, 0.0, 0.0])
    """
    ctx = "comment_themes"
    # Both windows are read from one load, so that they have the same segments.
    every = load_comments(surveys, None, None, by=by, freq=None, survey=survey, context=ctx)
    rows = every.take(window_mask(every.table, start, end, ctx))
    before = None
    if compare is not None:
        first, last = compare if isinstance(compare, tuple) else (compare, compare)
        before = every.take(window_mask(every.table, first, last, ctx))
    names = tuple(themes)
    parts: list[dict[str, Any]] = []
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    undefined = []
    for name in names:
        listed = themes[name]
        words = [listed] if isinstance(listed, str) else [str(w) for w in listed]
        now = _shares(rows, words, z)
        undefined.append(now["comments"] == 0)
        change = _change(now, _shares(before, words, z) if before is not None else None,
                         confidence)
        part = rows.columns(ctx, {"theme": np.full(now["comments"].size, name, dtype=object)},
                            **now, **change)
        parts.append(part)
    warn_if_undefined(np.concatenate(undefined), context=ctx,
                      because="a group has no comments")
    columns = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    return CommentThemes(columns, themes=names, confidence=confidence, by=rows.segments.name)


def _shares(rows: CommentRows, words: list[str], z: float) -> dict[str, NDArray[Any]]:
    """Per group: comments, those mentioning ``words``, the share and its Wilson interval."""
    hit = np.zeros(len(rows.table), dtype=bool)
    text_rows = np.flatnonzero(rows.has)
    if text_rows.size:
        hit[text_rows] = mentions(rows.comments[text_rows], words)
    n = group_counts(rows, rows.has)
    k = group_counts(rows, hit)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = k / n
    lo, hi = ks.wilson(share, n, z)
    return {"comments": n.astype(np.int64), "mentions": k.astype(np.int64), "share": share,
            "ci_low": lo, "ci_high": hi}


def _change(now: dict[str, NDArray[Any]], before: dict[str, NDArray[Any]] | None,
            confidence: float) -> dict[str, NDArray[np.float64]]:
    """The share in the earlier window and the change, with ``compare_proportions``."""
    if before is None:
        nan = np.full(now["comments"].size, np.nan)
        return dict.fromkeys(("previous_comments", "previous_mentions", "previous_share",
                              "change", "change_ci_low", "change_ci_high", "z", "p_value"),
                             nan)
    with warnings.catch_warnings():  # an empty group is already reported once
        warnings.simplefilter("ignore")
        test = compare_proportions((now["mentions"], now["comments"]),
                                   (before["mentions"], before["comments"]),
                                   confidence=confidence)
    return {"previous_comments": before["comments"].astype(np.float64),
            "previous_mentions": before["mentions"].astype(np.float64),
            "previous_share": before["share"], "change": np.asarray(test["difference"]),
            "change_ci_low": np.asarray(test["ci_low"]),
            "change_ci_high": np.asarray(test["ci_high"]), "z": np.asarray(test["z"]),
            "p_value": np.asarray(test["p_value"])}
