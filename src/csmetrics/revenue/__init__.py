"""Revenue metrics: MRR and its movements (split by product), ARR, churn (by reason
and type), retention (NRR, GRR), renewals and trial conversion.

Every metric here reads subscription spans and shares one bridge engine
(``csmetrics.revenue.engine``): the change points of each customer's MRR between
consecutive snapshots.
"""

from csmetrics.revenue.arr import arr, average_selling_price
from csmetrics.revenue.breakdown import ChurnBreakdown, churn_breakdown
from csmetrics.revenue.churn import (
    customer_count,
    customer_retention_rate,
    logo_churn_rate,
    quick_ratio,
    revenue_churn_rate,
)
from csmetrics.revenue.movements import (
    MovementDetails,
    MRRMovements,
    MRRSeries,
    mrr_movements,
    mrr_series,
)
from csmetrics.revenue.mrr import arpa, mrr
from csmetrics.revenue.products import ProductMovements, product_movements
from csmetrics.revenue.renewals import RenewalCalendar, renewals
from csmetrics.revenue.retention import (
    RetentionSeries,
    gross_revenue_retention,
    net_revenue_retention,
    nrr_series,
)
from csmetrics.revenue.trials import TrialConversion, trial_conversion_rate

__all__ = [
    "ChurnBreakdown",
    "MRRMovements",
    "MRRSeries",
    "MovementDetails",
    "ProductMovements",
    "RenewalCalendar",
    "RetentionSeries",
    "TrialConversion",
    "arpa",
    "arr",
    "average_selling_price",
    "churn_breakdown",
    "customer_count",
    "customer_retention_rate",
    "gross_revenue_retention",
    "logo_churn_rate",
    "mrr",
    "mrr_movements",
    "mrr_series",
    "net_revenue_retention",
    "nrr_series",
    "product_movements",
    "quick_ratio",
    "renewals",
    "revenue_churn_rate",
    "trial_conversion_rate",
]
