"""Mapping ids through a mapping by sorted search (the ``by=`` mapping path)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.convert import is_missing, not_scalar
from csmetrics._core.ids import comparable, positions
from csmetrics._core.scope import whole_checks
from csmetrics.exceptions import InvalidParameterError


def lookup(categories: NDArray[Any], mapping: Mapping[Any, Any], context: str, what: str, *,
           missing: Any = None, required: bool = False, some: bool = False) -> NDArray[Any]:
    """Each category's value in ``mapping``: ``missing`` where the mapping lacks it or maps
    it to None/NaN, or, with ``required``, an error naming the first categories it lacks.
    With ``some``, a non-empty mapping none of whose keys is a category is an error (a
    mapping of other ids, or of row positions, is a mistake, not a segment of "none").

    Matching is a sorted search over the mapping's keys (integers with integers, anything
    else as text), so a mapping of millions of customers costs a sort, not a Python loop.

    Examples
    --------
    >>> lookup(np.array(["a", "b", "c"]), {"a": "EU", "c": None}, "demo", "customers",
    ...        missing="(none)").tolist()
    ['EU', '(none)', '(none)']
    """
    # fromiter keeps each key and value whole (slice assignment would unpack a tuple).
    keys = np.fromiter(mapping.keys(), dtype=object, count=len(mapping))
    values = np.fromiter(mapping.values(), dtype=object, count=len(mapping))
    # Keys are ids (text or numbers); a value is one label, which may be a tuple (a composite
    # segment such as ("EU", "enterprise")), but not a list, a set, a dict or an array.
    for arr, part, allow in ((keys, "keys", ()), (values, "values", (tuple,))):
        bad = not_scalar(arr, allow=allow)
        if bad is not None:
            where = np.flatnonzero(bad)
            more = f" (and {where.size - 1:,} more)" if where.size > 1 else ""
            kinds = "lists, sets, dicts or arrays" if allow else "lists, tuples, sets or dicts"
            raise InvalidParameterError(
                f"{context}: the mapping's {part} must be single values (text or numbers), "
                f"not {kinds}; got {keys[where[0]]!r}: {values[where[0]]!r}{more}.")
    if keys.size > 1:
        ordered = np.sort(comparable(keys, keys[:1])[0])
        if bool((ordered[1:] == ordered[:-1]).any()):
            raise InvalidParameterError(f"{context}: the mapping given as by= repeats some "
                                        "keys.")
    pos = positions(keys, np.asarray(categories)) if keys.size else np.full(
        len(categories), -1, dtype=np.int64)
    found = pos >= 0
    # (A part of a cluster's input may hold none of the mapped ids; the whole is checked.)
    if some and keys.size and found.size and not found.any() and whole_checks():
        key_shown = ", ".join(repr(k) for k in keys[:3].tolist())
        cat_shown = ", ".join(repr(c) for c in np.asarray(categories)[:3].tolist())
        raise InvalidParameterError(
            f"{context}: the mapping given as by= has no entry for any of the "
            f"{len(categories):,} {what} (its keys: {key_shown}, ...; the {what}: "
            f"{cat_shown}, ...). Map their ids to segments, or give the name of a column "
            "of the input.")
    if keys.size:
        found &= ~is_missing(values)[np.maximum(pos, 0)]  # mapped to None/NaN: no segment
    if required and not found.all():
        shown = ", ".join(repr(c) for c in np.asarray(categories)[~found][:5].tolist())
        raise InvalidParameterError(
            f"{context}: {int((~found).sum()):,} of {len(categories):,} {what} have no entry "
            f"in the mapping (first: {shown}); map every one of them.")
    out = np.empty(len(categories), dtype=object)
    out[:] = missing
    out[found] = values[pos[found]]
    return out
