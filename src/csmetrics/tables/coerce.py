"""A validated table from whatever the user passed: a table, a list of records, or columns.

Every metric accepts its data in any of these forms and calls the one function here, so every
input path builds the same table through the same checks.
"""

from __future__ import annotations

from typing import Any, TypeVar

from csmetrics._core.checks import ErrorMode
from csmetrics.tables.payments import PaymentTable
from csmetrics.tables.subscriptions import SubscriptionTable
from csmetrics.tables.surveys import SurveyTable
from csmetrics.tables.tickets import SupportTicketTable
from csmetrics.tables.usage import UsageTable

_T = TypeVar("_T", SubscriptionTable, SurveyTable, UsageTable, SupportTicketTable, PaymentTable)


def coerce(kind: type[_T], data: Any, context: str, *, by: object = None,
           errors: ErrorMode = "raise") -> _T:
    """``data`` as a ``kind`` table: a table as it is, records through ``from_records``,
    anything else (a mapping of columns, a DataFrame, an Arrow table) through
    ``from_columns``; errors name ``context``, and ``errors="skip"`` skips bad rows of the
    table built here (a table passed in is already checked).

    When ``by`` names a column of raw input that is not one of the table's fields (a
    ``"region"`` column of a DataFrame), the table keeps it as a segment, so ``by=`` can
    split by any column of the input.
    """
    if isinstance(data, kind):
        return data
    if isinstance(data, list | tuple):
        return kind.from_records(data, errors=errors)
    keep = [by] if isinstance(by, str) and by not in _FIELD_SEGMENTS[kind] else []
    return kind.from_columns(data, segments=keep, errors=errors, _context=context)


_FIELD_SEGMENTS: dict[type, frozenset[str]] = {
    SubscriptionTable: frozenset(("customer_id", "subscription_id", "plan", "currency",
                                  "interval", "churn_reason", "churn_type", "product")),
    SurveyTable: frozenset(SurveyTable._CODED),
    UsageTable: frozenset(UsageTable._CODED),
    SupportTicketTable: frozenset(SupportTicketTable._CODED),
    PaymentTable: frozenset(PaymentTable._CODED),
}


def as_table(subscriptions: Any, context: str, *, by: object = None) -> SubscriptionTable:
    """Subscriptions as a ``SubscriptionTable``."""
    return coerce(SubscriptionTable, subscriptions, context, by=by)


def as_surveys(surveys: Any, context: str = "surveys", *, by: object = None,
               errors: ErrorMode = "raise") -> SurveyTable:
    """Survey responses as a ``SurveyTable``."""
    return coerce(SurveyTable, surveys, context, by=by, errors=errors)


def as_usage(usage: Any, context: str = "usage", *, by: object = None) -> UsageTable:
    """Usage events as a ``UsageTable``."""
    return coerce(UsageTable, usage, context, by=by)


def as_tickets(tickets: Any, context: str = "tickets", *, by: object = None
               ) -> SupportTicketTable:
    """Support tickets as a ``SupportTicketTable``."""
    return coerce(SupportTicketTable, tickets, context, by=by)


def as_payments(payments: Any, context: str = "payments", *, by: object = None
                ) -> PaymentTable:
    """Payments as a ``PaymentTable``."""
    return coerce(PaymentTable, payments, context, by=by)


def field_segments(kind: type) -> frozenset[str]:
    """The fields of a ``kind`` table that ``by=`` may name without keeping an input column
    (its categorical fields)."""
    return _FIELD_SEGMENTS[kind]
