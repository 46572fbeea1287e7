"""Change points and bridges in pieces: slices of points, points of consecutive ranges of
entities joined, bridges of disjoint points summed. Pure numpy."""

from __future__ import annotations

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


def join_points(pieces: list[ChangePoints]) -> ChangePoints:
    """Points of consecutive ranges of entities, concatenated (sorted as the whole's).

    ``pieces`` is emptied: each field's pieces are let go as soon as that field is joined, so
    the join holds the points about once, not twice."""
    width = pieces[0].width
    parts = {name: [getattr(p, name) for p in pieces] for name in _POINT_ARRAYS}
    pieces.clear()
    joined: dict[str, NDArray[Any]] = {}
    for name in _POINT_ARRAYS:
        joined[name] = np.concatenate(parts.pop(name))
    return ChangePoints(**joined, width=width)


def add_bridges(bridges: list[Bridge]) -> Bridge:
    """The sum of bridges of the same segments and periods (of disjoint points)."""
    first = bridges[0]
    return Bridge(*(sum((getattr(b, f) for b in bridges[1:]), getattr(first, f))
                    for f in ("starting", "ending", "amounts", "counts", "starting_count",
                              "ending_count")))
