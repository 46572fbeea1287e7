"""Planning one part of a larger input: what a cluster's pre-pass needs from a plan.

A cluster plans a metric from a small *skeleton* of the whole input: the rows every plan
decision rests on (the data's edges, every category, every segment). Two things make that
exact, and both are switched on only inside ``planning_part()``:

* decisions over a subset of the rows say which rows they rest on (``note_rows``): the one
  currency of each segment rests on one counted row per (segment, currency) pair, so the
  skeleton keeps that row;
* checks of the whole input that a part can fail alone (a ``by=`` mapping that matches none
  of *this part's* customers, tickets of which *this part* has no contacts) are left to the
  plan of the whole (``whole_checks()`` is False).

Outside ``planning_part()`` nothing changes: ``note_rows`` does nothing and every check runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["note_rows", "planning_part", "scope_active", "whole_checks"]

_NOTED: ContextVar[list[NDArray[np.int64]] | None] = ContextVar("csmetrics_noted", default=None)


@contextmanager
def planning_part() -> Iterator[list[NDArray[np.int64]]]:
    """Plan a part of the input: yields the list that ``note_rows`` fills with positions
    (into the table being planned) of the rows the plan's decisions rest on.

    Examples
    --------
    >>> with planning_part() as noted:
    ...     note_rows(np.array([3, 1]))
    ...     whole_checks()
    False
    >>> [a.tolist() for a in noted], whole_checks()
    ([[3, 1]], True)
    """
    noted: list[NDArray[np.int64]] = []
    token = _NOTED.set(noted)
    try:
        yield noted
    finally:
        _NOTED.reset(token)


def note_rows(rows: NDArray[np.integer[Any]]) -> None:
    """Record that a plan decision rests on the table rows at positions ``rows``."""
    noted = _NOTED.get()
    if noted is not None:
        noted.append(np.asarray(rows, dtype=np.int64))


def whole_checks() -> bool:
    """Whether checks of the whole input run (False while planning one part)."""
    return _NOTED.get() is None


def scope_active() -> bool:
    """Whether a part is being planned (so ``note_rows`` is worth computing)."""
    return _NOTED.get() is not None
