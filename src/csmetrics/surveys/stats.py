"""Counting and interval arithmetic shared by the survey metrics, comparisons and trends.

Answers counted per group (the ``_Tally`` of ``csmetrics.surveys.steps``, from the combined
partials of every part) give the NPS columns (adjusted-Wald, Wald or bootstrap) and the
share-and-mean columns of CSAT and CES (Wilson and Student t). ``scipy.stats``
is imported on first use only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.formatting import format_bound
from csmetrics._core.optional import scipy
from csmetrics._core.options import Interval, OneOf, Satisfies, check_option
from csmetrics._core.ratios import divide
from csmetrics._core.segments import segment_columns
from csmetrics._kernels import surveys as ks
from csmetrics.exceptions import InvalidParameterError
from csmetrics.surveys.inputs import Floats
from csmetrics.surveys.steps import _Tally
from csmetrics.tables.surveys import SurveyScale

_INTERVAL_NAMES = {"adjusted_wald": "adjusted-Wald", "wald": "Wald", "bootstrap": "bootstrap"}
NPS_INTERVAL = OneOf("adjusted_wald", "wald", "bootstrap")
TEST_INTERVAL = OneOf("adjusted_wald", "wald")
RESAMPLES = Interval(2, 100_000, integer=True)
_DEFAULT_SATISFIED = {(1, 5): 4, (1, 7): 6, (1, 10): 8, (0, 10): 8}
_CES = {
    "2.0": {"scale": SurveyScale(1, 7, label="agreement"), "higher": True,
            "easy": {(1, 7): 5, (1, 5): 4, (1, 10): 8}},
    "1.0": {"scale": SurveyScale(1, 5, label="effort"), "higher": False,
            "easy": {(1, 5): 2}},
}
_CES_VERSIONS = {"2": "2.0", "2.0": "2.0", "1": "1.0", "1.0": "1.0"}
CES_VERSION = Satisfies(lambda v: str(v).strip() in _CES_VERSIONS, "'2.0' or '1.0'")
NO_ANSWERS = "the number (or total weight) of answers"
"""What a survey score is undefined for when it is zero (the ``divide`` message)."""


# --- columns ---------------------------------------------------------------------------------


def _label_column(t: _Tally, cols: dict[str, Any]) -> dict[str, Any]:
    """The columns with the segment labels first."""
    return segment_columns(t.plan.by_name, t.plan.labels, t.plan.context, **cols)


# --- distributions ---------------------------------------------------------------------------


def _stats() -> Any:
    """``scipy.stats``, imported on first use."""
    return scipy("stats")


def _z(confidence: float, two_sided: bool = True) -> float:
    norm = _stats().norm
    return float(norm.ppf(0.5 + confidence / 2 if two_sided else confidence))


def _t(confidence: float, df: Floats, two_sided: bool = True) -> Floats:
    t = _stats().t
    q = 0.5 + confidence / 2 if two_sided else confidence
    with np.errstate(invalid="ignore"):
        return np.asarray(t.ppf(q, np.where(df > 0, df, np.nan)), dtype=np.float64)


def _two_sided_p(stat: Floats) -> Floats:
    norm = _stats().norm
    return np.asarray(2.0 * norm.sf(np.abs(stat)), dtype=np.float64)


def _welch_p(stat: Floats, df: Floats) -> Floats:
    """Two-sided p-value of a t statistic with (Welch) degrees of freedom ``df``."""
    with np.errstate(invalid="ignore"):
        return np.asarray(2.0 * _stats().t.sf(np.abs(stat), df), dtype=np.float64)


# --- NPS -------------------------------------------------------------------------------------


def _nps_interval(p: Floats, d: Floats, n_eff: Floats, interval: str) -> tuple[Floats, Floats]:
    """Centre and standard error (fractions) of NPS by ``interval`` ("wald" or adjusted).

    The interval is ``centre ± z se``: the Wald centre is the observed ``p - d``; the
    adjusted-Wald centre adds 3/4 of an answer to the promoters and to the detractors.
    """
    if interval == "wald":
        return ks.nps_wald(p, d, n_eff, 0.0)
    return ks.nps_adjusted_wald(p, d, n_eff)


def _nps_columns(t: _Tally, *, confidence: float, interval: str, n_resamples: int,
                 seed: int | np.random.Generator | None, context: str) -> dict[str, Any]:
    """The NPS columns of every group; one warning for groups without answers."""
    assert t.counts is not None
    det = t.counts[:, :7].sum(axis=1)
    pas = t.counts[:, 7:9].sum(axis=1)
    pro = t.counts[:, 9:].sum(axis=1)
    nps, p, passive, d = divide(np.stack([100.0 * (pro - det), pro, pas, det]), t.sum_w,
                                context=context, what=NO_ANSWERS)
    empty = ~(t.sum_w > 0)
    z = _z(confidence)
    if interval == "bootstrap":
        lo, hi, se = _bootstrap(t, det, pas, pro, confidence, n_resamples, seed)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            centre, se = _nps_interval(p, d, t.n_eff, interval)
        lo, hi = centre - z * se, centre + z * se
    nan = np.where(empty, np.nan, 1.0)
    with np.errstate(invalid="ignore"):
        return {
            "nps": nps,
            "ci_low": np.clip(100.0 * lo, -100.0, 100.0) * nan,
            "ci_high": np.clip(100.0 * hi, -100.0, 100.0) * nan,
            "se": 100.0 * se * nan,
            "n": t.n,
            "effective_n": t.n_eff,
            "promoters": pro,
            "passives": pas,
            "detractors": det,
            "promoter_share": p,
            "passive_share": passive,
            "detractor_share": d,
        }


def _bootstrap(t: _Tally, det: Floats, pas: Floats, pro: Floats, confidence: float,
               n_resamples: int, seed: int | np.random.Generator | None
               ) -> tuple[Floats, Floats, Floats]:
    plan = t.plan
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    g_count = plan.n_groups
    if t.cells is None:
        cell_group = np.repeat(np.arange(g_count), 3)
        cell_value = np.tile([-1.0, 0.0, 1.0], g_count)
        cell_weight = np.ones(3 * g_count)
        cell_count = np.rint(np.stack([det, pas, pro], axis=1).reshape(-1)).astype(np.int64)
    else:  # the answers that share a category and a weight, in (group, category, weight)
        assert plan.weight_levels is not None
        n_levels = plan.weight_levels.size
        cells = np.flatnonzero(t.cells.reshape(-1))
        cell_count = t.cells.reshape(-1)[cells]
        cell_weight = plan.weight_levels[cells % n_levels]
        cell_group = cells // n_levels // 3
        cell_value = (cells // n_levels % 3 - 1).astype(np.float64)
    alpha = 1.0 - confidence
    return ks.bootstrap_nps(cell_group, cell_value, cell_weight, cell_count.astype(np.int64),
                            g_count, int(n_resamples), rng, (alpha / 2, 1.0 - alpha / 2))


# --- CSAT and CES ----------------------------------------------------------------------------


def _share_mean_columns(t: _Tally, *, confidence: float, threshold: float, at_most: bool,
                        context: str) -> tuple[dict[str, Floats], NDArray[np.bool_]]:
    """Share at the threshold with Wilson bounds, and the mean with t bounds, per group.

    One warning for groups without answers (from the share's division); the second value
    flags the other groups whose mean has no interval (fewer than two effective answers).
    """
    scale = t.plan.scale
    empty = ~(t.sum_w > 0)
    hit = t.total_at(threshold, at_most)
    share = divide(hit, t.sum_w, context=context, what=NO_ANSWERS)
    z = _z(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        lo, hi = ks.wilson(share, t.n_eff, z)
        var = ks.sample_variance(t.sum_sq, t.sum_w, t.n_eff)
        no_spread = ~(t.n_eff > 1)
        sd = np.where(no_spread, np.nan, np.sqrt(np.maximum(var, 0.0)))
        se = sd / np.sqrt(t.n_eff)
        tq = _t(confidence, t.n_eff - 1.0)
        mean = np.where(empty, np.nan, t.mean)
        m_lo = np.clip(mean - tq * se, scale.low, scale.high)
        m_hi = np.clip(mean + tq * se, scale.low, scale.high)
    return ({"share": share, "lo": lo, "hi": hi, "mean": mean, "m_lo": m_lo, "m_hi": m_hi,
             "sd": sd, "hit": hit}, no_spread & ~empty)


MEAN_INTERVAL = "the mean's interval is"
FEWER_THAN_TWO = "there are fewer than two (effective) answers"


def _threshold(value: float | None, defaults: Mapping[tuple[int, int], float],
               scale: SurveyScale, context: str, name: str) -> float:
    """``value`` checked to be on ``scale``, or the scale's documented default."""
    if value is None:
        key = (int(scale.low), int(scale.high)) if scale.integer else None
        if key not in defaults:
            raise InvalidParameterError(
                f"{context}: there is no default {name} for the {scale} scale; give one, "
                f"such as {name}={format_bound(scale.high)}.")
        return float(defaults[key])  # type: ignore[index]
    check_option(context, name, value, Interval(scale.low, scale.high))
    return float(value)


def _ces_version(version: Any) -> str:
    """``"2.0"`` or ``"1.0"`` from any accepted spelling (checked by ``CES_VERSION``)."""
    return _CES_VERSIONS[str(version).strip()]
