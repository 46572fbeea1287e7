"""Time to first response and time to resolution: Kaplan-Meier distributions in hours.

**First response time** is the time from a ticket's opening to the first agent reply
(Zendesk's *first reply time*: creation to the first public agent comment; Freshdesk's
*first response time*: the very first reply an agent sends the requester, not a private
note). **Resolution time** is the time from opening to resolution (Zendesk's *full
resolution time*: ``resolved_at`` is the last resolution, so a reopened ticket counts until
it was resolved again).

As of ``at`` (the end of that UTC day) every ticket opened by then counts: one answered
(resolved) by then is an event at its time; one not yet answered (resolved) is
right-censored at ``at``: its time is known to be at least its age, so it is never dropped,
and the estimate is not the optimistic average of the closed tickets only. A ticket resolved
without any reply stays unanswered, as in Zendesk, where only an agent comment ends first reply
time. The distribution is the Kaplan-Meier estimate ``S(t) = prod over s <= t of
(1 - d_s / n_s)`` over the distinct durations ``s``; the ``p`` percentile is the smallest
``t`` with ``S(t) <= 1 - p/100`` (the median: ``S(t) <= 0.5``), NaN with a warning when the
curve does not fall that far (too many tickets still waiting); its confidence limits are the
first times the log-log band of ``S`` falls that far (Brookmeyer and Crowley 1982).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.options import CONFIDENCE, validate_params
from csmetrics._core.partials import MetricParts, Partials
from csmetrics._core.scope import whole_checks
from csmetrics._core.segments import By
from csmetrics._core.warnings import warn_undefined
from csmetrics._kernels import support as ks
from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.calendar import PeriodLike
from csmetrics.support.common import (
    NAT,
    PERCENTILES,
    OpenedWindow,
    RowMap,
    as_of,
    hours,
    opened_bounds,
    ticket_rows,
)
from csmetrics.tables.account_result import AccountResult
from csmetrics.tables.accounts import BY, Pooling
from csmetrics.tables.tickets import SupportTicketTable

I64 = NDArray[np.int64]

_KIND = {"first_response": ("first_response_at", "responded", "First response time"),
         "resolution": ("resolved_at", "resolved", "Resolution time")}


class TicketTimes(AccountResult):
    """A time-to-event distribution of tickets in hours, pooled or per segment.

    Columns: the segment column, ``accounts``, ``tickets`` (opened by ``at``), the events
    (``responded`` or ``resolved`` by ``at``), ``censored`` (still waiting at ``at``), then
    ``median_hours`` (value column) with ``median_lower`` and ``median_upper``, and for each
    other percentile ``p``: ``p{p}_hours``, ``p{p}_lower``, ``p{p}_upper``.

    Attributes
    ----------
    kind : str
        ``"first_response"`` or ``"resolution"``.
    confidence : float
        Level of the limits.
    percentiles : tuple of float
        The percentiles given, the median first.
    """

    kind: str
    confidence: float
    percentiles: tuple[float, ...]

    def plot(self, ax: Any = None) -> Any:
        """The median per row with its interval, and the other percentiles (needs the
        ``plot`` extra)."""
        from csmetrics.plotting import plot_ticket_times

        return plot_ticket_times(self, ax=ax)

    def __repr__(self) -> str:
        if len(self) == 1:
            return (f"TicketTimes({self.kind}, median {float(self['median_hours'][0]):.4g} "
                    "hours)")
        return f"TicketTimes({self.kind}, {len(self):,} rows)"


def _name(p: float) -> str:
    return "median" if p == 50 else f"p{p:g}".replace(".", "_")


@dataclass(frozen=True)
class _TimesPlan:
    """What the parts agree on: the rows, the as-of end, the opening window and the grid of
    distinct durations per row (from the whole table), so that parts' counts add up."""

    kind: str
    rows: RowMap
    hi: int
    lo: int
    top: int
    day: str
    window: str
    grid: I64
    probs: tuple[float, ...]
    confidence: float


def _durations(part: SupportTicketTable, plan_rows: RowMap, kind: str, hi: int, lo: int,
               top: int) -> tuple[I64, I64, NDArray[np.bool_]]:
    """Row, duration (microseconds) and whether done, of each counted ticket of ``part``."""
    row = plan_rows.rows_of(part)
    t_open = part.opened_at.view(np.int64)
    t_event = getattr(part, _KIND[kind][0]).view(np.int64)
    counted = (t_open >= lo) & (t_open < top) & (row >= 0)
    done = counted & (t_event != NAT) & (t_event < hi)
    elapsed = np.where(done, t_event - t_open, hi - t_open)
    return row[counted], elapsed[counted], done[counted]


def _times_prepare(kind: str, tickets: Any, at: PeriodLike | _dt.datetime, *, by: By = None,
                   percentiles: Sequence[float] = (75, 90), confidence: float = 0.95,
                   opened: OpenedWindow = None, customers: ArrayLike | None = None
                   ) -> tuple[SupportTicketTable, _TimesPlan]:
    ctx = f"{kind}_time"
    tr = ticket_rows(tickets, by, customers, ctx)
    table = tr.table
    hi, day = as_of(at, ctx)
    lo, top, window = opened_bounds(opened, hi, ctx)
    if (kind == "first_response" and len(table) and whole_checks()
            and bool(np.isnat(table.first_response_at).all())):
        raise InvalidParameterError(f"{ctx}: the tickets carry no first responses (give a "
                                    "'first_response_at' column: each ticket's first agent "
                                    "reply).")
    row, elapsed, done = _durations(table, tr.rows, kind, hi, lo, top)
    grid = ks.ranked_counts(row, elapsed, done, tr.n_rows).times
    probs = tuple(sorted({50.0, *(float(p) for p in percentiles)},
                         key=lambda p: (p != 50, p)))
    return table, _TimesPlan(kind, tr.rows, hi, lo, top, day, window, grid, probs, confidence)


def _times_partial(part: SupportTicketTable, plan: _TimesPlan) -> Partials:
    """Events and censorings per (row, distinct duration of the row)."""
    row, elapsed, done = _durations(part, plan.rows, plan.kind, plan.hi, plan.lo, plan.top)
    events, censored = ks.grid_counts(plan.grid, row, elapsed, done)
    return Partials(f"{plan.kind}_time", {"events": events, "censored": censored})


def _times_finalize(parts: Partials, plan: _TimesPlan) -> TicketTimes:
    ctx = f"{plan.kind}_time"
    _, event_name, title = _KIND[plan.kind]
    probs = plan.probs
    z = NormalDist().inv_cdf(0.5 + plan.confidence / 2)
    q = ks.km_quantiles_of_counts(np.asarray(parts["events"]), np.asarray(parts["censored"]),
                                  plan.grid, np.asarray(probs) / 100.0, z)
    named = plan.rows.sp.name is not None
    empty = q.tickets == 0
    if empty.any():
        which = f" in {int(empty.sum()):,} of {empty.size:,} rows" if named else ""
        warn_undefined(f"{ctx}: no tickets opened{which}; their times are undefined (NaN).")
    unreached = np.isnan(q.value) & ~empty           # (percentiles, rows)
    if unreached.any():  # one warning, naming each percentile not reached
        which = ", ".join(_name(p) + (f" in {int(unreached[i].sum()):,} rows" if named else "")
                          for i, p in enumerate(probs) if unreached[i].any())
        warn_undefined(f"{ctx}: too many tickets still waiting at {plan.day}: the share done "
                       f"never reaches the percentile, so these are not reached (NaN): "
                       f"{which}.")
    cols = plan.rows.sp.segment_columns()
    cols.update(accounts=plan.rows.accounts, tickets=q.tickets, **{event_name: q.events},
                censored=q.censored)
    for i, p in enumerate(probs):
        name = _name(p)
        cols[f"{name}_hours"] = hours(q.value[i])
        cols[f"{name}_lower"] = hours(q.lower[i])
        cols[f"{name}_upper"] = hours(q.upper[i])
    how = Pooling(sums=("tickets", event_name, "censored"))
    result = TicketTimes(cols, value="median_hours", segment=plan.rows.sp.name, pooling=how,
                         title=f"{title} (hours, Kaplan-Meier, as of {plan.day}{plan.window})")
    result._set(kind=plan.kind, confidence=plan.confidence, percentiles=probs)
    return result


def _first_response_prepare(tickets: Any, at: PeriodLike | _dt.datetime, **options: Any
                            ) -> tuple[SupportTicketTable, _TimesPlan]:
    return _times_prepare("first_response", tickets, at, **options)


def _resolution_prepare(tickets: Any, at: PeriodLike | _dt.datetime, **options: Any
                        ) -> tuple[SupportTicketTable, _TimesPlan]:
    return _times_prepare("resolution", tickets, at, **options)


TIMES_PARTS: dict[str, MetricParts] = {
    "first_response_time": MetricParts(_first_response_prepare, _times_partial,
                                       _times_finalize),
    "resolution_time": MetricParts(_resolution_prepare, _times_partial, _times_finalize),
}
"""The time-to-event metrics as their three steps (``csmetrics.support.partials``)."""


_OPTIONS = {"by": BY, "percentiles": PERCENTILES, "confidence": CONFIDENCE}


@validate_params(_OPTIONS)
def first_response_time(tickets: Any, at: PeriodLike | _dt.datetime, *, by: By = None,
                        percentiles: Sequence[float] = (75, 90), confidence: float = 0.95,
                        opened: OpenedWindow = None, customers: ArrayLike | None = None
                        ) -> TicketTimes:
    """Time from opening to the first agent reply, in hours: median and percentiles.

    Parameters
    ----------
    tickets : SupportTicketTable, list of SupportTicket, or columns
        Needs ``first_response_at``.
    at : date, period or timestamp
        As of the end of this UTC day: tickets opened by then; replies after it are unknown.
    by : None, str or mapping, optional
        ``None``: one row. ``"customer_id"``: one row per account; ``"priority"`` or any kept
        column; a mapping from customer id to segment (unmapped ids in ``"(none)"``).
    percentiles : sequence of float, default (75, 90)
        Percentiles beside the median (strictly between 0 and 100).
    confidence : float, default 0.95
        Level of the limits.
    opened : (start, end), optional
        Only tickets opened in these days (inclusive; periods or dates).
    customers : array-like, optional
        The accounts counted (default: every account with a ticket).

    Returns
    -------
    TicketTimes
        ``median_hours`` (value column) with its limits, the other percentiles, and the counts
        ``tickets``, ``responded`` and ``censored`` (these add up over segments).

    Raises
    ------
    InvalidParameterError
        A bad option, or tickets without any ``first_response_at``.

    Warns
    -----
    UndefinedMetricWarning
        A row without tickets, or a percentile the curve does not reach.

    Notes
    -----
    See the module documentation: Kaplan-Meier with tickets still unanswered at ``at``
    right-censored there; the ``p`` percentile is the smallest ``t`` with
    ``S(t) <= 1 - p/100``. Calendar hours (no business-hours calendar).

    References
    ----------
    Zendesk help center, "Calculating first reply time". Freshworks community, "How are
    'First Contact Resolution' and 'Average First Response Time' defined?".
    Kaplan and Meier (1958), JASA 53. Brookmeyer and Crowley (1982), Biometrics 38, 29-41.

    Examples
    --------
    Four tickets opened at 09:00: replies after 1, 2 and 4 hours, one still unanswered at the
    end of the day (15 hours):

    >>> t = {"customer_id": ["a", "a", "b", "b"],
    ...      "opened_at": ["2024-03-01T09:00Z"] * 4,
    ...      "first_response_at": ["2024-03-01T10:00Z", "2024-03-01T11:00Z",
    ...                            "2024-03-01T13:00Z", None]}
    >>> r = first_response_time(t, "2024-03-01", percentiles=[75])
    >>> float(r), r["responded"].tolist(), r["censored"].tolist(), r["p75_hours"].tolist()
    (2.0, [3], [1], [4.0])
    """
    table, plan = _first_response_prepare(tickets, at, by=by, percentiles=percentiles,
                                          confidence=confidence, opened=opened,
                                          customers=customers)
    return _times_finalize(_times_partial(table, plan), plan)


@validate_params(_OPTIONS)
def resolution_time(tickets: Any, at: PeriodLike | _dt.datetime, *, by: By = None,
                    percentiles: Sequence[float] = (75, 90), confidence: float = 0.95,
                    opened: OpenedWindow = None, customers: ArrayLike | None = None
                    ) -> TicketTimes:
    """Time from opening to resolution, in hours: median and percentiles (Kaplan-Meier).

    Parameters
    ----------
    tickets : SupportTicketTable, list of SupportTicket, or columns
    at : date, period or timestamp
        As of the end of this UTC day: tickets opened by then; resolutions after it are
        unknown (those tickets are still open, right-censored at ``at``).
    by, percentiles, confidence, opened, customers
        As in ``first_response_time``.

    Returns
    -------
    TicketTimes
        As ``first_response_time``, with ``resolved`` for the events.

    Notes
    -----
    ``resolved_at`` is the last resolution: a reopened ticket's time runs to its final
    resolution (Zendesk's full resolution time). See the module documentation.

    References
    ----------
    Zendesk help center, resolution time metrics (first and full resolution time).
    Kaplan and Meier (1958). Brookmeyer and Crowley (1982).

    Examples
    --------
    >>> t = {"customer_id": ["a", "b", "c"],
    ...      "opened_at": ["2024-03-01T00:00Z", "2024-03-01T00:00Z", "2024-03-02T00:00Z"],
    ...      "resolved_at": ["2024-03-01T06:00Z", "2024-03-02T12:00Z", None]}
    >>> r = resolution_time(t, "2024-03-02", percentiles=[90])
    >>> r["median_hours"].tolist(), r["resolved"].tolist(), r["censored"].tolist()
    ([36.0], [2], [1])
    """
    table, plan = _resolution_prepare(tickets, at, by=by, percentiles=percentiles,
                                      confidence=confidence, opened=opened,
                                      customers=customers)
    return _times_finalize(_times_partial(table, plan), plan)
