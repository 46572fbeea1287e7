"""Calendar and fiscal periods, snapshot dates, days and trailing windows.

A period is a whole number of calendar months: a month, a quarter or a year, optionally
anchored to a fiscal year that starts in any month. A period's *snapshot* is its last day.
"""

from csmetrics.periods.calendar import (
    Frequency,
    Period,
    PeriodLike,
    parse_frequency,
    period_range,
)

__all__ = ["Frequency", "Period", "PeriodLike", "parse_frequency", "period_range"]
