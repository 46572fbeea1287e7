"""Cohort retention over many windows from one set of change points, in one sweep.

Pure numpy, as ``csmetrics._kernels.revenue``, whose change points it reads.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from csmetrics._kernels.primitives import bincount_int
from csmetrics._kernels.revenue import ChangePoints

I64 = NDArray[np.int64]

DIRECT_WINDOWS = 3
"""Up to this many windows, each is read straight off the points (a few passes each);
beyond, one sweep serves them all."""

CHUNK_ENTITIES = 1 << 20
"""Entities swept at a time: a chunk's state and its open cohorts stay a few tens of MB."""


def cohort_sums(points: ChangePoints, windows: Sequence[tuple[int, int]], n_entities: int,
                segment_of_entity: I64, n_segments: int, *, returning_counts: bool = True
                ) -> I64:
    """Per window ``(base, final)`` (snapshot indices) and segment: the cohort's MRR at
    ``base`` (the entities with MRR > 0 there), and its retained MRR at ``final``, net and
    gross (each entity capped at its MRR at ``base``); shaped ``(3, n_windows, n_segments)``.

    An entity that stopped being a customer at some snapshot in between keeps its MRR at
    ``final`` only with ``returning_counts``.

    One sweep over the snapshots in order keeps every entity's current MRR and its count of
    lapses; a window's cohort is read at its base and closed at its final snapshot. The work
    is one pass over the points plus one over the entities per window, whatever the number
    of windows (against a pass over the points per window for lookups).
    """
    out = np.zeros((3, len(windows), n_segments), dtype=np.int64)
    if not windows or points.entity.size == 0:
        return out
    if len(windows) <= DIRECT_WINDOWS:
        return _direct(points, windows, n_entities, segment_of_entity, n_segments,
                       returning_counts, out)
    opens: dict[int, list[int]] = {}
    closes: dict[int, list[int]] = {}
    for j, (base, final) in enumerate(windows):
        opens.setdefault(base, []).append(j)
        closes.setdefault(final, []).append(j)
    last = max(final for _, final in windows)
    # Points are sorted by entity: a range of entities is a slice of the points.
    cuts = np.searchsorted(points.entity, np.arange(0, n_entities, CHUNK_ENTITIES))
    cuts = np.append(cuts, points.entity.size)
    for c in range(cuts.size - 1):
        p0, p1 = int(cuts[c]), int(cuts[c + 1])
        if p0 == p1:
            continue
        e0 = c * CHUNK_ENTITIES
        e1 = min(e0 + CHUNK_ENTITIES, n_entities)
        ent = points.entity[p0:p1] - e0
        snap = points.snapshot[p0:p1]
        current = points.current[p0:p1]
        lapse = ~points.is_customer[p0:p1]
        small = snap.astype(np.int16 if points.width < 1 << 15 else np.int32)
        order = np.argsort(small, kind="stable")   # a radix sort: points by snapshot
        bounds = np.concatenate([[0], np.cumsum(np.bincount(snap, minlength=last + 1))])
        level = np.zeros(e1 - e0, dtype=np.int64)
        lapses = np.zeros(e1 - e0, dtype=np.int32)
        segment = segment_of_entity[e0:e1]
        cohorts: dict[int, tuple[I64, I64, NDArray[np.int32]]] = {}
        for t in range(last + 1):
            at = order[bounds[t]:bounds[t + 1]] if t < bounds.size - 1 else order[:0]
            if at.size:
                level[ent[at]] = current[at]   # one point per entity and snapshot
                if not returning_counts:
                    lapses[ent[at[lapse[at]]]] += 1
            for j in closes.get(t, ()):
                members, start, lapses_then = cohorts.pop(j)
                end = level[members]
                if not returning_counts:
                    end = np.where(lapses[members] > lapses_then, 0, end)
                kept = np.minimum(end, start)
                if n_segments == 1:   # one segment: sums, not bincounts
                    out[:, j, 0] += start.sum(), end.sum(), kept.sum()
                    continue
                seg = segment[members]
                out[0, j] += bincount_int(seg, start, n_segments)
                out[1, j] += bincount_int(seg, end, n_segments)
                out[2, j] += bincount_int(seg, kept, n_segments)
            for j in opens.get(t, ()):
                members = np.flatnonzero(level > 0)
                cohorts[j] = (members, level[members],
                              lapses[members] if not returning_counts else lapses[:0])
    return out


def _direct(points: ChangePoints, windows: Sequence[tuple[int, int]], n_entities: int,
            segment_of_entity: I64, n_segments: int, returning_counts: bool, out: I64) -> I64:
    """``cohort_sums`` window by window: a point is an entity's state at ``t`` when it is at
    or before ``t`` and its entity's next point is after ``t``."""
    entity, current = points.entity, points.current
    # Snapshot indices in the narrowest integers that hold them: the scans per snapshot
    # read a quarter of the bytes of int64.
    small = np.int16 if points.width < 1 << 15 else (
        np.int32 if points.width < 1 << 31 else np.int64)
    snap = points.snapshot.astype(small)
    last = np.empty(entity.size, dtype=bool)
    last[-1:] = True
    np.not_equal(entity[1:], entity[:-1], out=last[:-1])
    following = np.empty_like(snap)
    following[:-1] = snap[1:]
    # (one pass choosing, several times quicker than a store through the mask)
    following = np.where(last, np.iinfo(small).max, following)
    lapses = None if returning_counts else np.cumsum(~points.is_customer)
    states: dict[int, I64] = {}

    def state_at(t: int) -> I64:
        """Positions of every entity's point in force at snapshot ``t`` (windows share
        snapshots: a report's year-ago window ends where this year's starts)."""
        found = states.get(t)
        if found is None:
            found = states[t] = np.flatnonzero((snap <= t) & (following > t))
        return found

    for j, (base, final) in enumerate(windows):
        at_base = state_at(base)
        at_base = at_base[current[at_base] > 0]          # the cohort: MRR > 0 at base
        members = entity[at_base]
        at_final = state_at(final)
        point_at_final = np.full(n_entities, -1, dtype=np.int64)
        point_at_final[entity[at_final]] = at_final
        # Every cohort member has a point at or before final (its point at base, or later).
        final_point = point_at_final[members]
        start, end = current[at_base], current[final_point]
        if lapses is not None:
            end = np.where(lapses[final_point] > lapses[at_base], 0, end)
        if n_segments == 1:
            out[:, j, 0] = start.sum(), end.sum(), np.minimum(end, start).sum()
            continue
        seg = segment_of_entity[members]
        out[0, j] = bincount_int(seg, start, n_segments)
        out[1, j] = bincount_int(seg, end, n_segments)
        out[2, j] = bincount_int(seg, np.minimum(end, start), n_segments)
    return out
