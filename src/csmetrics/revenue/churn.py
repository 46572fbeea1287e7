"""Customer counts, logo churn and retention, revenue churn, and the quick ratio.

Windows and counting
--------------------
A rate over a window from ``start`` to ``end`` counts events at every snapshot of ``freq``
inside it (month ends by default): a customer *churns* at a snapshot where it stops being a
customer (its MRR falls to zero, or, with ``free_customers="customers"``, its last
subscription ends), and *joins* where it becomes one, as new or as a reactivation. A
customer who churns twice in the window is two churn events. ``S`` is the number of
customers at the base snapshot (the end of the period before ``start``), ``E`` at the final
one, ``C`` the churn events and ``N`` the joins (new and reactivated) in the window.

* logo churn rate = ``C / S`` (``denominator="start"``), ``C / (S + N)``
  (``"start_plus_new"``, Stripe), or ``C / ((S + E) / 2)`` (``"average"``);
* customer retention rate = ``(E - N) / S``. Because ``E = S + N - C`` exactly, this is
  ``1 - C / S``: retention and start-denominated logo churn add up to 1 (customers who came
  and went between two snapshots aside, see ``MetricPolicy.same_period_churn``);
* gross revenue churn = ``(churn + contraction) / starting MRR``; net revenue churn also
  subtracts expansion and, when the policy says so, reactivation (ChartMogul's net MRR churn);
* quick ratio = ``(new + expansion [+ reactivation]) / (churn + contraction)``.

Zero denominators give NaN with an ``UndefinedMetricWarning``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from csmetrics._core.options import BOOL, OPTIONAL_BOOL, OneOf, validate_params
from csmetrics._core.partials import Job, Partials, staged
from csmetrics._core.ratios import divide
from csmetrics._kernels import revenue as kr
from csmetrics.fx import FX, FxRates
from csmetrics.periods.calendar import FREQ, Frequency, PeriodLike
from csmetrics.policies import POLICY, ChurnDenominator, MetricPolicy, resolve
from csmetrics.results import MetricResult
from csmetrics.revenue.engine import Plan, totals, window_job
from csmetrics.revenue.mrr import DayPlan, day_columns, day_job
from csmetrics.revenue.ratios import rate_result
from csmetrics.revenue.segments import By

_NEW, _EXP, _CON, _CHURN, _REACT = (kr.NEW, kr.EXPANSION, kr.CONTRACTION, kr.CHURN,
                                    kr.REACTIVATION)


_DENOMINATOR = OneOf("start", "start_plus_new", "average")


@staged(MetricResult)
@validate_params({"policy": POLICY})
def customer_count(subscriptions: Any, at: PeriodLike, *, by: By = None,
                   policy: MetricPolicy | None = None) -> Job[MetricResult]:
    """Number of customers on a day (or at a period's last day).

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
    at : period or date
    by : str or mapping, optional
        ``None`` (the portfolio), a column or a customer-to-segment mapping.
    policy : MetricPolicy, optional
        ``free_customers`` decides whether a $0 account is a customer.

    Returns
    -------
    MetricResult
        Value column ``customers``.

    Notes
    -----
    A customer is an account with MRR > 0 on the day; with
    ``policy.free_customers == "customers"``, any account with an active subscription,
    free or not.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [Subscription(customer_id="a", start="2024-01-01", amount=10),
    ...         Subscription(customer_id="b", start="2024-01-01", amount=10, discount=1)]
    >>> int(customer_count(subs, "2024-01"))
    1
    >>> int(customer_count(subs, "2024-01", policy=MetricPolicy(free_customers="customers")))
    2
    """
    free = resolve(policy).free_customers == "customers"
    return day_job(subscriptions, at, by, None, "customer_count", partial(_count, free),
                   money=False)


def _count(free: bool, partials: Partials, plan: DayPlan) -> MetricResult:
    cols = day_columns(plan)
    cols["customers"] = partials["accounts" if free else "customers"].astype(np.int64)
    return MetricResult(cols, value="customers", title=f"Customers on {plan.day}",
                        segment=plan.seg_name)


def _window(subscriptions: Any, start: PeriodLike, end: PeriodLike, freq: str | Frequency,
            by: By, policy: MetricPolicy | None, context: str,
            finish: Callable[[Partials, Plan], MetricResult], fx: FxRates | None = None,
            transients: bool | None = None, money: bool = True) -> Job[MetricResult]:
    pol = resolve(policy)
    if transients is not None:
        pol = pol.model_copy(update={"same_period_churn": transients and pol.same_period_churn})
    return window_job(subscriptions, start, end, freq=freq, by=by, policy=pol, fx=fx,
                      context=context, money=money, finish=finish)


@staged(MetricResult)
@validate_params({"denominator": _DENOMINATOR, "freq": FREQ, "policy": POLICY})
def logo_churn_rate(
    subscriptions: Any,
    start: PeriodLike,
    end: PeriodLike,
    *,
    denominator: ChurnDenominator | None = None,
    by: By = None,
    freq: str | Frequency = "month",
    policy: MetricPolicy | None = None,
) -> Job[MetricResult]:
    """Share of customers lost over a window (logo or customer churn rate), as a fraction.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
        The subscription spans.
    start, end : period or date
        The window, inclusive (see ``docs/definitions.md``, "Windows").
    denominator : {"start", "start_plus_new", "average"}, optional
        ``C / S``, ``C / (S + N)`` or ``C / ((S + E) / 2)`` (see the module documentation);
        default: the policy's ``churn_denominator`` ("start").
    by : str or mapping, optional
        Split by a column or a customer-to-segment mapping.
    freq : str, default "month"
        Snapshots at which churn is recognised inside the window.
    policy : MetricPolicy, optional
        Free customers, same-period churners, reactivation window.

    Returns
    -------
    MetricResult
        Value column ``logo_churn_rate``, with its parts ``churned`` and ``denominator``.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [Subscription(customer_id=c, start="2023-12-01", amount=10,
    ...                      end="2024-01-20" if c in "ab" else None) for c in "abcdefghij"]
    >>> logo_churn_rate(subs, "2024-01", "2024-01")     # 2 of the 10 December customers
    MetricResult(logo_churn_rate=0.2)
    """
    return _window(subscriptions, start, end, freq, by, policy, "logo_churn_rate",
                   partial(_logo_churn, denominator), money=False)


def _logo_churn(denominator: ChurnDenominator | None, partials: Partials, plan: Plan
                ) -> MetricResult:
    r = totals(partials, plan)
    mode = denominator or plan.policy.churn_denominator
    b = r.bridge
    churned = b.counts[_CHURN].sum(axis=1)
    joined = (b.counts[_NEW] + b.counts[_REACT]).sum(axis=1)
    start_n, end_n = b.starting_count, b.ending_count[:, -1]
    if mode == "start":
        den = start_n.astype(np.float64)
    elif mode == "start_plus_new":
        den = (start_n + joined).astype(np.float64)
    else:  # "average"
        den = (start_n + end_n) / 2.0
    values = divide(churned, den, context="logo_churn_rate", what=f"the {mode} customer count")
    return rate_result(r.seg, values, {"churned": churned, "denominator": den},
                       name="logo_churn_rate", title=f"Logo churn rate ({mode})")


@staged(MetricResult)
@validate_params({"freq": FREQ, "policy": POLICY})
def customer_retention_rate(
    subscriptions: Any,
    start: PeriodLike,
    end: PeriodLike,
    *,
    by: By = None,
    freq: str | Frequency = "month",
    policy: MetricPolicy | None = None,
) -> Job[MetricResult]:
    """Customer retention rate ``(E - N) / S`` over a window, as a fraction.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
    start, end : period or date
        The window, inclusive.
    by : str or mapping, optional
        ``None`` (the portfolio), a column or a customer-to-segment mapping.
    freq : str, default "month"
        Snapshots at which changes are recognised inside the window.
    policy : MetricPolicy, optional
        Free customers, same-period churners, reactivation.

    Returns
    -------
    MetricResult
        Value column ``customer_retention_rate``, with ``retained`` and
        ``starting_customers``.

    Notes
    -----
    ``S`` customers at the base snapshot, ``E`` at the final one, ``N`` customers who joined
    in the window (new and reactivated). Since ``E = S + N - C``, this equals
    ``1 - logo_churn_rate(..., denominator="start")`` when same-period churners are not
    counted; it does not count customers who came and went between snapshots at all.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [Subscription(customer_id="a", start="2023-12-01", amount=10),
    ...         Subscription(customer_id="b", start="2023-12-01", end="2024-02-10", amount=10),
    ...         Subscription(customer_id="c", start="2024-02-01", amount=10)]
    >>> float(customer_retention_rate(subs, "2024-01", "2024-03"))   # (2 - 1) / 2
    0.5
    """
    return _window(subscriptions, start, end, freq, by, policy, "customer_retention_rate",
                   _retention_rate, transients=False, money=False)


def _retention_rate(partials: Partials, plan: Plan) -> MetricResult:
    r = totals(partials, plan)
    b = r.bridge
    joined = (b.counts[_NEW] + b.counts[_REACT]).sum(axis=1)
    retained = b.ending_count[:, -1] - joined
    values = divide(retained, b.starting_count, context="customer_retention_rate",
                    what="the starting customer count")
    return rate_result(r.seg, values, {"retained": retained,
                                       "starting_customers": b.starting_count},
                       name="customer_retention_rate", title="Customer retention rate")


@staged(MetricResult)
@validate_params({"freq": FREQ, "policy": POLICY, "fx": FX, "net": BOOL})
def revenue_churn_rate(
    subscriptions: Any,
    start: PeriodLike,
    end: PeriodLike,
    *,
    net: bool = False,
    by: By = None,
    freq: str | Frequency = "month",
    policy: MetricPolicy | None = None,
    fx: FxRates | None = None,
) -> Job[MetricResult]:
    """MRR churn rate over a window, as a fraction of the starting MRR.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
    start, end : period or date
        The window, inclusive.
    by : str or mapping, optional
        ``None`` (the portfolio), a column or a customer-to-segment mapping.
    freq : str, default "month"
        Snapshots at which changes are recognised inside the window.
    policy : MetricPolicy, optional
        Free customers, same-period churners, reactivation.
    net : bool, default False
        Gross churn, or net churn (expansion, and reactivation when the policy says so,
        offset the losses).
    fx : FxRates, optional
        Exchange rates into a reporting currency.

    Returns
    -------
    MetricResult
        Value column ``revenue_churn_rate``, with ``lost_mrr`` and ``starting_mrr``.

    Notes
    -----
    Gross: ``(churn + contraction) / starting MRR``. Net (``net=True``): ``(churn +
    contraction - expansion - reactivation) / starting MRR``, with reactivation only when
    ``policy.reactivation_offsets_net_churn`` (ChartMogul's net MRR churn includes it); net
    churn below zero means expansion outgrew losses.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> # ChartMogul Help, "Metric: MRR Churn Rate": $100 at the start, $10 churn, $10
    >>> # contraction, $10 expansion: gross 20%, net 10%.
    >>> subs = [
    ...     Subscription(customer_id="a", start="2023-12-01", end="2024-01-15", amount=10),
    ...     Subscription(customer_id="b", start="2023-12-01", end="2024-01-15", amount=20,
    ...                  subscription_id="b"),
    ...     Subscription(customer_id="b", start="2024-01-15", amount=10, subscription_id="b"),
    ...     Subscription(customer_id="c", start="2023-12-01", end="2024-01-15", amount=70,
    ...                  subscription_id="c"),
    ...     Subscription(customer_id="c", start="2024-01-15", amount=80, subscription_id="c"),
    ... ]
    >>> float(revenue_churn_rate(subs, "2024-01", "2024-01")), float(revenue_churn_rate(
    ...     subs, "2024-01", "2024-01", net=True))
    (0.2, 0.1)
    """
    return _window(subscriptions, start, end, freq, by, policy, "revenue_churn_rate",
                   partial(_revenue_churn, net), fx)


def _revenue_churn(net: bool, partials: Partials, plan: Plan) -> MetricResult:
    r = totals(partials, plan)
    a = r.bridge.amounts.sum(axis=2)
    lost = a[_CHURN] + a[_CON]
    if net:
        lost = lost - a[_EXP] - (a[_REACT] if plan.policy.reactivation_offsets_net_churn
                                 else 0)
    values = divide(lost, r.bridge.starting, context="revenue_churn_rate",
                    what="the starting MRR")
    scale = r.scale
    return rate_result(r.seg, values, {"lost_mrr": lost / scale,
                                       "starting_mrr": r.bridge.starting / scale},
                       name="revenue_churn_rate",
                       title=f"{'Net' if net else 'Gross'} revenue churn rate",
                       money=("lost_mrr", "starting_mrr"), digits=r.digits)


@staged(MetricResult)
@validate_params({"freq": FREQ, "policy": POLICY, "fx": FX,
                  "include_reactivation": OPTIONAL_BOOL})
def quick_ratio(
    subscriptions: Any,
    start: PeriodLike,
    end: PeriodLike,
    *,
    include_reactivation: bool | None = None,
    by: By = None,
    freq: str | Frequency = "month",
    policy: MetricPolicy | None = None,
    fx: FxRates | None = None,
) -> Job[MetricResult]:
    """SaaS quick ratio: MRR gained over MRR lost in a window.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns
    start, end : period or date
        The window, inclusive.
    by : str or mapping, optional
        ``None`` (the portfolio), a column or a customer-to-segment mapping.
    freq : str, default "month"
        Snapshots at which changes are recognised inside the window.
    policy : MetricPolicy, optional
        Free customers, same-period churners, reactivation.
    include_reactivation : bool, optional
        Whether reactivation MRR is a gain (default: the policy's, True; Baremetrics: no).
    fx : FxRates, optional
        Exchange rates into a reporting currency.

    Returns
    -------
    MetricResult
        Value column ``quick_ratio``, with ``gained_mrr`` and ``lost_mrr``.

    Notes
    -----
    ``(new + expansion + reactivation) / (churn + contraction)``. Over 1 the business
    grows; no losses give NaN with a warning.

    Examples
    --------
    >>> from csmetrics import Subscription
    >>> subs = [Subscription(customer_id="a", start="2023-12-01", end="2024-01-10", amount=10),
    ...         Subscription(customer_id="b", start="2024-01-05", amount=40)]
    >>> float(quick_ratio(subs, "2024-01", "2024-01"))
    4.0
    """
    return _window(subscriptions, start, end, freq, by, policy, "quick_ratio",
                   partial(_quick_ratio, include_reactivation), fx)


def _quick_ratio(include_reactivation: bool | None, partials: Partials, plan: Plan
                 ) -> MetricResult:
    r = totals(partials, plan)
    with_react = (plan.policy.quick_ratio_includes_reactivation if include_reactivation is None
                  else include_reactivation)
    a = r.bridge.amounts.sum(axis=2)
    gained = a[_NEW] + a[_EXP] + (a[_REACT] if with_react else 0)
    lost = a[_CHURN] + a[_CON]
    values = divide(gained, lost, context="quick_ratio", what="lost MRR (churn + contraction)")
    scale = r.scale
    return rate_result(r.seg, values, {"gained_mrr": gained / scale,
                                       "lost_mrr": lost / scale},
                       name="quick_ratio", title="Quick ratio",
                       money=("gained_mrr", "lost_mrr"), digits=r.digits)

