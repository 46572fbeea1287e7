"""The k-group log-rank test from events and censorings per (group, time): pure numpy.

At each time ``t`` with ``d_t`` events among ``n_t`` at risk (``n_gt`` of them in group
``g``, a lifetime censored at ``t`` still at risk at ``t``), group ``g`` expects
``d_t n_gt / n_t`` of the events; the hypergeometric covariance of the counts is
``d_t (n_t - d_t) / (n_t - 1) * (n_gt / n_t) * (delta_gh - n_ht / n_t)``. Summed over the
times, ``Z = O - E`` and its covariance ``V`` give the statistic ``Z' V^- Z`` (a
generalised inverse, so that a group without members or events loses its degree of
freedom rather than breaking the test), chi-square with ``rank(V)`` degrees of freedom.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
B = NDArray[np.bool_]

__all__ = ["LogRank", "counts_by_time", "logrank"]


@dataclass(frozen=True)
class LogRank:
    """Observed and expected events per group, their covariance and the statistic."""

    members: I64
    observed: I64
    expected: F64
    covariance: F64
    statistic: float
    df: int


def counts_by_time(group: I64, time: NDArray[np.int64] | F64, event: B, n_groups: int
                   ) -> tuple[I64, I64]:
    """Events and censorings per (group, distinct time), shaped ``(n_groups, n_times)``, the
    times in increasing order: the counts ``logrank`` reads, whatever the times' scale."""
    times, code = np.unique(time, return_inverse=True)
    n_times = max(int(times.size), 1)
    cell = group * n_times + code.reshape(-1)
    size = n_groups * n_times
    events = np.bincount(cell[event], minlength=size).reshape(n_groups, n_times)
    censored = np.bincount(cell[~event], minlength=size).reshape(n_groups, n_times)
    return events.astype(np.int64), censored.astype(np.int64)


def logrank(events: I64, censored: I64) -> LogRank:
    """The log-rank test from events and censorings per (group, time index), shaped
    ``(n_groups, n_times)`` with times increasing (see the module documentation). The
    statistic is NaN with no degree of freedom (one group with members, or no event)."""
    leaving = events + censored
    # at risk at t: everyone whose time is t or later (a reversed running sum over times)
    at_risk = np.cumsum(leaving[:, ::-1], axis=1)[:, ::-1].astype(np.float64)
    n = at_risk.sum(axis=0)
    d = events.sum(axis=0).astype(np.float64)
    used = d > 0
    frac = np.divide(at_risk[:, used], n[used])
    dd, nn = d[used], n[used]
    expected = frac @ dd
    # d (n - d) / (n - 1); 0 where one is at risk (then d = n = 1 and nothing varies)
    weight = np.divide(dd * (nn - dd), nn - 1, out=np.zeros_like(dd), where=nn > 1)
    covariance = np.diag(frac @ weight) - (frac * weight) @ frac.T
    z = events.sum(axis=1) - expected
    df = int(np.linalg.matrix_rank(covariance)) if covariance.size else 0
    statistic = float(z @ np.linalg.pinv(covariance, hermitian=True) @ z) if df else np.nan
    return LogRank(at_risk[:, 0].astype(np.int64) if at_risk.shape[1] else
                   np.zeros(events.shape[0], np.int64), events.sum(axis=1).astype(np.int64),
                   expected, covariance, statistic, df)
