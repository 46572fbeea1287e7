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
from csmetrics.exceptions import (
    ColumnNotFoundError,
    CSMetricsError,
    CurrencyMismatchError,
    DataValidationError,
    InvalidParameterError,
    UndefinedMetricWarning,
)
from csmetrics.fx import FxRates
from csmetrics.periods import Frequency, Period, period_range
from csmetrics.policies import MetricPolicy
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
from csmetrics.tables import SubscriptionTable

__version__ = "0.1.0"

__all__ = [
    "CSMetricsError",
    "ColumnNotFoundError",
    "CurrencyMismatchError",
    "DataValidationError",
    "Frequency",
    "FxRates",
    "InvalidParameterError",
    "MRRMovements",
    "MetricPolicy",
    "MovementDetails",
    "Period",
    "SkippedRows",
    "Subscription",
    "SubscriptionTable",
    "TableResult",
    "UndefinedMetricWarning",
    "__version__",
    "arpa",
    "customer_count",
    "customer_retention_rate",
    "datasets",
    "gross_revenue_retention",
    "logo_churn_rate",
    "mrr",
    "mrr_movements",
    "mrr_series",
    "net_revenue_retention",
    "nrr_series",
    "period_range",
    "quick_ratio",
    "revenue_churn_rate",
]
