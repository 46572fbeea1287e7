"""Validated, frozen, columnar tables and their records: the form every metric reads.

One module per entity, each holding its record (a pydantic model, the friendly door for small
inputs) and its table (read-only numpy columns, the door at portfolio scale), all on the one
``ColumnTable`` template.
"""

from csmetrics.tables.payments import Payment, PaymentTable
from csmetrics.tables.subscriptions import INTERVALS, Interval, Subscription, SubscriptionTable
from csmetrics.tables.surveys import SCALES, SurveyResponse, SurveyScale, SurveyTable
from csmetrics.tables.tickets import SupportTicket, SupportTicketTable
from csmetrics.tables.usage import UsageEvent, UsageTable

__all__ = [
    "INTERVALS",
    "SCALES",
    "Interval",
    "Payment",
    "PaymentTable",
    "Subscription",
    "SubscriptionTable",
    "SupportTicket",
    "SupportTicketTable",
    "SurveyResponse",
    "SurveyScale",
    "SurveyTable",
    "UsageEvent",
    "UsageTable",
]
