"""Change points of entities whose money sits in several currencies, in one currency.

Pure numpy, as ``csmetrics._kernels.revenue``, whose change points it converts.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from csmetrics._kernels.primitives import heads, running_within, shift_within
from csmetrics._kernels.revenue import ChangePoints

I64 = NDArray[np.int64]


def entity_points(
    pair_points: ChangePoints,
    pair_entity: I64,
    pair_currency: I64,
    n_entities: int,
    factor: NDArray[np.float64],
    snapshots: I64,
    base: int,
    *,
    reactivation_window: int | None = None,
) -> ChangePoints:
    """Change points of entities whose money sits in several currencies, in one currency.

    ``pair_points`` track each (entity, currency) pair in its own minor units.
    ``factor[c, i]`` converts minor units of currency ``c`` into the reporting currency's at
    window snapshot ``i`` (0 is the base; earlier snapshots use the base's factor). At each
    snapshot where a pair changes, the entity's previous and current MRR are both converted
    at *that* snapshot's rates (constant currency), so a change of currency at an unchanged
    price is no movement and a moving rate is never expansion or contraction.
    """
    width = pair_points.width
    ent_of_point = pair_entity[pair_points.entity]
    keys = np.unique(ent_of_point * width + pair_points.snapshot)
    ent = keys // width
    snap = keys - ent * width
    # Every pair of each entity, at each of its entity's change snapshots.
    order = np.argsort(pair_entity, kind="stable")
    per_entity = np.bincount(pair_entity, minlength=n_entities)
    first_pair = np.cumsum(per_entity) - per_entity
    counts = per_entity[ent]
    row = np.repeat(np.arange(keys.size), counts)
    offset = np.arange(row.size) - np.repeat(np.cumsum(counts) - counts, counts)
    pair = order[first_pair[ent][row] + offset]
    k = snap[row]
    prev_minor, prev_customer = pair_points.state_at(pair, k - 1)
    cur_minor, cur_customer = pair_points.state_at(pair, k)
    column = np.clip(k - base, 0, factor.shape[1] - 1)
    rate = factor[pair_currency[pair], column]
    previous = np.rint(np.bincount(row, weights=prev_minor * rate, minlength=keys.size))
    current = np.rint(np.bincount(row, weights=cur_minor * rate, minlength=keys.size))
    was = np.bincount(row, weights=prev_customer, minlength=keys.size) > 0
    now = np.bincount(row, weights=cur_customer, minlength=keys.size) > 0
    changed = (previous != current) | (was != now)
    ent, snap = ent[changed], snap[changed]
    previous = previous[changed].astype(np.int64)
    current = current[changed].astype(np.int64)
    was, now = was[changed], now[changed]
    first = heads(ent)
    seen = running_within(now.astype(np.int64), first) - now
    returning = (seen > 0) & ~was & now
    if reactivation_window is not None and returning.any():
        gap = snapshots[snap] - snapshots[np.maximum(shift_within(snap, first, 0), 0)]
        returning &= gap <= reactivation_window
    return ChangePoints(ent, snap, previous, current, was, now, returning, width)
