"""A portfolio of every table a customer-success team has, and one report of every metric."""

from csmetrics.report.portfolio import Portfolio, PortfolioReport, ReportSection

__all__ = ["Portfolio", "PortfolioReport", "ReportSection"]
