"""Key-driver kernels: moments of distinct answer patterns, correlations, Johnson's relative
weights, the Shapley (LMG) decomposition of R-squared and their bootstrap.

Pure numpy over whole columns. A block of answers is an ``(n, p)`` array whose column 0 is
the outcome and columns 1..k the drivers. Survey ratings repeat: rows are reduced once to
their distinct *patterns* with a count each, and everything else (the point estimate and every
bootstrap replicate) needs only the weighted cross-products of the patterns,
``[1, x]' diag(w) [1, x]``. A bootstrap replicate is a
multinomial draw of ``n`` over the patterns with probabilities ``count / n``: exactly the
resampling of rows with replacement, whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from math import factorial

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]

SINGULAR = 1e-10
"""Smallest eigenvalue of the drivers' correlation matrix below which they are collinear."""


def patterns(block: Floats) -> tuple[Floats, Ints]:
    """The distinct rows of ``block`` in an order that depends only on the values (never on
    the order of the rows), and how often each occurs.

    Whole ratings on short scales (the usual survey) are read as one mixed-radix number per
    row and counted with ``np.bincount``; other values are sorted by a 64-bit hash of the
    row (identical rows hash alike), then split where a row differs from the one before.

    Examples
    --------
    >>> u, c = patterns(np.array([[2.0, 1.0], [1.0, 3.0], [2.0, 1.0]]))
    >>> sorted(zip(map(tuple, u.tolist()), c.tolist()))
    [((1.0, 3.0), 1), ((2.0, 1.0), 2)]
    """
    n, p = block.shape
    if n == 0:
        return np.zeros((0, p)), np.zeros(0, dtype=np.int64)
    low = block.min(axis=0)
    with np.errstate(over="ignore"):
        span = block.max(axis=0) - low + 1.0   # inf beyond the float64 range: not ratings
    if np.prod(span) <= _RADIX_LIMIT and all(
            bool((block[:, j] == np.floor(block[:, j])).all()) for j in range(p)):
        radix = np.cumprod(np.concatenate([[1.0], span[:-1]]))
        key = ((block - low) @ radix).astype(np.int64)   # exact: below 2^22
        counts = np.bincount(key, minlength=int(np.prod(span)))
        present = np.flatnonzero(counts)
        digits = (present[:, None] // radix.astype(np.int64)) % span.astype(np.int64)
        return np.asfortranarray(digits + low), counts[present].astype(np.int64)
    order = np.argsort(_row_hash(block), kind="stable")
    rows = np.empty((n, p), order="F")
    for j in range(p):  # a gather per column reads each column once
        rows[:, j] = block[:, j][order]
    new = np.ones(n, dtype=bool)
    new[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    starts = np.flatnonzero(new)
    counts_ = np.diff(np.append(starts, n)).astype(np.int64)
    return np.asfortranarray(rows[starts]), counts_


_RADIX_LIMIT = float(1 << 22)
"""Most cells of the table of whole-rating combinations counted with ``np.bincount``."""


def _row_hash(block: Floats) -> NDArray[np.uint64]:
    """A 64-bit hash of each row's values (splitmix64 finaliser over the bit patterns)."""
    h = np.zeros(block.shape[0], dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(block.shape[1]):  # one pass per column; + 0.0: -0.0 hashes as 0.0
            bits = np.ascontiguousarray(block[:, j] + 0.0).view(np.uint64)
            h ^= bits + np.uint64(0x9E3779B97F4A7C15)
            h ^= h >> np.uint64(30)
            h *= np.uint64(0xBF58476D1CE4E5B9)
            h ^= h >> np.uint64(27)
            h *= np.uint64(0x94D049BB133111EB)
            h ^= h >> np.uint64(31)
    return h


def standardised(unique: Floats, counts: Ints) -> Floats:
    """Columns centred on their (count-weighted) mean and divided by their largest absolute
    deviation, so that products neither overflow nor cancel (correlations are unchanged)."""
    if unique.shape[0] == 0:
        return np.zeros(unique.shape, dtype=np.float64)
    # Shifting by one answer first keeps the digits of values far from 0 (1e9 + a rating);
    # values so large that the shift overflows are scaled down first.
    with np.errstate(over="ignore", invalid="ignore"):
        x = unique - unique[0]
    if not np.isfinite(x).all():
        top = np.abs(unique).max(axis=0)
        scaled = unique / np.where(top > 0, top, 1.0)
        x = scaled - scaled[0]
    w = counts / max(int(counts.sum()), 1)
    x = x - w @ x
    spread = np.abs(x).max(axis=0)
    return np.asarray(x / np.where(spread > 0, spread, 1.0), dtype=np.float64)


def augmented(x: Floats) -> Floats:
    """``[1, x]``, column-major: the design whose weighted cross-products give every
    moment a correlation needs."""
    aug = np.empty((x.shape[0], x.shape[1] + 1), order="F")
    aug[:, 0] = 1.0
    aug[:, 1:] = x
    return aug


def gram(aug: Floats, weights: Floats) -> Floats:
    """The weighted cross-products ``aug' diag(weights) aug``: ``(p + 1, p + 1)``."""
    return np.asarray((aug * weights[:, None]).T @ aug, dtype=np.float64)


def correlations(grams: Floats) -> tuple[Floats, Floats]:
    """Correlation matrices ``(m, p, p)`` from weighted cross-products ``(m, p + 1, p + 1)``
    of ``[1, x]``, and each column's variance ``(m, p)`` (NaN where a weight total is 0)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        n = grams[:, 0, 0]
        mean = grams[:, 0, 1:] / n[:, None]
        cov = grams[:, 1:, 1:] / n[:, None, None] - mean[:, :, None] * mean[:, None, :]
        var = np.diagonal(cov, axis1=1, axis2=2).copy()
        sd = np.sqrt(np.maximum(var, 0.0))
        corr = cov / (sd[:, :, None] * sd[:, None, :])
    return corr, var


def relative_weights(corr: Floats) -> Floats:
    """Johnson's (2000) raw relative weights ``(m, k)`` from correlations ``(m, p, p)``
    (outcome first); each row sums to the model's R-squared.

    ``R_xx = V diag(l) V'``; ``L = V diag(sqrt l) V'`` correlates each driver with its
    orthogonal counterpart; ``b = V diag(1/sqrt l) V' r_xy`` regresses the outcome on the
    counterparts; the weight of driver j is ``sum_k L_jk^2 b_k^2``. Rows whose drivers are
    collinear are NaN.

    Examples
    --------
    >>> r = np.array([[[1.0, 0.5, 0.3], [0.5, 1.0, 0.0], [0.3, 0.0, 1.0]]])
    >>> relative_weights(r).round(2).tolist()   # uncorrelated drivers: r_xy squared
    [[0.25, 0.09]]
    """
    rxx, rxy = _split(corr)
    ok = _regular(rxx)
    rxx = np.where(ok[:, None, None], rxx, np.eye(rxx.shape[1]))
    lam, vec = np.linalg.eigh(rxx)
    lam = np.maximum(lam, SINGULAR)
    root = (vec * np.sqrt(lam)[:, None, :]) @ np.swapaxes(vec, 1, 2)
    inv_root = (vec / np.sqrt(lam)[:, None, :]) @ np.swapaxes(vec, 1, 2)
    beta = (inv_root @ rxy[:, :, None])[:, :, 0]
    raw = (root ** 2) @ (beta ** 2)[:, :, None]
    return np.where(ok[:, None], raw[:, :, 0], np.nan)


def subset_r_squared(corr: Floats) -> Floats:
    """R-squared ``(m, 2^k)`` of the regression on every subset of drivers, indexed by the
    bit mask of the subset (bit j: driver j); ``R2(S) = r_S' R_SS^-1 r_S``."""
    rxx, rxy = _split(corr)
    m, k = rxy.shape
    ok = _regular(rxx)
    rxx = np.where(ok[:, None, None], rxx, np.eye(k))
    rxy = np.where(ok[:, None], rxy, 0.0)
    out = np.zeros((m, 1 << k))
    for mask in range(1, 1 << k):  # one batched solve per subset (2^k <= 4,096)
        idx = np.flatnonzero((mask >> np.arange(k)) & 1)
        r = rxy[:, idx]
        sol = np.linalg.solve(rxx[:, idx[:, None], idx[None, :]], r[:, :, None])[:, :, 0]
        out[:, mask] = (r * sol).sum(axis=1)
    out[~ok] = np.nan
    return out


def shapley(r2: Floats, k: int) -> Floats:
    """Shapley values ``(m, k)`` of R-squared over subsets (LMG; Lindeman, Merenda and Gold
    1980; dominance analysis): driver j's average gain in R-squared when it joins a subset,
    weighted ``|S|! (k - |S| - 1)! / k!``; each row sums to the full model's R-squared.

    Examples
    --------
    >>> r2 = np.array([[0.0, 0.25, 0.09, 0.34]])   # two uncorrelated drivers
    >>> shapley(r2, 2).round(2).tolist()
    [[0.25, 0.09]]
    """
    masks = np.arange(1 << k)
    size = ((masks[:, None] >> np.arange(k)) & 1).sum(axis=1)
    fact = np.array([factorial(s) for s in range(k + 1)], dtype=np.float64)
    out = np.empty((r2.shape[0], k))
    for j in range(k):  # one pass per driver
        without = masks[(masks >> j) & 1 == 0]
        s = size[without]
        weight = fact[s] * fact[k - s - 1] / fact[k]
        out[:, j] = (r2[:, without | (1 << j)] - r2[:, without]) @ weight
    return out


def resample_counts(counts: Ints, n_resamples: int, rng: np.random.Generator,
                    max_elements: int = 1 << 22) -> Iterator[Floats]:
    """Bootstrap weights of the patterns, ``(m, u)`` per block of replicates.

    Each replicate is a multinomial draw of ``n = counts.sum()`` over the patterns with
    probabilities ``counts / n`` (rows drawn with replacement). With few patterns the draw is
    direct; with many (continuous answers), ``n`` row indices are drawn and counted per
    pattern, in blocks that bound the memory used.
    """
    u, n = counts.size, int(counts.sum())
    if n_resamples <= 0 or n == 0:
        return
    if 16 * u <= n:
        step = max(1, max_elements // max(u, 1))
        p = counts / n
        for b in range(0, n_resamples, step):
            m = min(step, n_resamples - b)
            yield rng.multinomial(n, p, size=m).astype(np.float64)
        return
    of_row = np.repeat(np.arange(u, dtype=np.int64), counts)
    step = max(1, max_elements // n)
    for b in range(0, n_resamples, step):
        m = min(step, n_resamples - b)
        drawn = of_row[rng.integers(0, n, size=(m, n))]
        drawn += (np.arange(m, dtype=np.int64) * u)[:, None]
        yield np.bincount(drawn.ravel(), minlength=m * u).reshape(m, u).astype(np.float64)


def _split(corr: Floats) -> tuple[Floats, Floats]:
    return corr[:, 1:, 1:], corr[:, 1:, 0]


def _regular(rxx: Floats) -> NDArray[np.bool_]:
    """Which matrices are finite and not (numerically) singular."""
    finite: NDArray[np.bool_] = np.asarray(np.isfinite(rxx).all(axis=(1, 2)), dtype=bool)
    safe = np.where(finite[:, None, None], rxx, np.eye(rxx.shape[1]))
    return np.asarray(finite & (np.linalg.eigvalsh(safe)[:, 0] > SINGULAR), dtype=bool)
