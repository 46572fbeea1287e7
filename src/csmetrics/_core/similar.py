"""Labels that differ only by surrounding spaces or invisible characters.

``"c0"``, ``" c0"`` and ``"c0\\u200b"`` are three distinct ids to numpy, and almost never three
customers: an export padded a cell, or a copy and paste carried a zero-width space. A table
keeps them apart, as given (nothing changes silently), and warns with ``SimilarIdsWarning``
naming them. The check looks at a column's distinct values only, and in Python only at those
holding something other than printable ASCII or starting or ending with a space. An id of
spaces only is no id at all (``without_blank_text``).
"""

from __future__ import annotations

import unicodedata
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.checks import Checker
from csmetrics._core.warnings import find_stacklevel
from csmetrics.exceptions import SimilarIdsWarning

_SHOWN_GROUPS = 5
_ASCII_SPACE = np.array([9, 10, 11, 12, 13, 32], dtype=np.uint32)


def bare(text: str) -> str:
    """``text`` without invisible characters (format and control characters: zero-width
    spaces and joiners, byte order marks, soft hyphens) and without surrounding whitespace
    (no-break spaces included).

    Examples
    --------
    >>> bare("\\ufeff c0\\u200b\\xa0")
    'c0'
    """
    kept = "".join(c for c in text if unicodedata.category(c) not in ("Cf", "Cc"))
    return kept.strip()


def similar_labels(categories: NDArray[Any]) -> list[list[str]]:
    """Groups of distinct text values that are one value once ``bare``; each group sorted,
    groups in the order of their bare value. Non-text categories have none.

    Examples
    --------
    >>> similar_labels(np.array([" c0", "c0", "c0\\u200b", "c1", "café"]))
    [[' c0', 'c0', 'c0\\u200b']]
    """
    cats = np.asarray(categories)
    if cats.dtype.kind != "U" or cats.size < 2 or cats.dtype.itemsize == 0:
        return []
    points = cats.view(np.uint32).reshape(cats.size, -1)
    width = points.shape[1]
    # Whole-block passes, so that clean ids cost milliseconds per million: characters beyond
    # ASCII or control characters (0 is padding, and wraps round above 30) anywhere, and
    # spaces at either end.
    flat = points.ravel()
    odd = np.zeros(cats.size, dtype=bool)
    odd[np.flatnonzero((flat > 126) | ((flat - np.uint32(1)) < 31)) // width] = True
    odd |= np.isin(points[:, 0], _ASCII_SPACE)
    if bool((flat == 32).any()):
        lengths = np.count_nonzero(points, axis=1)
        odd |= np.isin(points[np.arange(cats.size), np.maximum(lengths - 1, 0)], _ASCII_SPACE)
    suspect = np.flatnonzero(odd)
    if not suspect.size:
        return []
    groups: dict[str, set[str]] = {}
    for text in cats[suspect].tolist():
        key = bare(text)
        if key != text:
            groups.setdefault(key, set()).add(text)
    if not groups:
        return []
    # A factorization's categories are sorted already: search them as they are.
    ordered = cats if bool((cats[1:] >= cats[:-1]).all()) else np.sort(cats)
    keys = np.array(list(groups), dtype=str)
    pos = np.minimum(np.searchsorted(ordered, keys), ordered.size - 1)
    for key, present in zip(keys.tolist(), (ordered[pos] == keys).tolist(), strict=True):
        if present:
            groups[key].add(key)
    return [sorted(groups[k]) for k in sorted(groups) if len(groups[k]) > 1]


def warn_similar_labels(categories: NDArray[Any], column: str, context: str) -> None:
    """Warn (``SimilarIdsWarning``) when some of a column's distinct values differ only by
    surrounding spaces or invisible characters, naming them.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_similar_labels(np.array(["c0", "c0 "]), "customer_id", "demo")
    >>> print(caught[0].message)
    demo: column 'customer_id' has values that differ only by surrounding spaces or \
invisible characters, kept apart as given: 'c0' / 'c0 '. Clean the column (strip spaces, \
remove zero-width characters) if they are the same.
    """
    groups = similar_labels(categories)
    if not groups:
        return
    shown = "; ".join(" / ".join(repr(v) for v in g) for g in groups[:_SHOWN_GROUPS])
    more = (f" (and {len(groups) - _SHOWN_GROUPS:,} more groups)"
            if len(groups) > _SHOWN_GROUPS else "")
    prefix = f"{context}: " if context else ""
    warnings.warn(
        f"{prefix}column '{column}' has values that differ only by surrounding spaces or "
        f"invisible characters, kept apart as given: {shown}{more}. Clean the column (strip "
        "spaces, remove zero-width characters) if they are the same.",
        SimilarIdsWarning, stacklevel=find_stacklevel())


def without_blank_text(codes: NDArray[np.int64], cats: NDArray[Any], column: str,
                        checker: Checker, required: bool
                        ) -> tuple[NDArray[np.int64], NDArray[Any]]:
    """Codes with text of spaces only read as missing (an id of spaces is no id), checked
    on the categories, not the rows."""
    if cats.dtype.kind not in "OUS":  # numbers: no text
        return codes, cats
    blank = np.zeros(cats.size, dtype=bool)
    look = np.arange(cats.size)
    try:
        # Sorted text: only what sorts before "!" or after ASCII can be spaces only.
        low, high = np.searchsorted(cats, ["!", "\x80"])
        look = np.concatenate([look[:low], look[high:]])
    except (TypeError, ValueError):  # text and numbers together: look at each
        pass
    blank[look] = [isinstance(c, str) and not c.strip() for c in cats[look].tolist()]
    if not blank.any():
        return codes, cats
    # One gather through a lookup: blank categories and code -1 (missing, the last entry)
    # read as -1, the others as their rank among the kept categories.
    lut = np.append(np.where(blank, -1, np.cumsum(~blank) - 1), -1)
    kept = lut[codes]
    if required:
        checker.check((kept < 0) & (codes >= 0), column, "must not be missing (None/NaN)")
    return kept.astype(np.int64, copy=False), cats[~blank]
