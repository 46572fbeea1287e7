"""Distinctive terms: the words and phrases one group of respondents uses and another does not.

The weighted log-odds ratio with an informative Dirichlet prior of Monroe, Colaresi and Quinn
(2008, "Fightin' Words", section 3.5, eq. 16-22). With ``y_w^i`` the count of term ``w`` in
group ``i``'s comments, ``n^i`` the count of all its terms, and a prior ``alpha_w`` (summing
to ``alpha_0``):

    delta_w = log((y_w^a + alpha_w) / (n^a + alpha_0 - y_w^a - alpha_w))
            - log((y_w^b + alpha_w) / (n^b + alpha_0 - y_w^b - alpha_w))      (eq. 16)
    var(delta_w) ~= 1 / (y_w^a + alpha_w) + 1 / (y_w^b + alpha_w)             (eq. 20)
    z_w = delta_w / sqrt(var(delta_w))                                        (eq. 22)

The prior is the whole corpus (every comment the call reads, both groups and the others):
``alpha_w = alpha_0 * y_w / n`` with ``y_w`` the term's count in the corpus and ``n`` all its
terms. ``alpha_0`` is the prior's weight in pseudo-counts; by default ``n`` itself (the
corpus counts as the prior, as tidylo's ``bind_log_odds`` uses them), which shrinks rare
terms strongly; a smaller ``alpha_0`` trusts the groups' own counts more. A positive ``z``
favours group a; ``|z| > 1.96`` is the usual mark of a distinctive term.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.options import Satisfies, validate_params
from csmetrics._core.segments import By, segment_columns
from csmetrics.exceptions import InvalidParameterError
from csmetrics.feedback.comments import CATEGORIES, SURVEY, load_comments
from csmetrics.feedback.tokens import terms
from csmetrics.feedback.vader import distinct_texts
from csmetrics.periods.calendar import PeriodLike
from csmetrics.results import MetricResult
from csmetrics.tables.accounts import BY

GroupLike = str | Sequence[str]


def _side(v: Any) -> tuple[str, ...] | None:
    listed = (v,) if isinstance(v, str) else tuple(v) if isinstance(v, list | tuple) else ()
    if not listed or not all(isinstance(c, str) and c in CATEGORIES for c in listed):
        return None
    return listed


GROUPS = Satisfies(lambda v: isinstance(v, list | tuple) and len(v) == 2 and all(
    _side(s) is not None for s in v) and not set(_side(v[0]) or ()) & set(_side(v[1]) or ()),
    "two disjoint NPS categories (or lists of them), such as ('detractor', 'promoter')")
ALPHA0 = Satisfies(lambda v: v is None or (isinstance(v, int | float) and not isinstance(
    v, bool) and np.isfinite(v) and v > 0), "None or a number > 0")
TOP = Satisfies(lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool)
                                        and v >= 1), "None or a whole number >= 1")
MIN_COUNT = Satisfies(lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
                      "a whole number >= 1")


class DistinctiveTerms(MetricResult):
    """Terms that distinguish two groups' comments, most distinctive of group a first.

    Value column ``z``. Attributes ``groups`` (the labels of groups a and b), ``alpha_0``
    (the prior's weight of the first segment) and ``by``.
    """

    groups: tuple[str, str]
    by: str | None

    def __init__(self, columns: dict[str, Any], *, groups: tuple[str, str], by: str | None
                 ) -> None:
        super().__init__(columns, value="z", segment=by,
                         title=f"Distinctive terms: {groups[0]} vs {groups[1]} "
                               "(weighted log-odds, informative Dirichlet prior)")
        self._set(groups=groups, by=by)

    def __repr__(self) -> str:
        return (f"DistinctiveTerms({self.groups[0]} vs {self.groups[1]}, "
                f"{len(self):,} terms)")


@validate_params({"by": BY, "groups": GROUPS, "alpha_0": ALPHA0, "top": TOP,
                  "min_count": MIN_COUNT, "survey": SURVEY,
                  "bigrams": Satisfies(lambda v: isinstance(v, bool), "True or False")})
def distinctive_terms(
    surveys: Any,
    start: PeriodLike | None = None,
    end: PeriodLike | None = None,
    *,
    groups: tuple[GroupLike, GroupLike] = ("detractor", "promoter"),
    by: By = None,
    alpha_0: float | None = None,
    top: int | None = 20,
    min_count: int = 2,
    bigrams: bool = True,
    survey: str = "nps",
) -> DistinctiveTerms:
    """The words and phrases that distinguish two groups' comments (detractors vs promoters).

    Parameters
    ----------
    surveys : SurveyTable, list of SurveyResponse (or dicts), or columns
        Responses to an NPS-scale survey with a ``comment`` column.
    start, end : period or date, optional
        The window (inclusive); default every response.
    groups : pair of NPS categories (or lists of them), default ("detractor", "promoter")
        Groups a and b, such as ``("detractor", ["passive", "promoter"])``.
    by : str or mapping, optional
        Terms per segment (a column, or a mapping from customer id to segment).
    alpha_0 : float, optional
        The prior's weight in pseudo-counts; default the corpus's term count (see Notes).
    top : int or None, default 20
        Rows kept per segment: the ``top`` terms favouring each group (``None``: all).
    min_count : int, default 2
        Terms used fewer times by the two groups together are left out.
    bigrams : bool, default True
        Count bigrams (two adjacent words) as well as single words.
    survey : str, default "nps"

    Returns
    -------
    DistinctiveTerms
        Columns: the segment, ``term``, ``words`` (1 or 2), ``count_a``, ``count_b``,
        ``delta`` (the log-odds ratio), ``se``, ``z`` and ``favours`` (the group it is
        typical of), sorted by ``z`` from group a's most typical term down.

    Raises
    ------
    InvalidParameterError
        A bad option; the survey is not on the NPS scale; the data has no comment column.

    Notes
    -----
    The tokenizer is ``csmetrics.feedback.tokens``: lower-cased words of letters, English
    stop words dropped, bigrams of adjacent kept words; one vocabulary holds words and
    bigrams. The prior (eq. 16-22 of the reference; see the module documentation) comes
    from every comment in the window, of all categories and segments.

    References
    ----------
    Monroe, B. L., Colaresi, M. P. and Quinn, K. M. (2008). Fightin' words: lexical feature
    selection and evaluation for identifying the content of political conflict. Political
    Analysis 16(4), 372-403.

    Examples
    --------
    >>> r = distinctive_terms({
    ...     "customer_id": list("abcdef"), "survey": ["nps"] * 6,
    ...     "score": [0, 2, 3, 9, 10, 10], "submitted_at": ["2024-01-05"] * 6,
    ...     "comment": ["too expensive", "expensive and slow", "slow support",
    ...                 "great support", "great product", "love it, great"]}, top=1)
    >>> r.to_dict()["term"], r.to_dict()["favours"]
    (['expensive', 'great'], ['detractor', 'promoter'])
    """
    ctx = "distinctive_terms"
    rows = load_comments(surveys, start, end, by=by, freq=None, survey=survey, context=ctx)
    if len(rows.table) and not rows.nps:
        raise InvalidParameterError(
            f"{ctx}: groups are NPS categories, and survey {survey!r} is not on the NPS "
            "scale (0-10).")
    side_a, side_b = (_side(g) or () for g in groups)
    labels = tuple(" + ".join(s) for s in (side_a, side_b))
    text_rows = np.flatnonzero(rows.has)
    distinct, codes = distinct_texts(rows.comments[text_rows])
    vocab: dict[str, int] = {}
    per_text = [[vocab.setdefault(t, len(vocab)) for t in terms(d, bigrams=bigrams)]
                for d in distinct]
    lengths = np.fromiter((len(p) for p in per_text), dtype=np.int64, count=len(per_text))
    term_id = np.fromiter((i for p in per_text for i in p), dtype=np.int64,
                          count=int(lengths.sum()))
    text_of = np.repeat(np.arange(len(per_text), dtype=np.int64), lengths)
    k, v = len(distinct), len(vocab)
    names = np.asarray(list(vocab), dtype=object)

    def term_counts(mask: NDArray[np.bool_]) -> NDArray[np.float64]:
        mult = np.bincount(codes[mask[text_rows]], minlength=k).astype(np.float64)
        out: NDArray[np.float64] = np.bincount(term_id, weights=mult[text_of],
                                               minlength=v).astype(np.float64)
        return out

    cat = rows.category
    in_a, in_b = np.isin(cat, [CATEGORIES.index(c) for c in side_a]), np.isin(
        cat, [CATEGORIES.index(c) for c in side_b])
    corpus = term_counts(rows.has)
    n_corpus = float(corpus.sum())
    a0 = n_corpus if alpha_0 is None else float(alpha_0)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = a0 * corpus / n_corpus if n_corpus else corpus
    parts: list[dict[str, Any]] = []
    seg = rows.segments
    for s in range(max(seg.n, 1)):  # no segment at all: one empty part, for the columns
        here = (seg.of_row == s) & (s < seg.n)
        ya, yb = term_counts(rows.has & here & in_a), term_counts(rows.has & here & in_b)
        found = _fightin_words(ya, yb, alpha, a0, names, min_count, top, labels)
        label = seg.labels[s] if s < seg.n else None
        parts.append(segment_columns(seg.name, np.full(found["term"].size, label,
                                                       dtype=object), ctx, None, **found))
    columns = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    return DistinctiveTerms(columns, groups=(labels[0], labels[1]), by=seg.name)


def _fightin_words(ya: NDArray[np.float64], yb: NDArray[np.float64],
                   alpha: NDArray[np.float64], alpha_0: float, names: NDArray[Any],
                   min_count: int, top: int | None, labels: tuple[str, ...]
                   ) -> dict[str, Any]:
    """Eq. 16-22 of Monroe et al. (2008) for every term used ``min_count`` times, the rows
    sorted by z (group a's terms first), ``top`` kept on each side."""
    na, nb = float(ya.sum()), float(yb.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = (np.log((ya + alpha) / (na + alpha_0 - ya - alpha))
                 - np.log((yb + alpha) / (nb + alpha_0 - yb - alpha)))
        se = np.sqrt(1.0 / (ya + alpha) + 1.0 / (yb + alpha))
        z = delta / se
    keep = np.flatnonzero((ya + yb >= min_count) & np.isfinite(z))
    # Ties in z are broken by the term, so the order never depends on the input's.
    keep = keep[np.lexsort((names[keep].astype(str), -z[keep]))]
    if top is not None and keep.size > 2 * top:
        pos, neg = keep[z[keep] > 0][:top], keep[z[keep] <= 0][::-1][:top][::-1]
        keep = np.concatenate([pos, neg])
    words = np.array([t.count(" ") + 1 for t in names[keep].tolist()], dtype=np.int64)
    return {"term": names[keep], "words": words, "count_a": ya[keep].astype(np.int64),
            "count_b": yb[keep].astype(np.int64), "delta": delta[keep], "se": se[keep],
            "z": z[keep],
            "favours": np.where(z[keep] > 0, labels[0], labels[1]).astype(object)}
