"""What the SLA metrics share: the row of each ticket for ``by=``, the as-of moment, the
opening window, durations in hours and SLA targets.

Every SLA metric reads ``at`` as the end of that UTC day (23:59:59.999999, like
``open_tickets``): a ticket counts if it was opened by then, and only what happened by then is
known (a reply or resolution after ``at`` is not yet there).
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.options import Constraint, Interval, Satisfies
from csmetrics._core.segments import By
from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.calendar import PeriodLike
from csmetrics.periods.days import day_bounds_us, day_number, span_days, utc_day
from csmetrics.support.steps import _entities
from csmetrics.tables.accounts import Split
from csmetrics.tables.tickets import SupportTicketTable

I64 = NDArray[np.int64]
NAT = np.iinfo(np.int64).min
US_PER_HOUR = 3_600_000_000

OpenedWindow = tuple[PeriodLike, PeriodLike] | None


@dataclass(frozen=True)
class TicketRows:
    """Validated tickets, the ``Split`` of ``by=`` and the result row of each ticket (-1:
    counted nowhere), with the accounts each row pools."""

    table: SupportTicketTable
    sp: Split
    row: I64
    accounts: I64

    @property
    def n_rows(self) -> int:
        """Rows of the result."""
        return self.sp.n_segments


def ticket_rows(tickets: Any, by: By, customers: ArrayLike | None, context: str) -> TicketRows:
    """The tickets and the result row of each for ``by`` (see ``tables.accounts.split``)."""
    table, ent = _entities(tickets, by, customers, context)
    entity = ent.of_rows(table)
    of_entity = ent.sp.segment_of_entity()
    row = np.full(entity.size, -1, dtype=np.int64)
    has = entity >= 0
    row[has] = of_entity[entity[has]]
    accounts = np.bincount(ent.sp.segment, minlength=ent.sp.n_segments).astype(np.int64)
    return TicketRows(table, ent.sp, row, accounts)


def as_of(at: PeriodLike | _dt.datetime, context: str) -> tuple[int, str]:
    """The exclusive end (UTC microseconds) of the day ``at`` and that day as text."""
    day = day_number(utc_day(at, context))
    return int(day_bounds_us(day, day)[1]), str(np.datetime64(day, "D"))


def opened_bounds(opened: OpenedWindow, hi: int, context: str) -> tuple[int, int, str]:
    """``[lo, hi)`` of the opening times counted: the ``opened=(start, end)`` days (both
    inclusive), never past the as-of end ``hi``; with the window as text."""
    if opened is None:
        return np.iinfo(np.int64).min + 1, hi, ""
    if not isinstance(opened, tuple | list) or len(opened) != 2:
        raise InvalidParameterError(f"{context}: opened must be a (start, end) pair of "
                                    f"periods or dates, got {opened!r}.")
    first, _ = span_days(opened[0], context)
    _, last = span_days(opened[1], context)
    if last < first:
        raise InvalidParameterError(
            f"{context}: opened end {opened[1]!r} is before start {opened[0]!r}.")
    lo, top = day_bounds_us(first, last)
    text = f", opened {np.datetime64(first, 'D')} to {np.datetime64(last, 'D')}"
    return int(lo), int(min(top, hi)), text


def hours(us: ArrayLike) -> NDArray[np.float64]:
    """Microseconds as hours (NaN stays NaN)."""
    return np.asarray(us, dtype=np.float64) / US_PER_HOUR


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*(m|min|h|d)\s*$")
_UNIT_HOURS = {"m": 1 / 60, "min": 1 / 60, "h": 1.0, "d": 24.0}


def target_hours(value: Any) -> float:
    """One SLA target in hours: a number of hours (> 0) or text such as ``"30m"``, ``"4h"``,
    ``"2d"`` (calendar days of 24 hours).

    Examples
    --------
    >>> target_hours("30m"), target_hours(4), target_hours("1.5d")
    (0.5, 4.0, 36.0)
    """
    if isinstance(value, str):
        found = _DURATION.match(value.lower())
        if found is None:
            raise ValueError(f"not a duration: {value!r}")
        out = float(found.group(1)) * _UNIT_HOURS[found.group(2)]
    elif isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"not a duration: {value!r}")
    else:
        out = float(value)
    if not (out > 0 and math.isfinite(out)):
        raise ValueError(f"a target must be a positive finite duration, got {value!r}")
    return out


def _targets_ok(value: Any) -> bool:
    if isinstance(value, Mapping):
        return len(value) > 0 and all(target_hours(v) > 0 for v in value.values())
    return target_hours(value) > 0


TARGETS: Constraint = Satisfies(
    _targets_ok, "a duration (hours, or text like '4h', '30m', '1d') or a non-empty mapping "
    "from priority to such a duration")
"""``targets`` of ``sla_attainment``."""

PERCENTILES: Constraint = Satisfies(
    lambda v: not isinstance(v, str) and len(v) > 0 and all(
        Interval(0, 100, closed="neither").accepts(p) for p in v),
    "a non-empty sequence of numbers strictly between 0 and 100")
"""``percentiles`` of the time-to-event metrics."""


def target_of_rows(table: SupportTicketTable, targets: Any, rows: NDArray[np.bool_],
                   context: str) -> I64:
    """Each ticket's target in microseconds from its priority (``rows``: the tickets that
    need one). A mapping keyed by priority may hold ``None`` for the tickets without one."""
    if not isinstance(targets, Mapping):
        return np.full(len(table), round(target_hours(targets) * US_PER_HOUR), dtype=np.int64)
    cats = [str(c) for c in np.asarray(table.priorities).tolist()]
    by_name = {(None if k is None else str(k)): round(target_hours(v) * US_PER_HOUR)
               for k, v in targets.items()}
    lookup = np.array([by_name.get(c, -1) for c in cats] + [by_name.get(None, -1)],
                      dtype=np.int64)  # the last entry: tickets without a priority
    codes = np.asarray(table.priority_codes, dtype=np.int64)
    out = lookup[np.where(codes >= 0, codes, len(cats))]
    lacking = rows & (out < 0)
    if lacking.any():
        missing = sorted({("(no priority)" if c < 0 else cats[c]) for c in
                          np.unique(codes[lacking]).tolist()})
        raise InvalidParameterError(
            f"{context}: {int(lacking.sum()):,} tickets have a priority without a target "
            f"({', '.join(missing)}); give each a target in targets= (the key None for "
            "tickets without a priority), or one duration for every ticket.")
    return out
