"""Survey kernels: counting answers by group in one pass, and the interval and test formulas.

Pure functions of aligned numpy arrays: no validation, no pandas, no loop over rows. Critical
values (normal and t quantiles) are computed by the caller and passed in, so nothing here
imports scipy. Every function works on arrays of groups at once; a single estimate is a group
of one.

Counting walks the scores in blocks of ``BLOCK`` rows so that the checks (is every score a
whole number on the scale?) and the ``np.bincount`` read each block while it is in cache: the
check costs a fraction of the count instead of a second trip through memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

BLOCK = 1 << 18

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class LevelCounts:
    """Answers counted by group and scale point.

    ``counts[g, k]`` is the (weighted) number of answers of group ``g`` at the ``k``-th point
    of the scale; ``n`` the rows of each group; ``sum_w`` and ``sum_w2`` the sums of the
    weights and of their squares (both equal to ``n`` without weights). ``counts`` are int64
    without weights (exact, and additive over parts), float64 sums of weights with them.
    ``ok`` is false when
    some value was not a whole number within the scale, or some weight was negative, NaN or
    infinite (the counts are then meaningless).
    """

    counts: NDArray[Any]
    n: NDArray[np.int64]
    sum_w: Floats
    sum_w2: Floats
    ok: bool


def level_counts(values: NDArray[Any], low: int, n_levels: int, *,
                 groups: NDArray[np.int64] | None = None, n_groups: int = 1,
                 weights: Floats | None = None) -> LevelCounts:
    """Count ``values`` (whole numbers ``low .. low + n_levels - 1``) by group and level.

    Weights are checked on the way (their minimum block by block, and the finiteness of the
    sums they produce), so valid input costs no extra pass.
    """
    width = n_groups * n_levels
    counts = np.zeros(width, dtype=np.float64 if weights is not None else np.int64)
    n = np.zeros(n_groups, dtype=np.int64)
    sum_w2 = np.zeros(n_groups, dtype=np.float64)
    for a, chunk, whole in _blocks(values):
        if whole is None:
            return _failed(n_groups, n_levels)
        lv = whole
        if low:
            lv = lv - low
        if chunk.size and (int(lv.min()) < 0 or int(lv.max()) >= n_levels):
            return _failed(n_groups, n_levels)
        w = None if weights is None else weights[a:a + BLOCK]
        if w is not None and w.size and not float(w.min()) >= 0:  # NaN fails too
            return _failed(n_groups, n_levels)
        if groups is None:
            key = lv
            if w is not None:
                n[0] += chunk.size
                # einsum, not np.dot: a BLAS call may wake threads that then compete
                # with the count for the cores.
                sum_w2[0] += float(np.einsum("i,i->", w, w))
        else:
            g = groups[a:a + BLOCK]
            key = g * n_levels + lv
            if w is not None:
                n += np.bincount(g, minlength=n_groups)
                sum_w2 += np.bincount(g, weights=w * w, minlength=n_groups)
        counts += np.bincount(key, weights=w, minlength=width)
    table = counts.reshape(n_groups, n_levels)
    if weights is None:
        n = table.sum(axis=1)
        return LevelCounts(table, n, n.astype(np.float64), n.astype(np.float64), True)
    finite = bool(np.isfinite(sum_w2).all())
    return LevelCounts(table, n, table.sum(axis=1), sum_w2, finite)


def _failed(n_groups: int, n_levels: int) -> LevelCounts:
    zeros = np.zeros(n_groups)
    return LevelCounts(np.zeros((n_groups, n_levels)), np.zeros(n_groups, dtype=np.int64),
                       zeros, zeros, False)


def sum_by(groups: NDArray[np.int64], weights: Floats | None, n_groups: int) -> Floats:
    """``np.bincount`` as float64: the (weighted) total of each group."""
    return np.asarray(np.bincount(groups, weights=weights, minlength=n_groups),
                      dtype=np.float64)


def share_at_least(values: Floats, threshold: float, *, groups: NDArray[np.int64] | None,
                   n_groups: int, weights: Floats | None, at_most: bool = False) -> Floats:
    """Weighted total of answers ``>= threshold`` (``<=`` with ``at_most``) by group."""
    hit = (values <= threshold) if at_most else (values >= threshold)
    g = np.zeros(values.size, dtype=np.int64) if groups is None else groups
    w = hit.astype(np.float64) if weights is None else np.where(hit, weights, 0.0)
    return sum_by(g, w, n_groups)


def level_moments(counts: Floats, low: float) -> tuple[Floats, Floats]:
    """Mean and Σw(x - mean)² per group from counts by scale point (exact, no second pass)."""
    points = low + np.arange(counts.shape[1], dtype=np.float64)
    total = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = counts @ points / total
    dev = points[None, :] - mean[:, None]
    return mean, (counts * dev * dev).sum(axis=1)


# --- intervals ---------------------------------------------------------------------------------


def nps_wald(p: Floats, d: Floats, n: Floats, z: float) -> tuple[Floats, Floats]:
    """Centre and standard error of ``p - d`` (as fractions) by the Wald method.

    ``Var = (p + d - (p - d)^2) / n``: the variance of the mean of a variable that is +1 for
    a promoter, -1 for a detractor and 0 for a passive.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.maximum(p + d - (p - d) ** 2, 0.0) / n
    return p - d, np.sqrt(var)


def nps_adjusted_wald(p: Floats, d: Floats, n: Floats) -> tuple[Floats, Floats]:
    """Centre and standard error of NPS by the adjusted-Wald method (fractions).

    Add 3/4 of an answer to the promoters and to the detractors and 3 to ``n`` (so 3/2 to the
    passives), then apply the Wald formula with ``n + 3``.
    """
    n_adj = n + 3.0
    with np.errstate(invalid="ignore", divide="ignore"):
        p_adj = (p * n + 0.75) / n_adj
        d_adj = (d * n + 0.75) / n_adj
    centre = p_adj - d_adj
    var = np.maximum(p_adj + d_adj - centre ** 2, 0.0) / n_adj
    return centre, np.sqrt(var)


def wilson(p: Floats, n: Floats, z: float | Floats) -> tuple[Floats, Floats]:
    """Wilson (1927) score interval for a proportion ``p`` out of ``n``."""
    z2 = np.asarray(z, dtype=np.float64) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = 1.0 + z2 / n
        centre = (p + z2 / (2.0 * n)) / denom
        half = np.sqrt(z2) * np.sqrt(np.maximum(p * (1.0 - p) / n + z2 / (4.0 * n * n), 0.0)
                                     ) / denom
    # At p = 0 (p = 1) the lower (upper) bound is exactly 0 (1); keep rounding from hiding it.
    lower = np.where(p == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    upper = np.where(p == 1, 1.0, np.clip(centre + half, 0.0, 1.0))
    return lower, upper


def newcombe(p1: Floats, n1: Floats, p2: Floats, n2: Floats, z: float
             ) -> tuple[Floats, Floats]:
    """Newcombe (1998) hybrid score interval (method 10) for ``p1 - p2``."""
    l1, u1 = wilson(p1, n1, z)
    l2, u2 = wilson(p2, n2, z)
    diff = p1 - p2
    lower = diff - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = diff + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return lower, upper


def pooled_z(p1: Floats, n1: Floats, p2: Floats, n2: Floats) -> Floats:
    """Score (pooled) z statistic of ``p1 - p2``: the two-proportion test without correction."""
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
        se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
        return (p1 - p2) / se


def sample_variance(sum_sq: Floats, sum_w: Floats, n_eff: Floats) -> Floats:
    """Unbiased variance from weighted squared deviations, with Kish's effective n.

    ``s^2 = [Σw(x - m)^2 / Σw] * n_eff / (n_eff - 1)``; with unit weights this is the usual
    ``Σ(x - m)^2 / (n - 1)``.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        return sum_sq / sum_w * n_eff / (n_eff - 1.0)


def welch(m1: Floats, v1: Floats, n1: Floats, m2: Floats, v2: Floats, n2: Floats
          ) -> tuple[Floats, Floats, Floats]:
    """Difference ``m1 - m2``, its standard error and the Welch-Satterthwaite degrees of freedom.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        a, b = v1 / n1, v2 / n2
        se = np.sqrt(a + b)
        df = (a + b) ** 2 / (a * a / (n1 - 1.0) + b * b / (n2 - 1.0))
    return m1 - m2, se, df


def standardized(difference: Floats, se: Floats) -> Floats:
    """The test statistic ``difference / se`` (z or t), at the limits where ``se`` is 0.

    With no spread there is no sampling error: no difference (identical samples) is a
    statistic of 0 (p-value 1) and any difference is ``±inf`` (p-value 0). NaN stays NaN
    (an empty sample), which the caller reports as undefined.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where((se == 0) & (difference == 0), 0.0, difference / se),
                          dtype=np.float64)


def kish(sum_w: Floats, sum_w2: Floats) -> Floats:
    """Kish's effective sample size ``(Σw)^2 / Σw^2`` (NaN when every weight is zero)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sum_w2 > 0, sum_w * sum_w / np.where(sum_w2 > 0, sum_w2, 1.0), 0.0)


# --- bootstrap -----------------------------------------------------------------------------------


def bootstrap_nps(cell_group: NDArray[np.int64], cell_value: Floats, cell_weight: Floats,
                  cell_count: NDArray[np.int64], n_groups: int, n_resamples: int,
                  rng: np.random.Generator, quantiles: tuple[float, float],
                  max_elements: int = 1 << 22) -> tuple[Floats, Floats, Floats]:
    """Percentile-bootstrap interval and standard deviation of NPS (fractions) by group.

    A resample of a group's ``N`` answers drawn with replacement is a multinomial draw of
    ``N`` over its answers; answers that share a category (``cell_value`` +1, 0 or -1) and a
    weight are interchangeable, so the draw is over those *cells*, not rows: cost is
    proportional to resamples x cells, whatever ``N``. Returns the two quantiles and the
    standard deviation of the resampled scores.
    """
    order = np.argsort(cell_group, kind="stable")
    cg, cv, cw, cc = (cell_group[order], cell_value[order], cell_weight[order],
                      cell_count[order])
    per_group = np.bincount(cg, minlength=n_groups)
    width = max(int(per_group.max()) if per_group.size else 0, 1)
    slot = np.arange(cg.size) - np.repeat(np.cumsum(per_group) - per_group, per_group)
    total = np.bincount(cg, weights=cc, minlength=n_groups).astype(np.int64)
    probs = np.zeros((n_groups, width))
    value_w = np.zeros((n_groups, width))
    weight = np.zeros((n_groups, width))
    with np.errstate(invalid="ignore", divide="ignore"):
        probs[cg, slot] = cc / total[cg]
    value_w[cg, slot] = cv * cw
    weight[cg, slot] = cw
    probs = np.nan_to_num(probs)
    step = max(1, max_elements // max(n_groups * width, 1))
    scores = np.empty((n_resamples, n_groups))
    for b in range(0, n_resamples, step):  # blocks of resamples bound the memory used
        m = min(step, n_resamples - b)
        draws = rng.multinomial(total, probs, size=(m, n_groups)).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            scores[b:b + m] = (draws * value_w).sum(-1) / (draws * weight).sum(-1)
    valid = np.isfinite(scores).any(axis=0)
    lo = np.full(n_groups, np.nan)
    hi = np.full(n_groups, np.nan)
    sd = np.full(n_groups, np.nan)
    if valid.any():
        kept = scores[:, valid]
        q = np.nanquantile(kept, quantiles, axis=0)
        lo[valid], hi[valid] = q[0], q[1]
        sd[valid] = np.nanstd(kept, axis=0, ddof=1) if n_resamples > 1 else 0.0
    return lo, hi, sd


# --- validation and additive moments -------------------------------------------------------------


def _blocks(values: NDArray[Any]
            ) -> Iterator[tuple[int, NDArray[Any], NDArray[np.int64] | None]]:
    """Blocks of ``BLOCK`` answers: each one's offset, its answers and those as integers
    (``None`` when a float answer is not a whole number)."""
    is_float = values.dtype.kind == "f"
    buf = np.empty(min(BLOCK, values.size), dtype=np.int64)
    for a in range(0, values.size, BLOCK):
        chunk = values[a:a + BLOCK]
        yield a, chunk, _whole(chunk, buf, is_float)


def _whole(chunk: NDArray[Any], buf: NDArray[np.int64], is_float: bool
           ) -> NDArray[np.int64] | None:
    """A block of answers as integers (float answers through ``buf``); ``None`` when a float
    answer is not a whole number (NaN, infinities and fractions fail the round trip)."""
    if not is_float:
        out: NDArray[np.int64] = chunk.astype(np.int64, copy=False)
        return out
    lv = buf[:chunk.size]
    with np.errstate(invalid="ignore"):
        np.copyto(lv, chunk, casting="unsafe")
    return lv if bool(np.array_equal(lv, chunk)) else None


def levels_ok(values: NDArray[Any], low: int, n_levels: int, weights: Floats | None) -> bool:
    """Whether every value is a whole number ``low .. low + n_levels - 1`` and every weight
    is finite and >= 0 (the checks of ``level_counts``, without the count)."""
    for a, _, lv in _blocks(values):
        if lv is None:
            return False
        if int(lv.min()) < low or int(lv.max()) >= low + n_levels:
            return False
        if weights is not None:
            w = weights[a:a + BLOCK]
            if not (float(w.min()) >= 0 and bool(np.isfinite(w.max()))):  # NaN fails too
                return False
    return True


@dataclass(frozen=True)
class PowerSums:
    """Additive totals of continuous answers by group: rows, Σw, Σw², Σw(x - c), Σw(x - c)²
    around a fixed centre ``c`` (sums from several parts add up)."""

    n: NDArray[np.int64]
    sum_w: Floats
    sum_w2: Floats
    sum_x: Floats
    sum_xx: Floats


def power_sums(values: Floats, centre: float, *, groups: NDArray[np.int64] | None = None,
               n_groups: int = 1, weights: Floats | None = None) -> PowerSums:
    """Weighted sums of ``values - centre`` and of their squares by group (one pass each)."""
    g = np.zeros(values.size, dtype=np.int64) if groups is None else groups
    w = np.ones(values.size) if weights is None else weights
    x = values - centre
    wx = w * x
    return PowerSums(np.bincount(g, minlength=n_groups).astype(np.int64), sum_by(g, w, n_groups),
                     sum_by(g, w * w, n_groups), sum_by(g, wx, n_groups),
                     sum_by(g, wx * x, n_groups))
