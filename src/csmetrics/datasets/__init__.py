"""Seeded synthetic data and small demo tables, so every example runs offline."""

from csmetrics.datasets.subscriptions import (
    demo_portfolio,
    demo_surveys,
    demo_tickets,
    demo_usage,
    synthetic_columns,
    synthetic_portfolio,
)
from csmetrics.datasets.surveys import synthetic_survey_columns, synthetic_surveys
from csmetrics.datasets.tickets import synthetic_ticket_columns, synthetic_tickets
from csmetrics.datasets.usage import synthetic_seats, synthetic_usage, synthetic_usage_columns

__all__ = [
    "demo_portfolio",
    "demo_surveys",
    "demo_tickets",
    "demo_usage",
    "synthetic_columns",
    "synthetic_portfolio",
    "synthetic_seats",
    "synthetic_survey_columns",
    "synthetic_surveys",
    "synthetic_ticket_columns",
    "synthetic_tickets",
    "synthetic_usage",
    "synthetic_usage_columns",
]
