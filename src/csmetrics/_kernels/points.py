"""Change points: where each entity's MRR or customer state changes between snapshots, and
the movement each change is. Pure numpy, no row loops (``csmetrics._kernels.revenue`` makes
them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._kernels.primitives import heads

I64 = NDArray[np.int64]

NEW, EXPANSION, CONTRACTION, CHURN, REACTIVATION = range(5)
MOVEMENT_NAMES = ("new", "expansion", "contraction", "churn", "reactivation")


def _movement_table() -> NDArray[np.int8]:
    table = np.full(32, -1, dtype=np.int8)
    for code in range(32):
        was, now, up, down, back = (bool(code >> bit & 1) for bit in (4, 3, 2, 1, 0))
        if not was and now:
            table[code] = REACTIVATION if back else NEW
        elif was and not now:
            table[code] = CHURN
        elif was and now and up:
            table[code] = EXPANSION
        elif was and now and down:
            table[code] = CONTRACTION
    return table


_MOVEMENT_OF_CODE = _movement_table()


@dataclass(frozen=True)
class ChangePoints:
    """Where an entity's state changes between consecutive snapshots.

    One row per (entity, snapshot) at which the entity's MRR (in minor units) or its being a
    customer differs from the previous snapshot, sorted by entity then snapshot. ``previous``
    is 0 and ``was_customer`` false before an entity's first snapshot. ``returning`` marks a
    start that follows an earlier churn (within the reactivation window, if one is set):
    such a start is a reactivation rather than new.

    ``previous`` and ``was_customer`` are the state at the entity's point before (``lead``
    for the first point when it continues a run, in a slice): derived on each read unless
    stored (``stored_previous``, ``stored_was_customer``), as they are for points whose
    previous MRR is not the last point's (converted at each snapshot's rates). Derived, the
    points hold 26 bytes each rather than 35.
    """

    entity: I64
    snapshot: I64
    stored_previous: I64 | None
    current: I64
    stored_was_customer: NDArray[np.bool_] | None
    is_customer: NDArray[np.bool_]
    returning: NDArray[np.bool_]
    width: int
    lead: tuple[int, bool] = (0, False)

    @property
    def starts(self) -> I64:
        """Positions of each entity's first point (its run's start), found once: the
        derived state, cohorts and lifetimes all read them."""
        found: I64 | None = self.__dict__.get("_starts")
        if found is None:   # (threads racing here compute the same array)
            found = np.flatnonzero(heads(self.entity))
            found.flags.writeable = False
            object.__setattr__(self, "_starts", found)
        return found

    @property
    def previous(self) -> I64:
        """Each point's MRR at the snapshot before it (minor units)."""
        if self.stored_previous is not None:
            return self.stored_previous
        # (alone, without ``was_customer``: a read of MRR only derives MRR)
        return _shifted(self.current, self.starts, 0, self.lead[0])

    @property
    def was_customer(self) -> NDArray[np.bool_]:
        """Whether each point's entity was a customer at the snapshot before it."""
        return self.before()[1]

    def before(self) -> tuple[I64, NDArray[np.bool_]]:
        """``(previous, was_customer)``, derived together (one pass over the runs)."""
        prev, was = self.stored_previous, self.stored_was_customer
        if prev is not None and was is not None:
            return prev, was
        # Positions of the runs' first points: a store there by index is several times
        # quicker than one through a boolean mask.
        first = self.starts
        if prev is None:
            prev = _shifted(self.current, first, 0, self.lead[0])
        if was is None:
            was = _shifted(self.is_customer, first, False, self.lead[1])
        return prev, was

    def movement(self) -> NDArray[np.int8]:
        """Movement code of each change point (``MOVEMENT_NAMES``), -1 for none."""
        return _movement(self, *self.before())

    def lookup(self, entity: I64, snapshot: I64) -> I64:
        """Index of each entity's last change point at or before ``snapshot``; -1 if none."""
        keys = self.entity * self.width + self.snapshot
        idx = np.searchsorted(keys, entity * self.width + snapshot, side="right") - 1
        ok = idx >= 0
        ok[ok] = self.entity[idx[ok]] == entity[ok]
        return np.where(ok, idx, -1)

    def state_at(self, entity: I64, snapshot: I64) -> tuple[I64, NDArray[np.bool_]]:
        """MRR (minor units) and customer flag of each entity at ``snapshot``."""
        if self.entity.size == 0:
            return np.zeros(entity.size, np.int64), np.zeros(entity.size, bool)
        idx = self.lookup(entity, snapshot)
        has = idx >= 0
        safe = np.maximum(idx, 0)
        return (np.where(has, self.current[safe], 0),
                np.where(has, self.is_customer[safe], False))


def _shifted(values: NDArray[Any], first: I64, fill: Any, lead: Any) -> NDArray[Any]:
    """Each value's predecessor: ``fill`` at the positions ``first``, ``lead`` at 0."""
    out = np.empty_like(values)
    out[1:] = values[:-1]
    out[first] = fill
    out[:1] = lead
    return out


def _movement(points: ChangePoints, previous: I64, was_customer: NDArray[np.bool_]
              ) -> NDArray[np.int8]:
    """``points.movement()`` given the points' ``before()`` (read once by the caller)."""
    # One small integer per point (was, now, up, down, returning) read from a table.
    code = was_customer.view(np.int8) << 4
    code |= points.is_customer.view(np.int8) << 3
    code |= (points.current > previous).view(np.int8) << 2
    code |= (points.current < previous).view(np.int8) << 1
    code |= points.returning.view(np.int8)
    out: NDArray[np.int8] = _MOVEMENT_OF_CODE[code]
    return out
