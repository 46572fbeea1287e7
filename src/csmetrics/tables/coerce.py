"""A validated table from whatever the user passed: a table, a list of records, or columns.

Every metric accepts its data in any of these forms and calls the one function here, so every
input path builds the same table through the same checks.
"""

from __future__ import annotations

from typing import Any, TypeVar

from csmetrics.tables.payments import PaymentTable
from csmetrics.tables.subscriptions import SubscriptionTable
from csmetrics.tables.surveys import SurveyTable
from csmetrics.tables.tickets import SupportTicketTable
from csmetrics.tables.usage import UsageTable

_T = TypeVar("_T", SubscriptionTable, SurveyTable, UsageTable, SupportTicketTable, PaymentTable)


def coerce(kind: type[_T], data: Any, context: str) -> _T:
    """``data`` as a ``kind`` table: a table as it is, records through ``from_records``,
    anything else (a mapping of columns, a DataFrame, an Arrow table) through
    ``from_columns``; errors name ``context``."""
    if isinstance(data, kind):
        return data
    if isinstance(data, list | tuple):
        return kind.from_records(data)
    return kind.from_columns(data, _context=context)


def as_table(subscriptions: Any, context: str) -> SubscriptionTable:
    """Subscriptions as a :class:`SubscriptionTable`."""
    return coerce(SubscriptionTable, subscriptions, context)


def as_surveys(surveys: Any, context: str = "surveys") -> SurveyTable:
    """Survey responses as a :class:`SurveyTable`."""
    return coerce(SurveyTable, surveys, context)


def as_usage(usage: Any, context: str = "usage") -> UsageTable:
    """Usage events as a :class:`UsageTable`."""
    return coerce(UsageTable, usage, context)


def as_tickets(tickets: Any, context: str = "tickets") -> SupportTicketTable:
    """Support tickets as a :class:`SupportTicketTable`."""
    return coerce(SupportTicketTable, tickets, context)


def as_payments(payments: Any, context: str = "payments") -> PaymentTable:
    """Payments as a :class:`PaymentTable`."""
    return coerce(PaymentTable, payments, context)
