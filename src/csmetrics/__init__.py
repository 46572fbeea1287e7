"""csmetrics: customer-success metrics for subscription businesses, exact and fast.

Typed records and validated columnar tables go in; MRR, its movements and (as the library
grows) churn, retention, NRR/GRR, CLV, NPS, CSAT, CES, utilization and health scores come
out, each with its definition stated in its docstring and in ``docs/``.
"""

from csmetrics import datasets
from csmetrics.churn import (
    customer_count,
    customer_retention_rate,
    logo_churn_rate,
    quick_ratio,
    revenue_churn_rate,
)
from csmetrics.cohorts import (
    CohortTable,
    SurvivalCurve,
    cohort_table,
    customer_lifetimes,
    kaplan_meier,
    survival_curve,
)
from csmetrics.exceptions import (
    AccountNotFoundError,
    ColumnNotFoundError,
    CSMetricsError,
    CurrencyMismatchError,
    DataValidationError,
    InvalidParameterError,
    UndefinedMetricWarning,
)
from csmetrics.fx import FxRates
from csmetrics.health import (
    AtRiskAccounts,
    Band,
    HealthScorecard,
    HealthScores,
    HealthTrend,
    Linear,
    Measure,
    MissingPolicy,
    NamedBands,
    ScoreExplanation,
    Steps,
    at_risk,
    health_rollup,
    health_trend,
)
from csmetrics.io import read_subscriptions_csv, read_surveys_csv
from csmetrics.payments import (
    Payment,
    PaymentTable,
    average_order_value,
    purchase_frequency,
    transactional_lifetime_value,
)
from csmetrics.periods import Frequency, Period, period_range
from csmetrics.policies import MetricPolicy
from csmetrics.portfolio import Portfolio, PortfolioReport
from csmetrics.records import Subscription
from csmetrics.results import SkippedRows, TableResult
from csmetrics.retention import gross_revenue_retention, net_revenue_retention, nrr_series
from csmetrics.revenue import (
    MovementDetails,
    MRRMovements,
    arpa,
    mrr,
    mrr_movements,
    mrr_series,
)
from csmetrics.sbg import ShiftedBetaGeometric
from csmetrics.survey_data import SurveyResponse, SurveyScale, SurveyTable
from csmetrics.surveys import (
    Comparison,
    CustomerEffortScore,
    CustomerSatisfactionScore,
    NetPromoterScore,
    SurveyEstimate,
    SurveyTrend,
    compare_means,
    compare_nps,
    compare_proportions,
    compare_to_benchmark,
    customer_effort_score,
    customer_satisfaction_score,
    net_promoter_score,
    nps_sample_size,
    survey_trend,
)
from csmetrics.tables import SubscriptionTable
from csmetrics.value import (
    LifetimeValue,
    cac_payback_months,
    customer_lifetime_value,
    lifetime_value,
    ltv_to_cac,
)

__version__ = "0.1.0"

__all__ = [
    "AccountNotFoundError",
    "AtRiskAccounts",
    "Band",
    "CSMetricsError",
    "CohortTable",
    "ColumnNotFoundError",
    "Comparison",
    "CurrencyMismatchError",
    "CustomerEffortScore",
    "CustomerSatisfactionScore",
    "DataValidationError",
    "Frequency",
    "FxRates",
    "HealthScorecard",
    "HealthScores",
    "HealthTrend",
    "InvalidParameterError",
    "LifetimeValue",
    "Linear",
    "MRRMovements",
    "Measure",
    "MetricPolicy",
    "MissingPolicy",
    "MovementDetails",
    "NamedBands",
    "NetPromoterScore",
    "Payment",
    "PaymentTable",
    "Period",
    "Portfolio",
    "PortfolioReport",
    "ScoreExplanation",
    "ShiftedBetaGeometric",
    "SkippedRows",
    "Steps",
    "Subscription",
    "SubscriptionTable",
    "SurveyEstimate",
    "SurveyResponse",
    "SurveyScale",
    "SurveyTable",
    "SurveyTrend",
    "SurvivalCurve",
    "TableResult",
    "UndefinedMetricWarning",
    "__version__",
    "arpa",
    "at_risk",
    "average_order_value",
    "cac_payback_months",
    "cohort_table",
    "compare_means",
    "compare_nps",
    "compare_proportions",
    "compare_to_benchmark",
    "customer_count",
    "customer_effort_score",
    "customer_lifetime_value",
    "customer_lifetimes",
    "customer_retention_rate",
    "customer_satisfaction_score",
    "datasets",
    "gross_revenue_retention",
    "health_rollup",
    "health_trend",
    "kaplan_meier",
    "lifetime_value",
    "logo_churn_rate",
    "ltv_to_cac",
    "mrr",
    "mrr_movements",
    "mrr_series",
    "net_promoter_score",
    "net_revenue_retention",
    "nps_sample_size",
    "nrr_series",
    "period_range",
    "purchase_frequency",
    "quick_ratio",
    "read_subscriptions_csv",
    "read_surveys_csv",
    "revenue_churn_rate",
    "survey_trend",
    "survival_curve",
    "transactional_lifetime_value",
]
