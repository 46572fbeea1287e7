"""What the synthetic generators accept: the shared option constraints of ``datasets``.

Every generator declares its options with these (``validate_params``), so that a bad
argument is the one ``InvalidParameterError`` shape, never numpy's error from deep in a draw.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np

from csmetrics._core.columns import as_column
from csmetrics._core.convert import is_missing, not_scalar
from csmetrics._core.options import Interval, Satisfies, is_whole
from csmetrics.periods.calendar import Period, snapshot_date
from csmetrics.periods.windows import MAX_DAYS, MAX_MONTHS

MAX_CUSTOMERS = 100_000_000
"""The most customers a generator draws (beyond, the arrays would not fit in memory)."""


def _is_ids(value: Any) -> bool:
    if isinstance(value, str | bytes) or not hasattr(value, "__len__"):
        return False
    ids = as_column(value)
    return not_scalar(ids) is None and not bool(is_missing(ids).any())


CUSTOMERS = Satisfies(
    lambda v: (is_whole(v) and 0 <= v <= MAX_CUSTOMERS) or _is_ids(v),
    f"a number of customers (0 to {MAX_CUSTOMERS:,}) or a list of customer ids")
"""``customers=``: how many, or their ids."""

COUNT = Interval(1, MAX_CUSTOMERS, integer=True)
"""``n_customers=``: how many customers."""

SEED = Satisfies(lambda v: is_whole(v) and v >= 0, "a whole number >= 0")
"""``seed=`` of a generator (mixed with a constant per table, so a whole number)."""

DAYS = Interval(1, MAX_DAYS, integer=True)
"""``days=``: the length of the window, at most 100 years."""

MONTHS = Interval(1, MAX_MONTHS, integer=True)
"""``months=``: the length of the window, at most 100 years."""

RATE = Interval(0, 10_000)
"""A mean count per customer (Poisson), up to 10,000."""


def _is_counts(value: Any) -> bool:
    counts = np.asarray(value, dtype=np.float64)
    return counts.ndim == 1 and bool(np.all(np.isfinite(counts) & (counts >= 0) & (
        counts == np.round(counts)) & (counts <= 1_000_000)))


SEATS = Satisfies(lambda v: v is None or _is_counts(v),
                  "None or a list of seat counts (whole numbers from 0 to 1,000,000)")
"""``seats=``: licensed seats per account."""

def _is_day(value: Any) -> bool:
    if not isinstance(value, str | _dt.date | np.datetime64):
        return False
    snapshot_date(value)  # a day in the years the tables read, or InvalidParameterError
    return not np.isnat(np.asarray(value, dtype="datetime64[D]"))  # as the generators read it


DAY = Satisfies(_is_day, "a day such as '2024-01-01'")
"""``start=`` of events: the first day."""

MONTH = Satisfies(lambda v: isinstance(v, str) and Period.parse(v, "month") is not None,
                  "a month such as '2024-01'")
"""``start=`` of a portfolio or of answers: the first month."""
