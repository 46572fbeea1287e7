"""Deprecated: ``csmetrics.signals`` moved to ``csmetrics.health``; this alias goes in 0.3.

Import the same names from ``csmetrics`` or from ``csmetrics.health``.
"""

from csmetrics._core.warnings import warn_deprecated
from csmetrics.health.signals import account_signals, standard_scorecard

__all__ = [
    "account_signals",
    "standard_scorecard",
]

warn_deprecated("csmetrics.signals is deprecated and will be removed in 0.3; import from "
                "csmetrics or csmetrics.health.")
