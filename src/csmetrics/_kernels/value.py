"""Closed-form lifetime-value kernel: pure numpy over aligned arrays. No validation, no loops.

The shifted-beta-geometric likelihood is in ``_kernels.sbg``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]


def lifetime_value(margin: F64, churn: F64, discount: F64, horizon: F64, start: bool) -> F64:
    """Expected discounted margin of one customer, per the geometric-retention formulas.

    With ``q = (1 - churn) / (1 + discount)`` and cash at the start of each period the
    customer is active: ``margin * (1 - q**H) / (1 - q)``; at the end of each period, the
    same divided by ``1 + discount``. ``horizon`` H is inf for no cap; with ``q == 1`` the
    sum is ``margin * H`` (inf for an uncapped horizon).
    """
    q = (1.0 - churn) / (1.0 + discount)
    rate = discount + churn  # (1 - q) * (1 + discount)
    finite_h = np.isfinite(horizon)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tail = np.where(finite_h, 1.0 - np.power(q, np.where(finite_h, horizon, 1.0)), 1.0)
        per_unit = np.where(rate > 0, (1.0 + discount) * tail / np.where(rate > 0, rate, 1.0),
                            np.where(rate == 0, np.where(finite_h, horizon, np.inf), np.nan))
        value = margin * per_unit
        # A zero margin is worth zero however long it lasts.
        value = np.where(margin == 0, 0.0, value)
    if not start:
        value = value / (1.0 + discount)
    return np.asarray(value, dtype=np.float64)
