"""The revenue metrics as mergeable partials (see ``csmetrics._core.partials``).

* Window metrics (``mrr_movements``, ``mrr_series``, the churn rates, ``quick_ratio``, the
  bridge method of NRR and GRR): the bridge per segment (with ``fx``: per segment and
  currency, in that currency) and period: starting and ending MRR in minor units, each
  movement's cents and customers, starting and ending customers; with ``fx`` also the
  constant-currency bridge of the customers. Rates, the conversion and the fx line are made
  once, from the combined bridge.
* ``churn_breakdown``: churned cents and churn events per segment, period and churn reason
  (and per churn type); ``product_movements``: the bridge, and the upsell, cross-sell,
  downsell and removal cents and customers per segment and period.
* Cohort NRR and GRR and ``nrr_series``: per window and segment, the cohort's starting MRR
  and its retained MRR, net and gross.
* ``mrr``, ``arpa``, ``customer_count``, ``arr``: per segment on the day, MRR in minor units
  (per currency with ``fx``), paying customers and accounts with an active span.
* ``average_selling_price``: the bridge, as ``mrr_movements``.
* ``renewals``: per month, segment and health band, the renewals due, their customers, and
  the ARR before and after by outcome.

The plan holds the snapshot grid with the history before it (from the first start in the
whole table), the segments' labels and currency digits, the policy and the rates. A
bridge's ``details()`` lists customers, so it is read from the whole table, on request.
"""

from __future__ import annotations

from csmetrics._core.partials import MetricParts
from csmetrics.revenue.arr import arr, average_selling_price
from csmetrics.revenue.breakdown import churn_breakdown
from csmetrics.revenue.churn import (
    customer_count,
    customer_retention_rate,
    logo_churn_rate,
    quick_ratio,
    revenue_churn_rate,
)
from csmetrics.revenue.movements import mrr_movements, mrr_series
from csmetrics.revenue.mrr import arpa, mrr
from csmetrics.revenue.products import product_movements
from csmetrics.revenue.renewals import renewals
from csmetrics.revenue.retention import (
    gross_revenue_retention,
    net_revenue_retention,
    nrr_series,
)

PARTS: dict[str, MetricParts] = {
    metric.__name__: MetricParts.of(metric) for metric in (
        mrr, arpa, customer_count, mrr_series, mrr_movements, logo_churn_rate,
        customer_retention_rate, revenue_churn_rate, quick_ratio, net_revenue_retention,
        gross_revenue_retention, nrr_series, arr, average_selling_price, renewals,
        churn_breakdown, product_movements)}
"""Each additive revenue metric's prepare, partial and finalize steps, by public name."""
