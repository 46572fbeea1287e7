"""Synthetic support tickets for examples, tests and benchmarks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.options import validate_params
from csmetrics._kernels import usage as ku
from csmetrics.datasets.options import CUSTOMERS, DAY, DAYS, RATE, SEED
from csmetrics.datasets.usage import _customer_ids
from csmetrics.tables.tickets import SupportTicketTable

I64 = NDArray[np.int64]
_NAT = np.iinfo(np.int64).min


@validate_params({"customers": CUSTOMERS, "start": DAY, "days": DAYS,
                  "tickets_per_account": RATE, "seed": SEED})
def synthetic_ticket_columns(customers: int | Sequence[Any] | NDArray[Any] = 200, *,
                             start: str = "2024-01-01", days: int = 90,
                             tickets_per_account: float = 4.0, seed: int = 0
                             ) -> dict[str, NDArray[Any]]:
    """Columns of synthetic support tickets, for ``SupportTicketTable.from_columns``.

    Each account raises a Poisson number of tickets (its own rate around
    ``tickets_per_account``; a tenth of accounts raise four times as many), opened at
    uniform moments of the window; a ticket takes a lognormal time to resolve (median
    about 9 hours) and is open if that runs past the end of the window; contacts are 0
    (5%), 1 (about 60%) or more. Each ticket also has a priority (urgent 5%, high 20%, normal
    55%, low 20%), a first agent reply after a lognormal time (median about 1 hour, faster
    for urgent tickets; never after the resolution; none if it runs past the end of the
    window) and, for about 8% of the resolved ones, a reopening between opening and the final
    resolution. Vectorized and seeded; the new fields come from their own random stream, so
    the older columns are what they were before the fields existed.

    Examples
    --------
    >>> cols = synthetic_ticket_columns(30, days=30, seed=1)
    >>> sorted(cols)[:4]
    ['contacts', 'customer_id', 'first_response_at', 'opened_at']
    >>> sorted(cols)[4:]
    ['priority', 'reopened_at', 'resolved_at', 'ticket_id']
    >>> SupportTicketTable.from_columns(cols).n_customers <= 30
    True
    """
    ctx = "synthetic_ticket_columns"
    ids = _customer_ids(customers, ctx)
    rng = np.random.default_rng([seed, 29])
    n_acc = ids.size
    rate = tickets_per_account * rng.gamma(2.0, 0.5, n_acc) * np.where(
        rng.random(n_acc) < 0.1, 4.0, 1.0)
    per = rng.poisson(rate)
    acc = np.repeat(np.arange(n_acc), per)
    n = acc.size
    first = np.datetime64(start, "D").astype("datetime64[us]").astype(np.int64)
    end = first + days * ku.US_PER_DAY
    opened = first + rng.integers(0, days * ku.US_PER_DAY, n)
    delay = (rng.lognormal(np.log(9 * 3600.0), 1.3, n) * 1e6).astype(np.int64)
    resolved = opened + delay
    still_open = resolved >= end
    contacts = np.where(rng.random(n) < 0.05, 0, 1 + rng.geometric(0.62, n) - 1)
    sla = np.random.default_rng([seed, 31])  # the SLA fields' own stream (see above)
    level = np.searchsorted(np.array([0.05, 0.25, 0.80]), sla.random(n), side="right")
    priority = np.array(["urgent", "high", "normal", "low"], dtype=object)[level]
    speed = np.array([0.25, 0.6, 1.0, 1.5])[level]
    reply = opened + (sla.lognormal(np.log(3600.0), 1.0, n) * speed * 1e6).astype(np.int64)
    reply = np.where(still_open, reply, np.minimum(reply, resolved))
    reopened = opened + (sla.random(n) * (resolved - opened)).astype(np.int64)
    reopened = np.where(~still_open & (sla.random(n) < 0.08), reopened, _NAT)
    return {
        "ticket_id": np.arange(n, dtype=np.int64),
        "customer_id": ids[acc],
        "opened_at": opened.view("datetime64[us]"),
        "resolved_at": np.where(still_open, _NAT, resolved).view("datetime64[us]"),
        "contacts": np.where(still_open, np.nan, contacts.astype(np.float64)),
        "first_response_at": np.where(reply >= end, _NAT, reply).view("datetime64[us]"),
        "priority": priority,
        "reopened_at": reopened.view("datetime64[us]"),
    }


def synthetic_tickets(customers: int | Sequence[Any] | NDArray[Any] = 200, *,
                      start: str = "2024-01-01", days: int = 90,
                      tickets_per_account: float = 4.0, seed: int = 0) -> SupportTicketTable:
    """A ``SupportTicketTable`` of synthetic tickets (see ``synthetic_ticket_columns``).

    Examples
    --------
    >>> t = synthetic_tickets(50, seed=2)
    >>> len(t) > 50
    True
    """
    return SupportTicketTable.from_columns(synthetic_ticket_columns(
        customers, start=start, days=days, tickets_per_account=tickets_per_account, seed=seed))
