"""Customer value: cohorts, survival, lifetime value, transactional value and the sBG model."""

from csmetrics.value.cohorts import CohortTable, cohort_table
from csmetrics.value.formulas import cac_payback_months, customer_lifetime_value, ltv_to_cac
from csmetrics.value.lifetime import LifetimeValue, lifetime_value
from csmetrics.value.logrank import LogRankTest, logrank, logrank_test
from csmetrics.value.sbg import ShiftedBetaGeometric
from csmetrics.value.survival import SurvivalCurve, customer_lifetimes, kaplan_meier, survival_curve
from csmetrics.value.transactional import (
    average_order_value,
    purchase_frequency,
    transactional_lifetime_value,
)

__all__ = [
    "CohortTable",
    "LifetimeValue",
    "LogRankTest",
    "ShiftedBetaGeometric",
    "SurvivalCurve",
    "average_order_value",
    "cac_payback_months",
    "cohort_table",
    "customer_lifetime_value",
    "customer_lifetimes",
    "kaplan_meier",
    "lifetime_value",
    "logrank",
    "logrank_test",
    "ltv_to_cac",
    "purchase_frequency",
    "survival_curve",
    "transactional_lifetime_value",
]
