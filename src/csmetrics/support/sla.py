"""SLA attainment and reopen rate: shares of tickets, with Wilson intervals.

**SLA attainment.** Each ticket opened by ``at`` (the end of that UTC day) has a target for
its priority (``targets``). As of ``at`` it has *met* its target if the event (first reply,
or resolution) came within the target; it is a *breach* if the event came later, or if it is
still waiting and already older than its target; it is *pending* if it is still waiting but
within its target: not yet decided, so it is counted apart and left out of the denominator.
Attainment is ``met / (met + breached)`` (Zendesk's SLA achievement: achieved targets over
achieved plus breached). A reply (resolution) exactly at the
target meets it.

**Reopen rate.** Of the tickets resolved in ``start..end`` (their last resolution in those
UTC days), the share reopened by the end of the window (``reopened_at`` known by then).
The share of resolved tickets that came back. A ticket reopened and still unresolved at
the end of the window has no resolution in it, so it is in the backlog (``backlog_age``), not
here.

Both intervals are Wilson (1927) score intervals; NaN with a warning where nothing is decided.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from csmetrics._core.options import CONFIDENCE, OneOf, validate_params
from csmetrics._core.partials import MetricParts, Partials
from csmetrics._core.ratios import divide
from csmetrics._core.segments import By
from csmetrics._kernels import support as ks
from csmetrics._kernels.surveys import wilson
from csmetrics._kernels.usage import count
from csmetrics.periods.calendar import PeriodLike
from csmetrics.support.common import (
    NAT,
    TARGETS,
    OpenedWindow,
    RowMap,
    as_of,
    opened_bounds,
    target_lookup,
    target_of_rows,
    ticket_rows,
)
from csmetrics.support.steps import day_window
from csmetrics.tables.account_result import AccountResult
from csmetrics.tables.accounts import BY, Pooling
from csmetrics.tables.tickets import SupportTicketTable

I64 = NDArray[np.int64]

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

    def plot(self, ax: Any = None) -> Any:
        """Attainment per row with its Wilson interval (needs the ``plot`` extra)."""
        from csmetrics.plotting import plot_sla_attainment

        return plot_sla_attainment(self, ax=ax)

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
    Zendesk help center, "Defining SLA policies" (targets per priority: low, normal, high,
    urgent; achieved and breached targets). Wilson, E. B. (1927). JASA 22, 209-212.

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
    table, plan = _sla_prepare(tickets, at, targets=targets, kind=kind, by=by, opened=opened,
                               confidence=confidence, customers=customers)
    return _sla_finalize(_sla_partial(table, plan), plan)


@dataclass(frozen=True)
class _SlaPlan:
    rows: RowMap
    hi: int
    lo: int
    top: int
    day: str
    window: str
    lookup: I64            # target (microseconds) of each priority code; last: no priority
    kind: str
    targets: Any
    confidence: float


def _sla_prepare(tickets: Any, at: PeriodLike | _dt.datetime, *, targets: Any,
                 kind: str = "first_response", by: By = None, opened: OpenedWindow = None,
                 confidence: float = 0.95, customers: ArrayLike | None = None
                 ) -> tuple[SupportTicketTable, _SlaPlan]:
    ctx = "sla_attainment"
    tr = ticket_rows(tickets, by, customers, ctx)
    hi, day = as_of(at, ctx)
    lo, top, window = opened_bounds(opened, hi, ctx)
    t_open = tr.table.opened_at.view(np.int64)
    counted = (t_open >= lo) & (t_open < top) & (tr.row >= 0)
    lookup = target_lookup(tr.table, targets, counted, ctx)
    read = ({("(none)" if k is None else str(k)): v for k, v in targets.items()}
            if isinstance(targets, Mapping) else targets)
    return tr.table, _SlaPlan(tr.rows, hi, lo, top, day, window, lookup, kind, read,
                              confidence)


def _sla_partial(part: SupportTicketTable, plan: _SlaPlan) -> Partials:
    """Tickets counted, met, breached and pending per result row."""
    row = plan.rows.rows_of(part)
    t_open = part.opened_at.view(np.int64)
    t_event = getattr(part, _EVENT[plan.kind]).view(np.int64)
    counted = (t_open >= plan.lo) & (t_open < plan.top) & (row >= 0)
    done = (t_event != NAT) & (t_event < plan.hi)
    elapsed = np.where(done, t_event - t_open, plan.hi - t_open)
    met, breached, pending = ks.sla_outcomes(elapsed, done, target_of_rows(part, plan.lookup))
    n = plan.rows.n_rows
    return Partials("sla_attainment", {
        name: count(row[counted & mask], n) for name, mask in
        (("tickets", counted), ("met", met), ("breached", breached), ("pending", pending))})


def _sla_finalize(parts: Partials, plan: _SlaPlan) -> SlaAttainment:
    ctx = "sla_attainment"
    counts = {name: np.asarray(parts[name]) for name in ("tickets", "met", "breached",
                                                          "pending")}
    decided = (counts["met"] + counts["breached"]).astype(np.float64)
    rate = divide(counts["met"], decided, context=ctx,
                  what=f"the number of tickets met or breached by {plan.day}")
    lower, upper = wilson(rate, decided, _z(plan.confidence))
    cols = plan.rows.sp.segment_columns()
    cols.update(accounts=plan.rows.accounts, **counts)
    cols.update(attainment=rate, lower=lower, upper=upper)
    label = "first response" if plan.kind == "first_response" else "resolution"
    result = SlaAttainment(cols, value="attainment", segment=plan.rows.sp.name,
                           pooling=Pooling(sums=("tickets", "met", "breached", "pending")),
                           title=f"SLA attainment ({label}, as of {plan.day}{plan.window})")
    result._set(kind=plan.kind, targets=plan.targets, confidence=plan.confidence)
    return result


def _z(confidence: float) -> float:
    return NormalDist().inv_cdf(0.5 + confidence / 2)


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
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. JASA 22, 209-212.

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
    table, plan = _reopen_prepare(tickets, start, end, by=by, confidence=confidence,
                                  customers=customers)
    return _reopen_finalize(_reopen_partial(table, plan), plan)


@dataclass(frozen=True)
class _ReopenPlan:
    rows: RowMap
    lo: int
    hi: int
    where: str
    confidence: float


def _reopen_prepare(tickets: Any, start: PeriodLike, end: PeriodLike, *, by: By = None,
                    confidence: float = 0.95, customers: ArrayLike | None = None
                    ) -> tuple[SupportTicketTable, _ReopenPlan]:
    ctx = "reopen_rate"
    w = day_window(start, end, ctx)
    tr = ticket_rows(tickets, by, customers, ctx)
    return tr.table, _ReopenPlan(tr.rows, w.lo, w.hi, w.text, confidence)


def _reopen_partial(part: SupportTicketTable, plan: _ReopenPlan) -> Partials:
    """Tickets resolved in the window, and those of them reopened by its end, per row."""
    row = plan.rows.rows_of(part)
    resolved = part.resolved_at.view(np.int64)
    reopened = part.reopened_at.view(np.int64)
    counted = (resolved != NAT) & (resolved >= plan.lo) & (resolved < plan.hi) & (row >= 0)
    again = counted & (reopened != NAT) & (reopened < plan.hi)
    n = plan.rows.n_rows
    return Partials("reopen_rate", {"resolved": count(row[counted], n),
                                    "reopened": count(row[again], n)})


def _reopen_finalize(parts: Partials, plan: _ReopenPlan) -> AccountResult:
    den, num = np.asarray(parts["resolved"]), np.asarray(parts["reopened"])
    rate = divide(num, den, context="reopen_rate",
                  what=f"the number of tickets resolved ({plan.where})")
    lower, upper = wilson(rate, den.astype(np.float64), _z(plan.confidence))
    cols = plan.rows.sp.segment_columns()
    cols.update(accounts=plan.rows.accounts, resolved=den, reopened=num, reopen_rate=rate,
                lower=lower, upper=upper)
    how = Pooling(sums=("resolved", "reopened"),
                  ratios={"reopen_rate": ("reopened", "resolved", "tickets resolved")})
    return AccountResult(cols, value="reopen_rate", segment=plan.rows.sp.name, pooling=how,
                         title=f"Reopen rate (of tickets resolved {plan.where})")


SLA_PARTS: dict[str, MetricParts] = {
    "sla_attainment": MetricParts(_sla_prepare, _sla_partial, _sla_finalize),
    "reopen_rate": MetricParts(_reopen_prepare, _reopen_partial, _reopen_finalize),
}
"""The SLA count metrics as their three steps (``csmetrics.support.partials``)."""
