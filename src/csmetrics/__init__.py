"""csmetrics: customer-success metrics for subscription businesses, exact and fast.

Typed records and validated columnar tables go in; MRR, its movements and (as the library
grows) churn, retention, NRR/GRR, CLV, NPS, CSAT, CES, utilization and health scores come
out, each with its definition stated in its docstring and in ``docs/``.
"""

from csmetrics import datasets
from csmetrics.exceptions import (
    ColumnNotFoundError,
    CSMetricsError,
    CurrencyMismatchError,
    DataValidationError,
    InvalidParameterError,
    UndefinedMetricWarning,
)
from csmetrics.periods import Frequency, Period, period_range
from csmetrics.records import Subscription
from csmetrics.results import SkippedRows, TableResult
from csmetrics.revenue import MovementDetails, MRRMovements, mrr, mrr_movements, mrr_series
from csmetrics.tables import SubscriptionTable

__version__ = "0.1.0"

__all__ = [
    "CSMetricsError",
    "ColumnNotFoundError",
    "CurrencyMismatchError",
    "DataValidationError",
    "Frequency",
    "InvalidParameterError",
    "MRRMovements",
    "MovementDetails",
    "Period",
    "SkippedRows",
    "Subscription",
    "SubscriptionTable",
    "TableResult",
    "UndefinedMetricWarning",
    "__version__",
    "datasets",
    "mrr",
    "mrr_movements",
    "mrr_series",
    "period_range",
]
