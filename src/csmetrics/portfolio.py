"""Deprecated: ``csmetrics.portfolio`` moved to ``csmetrics.report``; this alias goes in 0.3.

Import the same names from ``csmetrics`` or from ``csmetrics.report``.
"""

from csmetrics._core.warnings import warn_deprecated
from csmetrics.report.portfolio import Portfolio, PortfolioReport, ReportSection

__all__ = [
    "Portfolio",
    "PortfolioReport",
    "ReportSection",
]

warn_deprecated("csmetrics.portfolio is deprecated and will be removed in 0.3; import from "
                "csmetrics or csmetrics.report.")
