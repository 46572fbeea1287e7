"""The result of ``key_drivers``: one row per driver (and segment), with the quadrant of the
importance-performance chart."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics.exceptions import InvalidParameterError
from csmetrics.results import TableResult

QUADRANTS = ("fix first", "keep", "maintain", "low priority")
"""The quadrants of the importance-performance chart: high importance and low performance,
high and high, low and high, low and low (split at the block's mean importance and mean
performance)."""


class KeyDrivers(TableResult):
    """Relative importance of each driver for an outcome, with its bootstrap interval and the
    driver's performance: one row per driver (per segment with ``by=``).

    Columns: the segment (with ``by=``), ``driver``, ``importance`` (the share of the
    explained variance, 0-1, summing to 1 over a block's drivers), ``importance_low`` and
    ``importance_high`` (percentile bootstrap interval), ``weight`` (the raw weight: the
    driver's part of R-squared), ``r_squared`` (the block's full-model R-squared), ``n``
    (complete answers used), ``excluded`` (answers left out for a missing value), ``mean``
    (the driver's mean rating), ``performance`` (that mean on 0-100 of the driver's scale;
    NaN where the scale is unknown) and ``quadrant``.

    Attributes
    ----------
    method : str
        ``"relative_weights"`` or ``"shapley"``.
    outcome : str
        The outcome's name.
    confidence : float
    n_resamples : int
    """

    method: str
    outcome: str
    confidence: float
    n_resamples: int

    def __init__(self, columns: Mapping[str, ArrayLike], *, method: str, outcome: str,
                 confidence: float, n_resamples: int, segment: str | None = None) -> None:
        super().__init__(columns, title=f"Key drivers of {outcome} ({method})",
                         value="importance", segment=segment)
        self._set(method=method, outcome=outcome, confidence=confidence,
                  n_resamples=n_resamples)

    @property
    def r_squared(self) -> float:
        """The full model's R-squared of a result with one block (no ``by=``)."""
        values = np.unique(np.asarray(self["r_squared"], dtype=float))
        if self.segment_column is not None and np.unique(
                self[self.segment_column].astype(str)).size > 1:
            raise InvalidParameterError(
                "KeyDrivers.r_squared: the result has one block per segment; read the column "
                "result['r_squared'] or pick one with result.segment(label).")
        return float(values[0]) if values.size else float("nan")

    def segment(self, label: Any) -> KeyDrivers:
        """The block of one segment (every driver's row)."""
        if self.segment_column is None:
            raise InvalidParameterError("KeyDrivers.segment: the result has no segments.")
        labels = self[self.segment_column]
        idx = np.flatnonzero(np.array([v == label for v in labels.tolist()], dtype=bool))
        if idx.size == 0:
            raise InvalidParameterError(
                f"KeyDrivers.segment: no segment {label!r}; there are "
                f"{', '.join(map(repr, dict.fromkeys(labels.tolist())))}.")
        return self._rows(idx.astype(np.int64))

    def plot(self, *, segment: Any = None, ax: Any = None) -> Any:
        """The importance-performance quadrant chart: importance across, performance up,
        split at the means, each driver labelled (needs the ``plot`` extra; see
        ``csmetrics.plotting.plot_key_drivers``).

        Parameters
        ----------
        segment : optional
            The segment to draw (required when the result has several).
        ax : matplotlib Axes, optional

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from csmetrics import key_drivers
        >>> data = {"nps": [9, 7, 10, 3, 8, 6, 9, 2], "ease": [6, 5, 7, 2, 6, 3, 5, 1],
        ...         "price": [4, 3, 6, 3, 2, 5, 4, 2], "support": [5, 6, 6, 2, 4, 4, 7, 3]}
        >>> r = key_drivers(data, outcome="nps", drivers=["ease", "price", "support"],
        ...                 scales=dict.fromkeys(["ease", "price", "support"], (1, 7)),
        ...                 n_resamples=0)
        >>> r.plot().get_xlabel()
        'importance (share of R²)'
        """
        block = self
        if self.segment_column is not None:
            labels = list(dict.fromkeys(self[self.segment_column].tolist()))
            if segment is None and len(labels) != 1:
                raise InvalidParameterError(
                    "KeyDrivers.plot: the result has one block per segment; pick one with "
                    f"plot(segment=...) (one of {', '.join(map(repr, labels))}).")
            block = self.segment(labels[0] if segment is None else segment)
        from csmetrics.plotting import plot_key_drivers

        return plot_key_drivers(block, ax=ax)


def quadrants(importance: NDArray[np.float64], performance: NDArray[np.float64],
              block: NDArray[np.int64]) -> NDArray[Any]:
    """The quadrant of each driver: importance and performance against their block's means
    (a value at the mean counts as high); ``""`` where either is NaN."""
    n_blocks = int(block.max()) + 1 if block.size else 0
    out = np.full(importance.size, "", dtype=object)
    ok = np.isfinite(importance) & np.isfinite(performance)
    if not ok.any():
        return out
    cnt = np.bincount(block[ok], minlength=n_blocks)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_i = np.bincount(block[ok], importance[ok], n_blocks) / cnt
        mean_p = np.bincount(block[ok], performance[ok], n_blocks) / cnt
    # A small tolerance: shares that are equal on paper may differ in the last bit.
    high_i = importance >= mean_i[block] - 1e-12
    high_p = performance >= mean_p[block] - 1e-9
    label = np.array(QUADRANTS, dtype=object)
    pick = np.where(high_i, np.where(high_p, 1, 0), np.where(high_p, 2, 3))
    out[ok] = label[pick[ok]]
    return out
