"""Deprecated: ``csmetrics.payments`` moved to ``csmetrics.value``; this alias goes in 0.3.

Import the same names from ``csmetrics`` or from ``csmetrics.value``.
"""

from csmetrics._core.warnings import warn_deprecated
from csmetrics.tables.payments import Payment, PaymentTable
from csmetrics.value.transactional import (
                average_order_value,
                purchase_frequency,
                transactional_lifetime_value,
)

__all__ = [
    "Payment",
    "PaymentTable",
    "average_order_value",
    "purchase_frequency",
    "transactional_lifetime_value",
]

warn_deprecated("csmetrics.payments is deprecated and will be removed in 0.3; import from "
                "csmetrics or csmetrics.value.")
