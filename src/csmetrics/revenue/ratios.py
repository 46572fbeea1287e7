"""Ratios per segment, with undefined values as NaN and a warning, never a silent 0."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics.exceptions import UndefinedMetricWarning
from csmetrics.results import TableResult
from csmetrics.revenue.segments import Segmentation


def divide(numerator: NDArray[Any], denominator: NDArray[Any], *, context: str, what: str
           ) -> NDArray[np.float64]:
    """``numerator / denominator``; NaN with one :class:`UndefinedMetricWarning` where the
    denominator is zero."""
    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)
    zero = den == 0
    if zero.any():
        warnings.warn(
            f"{context}: undefined for {int(zero.sum())} of {zero.size} result(s) because "
            f"{what} is zero; returning NaN.", UndefinedMetricWarning, stacklevel=3)
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=~zero)
    return out


def rate_result(seg: Segmentation, by: object, values: NDArray[np.float64],
                extra: dict[str, NDArray[Any]], *, name: str, title: str,
                money: tuple[str, ...] = (), digits: Any = 2) -> float | TableResult:
    """A float without ``by``; with it, one row per segment: the rate and its parts."""
    if by is None:
        return float(values[0])
    columns: dict[str, Any] = {seg.name or "segment": seg.labels, name: values, **extra}
    return TableResult(columns, title=title, money=money, digits=digits)
