"""Per-account signals in one call, and a standard scorecard to score them.

``account_signals()`` assembles, for every account in any of the tables given, the
standard customer-success measures as one table that a ``HealthScorecard``
scores directly:

===============================  =====================================================
column                           definition (all at ``at``)
===============================  =====================================================
``mrr``                          MRR on ``at`` (subscriptions)
``mrr_change``                   ``(MRR at at - MRR mrr_window earlier) / the earlier
                                 MRR`` (NaN where there was none)
``utilization``                  active users in the last ``window`` over seats bought
                                 (usage and subscriptions; unclamped: 1.4 is 40% overage)
``active_users_trend``           active users in the last ``window`` over the
                                 ``window`` before
``stickiness``                   mean daily active users over active users in the last
                                 30 days
``adoption_breadth``             share of ``key_features`` used in the last ``window``
``nps``                          the account's NPS over the ``survey_window`` to ``at``
                                 (-100..100)
``open_tickets``                 tickets open at ``at`` (the open backlog)
``tickets_per_month``            tickets opened per calendar month over the
                                 ``ticket_window``
``median_first_response_hours``  median hours from opening to the first agent reply of
                                 the tickets opened in the ``ticket_window``
                                 (Kaplan-Meier, tickets unanswered at ``at`` censored;
                                 when tickets carry ``first_response_at``)
``sla_attainment``               share of those tickets that met their ``sla_targets``
                                 (met over met plus breached; with ``sla_targets``)
``reopen_rate``                  share of the tickets resolved in the ``ticket_window``
                                 reopened by ``at`` (when tickets carry ``reopened_at``)
===============================  =====================================================

A column is present when its table is given; the support signals after ``open_tickets``
when the tickets carry an SLA field (``first_response_at``, ``priority`` or
``reopened_at``) or ``sla_targets`` is given, each field-based one when its field is there.
A value is NaN where it is undefined for that account (no seats, no answers, no earlier MRR,
no ticket), never 0: the scorecard's missing policy decides what NaN means.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from dateutil.relativedelta import relativedelta
from numpy.typing import NDArray

from csmetrics._core.currency import MINOR_UNITS
from csmetrics._core.ids import positions
from csmetrics._core.options import OneOf, Satisfies, is_names, validate_params
from csmetrics._kernels import revenue as kr
from csmetrics.exceptions import InvalidParameterError, UndefinedMetricWarning
from csmetrics.fx import FX, FxRates
from csmetrics.health.rules import Linear, Steps
from csmetrics.health.scorecard import HealthScorecard, Measure
from csmetrics.periods.calendar import Period, PeriodLike
from csmetrics.periods.days import utc_day
from csmetrics.periods.windows import WindowLike, window_days, window_months
from csmetrics.results import TableResult
from csmetrics.support.common import TARGETS
from csmetrics.tables.coerce import as_surveys, as_table, as_tickets, as_usage


def _old_account_signals(subscriptions: Any = None, usage: Any = None, surveys: Any = None,
                         tickets: Any = None, at: PeriodLike | None = None, *,
                         window: WindowLike = "30D", key_features: Sequence[str] | None = None,
                         survey_window: WindowLike = "180D", mrr_window: WindowLike = "3M",
                         fx: FxRates | None = None) -> None:
    """The earlier signature: ``account_signals(subscriptions, usage, surveys, tickets, at)``,
    every table positional and ``at`` fifth."""


@validate_params({"fx": FX, "key_features": Satisfies(
                     lambda v: v is None or is_names(v, one=False, empty=True),
                     "a list of feature names, or None"),
                  "sla_targets": Satisfies(lambda v: v is None or TARGETS.accepts(v),
                                           f"None or {TARGETS.description}"),
                  "sla_kind": OneOf("first_response", "resolution")},
                 renamed={"survey_days": "survey_window", "mrr_months": "mrr_window"},
                 legacy=_old_account_signals)
def account_signals(
    subscriptions: Any = None,
    at: PeriodLike | None = None,
    *,
    usage: Any = None,
    surveys: Any = None,
    tickets: Any = None,
    window: WindowLike = "30D",
    key_features: Sequence[str] | None = None,
    survey_window: WindowLike = "180D",
    mrr_window: WindowLike = "3M",
    fx: FxRates | None = None,
    ticket_window: WindowLike = "90D",
    sla_targets: Any = None,
    sla_kind: Literal["first_response", "resolution"] = "first_response",
) -> TableResult:
    """The standard per-account measures (see the module documentation) in one table.

    Called like the other metrics, data first and the day second:
    ``account_signals(subs, "2024-12", usage=events, tickets=tickets)``.

    Parameters
    ----------
    subscriptions : table, optional
        The subscriptions, in any table form (``mrr``, ``mrr_change``, and the seats of
        ``utilization``).
    at : period or date
        The day the signals are read (a period means its last day). Required.
    usage, surveys, tickets : tables, optional
        Any of them, in any table form, by name; each adds its columns. (The earlier order,
        every table positional after ``subscriptions`` and ``at`` fifth, still works with a
        ``DeprecationWarning``.)
    window : str, default "30D"
        The usage window.
    key_features : sequence of str, optional
        Features counted by ``adoption_breadth`` (default: every feature of the usage table).
    survey_window : str, default "180D"
        The answers behind each account's NPS: those of the window ending at ``at``.
        (``survey_days=180``, the old name and unit, is deprecated.)
    mrr_window : str, default "3M"
        How far back ``mrr_change`` compares: ``"3M"`` is the same day three months earlier
        (or that month's last day). (``mrr_months=3`` is deprecated.)
    fx : FxRates, optional
        Exchange rates: each account's MRR in the reporting currency. Without them, MRR is
        in each account's own currency, and NaN for an account billed in several.
    ticket_window : str, default "90D"
        The tickets behind the support signals other than ``open_tickets``: those opened
        (``tickets_per_month``, response hours, SLA attainment) or resolved
        (``reopen_rate``) in the window ending at ``at``.
    sla_targets : number, str or mapping, optional
        SLA targets as ``sla_attainment`` takes them (``{"urgent": "1h", "high": "4h",
        "normal": "24h", "low": "3d"}``); adds ``sla_attainment``.
    sla_kind : {"first_response", "resolution"}, default "first_response"
        The clock of ``sla_targets``.

    Returns
    -------
    TableResult
        ``customer_id`` (every account of any table, sorted) and one column per signal;
        ``result.row(customer_id)`` picks an account.

    Raises
    ------
    InvalidParameterError
        No table, no ``at``, or a bad option.

    Examples
    --------
    >>> from csmetrics.datasets import demo_portfolio, demo_usage, demo_tickets
    >>> signals = account_signals(demo_portfolio(), "2024-12", usage=demo_usage(),
    ...                           tickets=demo_tickets())
    >>> signals.column_names[:8]
    ('customer_id', 'mrr', 'mrr_change', 'utilization', 'active_users_trend', 'stickiness', 'adoption_breadth', 'open_tickets')
    >>> signals.column_names[8:]
    ('tickets_per_month', 'median_first_response_hours', 'reopen_rate')
    """  # noqa: E501
    ctx = "account_signals"
    if all(t is None for t in (subscriptions, usage, surveys, tickets)):
        raise InvalidParameterError(f"{ctx}: give at least one table.")
    if at is None:
        raise InvalidParameterError(f"{ctx}: give at=, the day the signals are read (there is "
                                    "no hidden today): account_signals(subscriptions, at, ...).")
    if not isinstance(at, str | _dt.date | np.datetime64 | Period):
        raise InvalidParameterError(
            f"{ctx}: at (the second argument) must be a period or a date, got "
            f"{type(at).__name__}; the other tables go by name: account_signals(subscriptions, "
            "at, usage=..., surveys=..., tickets=...).")
    # Each window is read once, under the name it was given as; the usage metrics get it in
    # days, so a deprecated bare number warns once, here, and not once per metric.
    usage_window = f"{window_days(window, ctx, name='window')}D"
    survey_days = window_days(survey_window, ctx, name="survey_window")
    mrr_months = window_months(mrr_window, ctx, name="mrr_window")
    day = utc_day(at, ctx)
    subs = None if subscriptions is None else as_table(subscriptions, ctx)
    usage = None if usage is None else as_usage(usage, ctx)
    surveys = None if surveys is None else as_surveys(surveys, ctx)
    tickets = None if tickets is None else as_tickets(tickets, ctx)
    ids = _all_ids(subs, usage, surveys, tickets)
    cols: dict[str, Any] = {"customer_id": ids}
    per_account = "customer_id"
    with warnings.catch_warnings():
        # Undefined per-account values are NaN by design here; the scorecard handles them.
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        if subs is not None:
            now = _mrr_by_id(subs, day, ids, fx)
            earlier = day.astype(_dt.date) - relativedelta(months=mrr_months)
            before = _mrr_by_id(subs, np.datetime64(earlier, "D"), ids, fx)
            cols["mrr"] = now
            with np.errstate(divide="ignore", invalid="ignore"):
                cols["mrr_change"] = np.where(before > 0, (now - before) / before, np.nan)
        if usage is not None:
            from csmetrics.usage import (
                active_users_trend,
                adoption_breadth,
                license_utilization,
                stickiness,
            )

            at_day = day.astype(_dt.date)
            if subs is not None:
                cols["utilization"] = _metric(license_utilization(
                    usage, subs, at_day, window=usage_window, customers=ids, by=per_account),
                    "utilization")
            cols["active_users_trend"] = _metric(active_users_trend(
                usage, at_day, window=usage_window, customers=ids, by=per_account), "ratio")
            cols["stickiness"] = _metric(stickiness(
                usage, at_day, window="30D", customers=ids, by=per_account), "stickiness")
            features = list(key_features) if key_features is not None else [
                str(f) for f in np.asarray(usage.features).tolist()]
            if features:
                cols["adoption_breadth"] = _metric(adoption_breadth(
                    usage, at_day, features=features, window=usage_window, customers=ids,
                    by=per_account), "breadth")
        if surveys is not None:
            cols["nps"] = _account_nps(surveys, day, survey_days, ids)
        if tickets is not None:
            cols.update(_support_signals(tickets, day, ids, window_days(
                ticket_window, ctx, name="ticket_window"), sla_targets, sla_kind))
    return TableResult(cols, title=f"Account signals on {day}", money=("mrr",),
                       segment="customer_id")


def _support_signals(tickets: Any, day: np.datetime64, ids: NDArray[Any], days: int,
                     sla_targets: Any, sla_kind: Literal["first_response", "resolution"]
                     ) -> dict[str, NDArray[np.float64]]:
    """The support columns (see the module documentation), one value per account of ``ids``;
    the field-based ones only where the tickets carry that field."""
    from csmetrics.support import (
        first_response_time,
        open_tickets,
        reopen_rate,
        sla_attainment,
        tickets_per_account,
    )

    at_day = day.astype(_dt.date)
    first = (day - np.timedelta64(days - 1, "D")).astype(_dt.date)
    acc = "customer_id"
    out = {"open_tickets": _metric(open_tickets(tickets, at_day, customers=ids, by=acc),
                                   "open_tickets")}
    responded = not np.isnat(tickets.first_response_at).all()
    reopened = not np.isnat(tickets.reopened_at).all()
    if not (responded or reopened or (tickets.priority_codes >= 0).any()
            or sla_targets is not None):
        return out  # tickets without SLA fields: the one signal they always gave
    out["tickets_per_month"] = _metric(tickets_per_account(
        tickets, first, at_day, customers=ids, by=acc), "tickets_per_month")
    if responded:
        out["median_first_response_hours"] = _metric(first_response_time(
            tickets, at_day, opened=(first, at_day), percentiles=(50,), customers=ids,
            by=acc), "median_hours")
    if sla_targets is not None:
        out["sla_attainment"] = _metric(sla_attainment(
            tickets, at_day, targets=sla_targets, kind=sla_kind,
            opened=(first, at_day), customers=ids, by=acc), "attainment")
    if reopened:
        out["reopen_rate"] = _metric(reopen_rate(tickets, first, at_day, customers=ids,
                                                 by=acc), "reopen_rate")
    return out


def standard_scorecard() -> HealthScorecard:
    """A reasonable starting scorecard for ``account_signals()``' columns.

    Usage 50% (utilization 0.2 -> 0 points to 0.9 -> 100, active-users trend, breadth),
    customer voice 25% (NPS -50 -> 0 to 50 -> 100), support 15% (open tickets, fewer is
    better), revenue 10% (MRR change, -20% -> 0 to +10% -> 100). Missing measures are left
    out and the rest re-weighted (coverage is reported). Adjust it to your business.

    Examples
    --------
    >>> [m.name for m in standard_scorecard().measures][:3]
    ['utilization', 'active_users_trend', 'adoption_breadth']
    """
    return HealthScorecard(
        measures=(
            Measure(name="utilization", group="usage", weight=3,
                    rule=Linear(low=0.2, high=0.9)),
            Measure(name="active_users_trend", group="usage", weight=2,
                    rule=Steps(thresholds=(0.8, 0.95, 1.05), points=(0, 40, 70, 100))),
            Measure(name="adoption_breadth", group="usage", weight=1,
                    rule=Linear(low=0.2, high=0.8)),
            Measure(name="nps", group="voice", weight=1, rule=Linear(low=-50, high=50)),
            Measure(name="open_tickets", group="support", weight=1, direction="lower",
                    rule=Linear(low=0, high=5)),
            Measure(name="mrr_change", group="revenue", weight=1,
                    rule=Linear(low=-0.2, high=0.1)),
        ),
        groups=(("usage", 50.0), ("voice", 25.0), ("support", 15.0), ("revenue", 10.0)),
    )


def _all_ids(*tables: Any) -> NDArray[Any]:
    """Every account id of the tables given, sorted (ids of one kind: text or numbers)."""
    parts = [np.asarray(t.customer_ids, dtype=object)[np.unique(t.customer_codes)]
             for t in tables if t is not None]
    merged = np.concatenate(parts) if parts else np.empty(0, dtype=object)
    try:
        return np.unique(merged)
    except TypeError:
        return np.unique(merged.astype(str)).astype(object)


def _positions(ids: NDArray[Any], keys: NDArray[Any]) -> tuple[NDArray[np.int64],
                                                                NDArray[np.bool_]]:
    """Where each of ``keys`` sits in ``ids``, and whether it is there."""
    pos = positions(ids, keys)
    return np.maximum(pos, 0), pos >= 0


def _mrr_by_id(subs: Any, day: np.datetime64, ids: NDArray[Any], fx: FxRates | None
               ) -> NDArray[np.float64]:
    """Each account's MRR on ``day``: in the reporting currency with ``fx``; otherwise in its
    own currency, NaN for an account billed in several."""
    from csmetrics.revenue import mrr

    out = np.zeros(ids.size)
    if fx is not None:
        per = mrr(subs, day, by="customer_id", fx=fx)
        keys, values = np.asarray(per["customer_id"], dtype=object), per["mrr"]
    else:
        active = kr.active_on(subs.start, subs.end, day) & (subs.mrr_units != 0)
        n_cur = max(int(subs.currencies.size), 1)
        pair = subs.customer_codes[active] * n_cur + subs.currency_codes[active]
        pairs, inverse = np.unique(pair, return_inverse=True)
        units = np.rint(np.bincount(inverse.reshape(-1), weights=subs.mrr_units[active],
                                    minlength=pairs.size)).astype(np.int64)
        digits = np.array([MINOR_UNITS.get(str(c), 2) for c in subs.currencies.tolist()]
                          or [2], dtype=np.int64)
        amount = kr.units_to_minor(units) / np.power(10.0, digits[pairs % n_cur])
        customer = pairs // n_cur
        several = np.bincount(customer, minlength=subs.customer_ids.size) > 1
        values = np.bincount(customer, weights=amount, minlength=subs.customer_ids.size)
        values[several] = np.nan
        keys = np.asarray(subs.customer_ids, dtype=object)
    pos, found = _positions(ids, keys)
    out[pos[found]] = np.asarray(values, dtype=np.float64)[found]
    return out


def _metric(result: Any, column: str) -> NDArray[np.float64]:
    values: NDArray[np.float64] = np.asarray(result[column], dtype=np.float64)
    return values


def _account_nps(surveys: Any, day: np.datetime64, days: int, ids: NDArray[Any]
                 ) -> NDArray[np.float64]:
    from csmetrics.surveys import net_promoter_score

    first = (day - np.timedelta64(days - 1, "D")).astype(_dt.date)
    recent = surveys.between(first, day.astype(_dt.date))
    out = np.full(ids.size, np.nan)
    has_nps = "nps" in set(np.asarray(recent.surveys).tolist()) if len(recent) else False
    if not has_nps:
        return out
    result = net_promoter_score(recent, by="customer_id")
    keys = np.asarray(result["customer_id"], dtype=object)
    pos, found = _positions(ids, keys)
    out[pos[found]] = np.asarray(result["nps"], dtype=np.float64)[found]
    return out
