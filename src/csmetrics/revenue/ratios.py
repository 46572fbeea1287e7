"""Rate results of the revenue metrics: the rate per segment, with its parts beside it."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics.results import MetricResult
from csmetrics.revenue.segments import Segmentation


def rate_result(seg: Segmentation, values: NDArray[np.float64], parts: dict[str, NDArray[Any]],
                *, name: str, title: str, money: tuple[str, ...] = (), digits: Any = 2
                ) -> MetricResult:
    """One row per segment (one row without ``by``): the rate ``name``, then its parts."""
    columns = seg.columns()
    columns[name] = values
    columns.update(parts)
    return MetricResult(columns, value=name, title=title, money=money, digits=digits,
                        segment=seg.name)
