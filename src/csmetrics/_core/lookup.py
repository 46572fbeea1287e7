"""Mapping ids through a mapping by sorted search (the by= mapping path)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.convert import is_missing
from csmetrics.exceptions import InvalidParameterError


def lookup(
    categories: NDArray[Any], mapping: Mapping[Any, Any], context: str, what: str
) -> NDArray[Any]:
    """Map each category through ``mapping``; categories the mapping lacks are an error.

    Matching is a sorted search over the mapping's keys, so a customer-to-segment mapping of
    millions of entries costs a sort, not a Python loop per customer.
    """
    keys = np.asarray(list(mapping.keys()))
    if keys.dtype.kind == "f" and bool(np.all(np.isfinite(keys) & (keys == np.round(keys)))):
        keys = keys.astype(np.int64)  # ids that went through a float column (pandas + NaN)
    values = np.empty(keys.size, dtype=object)
    values[:] = list(mapping.values())
    if keys.size and np.unique(keys).size != keys.size:
        raise InvalidParameterError(f"{context}: the mapping given as by= repeats some keys.")
    unmapped = is_missing(values)
    cats = categories
    if keys.dtype.kind != cats.dtype.kind and {keys.dtype.kind, cats.dtype.kind} != {"i", "u"}:
        keys, cats = keys.astype(str), cats.astype(str)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    pos = np.searchsorted(sorted_keys, cats)
    pos_clipped = np.minimum(pos, max(sorted_keys.size - 1, 0))
    found = (pos < sorted_keys.size) & (
        sorted_keys[pos_clipped] == cats if sorted_keys.size else np.zeros(cats.size, bool)
    )
    if sorted_keys.size:
        found &= ~unmapped[order[pos_clipped]]  # a key mapped to None/NaN has no segment
    if not found.all():
        shown = ", ".join(repr(c) for c in categories[~found][:5].tolist())
        raise InvalidParameterError(
            f"{context}: {int((~found).sum()):,} of {categories.size:,} {what} have no entry in "
            f"the mapping given as by= (first: {shown}); map every one of them to a segment."
        )
    return values[order[pos_clipped]]
