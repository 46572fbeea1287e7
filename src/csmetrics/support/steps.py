"""First contact resolution and open tickets as three steps each: prepare, partial, finalize.

``prepare`` validates the tickets and fixes the plan: the window, the options and the
entities the metric counts over for ``by=`` (``tables.accounts.split`` of the whole table,
without its rows): whole accounts (their customer codes), or (account, value) pairs for a
row-level ``by`` (their keys in the whole table, so that every part finds its own). A
part's partials are int64 arrays per entity: tickets counted, resolved at first contact,
open, opened and resolved in the window, and the opening time of each entity's oldest open
ticket (0 where none). Every entity belongs to one customer, so parts fill disjoint entries
and their sum is the whole's, bit for bit. ``finalize`` pools the entities into rows as the
metrics always have.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.partials import MetricParts, Partials
from csmetrics._core.scope import whole_checks
from csmetrics._core.segments import By
from csmetrics._core.warnings import warn_undefined
from csmetrics._kernels import usage as ku
from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.calendar import PeriodLike
from csmetrics.periods.days import day_bounds_us, day_number, span_days, utc_day
from csmetrics.periods.windows import window_days
from csmetrics.tables.account_result import AccountResult
from csmetrics.tables.accounts import AccountSet, Pooling, Split, pool, resolve_by, split
from csmetrics.tables.coerce import as_tickets
from csmetrics.tables.tickets import SupportTicketTable

I64 = NDArray[np.int64]
_NAT = np.iinfo(np.int64).min
_NEVER = np.iinfo(np.int64).max
_EMPTY = np.zeros(0, dtype=np.int64)


class FirstContactResolution(AccountResult):
    """First contact resolution, pooled or per segment.

    Columns: the segment column, ``accounts``, ``tickets`` (the denominator),
    ``first_contact`` (tickets resolved with at most one contact) and ``fcr_rate`` (value
    column). Attributes ``rate`` (every ticket of the result pooled) and ``denominator``.
    """

    rate: float
    denominator: str

    def __repr__(self) -> str:
        return f"FirstContactResolution(rate={self.rate:.4g}, denominator={self.denominator!r})"



@dataclass(frozen=True)
class DayWindow:
    """A ``start..end`` window of whole UTC days: day numbers, ``[lo, hi)`` in UTC
    microseconds, and the window as text."""

    first: int
    last: int
    lo: int
    hi: int
    text: str


def day_window(start: PeriodLike, end: PeriodLike, context: str) -> DayWindow:
    """The days from the first of ``start`` to the last of ``end``; an end before the start
    is an ``InvalidParameterError``."""
    first, _ = span_days(start, context)
    _, last = span_days(end, context)
    if last < first:
        raise InvalidParameterError(f"{context}: end {end!r} is before start {start!r}.")
    lo, hi = day_bounds_us(first, last)
    return DayWindow(int(first), int(last), int(lo), int(hi),
                     f"{np.datetime64(first, 'D')} to {np.datetime64(last, 'D')}")


@dataclass(frozen=True)
class _Entities:
    """The entities a ticket metric counts (its ``Split`` over the whole table, without the
    rows) and how a part's rows find theirs: an account is its customer code; an (account,
    value) pair of a row-level ``by`` is its index among the whole table's pairs."""

    sp: Split
    by: str | None = None                      # the column of (account, value) pairs
    pairs: I64 | None = None                   # their sorted keys: code * width + value + 1
    width: int = 0
    counted: NDArray[np.bool_] | None = None   # the customer codes counted

    def of_rows(self, part: SupportTicketTable) -> I64:
        """The entity of each of ``part``'s rows (-1: the row counts nowhere)."""
        codes = np.asarray(part.customer_codes, dtype=np.int64)
        if self.pairs is None:
            return codes
        assert self.counted is not None
        assert self.by is not None
        col, _ = part.segment_column(self.by, self.sp.context)
        rows = self.counted[codes] if codes.size else np.zeros(0, dtype=bool)
        out = np.full(codes.size, -1, dtype=np.int64)
        out[rows] = np.searchsorted(self.pairs, codes[rows] * np.int64(self.width) + (
            np.asarray(col, dtype=np.int64)[rows] + 1))
        return out

    def per_entity(self, entity: I64, rows: Any) -> I64:
        """Rows of ``rows`` (a mask) per table-space entity."""
        e = entity[rows]
        return np.asarray(ku.count(e[e >= 0], self.sp.n_entities), dtype=np.int64)


def _entities(tickets: Any, by: By, customers: ArrayLike | None, context: str
              ) -> tuple[SupportTicketTable, _Entities]:
    """The validated tickets and their entities for ``by`` (see ``tables.accounts.split``)."""
    by = resolve_by(by, context)
    table = as_tickets(tickets, context, by=by)
    acc = AccountSet.of(table.customer_ids, customers=customers, context=context)
    sp = split(table, by, acc, context, row_fields=("ticket_id",))
    if sp.per_account:
        return table, _Entities(replace(sp, entity_of_row=_EMPTY))
    # (account, value) entities: their keys as split made them, so that parts find theirs
    assert isinstance(by, str)
    codes = np.asarray(table.customer_codes, dtype=np.int64)
    col, cats = table.segment_column(by, context)
    counted = np.zeros(int(table.customer_ids.size), dtype=bool)
    counted[acc.code[acc.code >= 0]] = True
    width = int(np.asarray(cats).size + 1)
    rows = sp.entity_of_row >= 0
    pairs = np.zeros(sp.n_entities, dtype=np.int64)   # split's pairs, by its own entities
    pairs[sp.entity_of_row[rows]] = codes[rows] * np.int64(width) + (
        np.asarray(col, np.int64)[rows] + 1)
    return table, _Entities(replace(sp, entity_of_row=_EMPTY), by, pairs, width, counted)


# --- first contact resolution ------------------------------------------------------------------


@dataclass(frozen=True)
class _FcrPlan:
    entities: _Entities
    lo: int
    hi: int
    where: str
    denominator: str
    zero_contacts: str


def _fcr_prepare(tickets: Any, start: PeriodLike | None = None, end: PeriodLike | None = None,
                 *, denominator: str = "resolved", zero_contacts: str = "first_contact",
                 by: By = None, customers: ArrayLike | None = None
                 ) -> tuple[SupportTicketTable, _FcrPlan]:
    ctx = "first_contact_resolution_rate"
    if (start is None) != (end is None):
        raise InvalidParameterError(f"{ctx}: give both start= and end=, or neither.")
    table, ent = _entities(tickets, by, customers, ctx)
    if len(table) and whole_checks() and bool((table.contacts < 0).all()) and not bool(
            np.isnat(table.resolved_at).all()):
        raise InvalidParameterError(f"{ctx}: the tickets carry no contacts (give a 'contacts' "
                                    "column: how many contacts each ticket took).")
    if start is None:
        lo, hi = np.iinfo(np.int64).min + 1, np.iinfo(np.int64).max
        where = "all tickets"
    else:
        w = day_window(start, end, ctx)  # type: ignore[arg-type]
        lo, hi, where = w.lo, w.hi, w.text
    return table, _FcrPlan(ent, int(lo), int(hi), where, denominator, zero_contacts)


def _fcr_partial(part: SupportTicketTable, plan: _FcrPlan) -> Partials:
    """Tickets counted and resolved at first contact, per entity."""
    lo, hi = plan.lo, plan.hi
    opened = part.opened_at.view(np.int64)
    resolved_raw = part.resolved_at.view(np.int64)
    resolved_by_end = (resolved_raw != _NAT) & (resolved_raw < hi)
    if plan.denominator == "resolved":
        counted = resolved_by_end & (resolved_raw >= lo)
    else:
        counted = (opened >= lo) & (opened < hi)
    one = resolved_by_end & (part.contacts <= 1) & (part.contacts >= 0)
    if plan.zero_contacts == "exclude":
        zero = resolved_by_end & (part.contacts == 0)
        counted &= ~zero
        one &= ~zero
    entity = plan.entities.of_rows(part)
    return Partials("first_contact_resolution_rate", {
        "tickets": plan.entities.per_entity(entity, counted),
        "first_contact": plan.entities.per_entity(entity, counted & one)})


def _fcr_finalize(parts: Partials, plan: _FcrPlan) -> FirstContactResolution:
    ctx = "first_contact_resolution_rate"
    sp = plan.entities.sp
    den = sp.take(parts["tickets"], 0)
    num = sp.take(parts["first_contact"], 0)
    how = Pooling(sums=("tickets", "first_contact"),
                  ratios={"fcr_rate": ("first_contact", "tickets",
                                       f"the number of tickets {plan.denominator} "
                                       f"({plan.where})")})
    pooled = pool({"tickets": den, "first_contact": num}, sp.segment, sp.n_segments, how,
                  context=ctx)
    cols = sp.segment_columns()
    cols.update((c, pooled[c]) for c in ("accounts", "tickets", "first_contact", "fcr_rate"))
    result = FirstContactResolution(
        cols, value="fcr_rate", segment=sp.name, pooling=how,
        title=f"First contact resolution (of tickets {plan.denominator}, {plan.where})")
    total = int(den.sum())
    result._set(rate=float(num.sum() / total) if total else float("nan"),
                denominator=plan.denominator)
    return result


# --- open tickets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _OpenPlan:
    entities: _Entities
    days: int
    last: int
    lo: int
    hi: int


def _open_prepare(tickets: Any, at: PeriodLike | _dt.datetime, *, window: str | int = "30D",
                  by: By = None, customers: ArrayLike | None = None
                  ) -> tuple[SupportTicketTable, _OpenPlan]:
    ctx = "open_tickets"
    table, ent = _entities(tickets, by, customers, ctx)
    days = window_days(window, ctx)
    last = day_number(utc_day(at, ctx))
    lo, hi = day_bounds_us(last - days + 1, last)
    return table, _OpenPlan(ent, days, last, int(lo), int(hi))


def _open_partial(part: SupportTicketTable, plan: _OpenPlan) -> Partials:
    """Open tickets, tickets opened and resolved in the window, and the opening time of the
    oldest open ticket (0 where none is open), per entity."""
    lo, hi = plan.lo, plan.hi
    opened = part.opened_at.view(np.int64)
    resolved = part.resolved_at.view(np.int64)
    is_open = (opened < hi) & ((resolved == _NAT) | (resolved >= hi))
    in_window = (opened >= lo) & (opened < hi)
    done = (resolved != _NAT) & (resolved >= lo) & (resolved < hi)
    ent = plan.entities
    entity = ent.of_rows(part)
    mine = is_open & (entity >= 0)
    oldest = np.full(ent.sp.n_entities, _NEVER, dtype=np.int64)
    np.minimum.at(oldest, entity[mine], opened[mine])
    return Partials("open_tickets", {
        "open_tickets": ent.per_entity(entity, is_open),
        "opened": ent.per_entity(entity, in_window),
        "resolved": ent.per_entity(entity, done),
        "oldest_open": np.where(oldest < _NEVER, oldest, 0)})


def _open_finalize(parts: Partials, plan: _OpenPlan) -> AccountResult:
    ctx = "open_tickets"
    sp = plan.entities.sp
    # The oldest open ticket of each row: the oldest of its entities' oldest.
    of_entity = sp.segment_of_entity()
    has = (np.asarray(parts["open_tickets"]) > 0) & (of_entity >= 0)
    oldest = np.full(sp.n_segments, _NEVER, dtype=np.int64)
    np.minimum.at(oldest, of_entity[has], np.asarray(parts["oldest_open"])[has])
    age = np.where(oldest < _NEVER, (plan.hi - oldest) / ku.US_PER_DAY, np.nan)
    if np.isnan(age).any():
        noun = "accounts" if sp.name == "customer_id" else "rows"
        warn_undefined(f"{ctx}: {int(np.isnan(age).sum()):,} of {age.size:,} {noun} have no "
                       "open ticket, so the age of their oldest open ticket is NaN.")
    how = Pooling(sums=("open_tickets", "opened", "resolved"))
    pooled = pool({c: sp.take(parts[c], 0) for c in ("open_tickets", "opened", "resolved")},
                  sp.segment, sp.n_segments, how, context=ctx)
    pooled["oldest_open_days"] = age
    cols = sp.segment_columns()
    cols.update((c, pooled[c]) for c in ("accounts", "open_tickets", "oldest_open_days",
                                         "opened", "resolved"))
    return AccountResult(
        cols, value="open_tickets", segment=sp.name, pooling=how,
        title=f"Open tickets at the end of {np.datetime64(plan.last, 'D')} (flow over "
              f"{plan.days} days)")


SUPPORT_PARTS: dict[str, MetricParts] = {
    "first_contact_resolution_rate": MetricParts(_fcr_prepare, _fcr_partial, _fcr_finalize),
    "open_tickets": MetricParts(_open_prepare, _open_partial, _open_finalize),
}
"""The support metrics as their three steps (``csmetrics.support.partials``)."""
