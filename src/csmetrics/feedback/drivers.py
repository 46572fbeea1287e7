"""Key drivers: the relative importance of attribute ratings for an outcome (a survey score).

Two decompositions of the R-squared of the linear regression of the outcome on the drivers,
both computed from the correlation matrix of the complete answers: Johnson's (2000) relative
weights (the default), and the Shapley value of R-squared over every subset of drivers (LMG,
dominance analysis). Each driver's share comes with a percentile bootstrap interval and sits
next to its performance (its mean rating on 0-100 of its scale), the two axes of the
importance-performance quadrant chart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.options import (
    CONFIDENCE,
    SEED,
    Interval,
    OneOf,
    Satisfies,
    is_names,
    validate_params,
)
from csmetrics._core.segments import By, segment_columns
from csmetrics._core.warnings import warn_if_undefined
from csmetrics._kernels import drivers as kd
from csmetrics.exceptions import InvalidParameterError
from csmetrics.feedback.driver_inputs import DriverColumns, read_columns, read_table
from csmetrics.feedback.driver_results import KeyDrivers, quadrants
from csmetrics.tables.accounts import BY
from csmetrics.tables.surveys import SurveyTable

__all__ = ["MAX_SHAPLEY_DRIVERS", "key_drivers"]

MAX_SHAPLEY_DRIVERS = 12
"""The most drivers ``method="shapley"`` takes: it fits 2^k regressions (4,096 at 12)."""

Floats = NDArray[np.float64]
Method = Literal["relative_weights", "shapley"]
_CONTEXT = "key_drivers"


def _is_scales(value: Any) -> bool:
    if value is None:
        return True
    if not isinstance(value, Mapping):
        return False
    for scale in value.values():
        if scale is None:
            continue
        low, high = (float(v) for v in scale)
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            return False
    return all(isinstance(k, str) for k in value)


_OPTIONS = {
    "outcome": Satisfies(lambda v: v is None or isinstance(v, str), "a column name or None"),
    "drivers": Satisfies(lambda v: v is None or (is_names(v, one=False) and not isinstance(
        v, str)), "a list of column names, or None"),
    "method": OneOf("relative_weights", "shapley"),
    "by": BY,
    "scales": Satisfies(_is_scales, "a mapping of driver name to (low, high) with low < high, "
                                    "or None"),
    "confidence": CONFIDENCE,
    "n_resamples": Interval(0, 100_000, integer=True),
    "seed": SEED,
    "missing": OneOf("exclude", "raise"),
    "survey": Satisfies(lambda v: v is None or isinstance(v, str), "a survey name or None"),
}


@validate_params(_OPTIONS)
def key_drivers(
    data: Any,
    *,
    outcome: str | None = None,
    drivers: Sequence[str] | None = None,
    method: Method = "relative_weights",
    by: By = None,
    scales: Mapping[str, tuple[float, float] | None] | None = None,
    confidence: float = 0.95,
    n_resamples: int = 1_000,
    seed: int | np.random.Generator | None = 0,
    missing: Literal["exclude", "raise"] = "exclude",
    survey: str | None = None,
) -> KeyDrivers:
    """Relative importance of each driver (attribute rating) for an outcome (0-1 shares).

    Parameters
    ----------
    data : columns or SurveyTable
        One row per respondent: a mapping of columns, a pandas or polars DataFrame, a pyarrow
        Table or any Arrow stream (``__arrow_c_stream__``); or a ``SurveyTable`` with
        attribute ratings, one response per row: its score is the outcome and its
        attributes the drivers.
    outcome : str
        The outcome's column (an NPS or satisfaction score); with a ``SurveyTable``, None
        (or ``"score"``): the score.
    drivers : list of str
        The drivers' columns (ratings of attributes: ease, support, price ...); with a
        ``SurveyTable``, attribute names, None for all of them.
    method : {"relative_weights", "shapley"}, default "relative_weights"
        Johnson's relative weights, or the Shapley decomposition of R-squared (LMG), which
        takes at most ``MAX_SHAPLEY_DRIVERS`` (12) drivers.
    by : None, str or mapping, optional
        ``None``: one block of importances; a column of the data: one block per value; a
        mapping from customer id to segment (the data need a ``customer_id`` column): one
        block per segment, unmapped customers in ``"(none)"``.
    scales : mapping of str to (low, high), optional
        The rating scale of drivers (``{"ease": (1, 7)}``), for their performance on 0-100.
    confidence : float, default 0.95
        Level of the percentile bootstrap interval of each importance.
    n_resamples : int, default 1000
        Bootstrap resamples (0: no interval, its columns NaN).
    seed : int, numpy Generator or None, default 0
        The bootstrap's random draw (the same seed, the same interval).
    missing : {"exclude", "raise"}, default "exclude"
        Leave out answers with a missing outcome or driver (counted in ``excluded``), or
        raise a ``DataValidationError`` naming them.
    survey : str, optional
        With a ``SurveyTable`` holding several surveys, the survey whose responses are read
        (``"nps"``). Response weights are not used: every response counts once.

    Returns
    -------
    KeyDrivers
        One row per driver (per segment): value column ``importance``, with
        ``importance_low``, ``importance_high``, ``weight``, ``r_squared``, ``n``,
        ``excluded``, ``mean``, ``performance`` and ``quadrant``.

    Raises
    ------
    InvalidParameterError
        A bad option: no outcome or drivers, a driver given twice or equal to the outcome,
        ``by`` naming the outcome or a driver, a scale for a column that is not a driver,
        more than 12 drivers for ``"shapley"``; with a ``SurveyTable``, an outcome other
        than the score, no attribute ratings, or several surveys and no ``survey=``.
    ColumnNotFoundError
        A column is not in the data.
    DataValidationError
        A value is not a number or is infinite (or missing, with ``missing="raise"``).

    Notes
    -----
    Let ``R`` be the correlation matrix of the drivers and ``r`` their correlations with the
    outcome, over the complete answers of a block (listwise exclusion). The regression's
    ``R2 = r' R^-1 r``.

    * **Relative weights** (Johnson 2000): with ``R = V diag(l) V'``, the drivers' orthogonal
      counterparts ``Z`` correlate with them as ``L = V diag(sqrt l) V'``; the outcome's
      regression on ``Z`` has ``b = L^-1 r``, and driver j's raw weight is
      ``sum_k L_jk^2 b_k^2``. The raw weights sum to ``R2``.
    * **Shapley** (Lindeman, Merenda and Gold 1980; Budescu 1993; Gromping 2007): driver
      j's weight is its gain in R-squared when added to a subset ``S`` of the others,
      averaged with weights ``|S|! (k - |S| - 1)! / k!`` over all ``2^(k-1)`` subsets. The
      weights sum to the full model's ``R2``.

    ``importance`` is ``weight / R2``: the shares sum to 1 within a block. Its interval is
    the percentile interval of the shares over ``n_resamples`` resamples of the block's
    answers with replacement (a multinomial draw over the distinct answer patterns, which
    is the same draw as resampling rows; resamples in which a driver does not vary are left
    out). ``performance = 100 (mean - low) / (high - low)``. The quadrant splits drivers at
    the block's mean importance and mean performance (a driver at a mean counts as high):
    "fix first" (important, low performance), "keep" (important, high), "maintain" (less
    important, high), "low priority"; without scales the raw means split the drivers
    (meaningful when they share one scale).

    A block is NaN, with an ``UndefinedMetricWarning``, when it has fewer complete answers
    than drivers + 2, when the outcome or a driver does not vary, or when the drivers are
    perfectly collinear (the smallest eigenvalue of ``R`` below 1e-10).

    References
    ----------
    Johnson, J. W. (2000). A heuristic method for estimating the relative weight of predictor
    variables in multiple regression. Multivariate Behavioral Research, 35(1), 1-19.
    Lindeman, R. H., Merenda, P. F. and Gold, R. Z. (1980). Introduction to Bivariate and
    Multivariate Analysis. Gromping, U. (2007). Estimators of relative importance in linear
    regression based on variance decomposition. The American Statistician, 61(2), 139-147.
    Martilla, J. A. and James, J. C. (1977). Importance-performance analysis. Journal of
    Marketing, 41(1), 77-79.

    Examples
    --------
    Two uncorrelated drivers: each one's weight is its squared correlation with the outcome
    (-0.894 and -0.447; together they explain it all).

    >>> data = {"nps": [1, 2, 3, 4], "ease": [1, 1, -1, -1], "price": [1, -1, 1, -1]}
    >>> r = key_drivers(data, outcome="nps", drivers=["ease", "price"],
    ...                 scales={"ease": (-1, 1), "price": (-1, 1)}, n_resamples=0)
    >>> [round(float(w), 2) for w in r["weight"]], round(r.r_squared, 2)
    ([0.8, 0.2], 1.0)
    >>> r["performance"].tolist(), r["quadrant"].tolist()   # both at the mean: high
    ([50.0, 50.0], ['keep', 'maintain'])
    """
    if isinstance(data, SurveyTable):
        columns = read_table(data, outcome, drivers, by, missing, scales, survey)
    else:
        if survey is not None:
            raise InvalidParameterError(f"{_CONTEXT}: survey= selects the responses of a "
                                        "SurveyTable; columns have no surveys.")
        columns = read_columns(data, outcome, drivers, by, missing, scales)
    k = len(columns.drivers)
    if method == "shapley" and k > MAX_SHAPLEY_DRIVERS:
        raise InvalidParameterError(
            f"{_CONTEXT}: method='shapley' fits every subset of drivers (2^k regressions) and "
            f"takes at most {MAX_SHAPLEY_DRIVERS} drivers, got {k}; use "
            "method='relative_weights'.")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    blocks = [_block(columns.complete_rows(rows), columns.excluded_in(rows), method,
                     n_resamples, confidence, rng) for rows in columns.rows_of_segments()]
    return _result(columns, blocks, method, confidence, n_resamples)


@dataclass(frozen=True)
class _Block:
    """One segment's estimates: one entry per driver; ``reason`` says why it is NaN."""

    weight: Floats
    share: Floats
    low: Floats
    high: Floats
    r_squared: float
    n: int
    excluded: int
    mean: Floats
    reason: str = ""


def _block(complete: Floats, excluded: int, method: str, n_resamples: int, confidence: float,
           rng: np.random.Generator) -> _Block:
    n, p = complete.shape
    k = p - 1
    nan = np.full(k, np.nan)
    unique, counts = kd.patterns(complete)
    mean = _mean(unique[:, 1:], counts) if n else nan
    if n < k + 2:
        return _Block(nan, nan, nan, nan, np.nan, n, excluded, mean, "few")
    if (unique.min(axis=0) == unique.max(axis=0)).any():
        return _Block(nan, nan, nan, nan, np.nan, n, excluded, mean, "constant")
    aug = kd.augmented(kd.standardised(unique, counts))
    corr, var = kd.correlations(kd.gram(aug, counts.astype(np.float64))[None])
    weight = _weights(corr, method)[0]
    if np.isnan(weight).any():
        return _Block(nan, nan, nan, nan, np.nan, n, excluded, mean, "collinear")
    r2 = float(weight.sum())
    shares = np.empty((0, k))
    parts = []
    for draws in kd.resample_counts(counts, n_resamples, rng):
        c, v = kd.correlations(np.stack([kd.gram(aug, w) for w in draws]))
        flat = (v <= 1e-12 * var).any(axis=1)  # a resample in which something does not vary
        c[flat] = np.nan
        w = _weights(c, method)
        with np.errstate(invalid="ignore", divide="ignore"):
            parts.append(w / w.sum(axis=1, keepdims=True))
    if parts:
        shares = np.concatenate(parts)
    low, high = nan, nan
    kept = shares[np.isfinite(shares).all(axis=1)]
    if kept.shape[0] >= 2:
        alpha = 1.0 - confidence
        low, high = np.quantile(kept, [alpha / 2, 1.0 - alpha / 2], axis=0)
    return _Block(weight, weight / r2, low, high, r2, n, excluded, mean)


def _mean(unique: Floats, counts: NDArray[np.int64]) -> Floats:
    """Column means of the answers from their patterns, without overflow (ratings near the
    float64 limit)."""
    top = np.abs(unique).max(axis=0)
    top = np.where(top > 0, top, 1.0)
    return np.asarray(counts @ (unique / top) / counts.sum() * top, dtype=np.float64)


def _weights(corr: Floats, method: str) -> Floats:
    if method == "shapley":
        return kd.shapley(kd.subset_r_squared(corr), corr.shape[1] - 1)
    return kd.relative_weights(corr)


_BECAUSE = {
    "few": "a segment has fewer complete answers than drivers + 2",
    "constant": "the outcome or a driver does not vary within a segment",
    "collinear": "the drivers are perfectly collinear within a segment",
}


def _result(columns: DriverColumns, blocks: list[_Block], method: str, confidence: float,
            n_resamples: int) -> KeyDrivers:
    k = len(columns.drivers)
    g = len(blocks)
    block = np.repeat(np.arange(g, dtype=np.int64), k)

    def stack(attr: str) -> Floats:
        parts = [np.broadcast_to(np.asarray(getattr(b, attr), dtype=float), (k,))
                 for b in blocks]
        return np.concatenate(parts) if parts else np.empty(0)

    low = np.array([s[0] if s is not None else np.nan for s in (
        columns.scales.get(d) for d in columns.drivers)], dtype=float)
    high = np.array([s[1] if s is not None else np.nan for s in (
        columns.scales.get(d) for d in columns.drivers)], dtype=float)
    mean = stack("mean")
    performance = 100.0 * (mean - np.tile(low, g)) / (np.tile(high, g) - np.tile(low, g))
    share = stack("share")
    known = bool(np.isfinite(low).all())
    quadrant = quadrants(share, performance if known else mean, block)
    for reason, because in _BECAUSE.items():
        warn_if_undefined(np.repeat([b.reason == reason for b in blocks], k).astype(bool),
                          context=_CONTEXT, because=because)
    if n_resamples and any(not b.reason for b in blocks):
        warn_if_undefined(np.isnan(stack("low")) & np.isfinite(share), context=_CONTEXT,
                          what="the importance's interval is",
                          because="fewer than two resamples had every driver varying")
    warn_if_undefined(np.isnan(performance) & np.isfinite(mean), context=_CONTEXT,
                      what="the performance is",
                      because="the driver's scale is unknown (give scales={driver: (low, "
                              "high)})")
    labels = columns.segments.labels[block] if columns.segments.name is not None else None
    cols = segment_columns(
        columns.segments.name, labels, _CONTEXT, None,
        driver=np.tile(np.array(columns.drivers, dtype=object), g),
        importance=share, importance_low=stack("low"), importance_high=stack("high"),
        weight=stack("weight"), r_squared=stack("r_squared"),
        n=np.repeat([b.n for b in blocks], k).astype(np.int64),
        excluded=np.repeat([b.excluded for b in blocks], k).astype(np.int64),
        mean=mean, performance=performance, quadrant=quadrant)
    return KeyDrivers(cols, method=method, outcome=columns.outcome, confidence=confidence,
                      n_resamples=n_resamples, segment=columns.segments.name)
