"""How well a score ranks outcomes: Harrell's concordance, the ROC curve and its AUC, deciles.

Pure numpy over whole columns. The concordance counts every comparable pair in
``O(n log^2 n)`` by a bottom-up merge over the observations sorted by time: at each level,
each left half's events are counted against the right half's scores by one sorted search, so
no loop runs over observations (only over the ``log2 n`` levels).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
B = NDArray[np.bool_]

__all__ = ["Concordance", "Roc", "concordance", "mann_whitney_auc", "roc", "score_deciles"]


@dataclass(frozen=True)
class Concordance:
    """Pair counts of Harrell's C: ``(concordant + tied / 2) / comparable``."""

    concordant: int
    tied: int
    comparable: int

    @property
    def index(self) -> float:
        """Harrell's C (NaN without a comparable pair)."""
        if self.comparable == 0:
            return float("nan")
        return (self.concordant + self.tied / 2) / self.comparable


def _dense_rank(values: F64) -> I64:
    _, rank = np.unique(values, return_inverse=True)
    out: I64 = rank.reshape(-1).astype(np.int64)
    return out


def concordance(time: F64 | I64, event: B, score: F64) -> Concordance:
    """Harrell's pair counts, a higher score predicting a longer time.

    A pair is comparable when the shorter time ends in an event; an event and a censoring at
    the same time are comparable (the censored one outlived it, as in the Kaplan-Meier risk
    set); two events at the same time are not. A comparable pair is concordant when the
    longer-lived one has the higher score, tied when the scores are equal.
    """
    n = int(time.size)
    if n < 2 or not event.any():
        return Concordance(0, 0, 0)
    rank = _dense_rank(np.asarray(score, dtype=np.float64))
    t_rank = _dense_rank(np.asarray(time, dtype=np.float64))
    n_ranks = np.int64(rank.max() + 2)
    # Sorted by time; at one time events come before censorings, and tied events by
    # decreasing score, so that an earlier event never meets a higher score at its own time.
    order = np.lexsort((-rank, ~event, t_rank))
    r, ev = rank[order], event[order]
    greater = equal = 0
    pos = np.arange(n, dtype=np.int64)
    width = 1
    while width < n:
        block = pos // (2 * width)
        right = (pos // width) % 2 == 1
        keys = np.sort(block[right] * n_ranks + r[right])
        left = ~right & ev
        base = block[left] * n_ranks
        at = base + r[left]
        above = np.searchsorted(keys, at, side="right")
        greater += int((np.searchsorted(keys, base + n_ranks, side="left") - above).sum())
        equal += int((above - np.searchsorted(keys, at, side="left")).sum())
        width *= 2
    later = n - 1 - pos  # observations after each one in the order
    pairs = int(later[ev].sum())
    # Two events at one time are not comparable: take out their pairs (their equal scores
    # were counted as ties; higher scores after them are excluded by the order).
    cell = t_rank[event]
    tied_events = np.bincount(cell)
    pairs -= int((tied_events * (tied_events - 1) // 2).sum())
    width_rank = np.int64(rank.max() + 1)
    both = np.unique(cell * width_rank + rank[event], return_counts=True)[1]
    equal -= int((both * (both - 1) // 2).sum())
    return Concordance(greater, equal, pairs)


def mann_whitney_auc(score: F64, positive: B) -> float:
    """The probability that a positive scores *below* a negative, ties counting 1/2 (the
    Mann-Whitney U over the product of the group sizes); NaN without both groups."""
    n_pos = int(np.count_nonzero(positive))
    n_neg = int(positive.size) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    _, inverse, counts = np.unique(score, return_inverse=True, return_counts=True)
    # average rank (1-based) of each distinct score
    upper = np.cumsum(counts)
    mid = upper - (counts - 1) / 2.0
    ranks = mid[inverse.reshape(-1)]
    u_neg = float(ranks[~positive].sum()) - n_neg * (n_neg + 1) / 2.0
    return u_neg / (n_pos * n_neg)


@dataclass(frozen=True)
class Roc:
    """The ROC curve of flagging ``score <= threshold``: from (0, 0) to (1, 1)."""

    threshold: F64
    false_positive_rate: F64
    true_positive_rate: F64


def roc(score: F64, positive: B) -> Roc:
    """One point per distinct score (flag every account at or below it), after a first
    point flagging none (threshold ``-inf``); rates NaN for a group without members."""
    values, inverse = np.unique(score, return_inverse=True)
    inverse = inverse.reshape(-1)
    pos = np.bincount(inverse[positive], minlength=values.size)
    neg = np.bincount(inverse[~positive], minlength=values.size)
    n_pos, n_neg = pos.sum(), neg.sum()
    tp = np.concatenate([[0], np.cumsum(pos)]).astype(np.float64)
    fp = np.concatenate([[0], np.cumsum(neg)]).astype(np.float64)
    tpr = tp / n_pos if n_pos else np.full(tp.size, np.nan)
    fpr = fp / n_neg if n_neg else np.full(fp.size, np.nan)
    return Roc(np.concatenate([[-np.inf], values]).astype(np.float64), fpr, tpr)


def score_deciles(score: F64) -> I64:
    """Each score's decile, 1 (lowest) to 10, from its average rank: ``ceil(10 rank / n)``,
    so equal scores share a decile (deciles may then differ in size or be empty)."""
    n = score.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    _, inverse, counts = np.unique(score, return_inverse=True, return_counts=True)
    mid = np.cumsum(counts) - (counts - 1) / 2.0
    out: I64 = np.ceil(10 * mid[inverse.reshape(-1)] / n - 1e-9).astype(np.int64)
    return np.clip(out, 1, 10)
