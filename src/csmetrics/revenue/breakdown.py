"""Churned MRR and churned customers by churn reason or churn type (voluntary, delinquent).

The churn events are the bridge's own (``csmetrics.revenue.engine``): a customer churns at a
snapshot where it stops being a customer, and a customer who came and went between two
snapshots churns in that period when the policy counts it (``same_period_churn``). Each
event is given the reason and the type of **the subscription that ended**: of the
customer's rows whose end falls in the event's period, the one that ended last (see
``churn_breakdown``). Totals are therefore ``mrr_movements``' ``churn`` and
``churned_customers``, period by period and segment by segment, to the cent.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from csmetrics._core.options import OneOf, check_option, validate_params
from csmetrics._core.partials import Job, Partials, staged
from csmetrics._core.ratios import divide
from csmetrics._core.segments import segment_columns
from csmetrics._kernels import breakdown as kb
from csmetrics._kernels import revenue as kr
from csmetrics.exceptions import ColumnNotFoundError
from csmetrics.periods.calendar import FREQ, Frequency, PeriodLike
from csmetrics.policies import POLICY, MetricPolicy
from csmetrics.results import TableResult
from csmetrics.revenue.engine import Plan, Run, window_job
from csmetrics.revenue.points import days
from csmetrics.revenue.segments import By
from csmetrics.tables.coerce import as_table

UNKNOWN = "(unknown)"
"""The label of churn whose subscription gives no reason (or no type): kept, never dropped."""

CHURN_TYPES = ("voluntary", "delinquent")
"""Churn types, after ProfitWell: a cancellation, or a failed payment that was not recovered."""

_SPLIT = OneOf("reason", "type")
_COLUMN = {"reason": "churn_reason", "type": "churn_type"}


class ChurnBreakdown(TableResult):
    """Churned MRR and customers per period (and segment) and churn reason or type.

    Columns: ``period``, the segment column when split ``by``, the label column
    (``churn_reason`` or ``churn_type``), ``churned_mrr`` (the value column, money),
    ``churned_customers`` and ``mrr_share`` (the label's fraction of the period's churned
    MRR, NaN in a period without churned MRR). Every label has a row in every period, in
    the order of the table's categories, then ``"(unknown)"``. Attributes ``periods``,
    ``currency``, ``split`` ("reason" or "type") and ``label_column``.
    """

    periods: tuple[str, ...]
    currency: str
    split: str
    label_column: str

    def __init__(self, columns: dict[str, Any], *, periods: tuple[str, ...], currency: str,
                 split: str, digits: NDArray[np.int64] | int = 2,
                 segment: str | None = None) -> None:
        what = "reason" if split == "reason" else "type"
        super().__init__(columns, title=f"Churned MRR by {what} ({currency})",
                         money=("churned_mrr",), digits=digits, value="churned_mrr",
                         segment=segment)
        self._set(periods=periods, currency=currency, split=split,
                  label_column=_COLUMN[split])

    def plot(self, *, ax: Any = None, segment: Any = None) -> Any:
        """Lost MRR per period as bars stacked by reason (or type); needs the ``plot``
        extra. Split ``by=``, draw one segment: ``segment="EU"``.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from csmetrics import Subscription
        >>> subs = [Subscription(customer_id="a", start="2024-01-01", end="2024-02-10",
        ...                      amount=80, churn_reason="price")]
        >>> churn_breakdown(subs, "2024-02", "2024-02").plot().get_ylabel()
        'Churned MRR (USD)'
        """
        from csmetrics.plotting import plot_churn_breakdown

        return plot_churn_breakdown(self, ax=ax, segment=segment)

    def __repr__(self) -> str:
        n = len(self.periods)
        span = f"{self.periods[0]} to {self.periods[-1]}" if n else "no periods"
        return (f"ChurnBreakdown(by {self.split}, {n} period{'s' * (n != 1)}, {span}, "
                f"{self.currency})")


@staged(ChurnBreakdown)
@validate_params({"freq": FREQ, "policy": POLICY, "split": _SPLIT})
def churn_breakdown(
    subscriptions: Any,
    start: PeriodLike,
    end: PeriodLike,
    *,
    by: By = None,
    freq: str | Frequency = "month",
    split: str = "reason",
    policy: MetricPolicy | None = None,
) -> Job[ChurnBreakdown]:
    """Churned MRR and churned customers per period by churn reason or churn type.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscription spans; ``churn_reason`` and ``churn_type`` (``"voluntary"`` or
        ``"delinquent"``) are read where given.
    start, end : period or date
        The window, inclusive, as in ``mrr_movements``.
    by : str or mapping, optional
        ``None`` (the portfolio), a column or a customer-to-segment mapping.
    freq : {"month", "quarter", "year"} or fiscal "quarter-<mon>" / "year-<mon>"
        Period length: the snapshots at which churn is recognised.
    split : {"reason", "type"}, default "reason"
        One row per churn reason (the table's ``churn_reason`` categories), or per churn
        type (``"voluntary"``, ``"delinquent"``); ``"(unknown)"`` holds churn whose
        subscription gives none.
    policy : MetricPolicy, optional
        The bridge's policy (free customers, same-period churn, reactivation window): the
        churn split is the churn of ``mrr_movements`` under the same policy.

    Returns
    -------
    ChurnBreakdown
        Columns ``period``, the segment column when split, ``churn_reason`` or
        ``churn_type``, ``churned_mrr`` (the value column), ``churned_customers`` and
        ``mrr_share``; ``.plot()`` draws lost MRR stacked by reason.

    Raises
    ------
    CurrencyMismatchError
        The churn would sum more than one currency (split ``by="currency"``).
    InvalidParameterError
        The window is empty, or an option is not one of its values.

    Notes
    -----
    A churn event is the bridge's: the customer's MRR at the previous snapshot ``P > 0``
    and at this one ``L = 0`` (lost MRR ``P``), or a customer who started and stopped
    between two snapshots (lost MRR its peak) when ``policy.same_period_churn`` counts it.
    The event's reason and type are those of the subscription that ended: among the
    customer's rows with MRR (any row, with ``free_customers="customers"``) whose ``end``
    falls in the event's period, the one with the latest ``end``. Ties on the end day go
    to the row with the larger MRR, then to a row with a reason over one without, then to
    the first reason (and type) in sorted order, so row order never matters. Split
    ``by`` a column, an entity is a (customer, segment) pair, as in ``mrr_movements``.

    For each period and segment, ``sum(churned_mrr) == mrr_movements(...).churn`` and
    ``sum(churned_customers) == churned_customers`` exactly; ``mrr_share`` is
    ``churned_mrr / sum(churned_mrr)`` (NaN, with an ``UndefinedMetricWarning``, where no
    MRR churned). Voluntary versus delinquent churn is ProfitWell's split; lost MRR by
    cancellation reason is Baremetrics' (see ``docs/churn_and_expansion.md``).

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [
    ...     Subscription(customer_id="a", start="2023-12-01", end="2024-01-20", amount=100,
    ...                  churn_reason="price", churn_type="voluntary"),
    ...     Subscription(customer_id="b", start="2023-12-01", end="2024-01-25", amount=50,
    ...                  churn_type="delinquent"),
    ...     Subscription(customer_id="c", start="2023-12-01", amount=30),
    ... ]
    >>> print(churn_breakdown(subs, "2024-01", "2024-01"))
    Churned MRR by reason (USD)
    period   churn_reason  churned_mrr  churned_customers  mrr_share
    2024-01  price              100.00                  1     0.6667
    2024-01  (unknown)           50.00                  1     0.3333
    >>> print(churn_breakdown(subs, "2024-01", "2024-01", split="type"))
    Churned MRR by type (USD)
    period   churn_type  churned_mrr  churned_customers  mrr_share
    2024-01  voluntary        100.00                  1     0.6667
    2024-01  delinquent        50.00                  1     0.3333
    2024-01  (unknown)          0.00                  0          0
    """
    table = as_table(subscriptions, "churn_breakdown", by=by)
    # The reasons are the whole table's categories, which every part shares.
    labels = tuple(reason_labels(table).tolist()) if split == "reason" else (*CHURN_TYPES,
                                                                            UNKNOWN)
    return window_job(table, start, end, freq=freq, by=by, policy=policy, fx=None,
                      context="churn_breakdown", finish=partial(_finish, split, labels),
                      gather=_gather)


def _labels(table: Any, name: str) -> tuple[NDArray[np.int64], NDArray[Any]]:
    """Codes (-1: none) and categories of ``name``; every code -1 when the column is absent."""
    try:
        codes, categories = table.segment_column(name)
    except ColumnNotFoundError:
        return np.full(len(table), -1, dtype=np.int64), np.empty(0, dtype=object)
    return np.asarray(codes, dtype=np.int64), np.asarray(categories, dtype=object)


def reason_labels(table: Any) -> NDArray[Any]:
    """The reason labels of a table's churn: its ``churn_reason`` categories (the code
    tables every part of the table shares), then ``"(unknown)"``."""
    _, categories = _labels(table, "churn_reason")
    known = [c for c in categories.tolist() if c != UNKNOWN]
    return np.array([*known, UNKNOWN], dtype=object)


def _codes(table: Any) -> tuple[NDArray[np.int64], NDArray[np.int64], int, int]:
    """Each row's reason and type as an index into the labels (the last: unknown)."""
    reason_codes, reason_cats = _labels(table, "churn_reason")
    labels = reason_labels(table).tolist()
    to_label = np.array([labels.index(c) if c in labels else len(labels) - 1
                         for c in reason_cats.tolist()] + [len(labels) - 1], dtype=np.int64)
    reason = to_label[reason_codes]       # -1 reads the last entry: unknown
    type_codes, type_cats = _labels(table, "churn_type")
    types = [*CHURN_TYPES, UNKNOWN]
    to_type = np.array([types.index(c) if c in types else len(types) - 1
                        for c in type_cats.tolist()] + [len(types) - 1], dtype=np.int64)
    return reason, to_type[type_codes], len(labels), len(types)


def _gather(r: Run) -> Partials:
    """A part's churn events by (segment, period, reason) and (segment, period, type).

    Both splits are made at once and kept with the run: the breakdown by reason and the
    one by type of a window (as a report shows them) find the churn events once."""
    found: Partials | None = r.memo.get("churn breakdown")
    if found is None:
        found = r.memo["churn breakdown"] = _both_splits(r)
    return found


def _both_splits(r: Run) -> Partials:
    table, plan = r.table, r.plan
    reason, kind, n_reasons, n_types = _codes(table)
    events = kb.churn_events(r.points, r.extra, plan.base, plan.n_periods)
    start_days, end_days = days(table)
    free = plan.policy.free_customers == "customers"
    counted = (end_days > start_days) & ((table.mrr_units != 0) | free)
    stop = kr.snapshot_index(plan.snapshots, end_days)
    rows = kb.ending_rows(events, r.points.width, r.inner.entity_of_row, stop, end_days,
                          table.mrr_units, reason * n_types + kind, counted=counted)
    found = rows >= 0
    safe = np.maximum(rows, 0)
    event_reason = np.where(found, reason[safe], n_reasons - 1)
    event_type = np.where(found, kind[safe], n_types - 1)
    segment = r.inner.segment_of_entity[events.entity]
    shape = (plan.n_segments, plan.n_periods)
    reason_mrr, reason_n = kb.label_sums(segment, events.period, event_reason, events.amount,
                                         *shape, n_reasons)
    type_mrr, type_n = kb.label_sums(segment, events.period, event_type, events.amount,
                                     *shape, n_types)
    return Partials("churn_breakdown", {"reason_mrr": reason_mrr, "reason_customers": reason_n,
                                        "type_mrr": type_mrr, "type_customers": type_n})


def _finish(split: str, names: tuple[str, ...], partials: Partials, plan: Plan
            ) -> ChurnBreakdown:
    check_option("churn_breakdown", "split", split, _SPLIT)
    money, count = partials[f"{split}_mrr"], partials[f"{split}_customers"]
    labels = np.asarray(names, dtype=object)
    n_seg, n_per, n_lab = money.shape
    # Rows period-major, then segment, then label.
    per = np.repeat(np.arange(n_per), n_seg * n_lab)
    sg = np.tile(np.repeat(np.arange(n_seg), n_lab), n_per)
    lab = np.tile(np.arange(n_lab), n_per * n_seg)
    cents = money[sg, per, lab]
    total = money.sum(axis=2)[sg, per]
    scale = plan.scale[sg]
    period_labels = np.asarray(plan.grid.labels, dtype=object)
    cols = segment_columns(plan.seg_name, plan.labels[sg], "churn_breakdown",
                           {"period": period_labels[per]})
    cols[_COLUMN[split]] = labels[lab]
    cols["churned_mrr"] = cents / scale
    cols["churned_customers"] = count[sg, per, lab]
    cols["mrr_share"] = divide(cents, total, context="churn_breakdown",
                               what="the churned MRR of the period")
    return ChurnBreakdown(cols, periods=plan.grid.labels, currency=plan.currency, split=split,
                          digits=plan.digits[sg], segment=plan.seg_name)
