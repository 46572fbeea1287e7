"""The value metrics as mergeable partials (see ``csmetrics._core.partials``).

Every plan resolves ``by`` over the whole input (``value.plan``): a part maps its rows into
the plan's segment labels, so a part that lacks a segment, or holds only customers a
mapping lacks, still adds into the right cells.

**cohort_table**: the cohort cells, ``active`` (paying customers) and ``mrr`` (minor
units) per (segment, cohort, age), shaped by the plan's snapshot grid: the period ends from
the whole input's first start to ``end``, cohorts from ``start`` on (from every snapshot
when ``start`` is not given: the first cohort shown is then the first one with customers in
the combined cells).

**survival_curve**: Kaplan-Meier counts, ``churned`` (lifetimes ending in churn) and
``censored`` (still paying at ``at``) per (segment, month of lifetime), shaped by the
plan's grid of month ends from the whole input's first start to ``at``; the at-risk counts
are their reverse running sum, and the curve, Greenwood errors, log-log limits and medians
are computed in finalize.

**trial_conversion_rate**: the counts ``trials``, ``converted``, ``not_converted`` and
``pending`` per segment; and, for the per-trial detail and the median days to convert, each
trial's ``status``, ``segment``, ``trial_start``, ``trial_end`` and ``first_paid`` per
customer code (zero for customers of other parts, so these add too). Those per-customer
arrays are as long as the table's customer ids: the price of ``trials_detail``.

**average_order_value**, **purchase_frequency**, **transactional_lifetime_value**: per
segment, ``revenue_minor`` (the payments in the window summed in integer minor units),
``payments`` and ``customers`` (distinct paying (segment, customer) pairs; a customer's
payments are all in one part, so the pairs of different parts never repeat).

Every array is int64, so partitions give bit-identical results. Not here:
``customer_lifetimes`` (a list of customers, not a metric), ``lifetime_value`` (a ratio of
whole-window MRR and churn read from the revenue engine) and the formulas and the sBG model
(numbers, not tables).
"""

from __future__ import annotations

from csmetrics._core.partials import MetricParts
from csmetrics.revenue.trials import trial_conversion_rate
from csmetrics.value.cohorts import cohort_table
from csmetrics.value.survival import survival_curve
from csmetrics.value.transactional import (
    average_order_value,
    purchase_frequency,
    transactional_lifetime_value,
)

PARTS: dict[str, MetricParts] = {
    "cohort_table": MetricParts.of(cohort_table),
    "survival_curve": MetricParts.of(survival_curve),
    "trial_conversion_rate": MetricParts.of(trial_conversion_rate),
    "average_order_value": MetricParts.of(average_order_value),
    "purchase_frequency": MetricParts.of(purchase_frequency),
    "transactional_lifetime_value": MetricParts.of(transactional_lifetime_value),
}
"""Each additive value metric's prepare, partial and finalize steps, by public name."""
