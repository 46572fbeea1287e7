"""Matching ids across tables and lists: integers with integers, anything else as text."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.columns import as_column
from csmetrics._core.convert import is_missing, not_scalar
from csmetrics._core.narrow import narrow_objects
from csmetrics.exceptions import InvalidParameterError

I64 = NDArray[np.int64]


def comparable(a: NDArray[Any], b: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
    """Two id arrays in a form that compares: integers with integers, otherwise text."""

    def narrow(x: NDArray[Any]) -> NDArray[Any]:
        if x.dtype.kind == "O" and x.size:
            x = narrow_objects(x)
        if x.dtype.kind == "O" and x.size:
            try:  # floats, or a mix numpy can hold natively (mixed types become text)
                native = np.array(x.tolist())
            except (TypeError, ValueError):
                native = x
            if native.ndim == 1 and native.dtype.kind in "iufUS":
                x = native
        if x.dtype.kind == "f" and x.size and bool(np.all(np.isfinite(x) & (x == np.round(x)))):
            x = x.astype(np.int64)
        return x

    a, b = narrow(np.asarray(a)), narrow(np.asarray(b))
    numeric = "iu"
    if a.size == 0 and b.size:
        a = a.astype(b.dtype)
    elif b.size == 0 and a.size:
        b = b.astype(a.dtype)
    if not (a.dtype.kind in numeric and b.dtype.kind in numeric) and not (
            a.dtype.kind in "US" and b.dtype.kind in "US"):
        a, b = a.astype(str), b.astype(str)
    return a, b


def positions(categories: NDArray[Any], wanted: NDArray[Any]) -> I64:
    """Index of each ``wanted`` id in ``categories`` (-1 where absent), by sorted search."""
    cats, want = comparable(categories, wanted)
    if cats.size == 0:
        return np.full(want.size, -1, dtype=np.int64)
    order = np.argsort(cats, kind="stable")
    ordered = cats[order]
    pos = np.searchsorted(ordered, want)
    clipped = np.minimum(pos, ordered.size - 1)
    found = (pos < ordered.size) & (ordered[clipped] == want)
    return np.where(found, order[clipped], -1).astype(np.int64)


def id_array(values: Any, context: str, what: str) -> NDArray[Any]:
    """A list of ids as an object array; missing or repeated ids are an error."""
    arr = as_column(values) if not isinstance(values, np.ndarray) else values
    arr = np.asarray(arr)
    if arr.ndim != 1:
        raise InvalidParameterError(f"{context}: {what} must be a one-dimensional list of ids.")
    bad = not_scalar(arr)
    if bad is not None:
        where = np.flatnonzero(bad)
        first = ", ".join(str(p) for p in where[:5].tolist())
        raise InvalidParameterError(
            f"{context}: {what} must be ids (text or numbers), not lists, tuples, sets or dicts "
            f"(at position{'s' if where.size > 1 else ''} {first}).")
    missing = is_missing(arr)
    if missing.any():
        first = ", ".join(str(p) for p in np.flatnonzero(missing)[:5].tolist())
        raise InvalidParameterError(
            f"{context}: {what} must not contain missing ids ({int(missing.sum()):,} do, "
            f"first at positions {first}).")
    if arr.size > 1:
        keyed, _ = comparable(arr, arr[:1])
        ordered = np.sort(keyed)
        repeated = np.concatenate([[False], ordered[1:] == ordered[:-1]])
        if repeated.any():
            shown = ", ".join(repr(v) for v in ordered[repeated][:5].tolist())
            raise InvalidParameterError(f"{context}: {what} must not repeat ids (repeated: "
                                        f"{shown}).")
    out = np.empty(arr.size, dtype=object)
    out[:] = arr.tolist()
    return out
