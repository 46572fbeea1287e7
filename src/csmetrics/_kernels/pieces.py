"""Change points and bridges in pieces: slices of points, points of consecutive ranges of
entities joined, bridges of disjoint points summed. Pure numpy."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._kernels.revenue import Bridge, ChangePoints


def slice_points(points: ChangePoints, part: slice) -> ChangePoints:
    """The points in ``part`` (a contiguous slice; views, no copies).

    A slice that starts inside an entity's run keeps the state of the point before it as its
    ``lead``, so that its derived ``previous`` and ``was_customer`` are the whole's.
    """
    lo, _, step = part.indices(points.entity.size)
    if step != 1:
        raise ValueError("slice_points: a slice of step 1 is needed")
    lead = points.lead if lo == 0 else (0, False)
    if 0 < lo < points.entity.size and points.entity[lo - 1] == points.entity[lo]:
        lead = (int(points.current[lo - 1]), bool(points.is_customer[lo - 1]))
    stored_prev, stored_was = points.stored_previous, points.stored_was_customer
    return ChangePoints(points.entity[part], points.snapshot[part],
                        None if stored_prev is None else stored_prev[part],
                        points.current[part],
                        None if stored_was is None else stored_was[part],
                        points.is_customer[part], points.returning[part], points.width, lead)


_POINT_ARRAYS = ("entity", "snapshot", "stored_previous", "current", "stored_was_customer",
                 "is_customer", "returning")


def add_bridges(bridges: list[Bridge]) -> Bridge:
    """The sum of bridges of the same segments and periods (of disjoint points)."""
    first = bridges[0]
    return Bridge(*(sum((getattr(b, f) for b in bridges[1:]), getattr(first, f))
                    for f in ("starting", "ending", "amounts", "counts", "starting_count",
                              "ending_count")))


def join_in_order(pieces: Iterable[ChangePoints], capacity: int) -> ChangePoints:
    """Points of consecutive ranges of entities (sorted as the whole's), the pieces arriving
    one by one, each copied into one output of room for
    ``capacity`` points and let go: the output is written once, and only its used part is
    ever touched (the rest of its room is never paged in).

    Each piece starts an entity's run (ranges of entities), so the joined points derive
    ``previous`` and ``was_customer`` as the pieces do; arrays a piece stores are joined
    too (every piece stores the same ones)."""
    out: dict[str, NDArray[Any]] | None = None
    width = 0
    offset = 0
    for piece in pieces:
        if out is None:
            width = piece.width
            out = {name: np.empty(capacity, dtype=array.dtype)
                   for name in _POINT_ARRAYS
                   if (array := getattr(piece, name)) is not None}
        k = piece.entity.size
        for name, array in out.items():
            array[offset:offset + k] = getattr(piece, name)
        offset += k
    if out is None:
        empty = np.zeros(0, dtype=np.int64)
        flags = np.zeros(0, dtype=bool)
        return ChangePoints(empty, empty, None, empty, None, flags, flags, 1)
    joined: dict[str, Any] = dict.fromkeys(_POINT_ARRAYS)
    joined.update({name: array[:offset] for name, array in out.items()})
    return ChangePoints(**joined, width=width)
