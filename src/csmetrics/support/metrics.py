"""Support signals: first contact resolution and open tickets.

First contact resolution (FCR). A ticket is resolved at first contact when it is resolved
with at most one contact. With denominator="resolved" (Zendesk's one-touch share,
Freshservice's FCR %) the rate is over the tickets resolved in the window; with "received"
(the contact-centre form) over the tickets opened in the window, of which only those resolved
by the end of the window can count. A ticket resolved with no contact at all is a
first-contact resolution, as in Zendesk's one-touch formula (fewer than two agent replies);
zero_contacts="exclude" leaves such tickets out altogether.

Open tickets. Open at the end of the UTC day at: opened before the day ends and not resolved
by then."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.ids import id_array, positions
from csmetrics._kernels import usage as ku
from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.calendar import PeriodLike
from csmetrics.periods.days import day_bounds_us, day_number, span_days, utc_day
from csmetrics.periods.windows import window_days
from csmetrics.results import TableResult
from csmetrics.tables.tickets import SupportTicketTable
from csmetrics.usage.common import AccountResult, By, _finish, _ratio, _warn

I64 = NDArray[np.int64]


_NAT = np.iinfo(np.int64).min


def _tickets(tickets: Any, context: str) -> SupportTicketTable:
    if isinstance(tickets, SupportTicketTable):
        return tickets
    if isinstance(tickets, list | tuple):
        return SupportTicketTable.from_records(tickets)
    return SupportTicketTable.from_columns(tickets, _context=context)


@dataclass(frozen=True)
class _Rows:
    ids: NDArray[Any]
    code: I64

    def take(self, per_code: NDArray[Any], fill: Any) -> NDArray[Any]:
        out = np.full(self.code.size, fill, dtype=np.result_type(per_code.dtype,
                                                                 np.asarray(fill).dtype))
        has = self.code >= 0
        out[has] = per_code[self.code[has]]
        return out


def _rows(categories: NDArray[Any], customers: ArrayLike | None, context: str) -> _Rows:
    if customers is None:
        return _Rows(categories, np.arange(categories.size, dtype=np.int64))
    ids = id_array(customers, context, "customers")
    return _Rows(ids, positions(categories, ids))


class FirstContactResolution(AccountResult):
    """First contact resolution per account, and for all accounts together.

    Columns: ``customer_id``, ``tickets`` (the denominator), ``first_contact`` (tickets
    resolved with at most one contact) and ``fcr_rate`` (metric). Attributes ``rate`` (all
    tickets pooled), ``denominator`` and ``window`` (a description).
    """

    rate: float
    denominator: str

    def __repr__(self) -> str:
        return f"FirstContactResolution(rate={self.rate:.4g}, denominator={self.denominator!r})"


def first_contact_resolution_rate(
    tickets: Any,
    *,
    denominator: Literal["resolved", "received"] = "resolved",
    start: PeriodLike | None = None,
    end: PeriodLike | None = None,
    zero_contacts: Literal["first_contact", "exclude"] = "first_contact",
    by: By = None,
    customers: ArrayLike | None = None,
) -> FirstContactResolution | TableResult:
    """First contact resolution rate: the share of tickets resolved with one contact (0-1).

    Parameters
    ----------
    tickets : SupportTicketTable, list of SupportTicket, or columns
    denominator : {"resolved", "received"}, default "resolved"
        ``"resolved"``: over the tickets resolved in the window (Zendesk one-touch share,
        Freshservice FCR %). ``"received"``: over the tickets opened in the window; a ticket
        not resolved by the end of the window is not (yet) a first-contact resolution.
    start, end : period or date, optional
        The window, from the first UTC day of ``start`` to the last of ``end``. Without
        them, every ticket.
    zero_contacts : {"first_contact", "exclude"}, default "first_contact"
        A ticket resolved with no contact counts as resolved at first contact (Zendesk:
        fewer than two agent replies), or is left out of both counts.
    by : mapping or "all", optional
        Pooled per segment.
    customers : sequence of ids, optional
        The accounts to report (default: every account of the table).

    Returns
    -------
    FirstContactResolution or TableResult
        Per account ``tickets``, ``first_contact`` and ``fcr_rate`` (NaN with a warning for
        an account without tickets); ``.rate`` pools every ticket of the reported accounts.

    Raises
    ------
    InvalidParameterError
        The table has no ``contacts`` column, or only one of ``start`` and ``end``.

    Notes
    -----
    ``FCR = tickets resolved with contacts <= 1 / denominator tickets``.

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
    >>> fcr = first_contact_resolution_rate(t)      # 2 of 3 resolved tickets
    >>> fcr.rate, fcr["fcr_rate"].tolist()
    (0.6666666666666666, [0.5, 1.0])
    >>> first_contact_resolution_rate(t, denominator="received").rate   # 2 of 4 received
    0.5
    """
    ctx = "first_contact_resolution_rate"
    if denominator not in ("resolved", "received"):
        raise InvalidParameterError(
            f"{ctx}: denominator must be 'resolved' or 'received', got {denominator!r}.")
    if zero_contacts not in ("first_contact", "exclude"):
        raise InvalidParameterError(
            f"{ctx}: zero_contacts must be 'first_contact' or 'exclude', got {zero_contacts!r}.")
    table = _tickets(tickets, ctx)
    if len(table) and bool((table.contacts < 0).all()) and not bool(
            np.isnat(table.resolved_at).all()):
        raise InvalidParameterError(f"{ctx}: the tickets carry no contacts (give a 'contacts' "
                                    "column: how many contacts each ticket took).")
    rows = _rows(table.customer_ids, customers, ctx)
    if (start is None) != (end is None):
        raise InvalidParameterError(f"{ctx}: give both start= and end=, or neither.")
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
    n_acc = table.n_customers
    den = rows.take(ku.count(table.customer_codes[counted], n_acc), 0)
    num = rows.take(ku.count(table.customer_codes[counted & one], n_acc), 0)
    total_den = int(den.sum())
    if total_den == 0:
        _warn(f"{ctx}: no ticket is counted ({denominator}, {where}); the rate is NaN.")
    rate = float(num.sum() / total_den) if total_den else float("nan")
    result = FirstContactResolution(
        {"customer_id": rows.ids, "tickets": den, "first_contact": num,
         "fcr_rate": _ratio(num, den, context=ctx, what=f"the number of tickets {denominator}")},
        title=f"First contact resolution (of tickets {denominator}, {where})",
        metric="fcr_rate", sums=("tickets", "first_contact"),
        ratios={"fcr_rate": ("first_contact", "tickets")}, rate=rate, denominator=denominator)
    return _finish(result, by)


def open_tickets(tickets: Any, *, at: PeriodLike | _dt.datetime, window: str | int = "30D",
                 by: By = None, customers: ArrayLike | None = None
                 ) -> AccountResult | TableResult:
    """Tickets open per account at the end of a UTC day, with recent ticket flow.

    Parameters
    ----------
    tickets : SupportTicketTable, list of SupportTicket, or columns
    at : date, period or timestamp
        The day: tickets open at its end (23:59:59.999999 UTC).
    window : str or int, default "30D"
        Trailing window (ending at ``at``) for the ``opened`` and ``resolved`` counts.
    by : mapping or "all", optional
        Summed per segment.
    customers : sequence of ids, optional
        The accounts to report (0 for an account without tickets).

    Returns
    -------
    AccountResult or TableResult
        ``customer_id``, ``open_tickets`` (metric), ``oldest_open_days`` (age in days of
        the oldest open ticket; NaN, with a warning, where none is open), ``opened`` and
        ``resolved`` (in the window).

    Examples
    --------
    >>> t = {"customer_id": ["a", "a", "b"],
    ...      "opened_at": ["2024-03-01T12:00Z", "2024-03-20T00:00Z", "2024-03-30T00:00Z"],
    ...      "resolved_at": [None, "2024-04-02T00:00Z", "2024-03-31T08:00Z"]}
    >>> r = open_tickets(t, at="2024-03-31")
    >>> r["open_tickets"].tolist(), r["oldest_open_days"].tolist()
    ([2, 0], [30.5, nan])
    """
    ctx = "open_tickets"
    table = _tickets(tickets, ctx)
    rows = _rows(table.customer_ids, customers, ctx)
    days = window_days(window, ctx)
    last = day_number(utc_day(at, ctx))
    lo, hi = day_bounds_us(last - days + 1, last)
    opened = table.opened_at.view(np.int64)
    resolved = table.resolved_at.view(np.int64)
    is_open = (opened < hi) & ((resolved == _NAT) | (resolved >= hi))
    n_acc = table.n_customers
    acc = table.customer_codes
    oldest = np.full(n_acc, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(oldest, acc[is_open], opened[is_open])
    age = np.where(oldest < np.iinfo(np.int64).max, (hi - oldest) / ku.US_PER_DAY, np.nan)
    open_count = rows.take(ku.count(acc[is_open], n_acc), 0)
    oldest_days = rows.take(age, np.nan)
    if np.isnan(oldest_days).any():
        _warn(f"{ctx}: {int(np.isnan(oldest_days).sum()):,} of {oldest_days.size:,} accounts "
              "have no open ticket, so the age of their oldest open ticket is NaN.")
    in_window = (opened >= lo) & (opened < hi)
    done = (resolved != _NAT) & (resolved >= lo) & (resolved < hi)
    return _finish(AccountResult(
        {"customer_id": rows.ids, "open_tickets": open_count, "oldest_open_days": oldest_days,
         "opened": rows.take(ku.count(acc[in_window], n_acc), 0),
         "resolved": rows.take(ku.count(acc[done], n_acc), 0)},
        title=f"Open tickets at the end of {np.datetime64(last, 'D')} (flow over {days} days)",
        metric="open_tickets", sums=("open_tickets", "opened", "resolved")), by)
