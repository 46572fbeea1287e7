"""Which rows of a partition travel to the driver.

* ``skeleton_rows``: the rows a metric's plan rests on, so that the plan of the
  skeletons of all partitions is the plan of the whole input: every date and number
  column's first and last value (the data's edges), the first row of every combination of
  a segment of ``by=``, the categories of the categorical columns (ids aside) and the
  distinct survey weights (a weighted bootstrap lists those of its survey's answers), and
  every row a plan decision noted (``_core.scope``: one counted row per segment and currency).
* ``usage_rows``: usage events reduced losslessly for distinct-user counts over windows of
  whole UTC days: one event per (user of an account, segment, UTC day) inside the window,
  and the first event of each (user of an account, segment), so every user and account is
  still counted (with no window known, one event per user, segment and day).
* ``ticket_rows``: the tickets opened or resolved inside ``[lo, hi)`` (the only ones a
  first-contact rate counts), with the first ticket of every account (and of every
  (account, kept segment) pair), so every entity is still counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.segments import resolve
from csmetrics.exceptions import CSMetricsError

__all__ = ["distinct", "skeleton_rows", "ticket_rows", "usage_rows"]

I64 = NDArray[np.int64]
_LEVELS = ("weight",)   # number columns whose distinct values a plan lists


def distinct(values: NDArray[Any]) -> NDArray[Any]:
    """The sorted distinct values (a sort and a comparison: numpy 2.4's ``np.unique`` of
    integers hashes, and is many times slower on millions of rows)."""
    ordered = np.sort(np.asarray(values), kind="stable")
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _firsts(codes: NDArray[Any]) -> I64:
    """The position of the first row of each distinct value of ``codes``."""
    if codes.size == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(np.asarray(codes), kind="stable")
    ordered = np.asarray(codes)[order]
    new = np.empty(ordered.size, dtype=bool)
    new[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    return order[new].astype(np.int64)


def _combined(keys: Sequence[I64]) -> NDArray[Any]:
    """One key per row for the combination of ``keys`` (codes >= -1): a mixed-radix integer
    when it fits in int64 (one sort instead of a sort of rows), else the rows themselves."""
    out = np.zeros(keys[0].size, dtype=np.int64)
    room = 1
    for codes in keys:
        width = int(codes.max(initial=-1)) + 2
        room *= width
        if room >= 1 << 62:
            return np.unique(np.stack(keys, axis=1), axis=0, return_inverse=True)[1].reshape(-1)
        out = out * np.int64(width) + (codes + 1)
    return out


def _edges(values: NDArray[Any]) -> list[int]:
    """Positions of the smallest and the largest value (NaT and NaN aside)."""
    if values.dtype.kind == "M":
        valid = ~np.isnat(values)
    elif values.dtype.kind == "f":
        valid = np.isfinite(values)
    elif values.dtype.kind in "iub":
        valid = np.ones(values.size, dtype=bool)
    else:
        return []
    if not valid.any():
        return []
    at = np.flatnonzero(valid)
    inside = values[at]
    return [int(at[np.argmin(inside)]), int(at[np.argmax(inside)])]


def skeleton_rows(table: Any, by: Any, context: str, noted: Sequence[I64],
                  id_column: str = "customer_id") -> I64:
    """Sorted positions in ``table`` of the rows its plan rests on (see the module doc)."""
    n = len(table)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    picks: list[I64] = [np.asarray(rows, dtype=np.int64) for rows in noted]
    edges: list[int] = [0]
    for f in fields(table):
        value = getattr(table, f.name)
        if isinstance(value, np.ndarray) and value.ndim == 1 and value.size == n and (
                not f.name.endswith("_codes") and f.name != "source_rows"):
            edges += _edges(value)
    picks.append(np.asarray(edges, dtype=np.int64))
    # The first row of every combination of the segment and the categories (ids aside): a
    # plan may read a segment's categories (its currency, the survey a metric answers).
    keys: list[NDArray[np.int64]] = []
    for name in table.segment_columns:
        if name.endswith("_id") and name != by:
            continue  # ids are not categories a plan lists (unless they are the segments)
        codes, _ = table.segment_column(name, context)
        keys.append(np.asarray(codes, dtype=np.int64))
    for name in _LEVELS:   # a weighted bootstrap lists the distinct weights of its answers
        values = getattr(table, name, None)
        if isinstance(values, np.ndarray) and values.size == n:
            keys.append(np.searchsorted(distinct(values), values).astype(np.int64))
    try:
        segments = resolve(by, table, context, id_column=id_column)
    except CSMetricsError:
        pass  # the metric's own plan reports it (or plans the whole from other parts)
    else:
        keys.append(np.asarray(segments.of_row, dtype=np.int64))
    if keys:
        picks.append(_firsts(_combined(keys)))
    return distinct(np.concatenate(picks))


def usage_rows(table: Any, by: Any, window: Any = None) -> I64:
    """Sorted positions of the usage events a distinct-user count needs (see the module
    documentation): with ``window`` (whole UTC days, ``[lo, hi)`` in microseconds), one
    event per (user of an account, segment, day) inside it and the first event of each
    (user of an account, segment); without, one per (user of an account, segment, day)."""
    n = len(table)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    at = table.at.astype("datetime64[us]").view(np.int64)
    day = np.floor_divide(at, 86_400_000_000)
    day = day - day.min() if day.size else day
    entity = [np.asarray(table.member_codes, np.int64),
              *(np.asarray(codes, np.int64) for codes, _ in table.segments.values())]
    if by == "feature":
        entity.append(np.asarray(table.feature_codes, np.int64))
    if window is None:
        return np.sort(_firsts(_combined([*entity, day])))
    inside = np.flatnonzero((at >= window.lo) & (at < window.hi))
    counted = inside[_firsts(_combined([k[inside] for k in (*entity, day)]))]
    return distinct(np.concatenate([counted, _firsts(_combined(entity))]))


def ticket_rows(table: Any, lo: int, hi: int) -> I64:
    """Sorted positions of the tickets opened or resolved in ``[lo, hi)`` (microseconds),
    and of the first ticket of every account (and (account, kept segment) pair)."""
    opened = table.opened_at.astype("datetime64[us]").view(np.int64)
    resolved = table.resolved_at.astype("datetime64[us]")
    res = resolved.view(np.int64)
    inside = ((opened >= lo) & (opened < hi)) | (~np.isnat(resolved) & (res >= lo) & (res < hi))
    width = np.int64(1)
    key = np.asarray(table.customer_codes, np.int64).copy()
    for codes, cats in table.segments.values():   # every (account, segment) entity
        width = np.int64(np.asarray(cats).size + 1)
        key = key * width + (np.asarray(codes, np.int64) + 1)
    return distinct(np.concatenate([np.flatnonzero(inside), _firsts(key)]))
