"""Deprecated: ``csmetrics.sbg`` moved to ``csmetrics.value``; this alias goes in 0.3.

Import the same names from ``csmetrics`` or from ``csmetrics.value``.
"""

from csmetrics._core.warnings import warn_deprecated
from csmetrics.value.sbg import ShiftedBetaGeometric

__all__ = [
    "ShiftedBetaGeometric",
]

warn_deprecated("csmetrics.sbg is deprecated and will be removed in 0.3; import from "
                "csmetrics or csmetrics.value.")
