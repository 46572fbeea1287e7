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
from csmetrics.periods.calendar import PeriodLike
from csmetrics.support.steps import (
    FirstContactResolution,
    _fcr_finalize,
    _fcr_partial,
    _fcr_prepare,
    _open_finalize,
    _open_partial,
    _open_prepare,
)
from csmetrics.tables.account_result import AccountResult
from csmetrics.tables.accounts import BY

_NAT = np.iinfo(np.int64).min


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
    table, plan = _fcr_prepare(tickets, start, end, denominator=denominator,
                               zero_contacts=zero_contacts, by=by, customers=customers)
    return _fcr_finalize(_fcr_partial(table, plan), plan)


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
    table, plan = _open_prepare(tickets, at, window=window, by=by, customers=customers)
    return _open_finalize(_open_partial(table, plan), plan)
