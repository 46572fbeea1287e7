"""Deprecated: ``csmetrics.usage_data`` moved to ``csmetrics.tables``; this alias goes in 0.3.

Import the same names from ``csmetrics`` or from ``csmetrics.tables``
(the synthetic data from ``csmetrics.datasets``).
"""

from csmetrics._core.timestamps import to_timestamps
from csmetrics._core.warnings import warn_deprecated
from csmetrics.datasets.usage import synthetic_seats, synthetic_usage, synthetic_usage_columns
from csmetrics.tables.usage import UsageEvent, UsageTable

__all__ = [
    "UsageEvent",
    "UsageTable",
    "synthetic_seats",
    "synthetic_usage",
    "synthetic_usage_columns",
    "to_timestamps",
]

warn_deprecated("csmetrics.usage_data is deprecated and will be removed in 0.3; import from "
                "csmetrics, csmetrics.tables or csmetrics.datasets.")
