"""Portfolio views of health scores: roll-ups by segment, trends and at-risk lists.

:func:`health_rollup` (mean and MRR-weighted score, band shares per segment),
:func:`health_trend` with :class:`HealthTrend` (two scorings compared account by account) and
:func:`at_risk` with :class:`AtRiskAccounts` (accounts in a band or falling fast, by MRR).
Re-exported by :mod:`csmetrics.health`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.checks import Checker
from csmetrics._core.columns import _as_array
from csmetrics._core.convert import factorize, is_missing
from csmetrics._core.lookup import lookup
from csmetrics._core.ratios import divide
from csmetrics.exceptions import InvalidParameterError, UndefinedMetricWarning
from csmetrics.health.compute import _aligned, _money
from csmetrics.health.rules import Floats
from csmetrics.health.scores import HealthScores, _fmt
from csmetrics.results import TableResult

if TYPE_CHECKING:
    from csmetrics.health.scorecard import HealthScorecard


# --- portfolio roll-ups ------------------------------------------------------------------------


def _band_index(bands: NDArray[Any], names: tuple[str, ...]) -> NDArray[np.int64]:
    """Position of each band name in ``names``; ``len(names)`` for no band."""
    out = np.full(bands.size, len(names), dtype=np.int64)
    for i, name in enumerate(names):
        out[bands == name] = i
    return out


def _segments(scores: TableResult, ids: NDArray[Any], by: Any, context: str
              ) -> tuple[str | None, NDArray[Any], NDArray[np.int64]]:
    """Name, labels and per-row codes of the segments ``by`` describes."""
    n = ids.size
    if by is None:
        return None, np.array(["(all)"], dtype=object), np.zeros(n, dtype=np.int64)
    if isinstance(by, str):
        name: str = by
        values = scores[by]
    elif isinstance(by, Mapping) or (hasattr(by, "index") and hasattr(by, "items")):
        name = "segment"
        mapping = by if isinstance(by, Mapping) else dict(by.items())
        cats, codes = factorize(ids)
        values = lookup(cats, mapping, context, "accounts", required=True)[codes]
    else:
        name = "segment"
        values = _as_array(by).reshape(-1) if not isinstance(by, list | tuple) else (
            np.asarray(by, dtype=object))
        if values.size != n:
            raise InvalidParameterError(f"{context}: by= has {values.size:,} labels for {n:,} "
                                        f"accounts.")
    Checker(n, context).check(is_missing(values), name, "must not be missing (None/NaN)")
    labels, codes = factorize(values)
    return name, np.asarray(labels, dtype=object), codes


def _rollup_money(scores: HealthScores, mrr: Any, context: str) -> Floats | None:
    ids = scores[scores.id_column]
    if mrr is None:
        return scores["mrr"] if "mrr" in scores.columns else None
    return _money(_aligned(mrr, ids, list(scores.column_names), scores.__getitem__, "mrr",
                           context), "mrr", context)


def health_rollup(scores: HealthScores, *, by: Any = None, mrr: Any = None,
                  band_points: Mapping[str, float] | None = None) -> TableResult:
    """Portfolio health per segment: mean and MRR-weighted score, band shares of accounts and MRR.

    Parameters
    ----------
    scores : HealthScores
        The result of :meth:`HealthScorecard.score`.
    by : str, mapping or array-like, optional
        Segments: a column of ``scores`` (one kept with ``keep=``), a mapping from account id
        to segment (dict or pandas Series), or labels aligned with the rows. Omitted: the
        whole portfolio, one row.
    mrr : str, mapping or array-like, optional
        MRR per account (as in :meth:`HealthScorecard.score`); default the ``mrr`` column of
        ``scores`` if it has one. Without MRR the MRR columns are left out.
    band_points : mapping of str to float, optional
        Points per band for a *quality score*: the mean of the scored accounts' band points
        (Totango's portfolio quality score uses good 100, average 60, poor 40). Every band
        needs points.

    Returns
    -------
    TableResult
        One row per segment: the segment (named after ``by``, or ``segment``), ``accounts``,
        ``scored``, ``mean_score``; with MRR ``mrr`` and ``mrr_weighted_score``; then
        ``share_<band>`` for each band and ``share_unscored`` (shares of all accounts, adding
        up to 1); with MRR ``mrr_share_<band>`` and ``mrr_share_unscored`` (shares of the
        segment's MRR); with ``band_points`` ``quality_score``.

    Warns
    -----
    UndefinedMetricWarning
        A segment has no scored account (its mean score is NaN) or no MRR (its MRR-weighted
        score and MRR shares are NaN).

    Notes
    -----
    ``mean_score = sum(score) / scored`` and ``mrr_weighted_score = sum(mrr * score) /
    sum(mrr)``, both over the segment's scored accounts; accounts without a score are
    counted in ``share_unscored``, never as 0.

    Examples
    --------
    >>> from csmetrics.health import HealthScorecard, Linear, Measure
    >>> card = HealthScorecard(measures=[Measure(name="usage", rule=Linear(low=0, high=1))])
    >>> scores = card.score({"customer_id": ["a", "b", "c"], "usage": [0.9, 0.6, 0.2],
    ...                      "mrr": [100, 300, 600]}, mrr="mrr")
    >>> r = health_rollup(scores)
    >>> float(r["mean_score"][0]), float(r["mrr_weighted_score"][0])  # 170 / 3, 39000 / 1000
    (56.666666666666664, 39.0)
    >>> float(r["share_red"][0]), float(r["mrr_share_red"][0])
    (0.3333333333333333, 0.6)
    """
    context = "health_rollup"
    if not isinstance(scores, HealthScores):
        raise InvalidParameterError(f"{context}: expected HealthScores (from "
                                    f"HealthScorecard.score), got {type(scores).__name__}.")
    ids = scores[scores.id_column]
    name, labels, codes = _segments(scores, ids, by, context)
    k = labels.size
    money = _rollup_money(scores, mrr, context)
    score = scores["score"]
    has = ~np.isnan(score)
    band = _band_index(scores["band"], scores.band_names)
    accounts = np.bincount(codes, minlength=k)
    scored = np.bincount(codes, weights=has, minlength=k)
    cols: dict[str, Any] = {} if name is None else {name: labels}
    cols["accounts"] = accounts
    cols["scored"] = scored.astype(np.int64)
    total = np.bincount(codes, weights=np.where(has, score, 0.0), minlength=k)
    cols["mean_score"] = divide(total, scored, context=context, what="the number of scored "
                                "accounts")
    if money is not None:
        cols["mrr"] = np.bincount(codes, weights=money, minlength=k)
        scored_mrr = np.bincount(codes, weights=np.where(has, money, 0.0), minlength=k)
        cols["mrr_weighted_score"] = divide(
            np.bincount(codes, weights=np.where(has, money * np.where(has, score, 0.0), 0.0),
                        minlength=k), scored_mrr, context=context,
            what="the MRR of the scored accounts")
    names = [*scores.band_names, "unscored"]
    cell = codes * len(names) + band
    counts = np.bincount(cell, minlength=k * len(names)).reshape(k, len(names))
    for i, b in enumerate(names):
        cols[f"share_{b}"] = counts[:, i] / accounts
    if money is not None:
        in_cell = np.bincount(cell, weights=money, minlength=k * len(names)).reshape(
            k, len(names))
        seg_mrr = cols["mrr"]
        if bool((seg_mrr == 0).any()):
            warnings.warn(f"{context}: {int((seg_mrr == 0).sum())} of {k} segment(s) have no "
                          f"MRR; their MRR shares are NaN.", UndefinedMetricWarning,
                          stacklevel=2)
        for i, b in enumerate(names):
            share = np.full(k, np.nan)
            np.divide(in_cell[:, i], seg_mrr, out=share, where=seg_mrr != 0)
            cols[f"mrr_share_{b}"] = share
    if band_points is not None:
        pts = dict(band_points)
        if set(pts) != set(scores.band_names):
            raise InvalidParameterError(
                f"{context}: band_points needs points for exactly the bands "
                f"{list(scores.band_names)}, got {sorted(pts)}.")
        value = np.array([float(pts[b]) for b in scores.band_names])
        cols["quality_score"] = divide(counts[:, :-1] @ value, scored, context=context,
                                       what="the number of scored accounts")
    title = f"Health roll-up ({scores.scorecard.name})" + ("" if name is None else f" by {name}")
    return TableResult(cols, title=title, money=("mrr",) if money is not None else ())


# --- trend ---------------------------------------------------------------------------------------

Movement = Literal["up", "down", "same", "new", "gone", "unscored"]


class HealthTrend(TableResult):
    """Two scorings of a portfolio compared account by account.

    Columns: the id, ``score_before``, ``score_after``, ``change`` (after minus before),
    ``band_before``, ``band_after``, ``movement`` and, when either scoring carried MRR,
    ``mrr`` (the latest known). ``movement`` is ``"up"``, ``"down"`` or ``"same"`` (band
    order, for accounts scored both times), ``"new"`` (not in ``before``), ``"gone"`` (not in
    ``after``) or ``"unscored"`` (in both but without a score in one). Rows: the accounts of
    ``after`` in its order, then those only in ``before``.
    """

    id_column: str
    band_names: tuple[str, ...]
    scorecard: HealthScorecard

    def __repr__(self) -> str:
        moves = self["movement"]
        parts = ", ".join(f"{int((moves == m).sum()):,} {m}" for m in ("up", "down", "same"))
        return f"HealthTrend({len(self):,} accounts: {parts})"

    def transitions(self, *, weight: Literal["accounts", "mrr"] = "accounts") -> TableResult:
        """Band-to-band movements: rows are ``band_before``, columns ``band_after``.

        Parameters
        ----------
        weight : {"accounts", "mrr"}, default "accounts"
            Count accounts, or sum their MRR. Accounts absent from a scoring or without a
            score are in the ``no score`` row or column.

        Examples
        --------
        >>> from csmetrics.health import HealthScorecard, Linear, Measure
        >>> card = HealthScorecard(measures=[Measure(name="u", rule=Linear(low=0, high=1))])
        >>> t = health_trend(card.score({"customer_id": ["a", "b"], "u": [0.9, 0.6]}),
        ...                  card.score({"customer_id": ["a", "b"], "u": [0.4, 0.6]}))
        >>> print(t.transitions())
        Band transitions (accounts)
        band_before  red  yellow  green  no score
        red            0       0      0         0
        yellow         0       1      0         0
        green          1       0      0         0
        no score       0       0      0         0
        """
        names = [*self.band_names, "no score"]
        w = len(names)
        before = _band_index(self["band_before"], self.band_names)
        after = _band_index(self["band_after"], self.band_names)
        if weight == "mrr":
            if "mrr" not in self.columns:
                raise InvalidParameterError("HealthTrend.transitions: weight='mrr' needs "
                                            "scores carrying MRR (score(..., mrr=...)).")
            values: Any = self["mrr"]
        elif weight == "accounts":
            values = None
        else:
            raise InvalidParameterError(f"HealthTrend.transitions: weight must be 'accounts' "
                                        f"or 'mrr', got {weight!r}.")
        grid = np.bincount(before * w + after, weights=values, minlength=w * w).reshape(w, w)
        cols: dict[str, Any] = {"band_before": np.array(names, dtype=object)}
        for i, b in enumerate(names):
            cols[b] = grid[:, i] if values is not None else grid[:, i].astype(np.int64)
        return TableResult(cols, title=f"Band transitions ({weight})",
                           money=tuple(names) if values is not None else ())


def health_trend(before: HealthScores, after: HealthScores) -> HealthTrend:
    """Compare two scorings of the same portfolio (last month and this month), per account.

    Parameters
    ----------
    before, after : HealthScores
        Scorings with the same colour bands (usually of one scorecard).

    Returns
    -------
    HealthTrend
        One row per account in either scoring: scores, ``change = score_after -
        score_before`` (NaN unless both are scored), bands and the movement between them.

    Examples
    --------
    >>> from csmetrics.health import HealthScorecard, Linear, Measure
    >>> card = HealthScorecard(measures=[Measure(name="usage", rule=Linear(low=0, high=1))])
    >>> old = card.score({"customer_id": ["a", "b"], "usage": [0.9, 0.8]})
    >>> new = card.score({"customer_id": ["b", "c"], "usage": [0.4, 0.7]})
    >>> t = health_trend(old, new)
    >>> t["customer_id"].tolist(), t["movement"].tolist()
    (['b', 'c', 'a'], ['down', 'new', 'gone'])
    >>> float(t["change"][0])
    -40.0
    """
    context = "health_trend"
    for label, s in (("before", before), ("after", after)):
        if not isinstance(s, HealthScores):
            raise InvalidParameterError(f"{context}: {label} must be HealthScores (from "
                                        f"HealthScorecard.score), got {type(s).__name__}.")
    if [str(b) for b in before.scorecard.bands] != [str(b) for b in after.scorecard.bands]:
        raise InvalidParameterError(
            f"{context}: the two scorings use different colour bands "
            f"({', '.join(map(str, before.scorecard.bands))} vs "
            f"{', '.join(map(str, after.scorecard.bands))}); band movements would mean nothing.")
    ids_b, ids_a = before[before.id_column], after[after.id_column]
    na = ids_a.size
    both = np.concatenate([ids_a.astype(object), ids_b.astype(object)])
    cats, codes = factorize(both) if both.size else (both, np.zeros(0, dtype=np.int64))
    code_a, code_b = codes[:na], codes[na:]
    k = cats.size
    row = np.full(k, -1, dtype=np.int64)
    row[code_a] = np.arange(na)
    only_b = row[code_b] < 0
    row[code_b[only_b]] = na + np.arange(int(only_b.sum()))
    ids = np.empty(k, dtype=object)
    ids[row[code_a]] = ids_a
    ids[row[code_b]] = ids_b
    in_a = np.zeros(k, dtype=bool)
    in_a[row[code_a]] = True
    in_b = np.zeros(k, dtype=bool)
    in_b[row[code_b]] = True

    def spread(values: NDArray[Any], rows: NDArray[np.int64], fill: Any, dtype: Any
               ) -> NDArray[Any]:
        out = np.full(k, fill, dtype=dtype)
        out[rows] = values
        return out

    sb = spread(before["score"], row[code_b], np.nan, np.float64)
    sa = spread(after["score"], row[code_a], np.nan, np.float64)
    bb = spread(before["band"], row[code_b], None, object)
    ba = spread(after["band"], row[code_a], None, object)
    ib = _band_index(bb, before.band_names)
    ia = _band_index(ba, after.band_names)
    scored = ~np.isnan(sa) & ~np.isnan(sb)
    movement = np.full(k, "unscored", dtype=object)
    movement[scored & (ia > ib)] = "up"
    movement[scored & (ia < ib)] = "down"
    movement[scored & (ia == ib)] = "same"
    movement[~in_b] = "new"
    movement[~in_a] = "gone"
    cols: dict[str, Any] = {after.id_column: ids, "score_before": sb, "score_after": sa,
                            "change": sa - sb, "band_before": bb, "band_after": ba,
                            "movement": movement}
    if "mrr" in after.columns or "mrr" in before.columns:
        mrr = np.full(k, np.nan)
        if "mrr" in before.columns:
            mrr[row[code_b]] = before["mrr"]
        if "mrr" in after.columns:
            mrr[row[code_a]] = after["mrr"]
        cols["mrr"] = mrr
    out = HealthTrend(cols, title=f"Health trend ({after.scorecard.name})",
                      money=("mrr",) if "mrr" in cols else ())
    out._set(id_column=after.id_column, band_names=after.band_names,
             scorecard=after.scorecard)
    return out


# --- at risk ---------------------------------------------------------------------------------


class AtRiskAccounts(TableResult):
    """Accounts at risk, largest MRR first.

    Columns: the id, ``mrr``, ``score``, ``band``, for a trend ``score_before`` and
    ``change``, ``reason`` (``"band"``, ``"drop"`` or ``"band, drop"``) and
    ``cumulative_mrr``. Attributes ``mrr_at_risk`` (their total MRR) and ``share_of_mrr``
    (of the MRR of every account scored).
    """

    mrr_at_risk: float
    share_of_mrr: float

    def __repr__(self) -> str:
        return (f"AtRiskAccounts({len(self):,} accounts, MRR at risk {self.mrr_at_risk:,.2f}, "
                f"{_fmt(100 * self.share_of_mrr)}% of MRR)")


def at_risk(scores: HealthScores | HealthTrend, *, band: str | Sequence[str] | None = "red",
            min_drop: float | None = None, mrr: Any = None) -> AtRiskAccounts:
    """Accounts in a risk band or falling fast, listed by the MRR at risk.

    Parameters
    ----------
    scores : HealthScores or HealthTrend
        A scoring, or a trend (from :func:`health_trend`) to also catch falling scores.
    band : str, sequence of str or None, default "red"
        The band(s) that count as at risk (of the latest scoring). ``None``: none.
    min_drop : float, optional
        With a trend: also at risk, accounts whose score fell by at least this many points
        (``score_before - score_after >= min_drop``). Must be > 0.
    mrr : str, mapping or array-like, optional
        MRR per account; default the ``mrr`` column of ``scores``. Required one way or the
        other: the list is ordered by MRR.

    Returns
    -------
    AtRiskAccounts
        The accounts at risk, ordered by MRR (largest first), then score (lowest first).

    Raises
    ------
    InvalidParameterError
        An unknown band, ``min_drop`` without a trend or not > 0, neither criterion, or no
        MRR.

    Examples
    --------
    >>> from csmetrics.health import HealthScorecard, Linear, Measure
    >>> card = HealthScorecard(measures=[Measure(name="usage", rule=Linear(low=0, high=1))])
    >>> scores = card.score({"customer_id": ["a", "b", "c"], "usage": [0.3, 0.9, 0.1]},
    ...                     mrr={"a": 500, "b": 900, "c": 200})
    >>> r = at_risk(scores)
    >>> r["customer_id"].tolist(), r.mrr_at_risk
    (['a', 'c'], 700.0)
    """
    context = "at_risk"
    if isinstance(scores, HealthTrend):
        score, bands = scores["score_after"], scores["band_after"]
        change: Floats | None = scores["change"]
        band_names = scores.band_names
    elif isinstance(scores, HealthScores):
        score, bands, change = scores["score"], scores["band"], None
        band_names = scores.band_names
    else:
        raise InvalidParameterError(f"{context}: expected HealthScores or HealthTrend, got "
                                    f"{type(scores).__name__}.")
    id_column = scores.id_column
    ids = scores[id_column]
    chosen: tuple[str, ...] = () if band is None else (band,) if isinstance(band, str) else (
        tuple(band))
    for b in chosen:
        if b not in band_names:
            raise InvalidParameterError(f"{context}: no band {b!r}; the bands are "
                                        f"{list(band_names)}.")
    if min_drop is not None:
        if change is None:
            raise InvalidParameterError(f"{context}: min_drop needs a HealthTrend (from "
                                        f"health_trend(before, after)), not a single scoring.")
        if not (isinstance(min_drop, int | float) and math.isfinite(min_drop) and min_drop > 0):
            raise InvalidParameterError(f"{context}: min_drop must be a number > 0, got "
                                        f"{min_drop!r}.")
    if not chosen and min_drop is None:
        raise InvalidParameterError(f"{context}: give band= or min_drop= (or both).")
    if mrr is None:
        if "mrr" not in scores.columns:
            raise InvalidParameterError(
                f"{context}: accounts are listed by MRR at risk, and there is no MRR: pass "
                f"mrr= (a mapping from account id, an array or a column), or score with "
                f"HealthScorecard.score(..., mrr=...).")
        money = np.nan_to_num(scores["mrr"], nan=0.0)
    else:
        money = _money(_aligned(mrr, ids, list(scores.column_names), scores.__getitem__, "mrr",
                                context), "mrr", context)
    in_band = np.isin(bands.astype(object), np.array(chosen, dtype=object)) if chosen else (
        np.zeros(ids.size, dtype=bool))
    dropped = np.zeros(ids.size, dtype=bool)
    if min_drop is not None and change is not None:
        dropped = -np.nan_to_num(change, nan=0.0) >= min_drop - 1e-9
    risky = np.flatnonzero(in_band | dropped)
    order = risky[np.lexsort((np.nan_to_num(score[risky], nan=np.inf), -money[risky]))]
    reason = np.where(in_band[order] & dropped[order], "band, drop",
                      np.where(in_band[order], "band", "drop")).astype(object)
    cols: dict[str, Any] = {id_column: ids[order], "mrr": money[order], "score": score[order],
                            "band": bands[order]}
    if change is not None:
        cols["score_before"] = scores["score_before"][order]
        cols["change"] = change[order]
    cols["reason"] = reason
    cols["cumulative_mrr"] = np.cumsum(money[order])
    total = float(money.sum())
    at = float(money[order].sum())
    if total == 0:
        warnings.warn(f"{context}: the accounts have no MRR; share_of_mrr is NaN.",
                      UndefinedMetricWarning, stacklevel=2)
    out = AtRiskAccounts(cols, title=f"Accounts at risk ({len(order):,})",
                         money=("mrr", "cumulative_mrr"))
    out._set(mrr_at_risk=at, share_of_mrr=at / total if total else math.nan)
    return out
