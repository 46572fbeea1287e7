"""What every chart shares: the axes to draw on (matplotlib imported only then), the
colours, and the check that a result has one row per period.

matplotlib is imported when a chart is drawn, never when csmetrics is imported; given an
``ax``, a chart draws there and leaves pyplot alone (no figure is created or selected).
"""

from __future__ import annotations

from typing import Any

from csmetrics._core.optional import import_optional
from csmetrics.exceptions import InvalidParameterError

GAIN, LOSS, LEVEL, NEUTRAL = "#2a9d8f", "#e76f51", "#457b9d", "#b8b8b8"
"""Colours: a gain, a loss, a level (starting and ending MRR), a neutral part (fx, passives)."""


def axes(ax: Any, purpose: str) -> Any:
    """``ax``, or the axes of a new pyplot figure when it is None (imported only then).

    Raises
    ------
    MissingDependencyError
        matplotlib is not installed (the message names ``pip install 'csmetrics[plot]'``).
    """
    if ax is not None:
        return ax
    plt = import_optional("matplotlib.pyplot", "plot", purpose)
    _, new = plt.subplots()
    return new


def one_row_per_period(result: Any, periods: int, purpose: str, hint: str = "") -> None:
    """Refuse a result split by segment (more rows than ``periods``): a chart shows one.

    Raises
    ------
    InvalidParameterError
        The result has another number of rows than ``periods``.
    """
    if len(result) != periods:
        raise InvalidParameterError(
            f"{purpose}: the result is split by segment ({len(result)} rows for {periods} "
            "period" + "s" * (periods != 1) + "); "
            + (hint or "compute it without by= or plot one segment's rows."))
