"""Scheduled churn beside the MRR bridge: MRR still paying at a period's end whose
subscription has a ``cancel_at`` after it (the customer has asked to leave).

At each period end ``d`` of the window, a span active on ``d`` (``start <= d < end``) with
``cancel_at > d`` is scheduled to churn; a customer's scheduled MRR is the sum of those spans'
MRR, rounded to the cent like all MRR. ``scheduled_churn`` is its total per segment and
``scheduled_churned_customers`` the customers with some. Scheduled MRR is part of the ending
MRR (the customer still pays), not a movement: the bridge is unchanged and still closes, and
the churn itself shows when the span ends. ``details()`` lists each scheduled customer as a
row of movement ``"scheduled_churn"`` (``previous_mrr == mrr`` the MRR scheduled to leave,
``change`` 0). The table keeps no date on which the cancellation
was asked for, so a span with a ``cancel_at`` counts at every period end it runs through
before that date.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.partials import Partials
from csmetrics._kernels import revenue as kr
from csmetrics.revenue.conversion import conversion
from csmetrics.revenue.engine import Plan, Run, bridge_partials

__all__ = ["SCHEDULED", "scheduled_columns", "scheduled_details", "scheduled_points",
           "with_scheduled"]

SCHEDULED = ("scheduled_churn", "scheduled_churned_customers")
"""The columns ``mrr_movements`` adds after its counts."""


def scheduled_points(r: Run, n_cur: int = 1) -> tuple[NDArray[np.int64], NDArray[np.int64],
                                                     NDArray[np.int64]]:
    """Each (pair, period) with scheduled MRR: the pair ``entity * n_cur + currency`` (of
    the run's user entities ``r.seg``; ``n_cur`` 1: the entity), the 0-based period and
    the MRR in local minor units, rounded per pair."""
    plan, table = r.plan, r.table
    n_t = plan.n_periods
    ends = plan.snapshots[plan.base + 1:plan.base + 1 + n_t]
    rows = np.flatnonzero(~np.isnat(table.cancel_at) & (table.mrr_units != 0))
    start = table.start[rows].astype(np.int64)[:, None]
    end = table.end[rows]
    stop = np.where(np.isnat(end), np.iinfo(np.int64).max, end.astype(np.int64))[:, None]
    cancel = table.cancel_at[rows].astype(np.int64)[:, None]
    row, t = np.nonzero((start <= ends) & (ends < stop) & (cancel > ends))
    entity = r.seg.entity_of_row[rows[row]]
    currency = table.currency_codes[rows[row]] if n_cur > 1 else np.zeros(row.size, np.int64)
    key = (entity * n_cur + currency) * n_t + t
    keys, inverse = np.unique(key, return_inverse=True)
    units = np.bincount(inverse.reshape(-1), weights=table.mrr_units[rows[row]],
                        minlength=keys.size)
    minor = kr.units_to_minor(np.rint(units).astype(np.int64))
    keep = minor > 0
    return keys[keep] // n_t, keys[keep] % n_t, minor[keep]


def with_scheduled(r: Run) -> Partials:
    """The bridge partials of a run and its scheduled churn per cell (segment, or segment
    and currency with ``fx``) and period, in local minor units, and scheduled customers per
    segment and period."""
    base = bridge_partials(r)
    plan = r.plan
    n_t, n_seg = plan.n_periods, plan.n_segments
    n_cur = 1 if plan.fx is None else plan.n_currencies
    pair, t, minor = scheduled_points(r, n_cur)
    k_seg = r.seg.segment_of_entity[pair // n_cur]
    cell = (k_seg * n_cur + pair % n_cur) * n_t + t
    money = np.bincount(cell, weights=minor, minlength=n_seg * n_cur * n_t)
    paying = np.unique((pair // n_cur) * n_t + t)
    seg_t = r.seg.segment_of_entity[paying // n_t] * n_t + paying % n_t
    arrays = dict(base.arrays)
    arrays["scheduled_churn"] = money.astype(np.int64).reshape(n_seg * n_cur, n_t)
    arrays["scheduled_customers"] = np.bincount(seg_t, minlength=n_seg * n_t).reshape(
        n_seg, n_t)
    return Partials(base.metric, arrays)


def scheduled_details(r: Run, factor: NDArray[np.float64] | None
                      ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """The details' scheduled churn rows: user entity (of ``r.seg``), 0-based period and
    MRR scheduled to leave, in local minor units, or with ``factor`` (currency x 1 + T
    periods, to the reporting currency) converted and summed over a customer's
    currencies."""
    if factor is None:
        return scheduled_points(r)
    n_cur = int(factor.shape[0])
    pair, t, minor = scheduled_points(r, n_cur)
    converted = np.rint(minor * factor[pair % n_cur, t + 1]).astype(np.int64)
    keys, inverse = np.unique((pair // n_cur) * r.plan.n_periods + t, return_inverse=True)
    total = np.bincount(inverse.reshape(-1), weights=converted, minlength=keys.size)
    return (keys // r.plan.n_periods, keys % r.plan.n_periods,
            np.rint(total).astype(np.int64))


def scheduled_columns(partials: Partials, plan: Plan, sg: NDArray[np.int64],
                      per: NDArray[np.int64], scale: NDArray[np.float64]) -> dict[str, Any]:
    """The result's scheduled churn columns for its rows (segment ``sg``, period ``per``):
    money in the result's currency (converted at each period end's rates with ``fx``);
    zeros when the partials hold none (``mrr_series`` reads the bridge without them)."""
    if "scheduled_churn" not in partials.arrays:
        return {SCHEDULED[0]: np.zeros(sg.size), SCHEDULED[1]: np.zeros(sg.size, np.int64)}
    cells = partials["scheduled_churn"]
    if plan.fx is not None:
        n_cur = plan.n_currencies
        grid = cells.reshape(plan.n_segments, n_cur, plan.n_periods)
        factor = conversion(plan.currencies, plan.fx, plan.grid.dates[1:],
                            needed=(grid != 0).any(axis=0))
        cells = np.rint(grid * factor[None]).astype(np.int64).sum(axis=1)
    return {SCHEDULED[0]: cells[sg, per] / scale,
            SCHEDULED[1]: partials["scheduled_customers"][sg, per].astype(np.int64)}
