"""Deprecated: ``csmetrics.cohorts`` moved to ``csmetrics.value``; this alias goes in 0.3.

Import the same names from ``csmetrics`` or from ``csmetrics.value``.
"""

from csmetrics._core.warnings import warn_deprecated
from csmetrics.value.cohorts import CohortTable, cohort_table
from csmetrics.value.survival import SurvivalCurve, customer_lifetimes, kaplan_meier, survival_curve

__all__ = [
    "CohortTable",
    "SurvivalCurve",
    "cohort_table",
    "customer_lifetimes",
    "kaplan_meier",
    "survival_curve",
]

warn_deprecated("csmetrics.cohorts is deprecated and will be removed in 0.3; import from "
                "csmetrics or csmetrics.value.")
