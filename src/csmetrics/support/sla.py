"""SLA attainment and reopen rate: shares of tickets, with Wilson intervals.

**SLA attainment.** Each ticket opened by ``at`` (the end of that UTC day) has a target for
its priority (``targets``). As of ``at`` it has *met* its target if the event (first reply,
or resolution) came within the target; it is a *breach* if the event came later, or if it is
still waiting and already older than its target; it is *pending* if it is still waiting but
within its target: not yet decided, so it is counted apart and left out of the denominator.
Attainment is ``met / (met + breached)`` (Zendesk's SLA achievement: achieved targets over
achieved plus breached; Freshdesk's "within SLA" share). A reply (resolution) exactly at the
target meets it.

**Reopen rate.** Of the tickets resolved in ``start..end`` (their last resolution in those
UTC days), the share reopened by the end of the window (``reopened_at`` known by then).
Zendesk Explore's reopened share of solved tickets. A ticket reopened and still unresolved at
the end of the window has no resolution in it, so it is in the backlog (``backlog_age``), not
here.

Both intervals are Wilson (1927) score intervals; NaN with a warning where nothing is decided.
"""

from __future__ import annotations

import datetime as _dt
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from csmetrics._core.options import CONFIDENCE, OneOf, validate_params
from csmetrics._core.ratios import divide
from csmetrics._core.segments import By
from csmetrics._kernels import support as ks
from csmetrics._kernels.surveys import wilson
from csmetrics._kernels.usage import count
from csmetrics.exceptions import InvalidParameterError
from csmetrics.periods.calendar import PeriodLike
from csmetrics.periods.days import day_bounds_us, span_days
from csmetrics.support.common import (
    NAT,
    TARGETS,
    OpenedWindow,
    as_of,
    opened_bounds,
    target_of_rows,
    ticket_rows,
)
from csmetrics.tables.account_result import AccountResult
from csmetrics.tables.accounts import BY, Pooling

_EVENT = {"first_response": "first_response_at", "resolution": "resolved_at"}


class SlaAttainment(AccountResult):
    """SLA attainment, pooled or per segment.

    Columns: the segment column, ``accounts``, ``tickets`` (opened by ``at``), ``met``,
    ``breached``, ``pending`` (these three add up to ``tickets``), ``attainment`` (value
    column, ``met / (met + breached)``), ``lower`` and ``upper`` (Wilson limits).

    Attributes
    ----------
    kind : str
        ``"first_response"`` or ``"resolution"``.
    targets : dict or float
        The targets in hours, as read.
    confidence : float
    """

    kind: str
    targets: Any
    confidence: float

    def __repr__(self) -> str:
        if len(self) == 1:
            return f"SlaAttainment({self.kind}, {float(self['attainment'][0]):.4g})"
        return f"SlaAttainment({self.kind}, {len(self):,} rows)"


@validate_params({"targets": TARGETS, "kind": OneOf("first_response", "resolution"),
                  "by": BY, "confidence": CONFIDENCE})
def sla_attainment(tickets: Any, at: PeriodLike | _dt.datetime, *, targets: Any,
                   kind: Literal["first_response", "resolution"] = "first_response",
                   by: By = None, opened: OpenedWindow = None, confidence: float = 0.95,
                   customers: ArrayLike | None = None) -> SlaAttainment:
    """Share of tickets that met their priority's SLA target (0-1), with a Wilson interval.

    Parameters
    ----------
    tickets : SupportTicketTable, list of SupportTicket, or columns
    at : date, period or timestamp
        As of the end of this UTC day.
    targets : number, str or mapping
        The target in hours (``4``) or as text (``"4h"``, ``"30m"``, ``"1d"``: calendar
        time), one for every ticket, or a mapping from priority to target
        (``{"urgent": "1h", "high": "4h", "normal": "24h", "low": "3d"}``); the key ``None``
        is the target of tickets without a priority.
    kind : {"first_response", "resolution"}, default "first_response"
        Which clock the targets are for.
    by : None, str or mapping, optional
        As every support metric; ``by="priority"`` gives attainment per priority.
    opened : (start, end), optional
        Only tickets opened in these days (inclusive).
    confidence : float, default 0.95
        Level of the Wilson interval.
    customers : array-like, optional
        The accounts counted (default: every account with a ticket).

    Returns
    -------
    SlaAttainment
        ``attainment`` (value column) with ``lower`` and ``upper``, and the counts
        ``tickets``, ``met``, ``breached`` and ``pending`` (they add up over segments).

    Raises
    ------
    InvalidParameterError
        A bad option, or counted tickets whose priority has no target (the message lists
        those priorities).

    Warns
    -----
    UndefinedMetricWarning
        A row with no decided ticket (all pending, or none).

    Notes
    -----
    See the module documentation: a ticket still open past its target is a breach, one still
    open within it is pending (outside the denominator).

    References
    ----------
    Zendesk, "Defining SLA policies" (targets per priority; achieved and breached).
    Freshdesk, "Understanding SLA policies". Wilson, E. B. (1927). JASA 22, 209-212.

    Examples
    --------
    Three tickets opened on 1 March at 09:00 against a 4-hour first-reply target: a reply
    after 1 hour (met), one after 6 hours (breach), one still unanswered at the end of the day
    (15 hours old, breach); a fourth opened at 22:00, unanswered for 2 hours (pending):

    >>> t = {"customer_id": ["a", "a", "b", "b"],
    ...      "opened_at": ["2024-03-01T09:00Z"] * 3 + ["2024-03-01T22:00Z"],
    ...      "first_response_at": ["2024-03-01T10:00Z", "2024-03-01T15:00Z", None, None]}
    >>> r = sla_attainment(t, "2024-03-01", targets="4h")
    >>> r["met"].tolist(), r["breached"].tolist(), r["pending"].tolist(), round(float(r), 4)
    ([1], [2], [1], 0.3333)
    """
    ctx = "sla_attainment"
    tr = ticket_rows(tickets, by, customers, ctx)
    table = tr.table
    hi, day = as_of(at, ctx)
    lo, top, window = opened_bounds(opened, hi, ctx)
    t_open = table.opened_at.view(np.int64)
    t_event = getattr(table, _EVENT[kind]).view(np.int64)
    counted = (t_open >= lo) & (t_open < top) & (tr.row >= 0)
    target = target_of_rows(table, targets, counted, ctx)
    done = (t_event != NAT) & (t_event < hi)
    elapsed = np.where(done, t_event - t_open, hi - t_open)
    met, breached, pending = ks.sla_outcomes(elapsed, done, target)
    row = tr.row
    n = tr.n_rows
    cols = tr.sp.segment_columns()
    counts = {name: count(row[counted & mask], n) for name, mask in
              (("tickets", counted), ("met", met), ("breached", breached),
               ("pending", pending))}
    cols.update(accounts=tr.accounts, **counts)
    decided = (counts["met"] + counts["breached"]).astype(np.float64)
    rate = divide(counts["met"], decided, context=ctx,
                  what=f"the number of tickets met or breached by {day}")
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    lower, upper = wilson(rate, decided, z)
    cols.update(attainment=rate, lower=lower, upper=upper)
    how = Pooling(sums=("tickets", "met", "breached", "pending"))
    label = "first response" if kind == "first_response" else "resolution"
    result = SlaAttainment(cols, value="attainment", segment=tr.sp.name, pooling=how,
                           title=f"SLA attainment ({label}, as of {day}{window})")
    read = ({("(none)" if k is None else str(k)): v for k, v in targets.items()}
            if isinstance(targets, dict) else targets)
    result._set(kind=kind, targets=read, confidence=confidence)
    return result


@validate_params({"by": BY, "confidence": CONFIDENCE})
def reopen_rate(tickets: Any, start: PeriodLike, end: PeriodLike, *, by: By = None,
                confidence: float = 0.95, customers: ArrayLike | None = None
                ) -> AccountResult:
    """Share of the tickets resolved in ``start..end`` that were reopened (0-1).

    Parameters
    ----------
    tickets : SupportTicketTable, list of SupportTicket, or columns
        ``reopened_at`` is the last reopening (absent: none was reopened).
    start, end : period or date
        The UTC days of the window, both inclusive (``"2024-03"`` is all of March).
    by, confidence, customers
        As in ``sla_attainment``.

    Returns
    -------
    AccountResult
        ``reopen_rate`` (value column) with Wilson ``lower`` and ``upper``, and the counts
        ``resolved`` (the denominator) and ``reopened`` (they add up over segments).

    Raises
    ------
    InvalidParameterError
        ``end`` is before ``start``, or a bad option.

    Warns
    -----
    UndefinedMetricWarning
        A row without a ticket resolved in the window.

    Notes
    -----
    See the module documentation. A reopening after the end of the window is not yet known
    and does not count.

    References
    ----------
    Zendesk Explore, "Reopened tickets" (tickets solved, then reopened). Wilson (1927).

    Examples
    --------
    >>> t = {"customer_id": ["a", "a", "b"],
    ...      "opened_at": ["2024-03-01", "2024-03-02", "2024-03-03"],
    ...      "resolved_at": ["2024-03-05", "2024-03-09", "2024-03-04"],
    ...      "reopened_at": [None, "2024-03-06", None]}
    >>> r = reopen_rate(t, "2024-03", "2024-03")
    >>> r["resolved"].tolist(), r["reopened"].tolist(), round(float(r), 4)
    ([3], [1], 0.3333)
    """
    ctx = "reopen_rate"
    first, _ = span_days(start, ctx)
    _, last = span_days(end, ctx)
    if last < first:
        raise InvalidParameterError(f"{ctx}: end {end!r} is before start {start!r}.")
    lo, hi = day_bounds_us(first, last)
    tr = ticket_rows(tickets, by, customers, ctx)
    resolved = tr.table.resolved_at.view(np.int64)
    reopened = tr.table.reopened_at.view(np.int64)
    counted = (resolved != NAT) & (resolved >= lo) & (resolved < hi) & (tr.row >= 0)
    again = counted & (reopened != NAT) & (reopened < hi)
    n = tr.n_rows
    den = count(tr.row[counted], n)
    num = count(tr.row[again], n)
    where = f"{np.datetime64(first, 'D')} to {np.datetime64(last, 'D')}"
    rate = divide(num, den, context=ctx, what=f"the number of tickets resolved ({where})")
    lower, upper = wilson(rate, den.astype(np.float64), NormalDist().inv_cdf(
        0.5 + confidence / 2))
    cols = tr.sp.segment_columns()
    cols.update(accounts=tr.accounts, resolved=den, reopened=num, reopen_rate=rate,
                lower=lower, upper=upper)
    how = Pooling(sums=("resolved", "reopened"),
                  ratios={"reopen_rate": ("reopened", "resolved", "tickets resolved")})
    return AccountResult(cols, value="reopen_rate", segment=tr.sp.name, pooling=how,
                         title=f"Reopen rate (of tickets resolved {where})")
