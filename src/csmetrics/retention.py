"""Deprecated: ``csmetrics.retention`` moved to ``csmetrics.revenue``; this alias goes in 0.3.

Import the same names from ``csmetrics`` or from ``csmetrics.revenue``.
"""

from csmetrics._core.warnings import warn_deprecated
from csmetrics.revenue.retention import gross_revenue_retention, net_revenue_retention, nrr_series

__all__ = [
    "gross_revenue_retention",
    "net_revenue_retention",
    "nrr_series",
]

warn_deprecated("csmetrics.retention is deprecated and will be removed in 0.3; import from "
                "csmetrics or csmetrics.revenue.")
