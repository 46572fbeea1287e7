"""The index of a result's ``pandas.DataFrame``: its segment, then its period.

A result's period labels (``"2024-03"``, ``"2024-Q4"``, ``"2024"``, ``"2024-03-15"``,
``"2024-W05"``) become a ``pandas.PeriodIndex`` of frequency M, Q, Y, D or W, so a notebook
can select ``frame.loc["2024-Q4"]`` or group by ``frame.index.asfreq("Q")``. Labels pandas has
no period for (fiscal ``"FY2025-Q1"``, a mix of lengths, an empty result) stay text: an index
of strings, never a wrong date. pandas is passed in, never imported here.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["indexed_frame", "period_index"]

# Whole-label patterns and the pandas frequency each names (calendar periods only).
_FORMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\d{4}-(0[1-9]|1[0-2])"), "M"),
    (re.compile(r"\d{4}-Q[1-4]"), "Q"),
    (re.compile(r"\d{4}"), "Y"),
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "D"),
)
_WEEK = re.compile(r"(\d{4})-W(\d{2})")


def period_index(pd: ModuleType, values: Sequence[Any] | NDArray[Any], name: str) -> Any:
    """``values`` (period labels or ``Period`` objects) as a ``pandas.PeriodIndex``.

    Labels of one calendar form give that frequency; ISO weeks (``"2024-W05"``) are weeks
    from Monday to Sunday (``W-SUN``). Anything else (fiscal labels, mixed forms, no values)
    is a plain ``pandas.Index`` of the labels.

    Examples
    --------
    >>> import pandas as pd
    >>> period_index(pd, ["2024-Q4", "2025-Q1"], "period")
    PeriodIndex(['2024Q4', '2025Q1'], dtype='period[Q-DEC]', name='period')
    >>> period_index(pd, ["FY2025-Q1"], "period")
    Index(['FY2025-Q1'], dtype='object', name='period')
    """
    texts = [str(v) for v in values]
    if texts:
        for pattern, freq in _FORMS:
            if all(pattern.fullmatch(t) for t in texts):
                return pd.PeriodIndex(texts, freq=freq, name=name)
        weeks = [_WEEK.fullmatch(t) for t in texts]
        if all(weeks):
            mondays = [_dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)
                       for m in weeks if m is not None]
            return pd.DatetimeIndex(mondays, name=name).to_period("W-SUN")
    return pd.Index(np.asarray(texts, dtype=object), dtype=object, name=name)


def indexed_frame(pd: ModuleType, columns: Mapping[str, NDArray[Any]], index: Sequence[str],
                  periods: Sequence[str]) -> Any:
    """A DataFrame of ``columns`` indexed by the columns ``index`` (in that order).

    Columns named in ``periods`` become a period index (``period_index``); the others are
    index levels as they are. No index columns: the default ``RangeIndex``. Index columns
    leave the frame's columns. With several levels the rows are grouped by the first, in
    order of its first appearance (each group in its original order); values are kept.
    """
    if not index:
        return pd.DataFrame({k: np.array(v) for k, v in columns.items()})
    # Several levels: rows grouped by the first (segment), in order of first appearance,
    # each group keeping its row order, so the frame reads as one block per segment.
    order = (np.argsort(pd.factorize(np.asarray(columns[index[0]]), use_na_sentinel=False)[0],
                        kind="stable")
             if len(index) > 1 else slice(None))
    data = {k: np.array(v)[order] for k, v in columns.items() if k not in index}
    levels = [period_index(pd, np.asarray(columns[name])[order], name) if name in periods
              else pd.Index(np.array(columns[name])[order], name=name) for name in index]
    rows = levels[0] if len(levels) == 1 else pd.MultiIndex.from_arrays(levels)
    return pd.DataFrame(data, index=rows)
