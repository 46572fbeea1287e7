"""What the SLA metrics share: the row of each ticket for ``by=``, the as-of moment, the
opening window, durations in hours and SLA targets.

Every SLA metric reads ``at`` as the end of that UTC day (23:59:59.999999, like
``open_tickets``): a ticket counts if it was opened by then, and only what happened by then is
known (a reply or resolution after ``at`` is not yet there).
"""

from __future__ import annotations

import datetime as _dt
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
from csmetrics.support.steps import _Entities, _entities
from csmetrics.tables.accounts import Split
from csmetrics.tables.tickets import SupportTicketTable

I64 = NDArray[np.int64]
NAT = np.iinfo(np.int64).min
US_PER_HOUR = 3_600_000_000

OpenedWindow = tuple[PeriodLike, PeriodLike] | None


@dataclass(frozen=True)
class RowMap:
    """The ``Split`` of ``by=`` over the whole table and how any part of it (the whole, or
    the tickets of some of its customers) finds the result row of each ticket."""

    entities: _Entities
    accounts: I64      # accounts pooled by each row

    @property
    def sp(self) -> Split:
        """The split of the whole table."""
        return self.entities.sp

    @property
    def n_rows(self) -> int:
        """Rows of the result."""
        return self.entities.sp.n_segments

    def rows_of(self, part: SupportTicketTable) -> I64:
        """The result row of each of ``part``'s tickets (-1: counted nowhere)."""
        entity = self.entities.of_rows(part)
        of_entity = self.entities.sp.segment_of_entity()
        row = np.full(entity.size, -1, dtype=np.int64)
        has = entity >= 0
        row[has] = of_entity[entity[has]]
        return row


@dataclass(frozen=True)
class TicketRows:
    """Validated tickets, their ``RowMap`` and the result row of each ticket."""

    table: SupportTicketTable
    rows: RowMap
    row: I64

    @property
    def sp(self) -> Split:
        """The split of ``by=``."""
        return self.rows.sp

    @property
    def accounts(self) -> I64:
        """Accounts pooled by each result row."""
        return self.rows.accounts

    @property
    def n_rows(self) -> int:
        """Rows of the result."""
        return self.rows.n_rows


def ticket_rows(tickets: Any, by: By, customers: ArrayLike | None, context: str) -> TicketRows:
    """The tickets and the result row of each for ``by`` (see ``tables.accounts.split``)."""
    table, ent = _entities(tickets, by, customers, context)
    accounts = np.bincount(ent.sp.segment, minlength=ent.sp.n_segments).astype(np.int64)
    rows = RowMap(ent, accounts)
    return TicketRows(table, rows, rows.rows_of(table))


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
_LONGEST_HOURS = 100 * 366 * 24.0  # beyond any SLA; keeps microseconds far inside int64


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
    if not (0 < out <= _LONGEST_HOURS):
        raise ValueError(f"a target must be a positive duration of at most 100 years, got "
                         f"{value!r}")
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


def target_lookup(table: SupportTicketTable, targets: Any, rows: NDArray[np.bool_],
                  context: str) -> I64:
    """The target in microseconds of each priority code of ``table``, the last entry for the
    tickets without a priority (-1: no target), checked over the tickets ``rows`` that need
    one. A mapping keyed by priority may hold ``None`` for the tickets without one."""
    cats = [str(c) for c in np.asarray(table.priorities).tolist()]
    if not isinstance(targets, Mapping):
        return np.full(len(cats) + 1, round(target_hours(targets) * US_PER_HOUR),
                       dtype=np.int64)
    by_name = {(None if k is None else str(k)): round(target_hours(v) * US_PER_HOUR)
               for k, v in targets.items()}
    lookup = np.array([by_name.get(c, -1) for c in cats] + [by_name.get(None, -1)],
                      dtype=np.int64)
    codes = np.asarray(table.priority_codes, dtype=np.int64)
    lacking = rows & (target_of_rows(table, lookup) < 0)
    if lacking.any():
        missing = sorted({("(no priority)" if c < 0 else cats[c]) for c in
                          np.unique(codes[lacking]).tolist()})
        raise InvalidParameterError(
            f"{context}: {int(lacking.sum()):,} tickets have a priority without a target "
            f"({', '.join(missing)}); give each a target in targets= (the key None for "
            "tickets without a priority), or one duration for every ticket.")
    return lookup


def target_of_rows(table: SupportTicketTable, lookup: I64) -> I64:
    """Each ticket's target in microseconds (``lookup`` from ``target_lookup``)."""
    codes = np.asarray(table.priority_codes, dtype=np.int64)
    return lookup[np.where(codes >= 0, codes, lookup.size - 1)]
