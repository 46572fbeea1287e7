"""Change points and bridges in pieces: slices of points, points of consecutive ranges of
entities joined, bridges of disjoint points summed. Pure numpy."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._kernels.revenue import Bridge, ChangePoints


def slice_points(points: ChangePoints, part: slice) -> ChangePoints:
    """The points in ``part`` (views, no copies)."""
    return ChangePoints(points.entity[part], points.snapshot[part], points.previous[part],
                        points.current[part], points.was_customer[part],
                        points.is_customer[part], points.returning[part], points.width)


_POINT_ARRAYS = ("entity", "snapshot", "previous", "current", "was_customer", "is_customer",
                 "returning")


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
    ever touched (the rest of its room is never paged in)."""
    out: dict[str, NDArray[Any]] | None = None
    width = 0
    offset = 0
    for piece in pieces:
        if out is None:
            width = piece.width
            out = {name: np.empty(capacity, dtype=getattr(piece, name).dtype)
                   for name in _POINT_ARRAYS}
        k = piece.entity.size
        for name in _POINT_ARRAYS:
            out[name][offset:offset + k] = getattr(piece, name)
        offset += k
    if out is None:
        empty = np.zeros(0, dtype=np.int64)
        flags = np.zeros(0, dtype=bool)
        return ChangePoints(empty, empty, empty, empty, flags, flags, flags, 1)
    return ChangePoints(**{name: out[name][:offset] for name in _POINT_ARRAYS}, width=width)
