"""Shorter windows read off one run's bridge.

A bridge is causal: a period's movements depend on the snapshots up to its end, never on
later ones, and every window's snapshots start at the data's first period end. So the bridge
of a window is the slice of the bridge of any longer window that covers it with the same
options, bit for bit: a report that compares several periods computes one run and reads
each period off it, rather than one run (and one set of change points) per period.
"""

from __future__ import annotations

from csmetrics._core.partials import Partials

_STARTS = {"starting": "ending", "starting_count": "ending_count"}
"""Position before the first period: the ending position of the period before it."""


def bridge_periods(partials: Partials, first: int, stop: int) -> Partials:
    """The bridge partials of periods ``first .. stop - 1`` of ``partials`` (a run's bridge,
    ``engine.bridge_partials``), as the run of that shorter window gives them.

    Examples
    --------
    >>> import numpy as np
    >>> whole = Partials("bridge", {
    ...     "starting": np.array([5]), "ending": np.array([[6, 7, 9]]),
    ...     "amounts": np.zeros((2, 1, 3), dtype=np.int64),
    ...     "counts": np.zeros((2, 1, 3), dtype=np.int64),
    ...     "starting_count": np.array([1]), "ending_count": np.array([[1, 2, 2]])})
    >>> part = bridge_periods(whole, 1, 3)
    >>> part["starting"].tolist(), part["ending"].tolist(), part["counts"].shape
    ([6], [[7, 9]], (2, 1, 2))
    """
    arrays = {}
    for name, array in partials.arrays.items():
        plain = name.removeprefix("moved_")
        if plain in _STARTS:
            arrays[name] = (array if first == 0 else
                            partials[name.replace(plain, _STARTS[plain])][..., first - 1])
        else:
            arrays[name] = array[..., first:stop]
    return Partials(partials.metric, arrays)
