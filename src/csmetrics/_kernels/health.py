"""Health-scorecard kernels: points from measure values, the weighted roll-up, colour bands.

Pure functions of aligned numpy arrays: no validation, no pydantic, no loop over accounts.
Scoring is arithmetic over an accounts x measures array of points; the only Python loops run
over measures and groups (a handful), each step a whole-column numpy operation. Every
account's numbers are computed by the same elementwise operations in the same order whatever
the other rows are, so an account scored alone gets bit-for-bit the score it gets in a
portfolio (no BLAS reduction whose summation order depends on the array's shape).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B8 = NDArray[np.bool_]

_FEW_EDGES = 8


# --- points from values ------------------------------------------------------------------------


def linear_points(x: F64, low: float, high: float, at_low: float, at_high: float) -> F64:
    """Points on the straight line through ``(low, at_low)`` and ``(high, at_high)``, clamped.

    Values below ``low`` get ``at_low``, above ``high`` get ``at_high``; NaN stays NaN.
    """
    t = (x - low) / (high - low)
    np.clip(t, 0.0, 1.0, out=t)
    out: F64 = at_low + t * (at_high - at_low)
    return out


def interval_codes(x: F64, edges: F64, upper_owns: B8, low: float, low_closed: bool,
                   high: float, high_closed: bool) -> I64:
    """Index of the contiguous interval holding each value; -1 for NaN and values outside.

    The intervals run from ``low`` to ``high`` and meet at ``edges`` (increasing). A value
    equal to ``edges[i]`` belongs to interval ``i + 1`` when ``upper_owns[i]``, else to ``i``.
    """
    if edges.size <= _FEW_EDGES:
        # The interval index is the number of edges the value is past (or on, where the
        # upper interval owns the edge): a few whole-column comparisons beat a binary search.
        codes: I64 = np.zeros(x.size, dtype=np.int64)
        for edge, upper in zip(edges.tolist(), upper_owns.tolist(), strict=True):
            codes += (x >= edge) if upper else (x > edge)
    else:
        codes = np.searchsorted(edges, x, side="left").astype(np.int64)  # edges below x
        pos = np.minimum(codes, edges.size - 1)
        codes += (edges[pos] == x) & upper_owns[pos]
    outside = np.isnan(x) | (x < low) | (x > high)
    if not low_closed:
        outside |= x == low
    if not high_closed:
        outside |= x == high
    codes[outside] = -1
    return codes


def snap_to_edges(x: F64, edges: F64, tolerance: float) -> F64:
    """``x`` with values within ``tolerance`` of an edge moved onto it.

    A weighted mean of points that are all 50 can come out as 50.00000000000001; snapping
    keeps such floating-point noise from moving a score across a band edge.
    """
    out = x
    for edge in edges.tolist():  # colour bands are few: one pass over the scores per edge
        near = np.abs(x - edge) <= tolerance
        if near.any():
            if out is x:
                out = x.copy()
            out[near] = edge
    return out


def label_codes(labels: NDArray[np.str_], sorted_keys: NDArray[np.str_]) -> I64:
    """Index of each label in ``sorted_keys``; -1 for labels not among them."""
    if sorted_keys.size == 0:
        return np.full(labels.size, -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(sorted_keys, labels), sorted_keys.size - 1)
    codes: I64 = np.where(sorted_keys[pos] == labels, pos, -1).astype(np.int64)
    return codes


def round_half_away(x: F64, decimals: int) -> F64:
    """Round to ``decimals`` places, halves away from zero (as a spreadsheet's ROUND)."""
    factor = 10.0 ** decimals
    out: F64 = np.sign(x) * np.floor(np.abs(x) * factor + 0.5) / factor
    return out


# --- roll-up ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scored:
    """Per-account results of a roll-up.

    ``used_weights[j]`` is measure ``j``'s share of the account's score (zero when it did not
    count) and ``contributions[j] = used_weights[j] * points[:, j]``; for a weighted mean the
    used weights of a scored account sum to 1 and the contributions to the unrounded score.
    """

    score: F64
    group_scores: F64
    used_weights: list[F64]
    contributions: list[F64]


def weighted_mean(points: F64, present: B8 | None, unit_of: I64, within: F64, top: F64,
                  decimals: int | None) -> Scored:
    """Two-level weighted mean: measures -> units (groups) -> overall.

    Parameters
    ----------
    points : (n, m) float
        Points of each account and measure; NaN only where ``present`` is false.
    present : (n, m) bool or None
        Which points count. ``None``: all do (missing values were already filled).
    unit_of : (m,) int
        The top-level unit (a group, or an ungrouped measure on its own) of each measure.
    within : (m,) float
        Weight of each measure inside its unit.
    top : (k,) float
        Weight of each unit in the overall score.
    decimals : int or None
        Round unit scores and the overall score to this many decimals.

    Notes
    -----
    ``group_g = sum_j within_j p_j / sum_j within_j`` over the counted measures of unit g
    (NaN when their weight is zero); ``score = sum_g top_g group_g / sum_g top_g`` over the
    units with a score (NaN when none has).
    """
    n, m = points.shape
    k = top.size
    num = np.zeros((n, k), order="F")  # column by column: keep each unit contiguous
    den = np.zeros((n, k), order="F")
    for j in range(m):
        g = unit_of[j]
        if present is None:
            den[:, g] += within[j]
            num[:, g] += within[j] * points[:, j]
        else:  # masked in-place adds: one pass each, no temporary for the mask
            mask = present[:, j]
            np.add(den[:, g], within[j], out=den[:, g], where=mask)
            np.add(num[:, g], within[j] * points[:, j], out=num[:, g], where=mask)
    has = den > 0
    group_scores = np.full((n, k), np.nan, order="F")
    np.divide(num, den, out=group_scores, where=has)
    if decimals is not None:
        group_scores = round_half_away(group_scores, decimals)
    weight_sum = np.zeros(n)
    weighted = np.zeros(n)
    for g in range(k):
        w = np.where(has[:, g], top[g], 0.0)
        weight_sum += w
        weighted += w * np.where(has[:, g], group_scores[:, g], 0.0)
    scored = weight_sum > 0
    score = np.full(n, np.nan)
    np.divide(weighted, weight_sum, out=score, where=scored)
    if decimals is not None:
        score = round_half_away(score, decimals)
    # A measure's share of the score: top_g / sum(top) * within_j / den_g, when it counted.
    per_unit = np.zeros((n, k), order="F")
    for g in range(k):
        np.divide(top[g], weight_sum * den[:, g], out=per_unit[:, g], where=has[:, g] & scored)
    used: list[F64] = []
    contributions: list[F64] = []
    for j in range(m):
        u = within[j] * per_unit[:, unit_of[j]]
        if present is None:
            c = u * points[:, j]
        else:
            u *= present[:, j]
            c = np.zeros(n)
            np.multiply(u, points[:, j], out=c, where=present[:, j])
        used.append(u)
        contributions.append(c)
    return Scored(score, group_scores, used, contributions)


def worst_of(points: F64, counted: NDArray[np.bool_], unit_of: I64, k: int,
             decimals: int | None) -> Scored:
    """Worst-of roll-up: a unit scores its lowest counted points, the account its lowest unit.

    ``points`` is NaN where a measure has no value (it is then left out). Measures not
    ``counted`` (weight 0) never count. The measure that sets the score (the first in
    scorecard order among equals) carries the whole score: used weight 1, the others 0.
    """
    n, m = points.shape
    group_scores = np.full((n, k), np.nan, order="F")
    for g in range(k):
        cols = np.flatnonzero((unit_of == g) & counted)
        if cols.size:
            group_scores[:, g] = np.fmin.reduce(points[:, cols], axis=1)
    score = np.fmin.reduce(group_scores, axis=1) if k else np.full(n, np.nan)
    raw = score.copy()
    if decimals is not None:
        group_scores = round_half_away(group_scores, decimals)
        score = round_half_away(score, decimals)
    taken = np.isnan(raw)
    used: list[F64] = []
    contributions: list[F64] = []
    for j in range(m):
        if counted[j]:
            hit = ~taken & (points[:, j] == raw)
            taken |= hit
        else:
            hit = np.zeros(n, dtype=bool)
        used.append(hit.astype(np.float64))
        contributions.append(np.where(hit, points[:, j], 0.0))
    return Scored(score, group_scores, used, contributions)


def coverage(present: B8, effective: F64) -> F64:
    """Share of the scorecard's weight carried by the measures with a value, in [0, 1]."""
    n, m = present.shape
    out = np.zeros(n)
    for j in range(m):
        out += effective[j] * present[:, j]
    clipped: F64 = np.clip(out, 0.0, 1.0)
    return clipped


def band_codes(score: F64, edges: F64, upper_owns: B8, tolerance: float) -> I64:
    """Colour band of each score (bands cover the scale); -1 for NaN scores."""
    snapped = snap_to_edges(score, edges, tolerance)
    return interval_codes(snapped, edges, upper_owns, -np.inf, False, np.inf, False)
