"""A portfolio of every table a customer-success team has, and one report of every metric."""

from csmetrics.report.portfolio import Portfolio
from csmetrics.report.render import PortfolioReport, ReportSection

__all__ = ["Portfolio", "PortfolioReport", "ReportSection"]
