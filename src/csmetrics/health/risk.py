"""Accounts at risk, by the MRR at risk: ``at_risk`` and its result, ``AtRiskAccounts``.
Re-exported by ``csmetrics.health``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from csmetrics._core.formatting import format_number
from csmetrics._core.options import Interval, Satisfies, validate_params
from csmetrics._core.ratios import divide
from csmetrics.exceptions import InvalidParameterError
from csmetrics.health.compute import _aligned, _money
from csmetrics.health.rules import Floats
from csmetrics.health.scores import HealthScores
from csmetrics.health.trend import HealthTrend
from csmetrics.results import TableResult


class AtRiskAccounts(TableResult):
    """Accounts at risk, largest MRR first.

    Columns: the id, ``mrr``, ``score``, ``band``, for a trend ``score_before`` and
    ``change``, ``reason`` (``"band"``, ``"drop"`` or ``"band, drop"``) and
    ``cumulative_mrr``. Attributes ``mrr_at_risk`` (their total MRR) and ``share_of_mrr``
    (of the MRR of every account scored).
    """

    mrr_at_risk: float
    share_of_mrr: float

    def plot(self, *, ax: Any = None, top: int = 10, currency: str | None = None) -> Any:
        """Horizontal bars of the MRR of the ``top`` accounts at risk, labelled by id
        (needs the ``plot`` extra; ``currency`` puts its symbol on the axis; see
        ``csmetrics.plotting.plot_at_risk``)."""
        from csmetrics.plotting import plot_at_risk

        return plot_at_risk(self, ax=ax, top=top, currency=currency)

    def __repr__(self) -> str:
        return (f"AtRiskAccounts({len(self):,} accounts, MRR at risk {self.mrr_at_risk:,.2f}, "
                f"{format_number(100 * self.share_of_mrr)}% of MRR)")


def _bands_ok(value: Any) -> bool:
    return value is None or isinstance(value, str) or (
        isinstance(value, Sequence) and all(isinstance(v, str) for v in value))


_BAND = Satisfies(_bands_ok, "a band name, a sequence of band names, or None")
_POSITIVE = Interval(0, closed="neither")
_MIN_DROP = Satisfies(lambda v: v is None or _POSITIVE.accepts(v), "a number > 0, or None")


@validate_params({"band": _BAND, "min_drop": _MIN_DROP})
def at_risk(scores: HealthScores | HealthTrend, *, band: str | Sequence[str] | None = "red",
            min_drop: float | None = None, mrr: Any = None) -> AtRiskAccounts:
    """Accounts in a risk band or falling fast, listed by the MRR at risk.

    Parameters
    ----------
    scores : HealthScores or HealthTrend
        A scoring, or a trend (from ``health_trend``) to also catch falling scores.
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

    Warns
    -----
    UndefinedMetricWarning
        No account has MRR: ``share_of_mrr`` is NaN.

    Notes
    -----
    An account is at risk when its band (of ``after``, for a trend) is one of ``band``, or
    when ``score_before - score_after >= min_drop`` (a drop of exactly ``min_drop`` counts).
    ``mrr_at_risk`` is the MRR of the accounts listed and ``share_of_mrr`` that MRR over the
    MRR of every account of ``scores``; accounts without MRR count as 0.

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
    if min_drop is not None and change is None:
        raise InvalidParameterError(f"{context}: min_drop needs a HealthTrend (from "
                                    f"health_trend(before, after)), not a single scoring.")
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
    at = float(money[order].sum())
    share = divide(at, float(money.sum()), context=context,
                   what="the MRR of the accounts scored")
    out = AtRiskAccounts(cols, title=f"Accounts at risk ({len(order):,})",
                         money=("mrr", "cumulative_mrr"))
    out._set(mrr_at_risk=at, share_of_mrr=float(share))
    return out
