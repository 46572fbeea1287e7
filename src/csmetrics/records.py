"""Deprecated: ``csmetrics.records`` moved to ``csmetrics.tables``; this alias goes in 0.3.

Import the same names from ``csmetrics`` or from ``csmetrics.tables``.
"""

from csmetrics._core.warnings import warn_deprecated
from csmetrics.tables.subscription_record import INTERVALS, Interval, Subscription

__all__ = [
    "INTERVALS",
    "Interval",
    "Subscription",
]

warn_deprecated("csmetrics.records is deprecated and will be removed in 0.3; import from "
                "csmetrics or csmetrics.tables.")
