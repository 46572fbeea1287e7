"""Support signals: first contact resolution, open tickets, response and resolution times,
SLA attainment, reopen rate, ticket volume and backlog age."""

from typing import Any

from csmetrics._core.warnings import warn_deprecated
from csmetrics.support.metrics import first_contact_resolution_rate, open_tickets
from csmetrics.support.sla import SlaAttainment, reopen_rate, sla_attainment
from csmetrics.support.steps import FirstContactResolution
from csmetrics.support.times import TicketTimes, first_response_time, resolution_time
from csmetrics.support.volume import backlog_age, tickets_per_account
from csmetrics.tables.tickets import SupportTicket, SupportTicketTable

__all__ = [
    "FirstContactResolution",
    "SlaAttainment",
    "SupportTicket",
    "SupportTicketTable",
    "TicketTimes",
    "backlog_age",
    "first_contact_resolution_rate",
    "first_response_time",
    "open_tickets",
    "reopen_rate",
    "resolution_time",
    "sla_attainment",
    "tickets_per_account",
]

_MOVED = {
    "TrialConversion": "csmetrics.revenue",
    "trial_conversion_rate": "csmetrics.revenue",
    "synthetic_ticket_columns": "csmetrics.datasets",
    "synthetic_tickets": "csmetrics.datasets",
}


def __getattr__(name: str) -> Any:
    # Names that lived here before 0.2, kept one release with a warning (PEP 562).
    if name not in _MOVED:
        raise AttributeError(f"module 'csmetrics.support' has no attribute {name!r}")
    warn_deprecated(f"csmetrics.support.{name} moved to {_MOVED[name]}.{name}; the old name "
                    "will be removed in 0.3.")
    if _MOVED[name] == "csmetrics.revenue":
        from csmetrics import revenue

        value = getattr(revenue, name)
    else:
        # datasets sit above support in the layers: this deprecated alias (gone in 0.3) is
        # the one such import, declared in pyproject.toml's import-linter contract.
        from csmetrics import datasets

        value = getattr(datasets, name)
    # Kept from now on: `from csmetrics.support import x` looks the name up twice (hasattr,
    # then getattr), which would warn twice.
    globals()[name] = value
    return value
