"""Support signals: first contact resolution and open tickets.

First contact resolution (FCR). A ticket is resolved at first contact when it is resolved
with at most one contact. With denominator="resolved" (Zendesk's one-touch share,
Freshservice's FCR %) the rate is over the tickets resolved in the window; with "received"
(the contact-centre form) over the tickets opened in the window, of which only those resolved
by the end of the window can count. A ticket resolved with no contact at all is a
first-contact resolution, as in Zendesk's one-touch formula (fewer than two agent replies);
zero_contacts="exclude" leaves such tickets out altogether.

Open tickets. Open at the end of the UTC day at: opened before the day ends and not resolved
by then.

Both count tickets, so ``by=`` splits by accounts (``None``: every account together;
``"customer_id"``; a mapping from customer id to segment) or by any column of the tickets:
``"ticket_id"``, or a column kept with ``segments=`` such as a channel or a priority (FCR by
channel). The accounts counted are ``customers=``, or every account with a ticket.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from csmetrics._core.options import OneOf, validate_params
from csmetrics._core.segments import By
from csmetrics._core.warnings import warn_undefined
from csmetrics._kernels import usage as ku
from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.calendar import PeriodLike
from csmetrics.periods.days import day_bounds_us, day_number, span_days, utc_day
from csmetrics.periods.windows import window_days
from csmetrics.tables.account_result import AccountResult
from csmetrics.tables.accounts import BY, AccountSet, Pooling, Split, pool, resolve_by, split
from csmetrics.tables.coerce import as_tickets
from csmetrics.tables.tickets import SupportTicketTable

_NAT = np.iinfo(np.int64).min


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


def _split(tickets: Any, by: By, customers: ArrayLike | None, context: str
           ) -> tuple[SupportTicketTable, Split]:
    by = resolve_by(by, context)
    table = as_tickets(tickets, context, by=by)
    acc = AccountSet.of(table.customer_ids, customers=customers, context=context)
    return table, split(table, by, acc, context, row_fields=("ticket_id",))


def _count(sp: Split, rows: Any) -> Any:
    """Rows of ``rows`` (a mask) per counted entity."""
    entity = sp.entity_of_row[rows]
    return sp.take(ku.count(entity[entity >= 0], sp.n_entities), 0)


@validate_params({"denominator": OneOf("resolved", "received"),
                  "zero_contacts": OneOf("first_contact", "exclude"), "by": BY})
def first_contact_resolution_rate(
    tickets: Any,
    start: PeriodLike | None = None,
    end: PeriodLike | None = None,
    *,
    denominator: Literal["resolved", "received"] = "resolved",
    zero_contacts: Literal["first_contact", "exclude"] = "first_contact",
    by: By = None,
    customers: ArrayLike | None = None,
) -> FirstContactResolution:
    """First contact resolution rate: the share of tickets resolved with one contact (0-1).

    Parameters
    ----------
    tickets : SupportTicketTable, list of SupportTicket, or columns
    start, end : period or date, optional
        The window, from the first UTC day of ``start`` to the last of ``end``. Without
        them, every ticket.
    denominator : {"resolved", "received"}, default "resolved"
        ``"resolved"``: over the tickets resolved in the window (Zendesk one-touch share,
        Freshservice FCR %). ``"received"``: over the tickets opened in the window; a ticket
        not resolved by the end of the window is not (yet) a first-contact resolution.
    zero_contacts : {"first_contact", "exclude"}, default "first_contact"
        A ticket resolved with no contact counts as resolved at first contact (Zendesk:
        fewer than two agent replies), or is left out of both counts.
    by : None, str or mapping, optional
        ``None``: every ticket together; ``"customer_id"``: one row per account; a mapping
        from customer id to segment; or a column of the tickets (one kept with
        ``segments=``, such as a channel).
    customers : sequence of ids, optional
        The accounts counted (default: every account of the table).

    Returns
    -------
    FirstContactResolution
        Value column ``fcr_rate`` (NaN with a warning for a row without tickets), with
        ``accounts``, ``tickets`` and ``first_contact``; ``.rate`` pools every ticket.

    Raises
    ------
    InvalidParameterError
        The table has no ``contacts`` column, only one of ``start`` and ``end``, or a bad
        option.

    Notes
    -----
    ``FCR = tickets resolved with contacts <= 1 / denominator tickets``; pooled rows sum
    both counts.

    References
    ----------
    Zendesk, "How are one-touch resolutions calculated?": ``Agent replies < 2`` and status
    solved or closed. Freshservice, "How do you calculate FCR%?": tickets resolved at first
    contact over the tickets resolved in the period. Mindmesh glossary, "First contact
    resolution rate": 246 of 354 requests received resolved at first contact is 69.5%.

    Examples
    --------
    >>> t = {"customer_id": ["a", "a", "a", "b"],
    ...      "opened_at": ["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04"],
    ...      "resolved_at": ["2024-03-01T05:00", "2024-03-04", None, "2024-03-05"],
    ...      "contacts": [1, 3, None, 0]}
    >>> float(first_contact_resolution_rate(t))      # 2 of 3 resolved tickets
    0.6666666666666666
    >>> first_contact_resolution_rate(t, by="customer_id")["fcr_rate"].tolist()
    [0.5, 1.0]
    >>> first_contact_resolution_rate(t, denominator="received").rate   # 2 of 4 received
    0.5
    """
    ctx = "first_contact_resolution_rate"
    if (start is None) != (end is None):
        raise InvalidParameterError(f"{ctx}: give both start= and end=, or neither.")
    table, sp = _split(tickets, by, customers, ctx)
    if len(table) and bool((table.contacts < 0).all()) and not bool(
            np.isnat(table.resolved_at).all()):
        raise InvalidParameterError(f"{ctx}: the tickets carry no contacts (give a 'contacts' "
                                    "column: how many contacts each ticket took).")
    opened = table.opened_at.view(np.int64)
    resolved_raw = table.resolved_at.view(np.int64)
    is_resolved = resolved_raw != _NAT
    if start is None:
        lo, hi = np.iinfo(np.int64).min + 1, np.iinfo(np.int64).max
        where = "all tickets"
    else:
        first, _ = span_days(start, ctx)
        _, last = span_days(end, ctx)  # type: ignore[arg-type]
        if last < first:
            raise InvalidParameterError(f"{ctx}: end {end!r} is before start {start!r}.")
        lo, hi = day_bounds_us(first, last)
        where = f"{np.datetime64(first, 'D')} to {np.datetime64(last, 'D')}"
    resolved_by_end = is_resolved & (resolved_raw < hi)
    if denominator == "resolved":
        counted = resolved_by_end & (resolved_raw >= lo)
    else:
        counted = (opened >= lo) & (opened < hi)
    one = resolved_by_end & (table.contacts <= 1) & (table.contacts >= 0)
    if zero_contacts == "exclude":
        zero = resolved_by_end & (table.contacts == 0)
        counted &= ~zero
        one &= ~zero
    den = _count(sp, counted)
    num = _count(sp, counted & one)
    how = Pooling(sums=("tickets", "first_contact"),
                  ratios={"fcr_rate": ("first_contact", "tickets",
                                       f"the number of tickets {denominator} ({where})")})
    pooled = pool({"tickets": den, "first_contact": num}, sp.segment, sp.n_segments, how,
                  context=ctx)
    cols = sp.segment_columns()
    cols.update((c, pooled[c]) for c in ("accounts", "tickets", "first_contact", "fcr_rate"))
    result = FirstContactResolution(
        cols, value="fcr_rate", segment=sp.name, pooling=how,
        title=f"First contact resolution (of tickets {denominator}, {where})")
    total = int(den.sum())
    result._set(rate=float(num.sum() / total) if total else float("nan"),
                denominator=denominator)
    return result


@validate_params({"by": BY})
def open_tickets(tickets: Any, at: PeriodLike | _dt.datetime, *, window: str | int = "30D",
                 by: By = None, customers: ArrayLike | None = None) -> AccountResult:
    """Tickets open at the end of a UTC day (a count), with the recent ticket flow.

    Parameters
    ----------
    tickets : SupportTicketTable, list of SupportTicket, or columns
    at : date, period or timestamp
        The day: tickets open at its end (23:59:59.999999 UTC).
    window : str, default "30D"
        Trailing window (ending at ``at``) for the ``opened`` and ``resolved`` counts.
    by, customers
        As in ``first_contact_resolution_rate`` (an account without tickets has 0).

    Returns
    -------
    AccountResult
        Value column ``open_tickets``, with ``accounts``, ``oldest_open_days`` (age in days
        of the row's oldest open ticket; NaN, with a warning, where none is open),
        ``opened`` and ``resolved`` (in the window).

    Notes
    -----
    Pooled rows sum the counts; the oldest open ticket of a row is the oldest of its
    tickets (not a mean of the accounts' ages).

    Examples
    --------
    >>> t = {"customer_id": ["a", "a", "b"],
    ...      "opened_at": ["2024-03-01T12:00Z", "2024-03-20T00:00Z", "2024-03-30T00:00Z"],
    ...      "resolved_at": [None, "2024-04-02T00:00Z", "2024-03-31T08:00Z"]}
    >>> int(open_tickets(t, "2024-03-31"))
    2
    >>> r = open_tickets(t, "2024-03-31", by="customer_id")
    >>> r["open_tickets"].tolist(), r["oldest_open_days"].tolist()
    ([2, 0], [30.5, nan])
    """
    ctx = "open_tickets"
    table, sp = _split(tickets, by, customers, ctx)
    days = window_days(window, ctx)
    last = day_number(utc_day(at, ctx))
    lo, hi = day_bounds_us(last - days + 1, last)
    opened = table.opened_at.view(np.int64)
    resolved = table.resolved_at.view(np.int64)
    is_open = (opened < hi) & ((resolved == _NAT) | (resolved >= hi))
    in_window = (opened >= lo) & (opened < hi)
    done = (resolved != _NAT) & (resolved >= lo) & (resolved < hi)
    # The oldest open ticket of each row, from the tickets themselves.
    of_entity = sp.segment_of_entity()
    entity = sp.entity_of_row
    seg = np.where(entity >= 0, of_entity[np.maximum(entity, 0)], -1) if entity.size else (
        np.zeros(0, dtype=np.int64))
    mine = is_open & (seg >= 0)
    oldest = np.full(sp.n_segments, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(oldest, seg[mine], opened[mine])
    age = np.where(oldest < np.iinfo(np.int64).max, (hi - oldest) / ku.US_PER_DAY, np.nan)
    if np.isnan(age).any():
        noun = "accounts" if sp.name == "customer_id" else "rows"
        warn_undefined(f"{ctx}: {int(np.isnan(age).sum()):,} of {age.size:,} {noun} have no "
                       "open ticket, so the age of their oldest open ticket is NaN.")
    how = Pooling(sums=("open_tickets", "opened", "resolved"))
    pooled = pool({"open_tickets": _count(sp, is_open), "opened": _count(sp, in_window),
                   "resolved": _count(sp, done)}, sp.segment, sp.n_segments, how, context=ctx)
    pooled["oldest_open_days"] = age
    cols = sp.segment_columns()
    cols.update((c, pooled[c]) for c in ("accounts", "open_tickets", "oldest_open_days",
                                         "opened", "resolved"))
    return AccountResult(
        cols, value="open_tickets", segment=sp.name, pooling=how,
        title=f"Open tickets at the end of {np.datetime64(last, 'D')} (flow over {days} days)")
