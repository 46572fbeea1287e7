"""Annual recurring revenue (run rate and contracted) and the average sale price.

Definitions
-----------
**ARR, run rate** (``view="run_rate"``, the default). Twelve times the MRR on the last day of
``at``: ``arr = 12 * mrr``, with MRR as in ``csmetrics.mrr`` (each customer's MRR rounded to
the cent first). This is ChartMogul's *Annualized Run Rate*, "MRR for the period multiplied
by 12" (https://help.chartmogul.com/hc/en-us/articles/203299892).

**ARR, contracted** (``view="contracted"``). The annual contract value of *term* plans only,
ChartMogul's original *Annual Recurring Revenue*, "calculated based on revenues from annual
or multi-year contracts [excluding] any contract less than 12 months in length"
(https://chartmogul.com/arr/). A span is a term plan when its billing period is at least 12
months (``interval="year"``, or ``"month"`` with ``interval_count >= 12``) or when it has a
``renews_at`` (a term contract, whatever its billing). Its contracted ARR is the charge of
its current term normalised to 12 months, ``12 * row MRR`` (a $24,000 two-year plan is
$12,000 a year). Month-to-month plans (and weekly, daily or quarterly billing without a
``renews_at``) contribute nothing: they are revenue, not a contract.

**Average sale price** (ASP). New MRR over new customers, period by period: ChartMogul's "total
New Business MRR in a given period divided by the number of customers who subscribed for
the first time in that period" (https://help.chartmogul.com/hc/en-us/articles/203359381).
New MRR and new customers are those of ``mrr_movements`` (a customer's first MRR, seen at
a period end; reactivations are not new). No new customer in a period is NaN.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any, Literal

import numpy as np

from csmetrics._core.options import OneOf, validate_params
from csmetrics._core.partials import Job, Partials, staged
from csmetrics._core.ratios import divide
from csmetrics._core.segments import segment_columns
from csmetrics.fx import FX, FxRates
from csmetrics.periods.calendar import FREQ, Frequency, PeriodLike
from csmetrics.policies import POLICY, MetricPolicy
from csmetrics.results import MetricResult
from csmetrics.revenue.engine import Plan
from csmetrics.revenue.movements import mrr_movements
from csmetrics.revenue.mrr import DayPlan, day_columns, day_job, day_mrr, day_partials
from csmetrics.revenue.segments import By
from csmetrics.tables.subscription_record import INTERVALS
from csmetrics.tables.subscriptions import SubscriptionTable

__all__ = ["arr", "average_selling_price", "term_rows"]

ArrView = Literal["run_rate", "contracted"]

_MONTHS = np.array([12 / 365, 12 / 52, 1.0, 3.0, 12.0])  # per interval, in INTERVALS order
assert len(_MONTHS) == len(INTERVALS)


def term_rows(table: SubscriptionTable) -> np.ndarray:
    """Which spans are term plans (see the module documentation): a billing period of 12
    months or more, or a ``renews_at``.

    Examples
    --------
    >>> subs = SubscriptionTable.from_columns({
    ...     "customer_id": ["a", "b", "c"], "start": ["2024-01-01"] * 3, "amount": [1, 1, 1],
    ...     "interval": ["year", "month", "month"],
    ...     "renews_at": [None, None, "2025-01-01"]})
    >>> term_rows(subs).tolist()
    [True, False, True]
    """
    months = _MONTHS[table.interval] * table.interval_count
    out: np.ndarray = (months >= 12) | ~np.isnat(table.renews_at)
    return out


@staged(MetricResult)
@validate_params({"view": OneOf("run_rate", "contracted"), "fx": FX})
def arr(subscriptions: Any, at: PeriodLike, *, by: By = None, view: ArrView = "run_rate",
        fx: FxRates | None = None) -> Job[MetricResult]:
    """Annual recurring revenue on one day: the run rate (12 x MRR) or contracted ARR.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscription spans.
    at : period or date
        A date, or a period whose last day is used (``"2024-03"`` is 31 March 2024).
    by : str or mapping, optional
        ``None``: the whole portfolio; a column (``"plan"``, ``"product"``,
        ``"customer_id"``...) or a mapping from customer id to segment.
    view : {"run_rate", "contracted"}, default "run_rate"
        ``"run_rate"``: 12 x MRR of every subscription. ``"contracted"``: the annual
        contract value of term plans only (annual or multi-year billing, or a
        ``renews_at``); month-to-month plans count 0.
    fx : FxRates, optional
        Exchange rates into a reporting currency, as in ``mrr()``.

    Returns
    -------
    MetricResult
        Value column ``arr``, with ``customers`` (customers with ARR > 0 in this view).

    Notes
    -----
    See the module documentation for both definitions and their sources. ARR of an empty
    table is 0 (a sum), not NaN. Each customer's MRR is rounded to the cent before the
    factor 12, so ``arr == 12 * mrr`` to the cent.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [
    ...     Subscription(customer_id="a", start="2024-01-01", amount=1200, interval="year"),
    ...     Subscription(customer_id="b", start="2024-01-01", amount=50),
    ...     Subscription(customer_id="c", start="2024-01-01", amount=50,
    ...                  renews_at="2025-01-01"),
    ... ]
    >>> float(arr(subs, "2024-03"))                    # 12 x (100 + 50 + 50)
    2400.0
    >>> float(arr(subs, "2024-03", view="contracted"))  # a's year and c's term: 1200 + 600
    1800.0
    """
    job = day_job(subscriptions, at, by, fx, "arr", _arr_result)
    if view == "contracted":
        return replace(job, partial=_contracted_partials)
    return job


def _contracted_partials(table: SubscriptionTable, plan: DayPlan) -> Partials:
    """The day's partials with only the term plans' MRR (the others' set to 0)."""
    units = np.where(term_rows(table), table.mrr_units, 0)
    return day_partials(replace(table, mrr_units=units), plan)


def _arr_result(partials: Partials, plan: DayPlan) -> MetricResult:
    cols = day_columns(plan)
    cols["arr"] = 12 * day_mrr(partials, plan) / 10.0 ** plan.digits
    cols["customers"] = partials["customers"].astype(np.int64)
    return MetricResult(cols, value="arr", title=f"ARR on {plan.day}", money=("arr",),
                        digits=plan.digits, segment=plan.seg_name)


@staged(MetricResult)
@validate_params({"freq": FREQ, "policy": POLICY, "fx": FX})
def average_selling_price(
    subscriptions: Any,
    start: PeriodLike,
    end: PeriodLike,
    *,
    by: By = None,
    freq: str | Frequency = "month",
    policy: MetricPolicy | None = None,
    fx: FxRates | None = None,
) -> Job[MetricResult]:
    """Average sale price: new MRR per new customer in each period (ChartMogul's ASP).

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscription spans.
    start, end : period or date
        The window, inclusive, as in ``mrr_movements()``.
    by : str or mapping, optional
        A column or a customer-to-segment mapping.
    freq : {"month", "quarter", "year"} or fiscal "quarter-<mon>" / "year-<mon>"
        Period length.
    policy, fx
        As in ``mrr_movements()``.

    Returns
    -------
    MetricResult
        One row per period (and segment): ``period``, ``asp`` (the value column),
        ``new_mrr`` and ``new_customers``.

    Notes
    -----
    ``asp = new_mrr / new_customers`` with both from the MRR bridge: a customer's first
    MRR seen at a period end is new (their later changes are expansion or contraction,
    and a return after churn is reactivation, so neither is in ASP). A period without a
    new customer is NaN with an ``UndefinedMetricWarning``.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> gold = [Subscription(customer_id=f"g{i}", start="2024-05-03", amount=100)
    ...         for i in range(3)]
    >>> silver = [Subscription(customer_id=f"s{i}", start="2024-05-20", amount=50)
    ...           for i in range(7)]
    >>> float(average_selling_price(gold + silver, "2024-05", "2024-05"))  # (300 + 350) / 10
    65.0
    """
    job = mrr_movements.job(subscriptions, start, end, freq=freq, by=by, policy=policy, fx=fx)
    return replace(job, finalize=partial(_asp_result, finish=job.finalize))


def _asp_result(partials: Partials, plan: Plan, finish: Any) -> MetricResult:
    bridge = finish(partials, plan)
    seg = bridge.segment_column
    cols = segment_columns(seg, None if seg is None else bridge[seg], "average_selling_price",
                           {"period": bridge["period"]})
    cols["asp"] = divide(bridge["new"], bridge["new_customers"],
                         context="average_selling_price", what="the number of new customers")
    cols["new_mrr"] = bridge["new"]
    cols["new_customers"] = bridge["new_customers"]
    return MetricResult(cols, value="asp", title=f"Average sale price ({bridge.currency})",
                        money=("asp", "new_mrr"), digits=bridge.digits, segment=seg)
