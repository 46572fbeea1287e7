"""Days: the UTC day a value names, the span of days a period covers, day bounds."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np

from csmetrics._core.timestamps import US_PER_DAY
from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.calendar import PeriodLike, _parse, snapshot_date


def utc_day(at: PeriodLike | _dt.datetime, context: str) -> np.datetime64:
    """The UTC day ``at`` names: a date, the last day of a period, or an instant's UTC date."""
    if isinstance(at, _dt.datetime) and not _is_nat(at):
        offset = at.utcoffset()
        at = (at.replace(tzinfo=None) - (offset or _dt.timedelta(0))).date()
    try:
        return snapshot_date(at)
    except InvalidParameterError as exc:
        raise InvalidParameterError(f"{context}: {exc}") from None


def span_days(value: PeriodLike | _dt.datetime, context: str) -> tuple[int, int]:
    """First and last UTC day (days since the epoch) of the period or date ``value`` names."""
    if isinstance(value, _dt.datetime) and not _is_nat(value):
        day = day_number(utc_day(value, context))
        return day, day
    try:
        span = _parse(value, None)
    except InvalidParameterError as exc:
        raise InvalidParameterError(f"{context}: {exc}") from None
    if isinstance(span, _dt.date):
        day = (span - _dt.date(1970, 1, 1)).days
        return day, day
    first = int(np.datetime64(span[0], "M").astype("datetime64[D]").astype(np.int64))
    last = int(np.datetime64(span[1] + 1, "M").astype("datetime64[D]").astype(np.int64)) - 1
    return first, last


def _is_nat(value: object) -> bool:
    return type(value).__name__ == "NaTType"  # pandas' NaT: a datetime, with no offset


def day_number(day: np.datetime64) -> int:
    """Days since 1970-01-01 of a ``datetime64[D]``."""
    return int(day.astype("datetime64[D]").astype(np.int64))


def day_bounds_us(first_day: int, last_day: int) -> tuple[int, int]:
    """Microsecond bounds ``[lo, hi)`` of the UTC days ``first_day .. last_day``."""
    return first_day * US_PER_DAY, (last_day + 1) * US_PER_DAY


def day_bounds(value: Any) -> tuple[np.datetime64, np.datetime64]:
    """First and last day of the period (or the date) ``value`` names."""
    span = _parse(value, None)
    if isinstance(span, _dt.date):
        day = np.datetime64(span, "D")
        return day, day
    first = np.datetime64(span[0], "M").astype("datetime64[D]")
    last = np.datetime64(span[1] + 1, "M").astype("datetime64[D]") - np.timedelta64(1, "D")
    return first, last
