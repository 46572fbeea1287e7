"""Metric policies: the choices that make subscription-analytics vendors disagree.

Two tools given the same subscriptions report different churn because they answer a handful
of questions differently. A ``MetricPolicy`` states every answer explicitly; the named
presets reproduce what each vendor documents. Every churn, retention and movement function
takes ``policy=`` (default: ``MetricPolicy()``).

Sources of the presets (vendor help pages, as published):

* ChartMogul: "Metric: MRR Churn Rate" and "Chart: Net MRR Churn Rate" (net MRR churn offsets
  churn and contraction by expansion *and reactivation*); "MRR movements" (a return of a
  former paying customer is a reactivation, whenever it happens); "Cohort: Net MRR Retention"
  ("MRR gained due to expansion and reactivation positively impacts the MRR retention
  rate"); "Configuring Subscription Analytics settings" (Free Customer Handling: by default a
  paying customer who moves to a free plan or a 100% discount stays Active and out of the
  customer churn rate); customer churn rate is churned customers over customers at the start
  of the period.
* Stripe: "Calculating churn rate in Billing": churned subscribers in the period over active
  subscribers at its start *plus new subscribers*; a subscriber who starts and churns within
  the period is in both; churn is going from non-zero MRR to zero MRR, and free plans are not
  in MRR.
* Baremetrics: "User and Revenue Churn" (churned customers over customers 30 days ago); its
  changelog: customers who sign up and cancel within the same window are included in churn;
  "Quick Ratio = (New MRR + Expansion MRR) / (Contraction MRR + Churned MRR)", without
  reactivation; its NRR, 1 - (churned - expansion) / starting MRR, has no reactivation term.
* ProfitWell (Paddle): "Are cancellations in the first month counted as churn?": customers
  who are new and churn in the same month are not counted as churned; "Why are my metrics
  different than Chargify": a customer who returns at any time is a reactivation.
* Maxio (Chargify): its own help page "Churn Analytics" gives the subscriber churn rate as
  churned subscribers over subscribers at the start of the period and a net MRR churn that
  counts expansion and reactivation (the defaults here). The two rules that set the preset
  apart, a return within 90 days is a reactivation (later it is new) and a sign-up and
  cancellation in one month count in both new and churn, are **second-hand**: they come from
  ProfitWell's comparison page "Why are my metrics in ProfitWell different than Chargify?";
  no page of Maxio's or Chargify's own states them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from csmetrics._core.models import OptionModel
from csmetrics._core.options import InstanceOf

__all__ = ["ChurnDenominator", "MetricPolicy"]

ChurnDenominator = Literal["start", "start_plus_new", "average"]


class MetricPolicy(OptionModel):
    """How churn, reactivation and free customers are recognised.

    Parameters
    ----------
    reactivation_window_days : int or None, default None
        A former customer who returns is a *reactivation* when the return is recorded at most
        this many days after the churn (measured between the two snapshots that record
        them); later returns are *new*. ``None``: a return is a reactivation however late.
    free_customers : {"churned", "customers"}, default "churned"
        Whether an account with active subscriptions but zero MRR (free plan, 100% discount)
        is a customer. ``"churned"``: it is not, so moving to $0 is churn. ``"customers"``:
        it still is, so moving to $0 is contraction and its logo is retained.
    same_period_churn : bool, default False
        Whether customers who start and stop between two snapshots (never seen at a period
        end) count, as a start and a churn of their peak MRR in that period. They leave
        every MRR level unchanged, so bridges still close.
    churn_denominator : {"start", "start_plus_new", "average"}, default "start"
        Default denominator of ``csmetrics.logo_churn_rate()``.
    reactivation_offsets_net_churn : bool, default True
        Whether reactivation MRR offsets churn in net revenue churn.
    quick_ratio_includes_reactivation : bool, default True
        Whether reactivation MRR is a gain in the quick ratio.
    returning_revenue_in_nrr : bool, default True
        Cohort NRR and GRR: whether a starting customer who churned during the window and
        came back by its end counts with its ending MRR (True) or as lost (False).

    Examples
    --------
    >>> MetricPolicy.stripe().churn_denominator
    'start_plus_new'
    >>> MetricPolicy(reactivation_window_days=90).reactivation_window_days
    90
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    reactivation_window_days: int | None = Field(default=None, ge=0)
    free_customers: Literal["churned", "customers"] = "churned"
    same_period_churn: bool = False
    churn_denominator: ChurnDenominator = "start"
    reactivation_offsets_net_churn: bool = True
    quick_ratio_includes_reactivation: bool = True
    returning_revenue_in_nrr: bool = True

    @classmethod
    def chartmogul(cls) -> MetricPolicy:
        """ChartMogul: reactivation at any time, in net MRR churn and in NRR; same-period
        churners counted; a paying customer who moves to free stays a customer."""
        return cls(same_period_churn=True, free_customers="customers")

    @classmethod
    def stripe(cls) -> MetricPolicy:
        """Stripe Billing: churn over start plus new; same-period churners in both."""
        return cls(same_period_churn=True, churn_denominator="start_plus_new")

    @classmethod
    def baremetrics(cls) -> MetricPolicy:
        """Baremetrics: same-window churners counted; reactivation in neither the quick ratio
        nor NRR nor net churn."""
        return cls(same_period_churn=True, reactivation_offsets_net_churn=False,
                   quick_ratio_includes_reactivation=False, returning_revenue_in_nrr=False)

    @classmethod
    def profitwell(cls) -> MetricPolicy:
        """ProfitWell (Paddle): customers new and churned in one month are ignored."""
        return cls(same_period_churn=False)

    @classmethod
    def maxio(cls) -> MetricPolicy:
        """Maxio (Chargify): a return within 90 days is a reactivation, later it is new
        (second-hand: from ProfitWell's comparison page, see the module documentation)."""
        return cls(reactivation_window_days=90, same_period_churn=True)


POLICY = InstanceOf((MetricPolicy,), optional=True, what="a MetricPolicy")
"""The ``policy=`` option."""


def resolve(policy: MetricPolicy | None) -> MetricPolicy:
    """The policy to use: the given one or the default."""
    return MetricPolicy() if policy is None else policy
