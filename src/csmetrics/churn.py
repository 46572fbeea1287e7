"""Deprecated: ``csmetrics.churn`` moved to ``csmetrics.revenue``; this alias goes in 0.3.

Import the same names from ``csmetrics`` or from ``csmetrics.revenue``.
"""

from csmetrics._core.warnings import warn_deprecated
from csmetrics.revenue.churn import (
                customer_count,
                customer_retention_rate,
                logo_churn_rate,
                quick_ratio,
                revenue_churn_rate,
)

__all__ = [
    "customer_count",
    "customer_retention_rate",
    "logo_churn_rate",
    "quick_ratio",
    "revenue_churn_rate",
]

warn_deprecated("csmetrics.churn is deprecated and will be removed in 0.3; import from "
                "csmetrics or csmetrics.revenue.")
