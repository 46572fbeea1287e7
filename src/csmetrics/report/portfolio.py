"""A portfolio: every table a customer-success team has, and one report of every metric they
support.

``Portfolio(subscriptions=..., surveys=..., usage=..., tickets=..., customers=...)`` holds
whichever tables exist (each optional). ``portfolio.report(period)`` computes every metric the
available data supports for the ``months`` months ending with ``period`` and returns a
``PortfolioReport``: a readable text report (``print``), rich HTML with charts in
Jupyter (``_repr_html_``) or as a self-contained file (``to_html``), and ``to_dict`` /
``to_json``.
"""

from __future__ import annotations

import html
import json
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from csmetrics._core.checks import fail
from csmetrics._core.columns import column_getter, require_column
from csmetrics._core.convert import factorize, is_missing
from csmetrics._core.optional import import_optional, installed
from csmetrics._core.segments import NamedSegments
from csmetrics.exceptions import InvalidParameterError, UndefinedMetricWarning
from csmetrics.fx import FxRates
from csmetrics.periods.calendar import Period, PeriodLike
from csmetrics.policies import MetricPolicy
from csmetrics.results import TableResult
from csmetrics.tables.coerce import as_surveys, as_table, as_tickets, as_usage

if TYPE_CHECKING:
    pass



@dataclass(frozen=True)
class ReportSection:
    """One part of a report: a title, a table and/or lines of text, and an optional chart."""

    key: str
    title: str
    table: TableResult | None = None
    lines: tuple[str, ...] = ()
    chart: Callable[[Any], Any] | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "title": self.title}
        if self.table is not None:
            out["columns"] = _json_safe(self.table.to_dict())
        if self.lines:
            out["lines"] = list(self.lines)
        return out


class PortfolioReport:
    """Every metric the data supports, for one window, as text, HTML or a dict.

    Attributes
    ----------
    period : str
        The last period of the report.
    first : str
        Its first period.
    sections : tuple of ReportSection
        In order: summary, MRR bridge, churn and retention, MRR by segment, cohorts,
        lifetime, then surveys, licence utilization, health and the at-risk list where
        those tables exist.
    """

    def __init__(self, title: str, first: str, period: str,
                 sections: Sequence[ReportSection]) -> None:
        self.title = title
        self.first = first
        self.period = period
        self.sections = tuple(sections)

    def __getitem__(self, key: str) -> ReportSection:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(f"no section {key!r}; sections: {[s.key for s in self.sections]}")

    def __repr__(self) -> str:
        keys = ", ".join(s.key for s in self.sections)
        return f"PortfolioReport({self.first} to {self.period}: {keys})"

    def __str__(self) -> str:
        out = [self.title, "=" * len(self.title)]
        for section in self.sections:
            out += ["", section.title, "-" * len(section.title)]
            out += list(section.lines)
            if section.table is not None:
                text = section.table.to_text(max_rows=None).splitlines()
                out += text[1:] if section.table.title else text
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (NaN becomes ``None``), ready for JSON."""
        return {"title": self.title, "first_period": self.first, "period": self.period,
                "sections": [s.to_dict() for s in self.sections]}

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False, default=str)

    def to_html(self, *, charts: bool | None = None) -> str:
        """A self-contained HTML page: tables, and inline SVG charts when matplotlib is
        installed (``charts=None``) or required (``charts=True``). Every value is escaped."""
        esc = html.escape
        draw = _can_draw() if charts is None else charts
        parts = [f"<h1>{esc(self.title)}</h1>"]
        for section in self.sections:
            parts.append(f'<section id="{esc(section.key)}"><h2>{esc(section.title)}</h2>')
            parts += [f"<p>{esc(line)}</p>" for line in section.lines]
            if draw and section.chart is not None:
                parts.append(f'<figure class="chart">{_svg(section.chart)}</figure>')
            if section.table is not None:
                parts.append(f'<div class="table">{section.table.to_html(max_rows=None)}</div>')
            parts.append("</section>")
        body = "\n".join(parts)
        return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{esc(self.title)}</title><style>{_CSS}</style></head>"
                f"<body>\n{body}\n</body></html>\n")

    def _repr_html_(self) -> str:
        return self.to_html(charts=_can_draw())


_CSS = (
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}"
    "h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}"
    "table.csmetrics{border-collapse:collapse;font-size:.85em;margin:.5em 0}"
    "table.csmetrics td,table.csmetrics th{border:1px solid #ddd;padding:.2em .5em;"
    "text-align:right}table.csmetrics caption{text-align:left;font-weight:bold}"
    "figure.chart{margin:.5em 0}figure.chart svg{max-width:100%;height:auto}"
    "div.table{overflow-x:auto}table.csmetrics td{white-space:nowrap}"
)


def _can_draw() -> bool:
    return installed("matplotlib")


def _svg(draw: Callable[[Any], Any]) -> str:
    """Draw a chart on a fresh figure and return it as an inline ``<svg>`` element.

    The figure is made without pyplot, so the user's matplotlib backend and open figures
    are left alone (a notebook keeps its inline plots).
    """
    import io

    figure = import_optional("matplotlib.figure", "plot", "charts in the HTML report")
    fig = figure.Figure(figsize=(8, 3.6))
    ax = fig.subplots()
    draw(ax)
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _json_safe(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


class Portfolio:
    """The tables of one business, any of them optional, and a report over all of them.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns, optional
    surveys : SurveyTable or columns, optional
    usage, tickets : tables, optional
        Usage events and support tickets (their sections appear when given).
    customers : columns or DataFrame, optional
        One row per customer: a ``customer_id`` column and attribute columns (region,
        segment, owner ...) usable as ``by=``.
    fx : FxRates, optional
        Exchange rates for a portfolio billed in several currencies.
    policy : MetricPolicy, optional
        How churn and reactivation are recognised (default ``MetricPolicy()``).

    Examples
    --------
    >>> from csmetrics.datasets import demo_portfolio
    >>> report = Portfolio(subscriptions=demo_portfolio()).report("2024-12", months=3)
    >>> report
    PortfolioReport(2024-10 to 2024-12: summary, mrr_bridge, retention, mrr_by_segment, cohorts, lifetime)
    >>> float(report["summary"].table["value"][0])   # MRR on 31 Dec 2024
    68700.49
    """  # noqa: E501

    def __init__(self, *, subscriptions: Any = None, surveys: Any = None, usage: Any = None,
                 tickets: Any = None, customers: Any = None, fx: FxRates | None = None,
                 policy: MetricPolicy | None = None) -> None:
        self.subscriptions = (None if subscriptions is None
                              else as_table(subscriptions, "Portfolio(subscriptions=)"))
        self.surveys = None if surveys is None else as_surveys(surveys)
        self.usage = None if usage is None else as_usage(usage)
        self.tickets = None if tickets is None else as_tickets(tickets)
        self.customers = None if customers is None else _attributes(customers)
        self.fx = fx
        self.policy = policy
        if all(t is None for t in (self.subscriptions, self.surveys, usage, tickets)):
            raise InvalidParameterError(
                "Portfolio: give at least one of subscriptions=, surveys=, usage=, tickets=.")

    def __repr__(self) -> str:
        held = [name for name in ("subscriptions", "surveys", "usage", "tickets", "customers")
                if getattr(self, name) is not None]
        return f"Portfolio({', '.join(held)})"

    def segment(self, by: str | Mapping[Any, Any] | None) -> str | Mapping[Any, Any] | None:
        """``by`` resolved: a customer attribute name becomes a customer -> value mapping."""
        if isinstance(by, str) and self.customers is not None and by in self.customers:
            values = self.customers[by]
            # Customers the attribute file does not list are in "(none)": nothing dropped.
            known = set()
            for table in (self.subscriptions, self.surveys, self.usage, self.tickets):
                if table is not None:
                    known.update(table.customer_ids.tolist())
            return NamedSegments(by, {c: values.get(c, "(none)") for c in known})
        return by

    def last_period(self) -> Period:
        """The month of the latest date in the data (no hidden "today")."""
        dates: list[np.datetime64] = []
        if self.subscriptions is not None and len(self.subscriptions):
            dates.append(self.subscriptions.start.max())
            ends = self.subscriptions.end[~np.isnat(self.subscriptions.end)]
            if ends.size:
                # An end is exclusive: the last active day is the day before.
                dates.append(ends.max() - np.timedelta64(1, "D"))
        if self.surveys is not None and len(self.surveys):
            dates.append(self.surveys.submitted_at.max())
        if self.usage is not None and len(self.usage):
            dates.append(self.usage.at.max().astype("datetime64[D]"))
        if self.tickets is not None and len(self.tickets):
            dates.append(self.tickets.opened_at.max().astype("datetime64[D]"))
        if not dates:
            raise InvalidParameterError("Portfolio.report: the data hold no dates; give period=.")
        return Period.parse(max(dates), "month")

    def report(self, period: PeriodLike | None = None, *,
               by: str | Mapping[Any, Any] | None = None, months: int = 12) -> PortfolioReport:
        """Every metric the data support, for the ``months`` months ending with ``period``.

        Parameters
        ----------
        period : period or date, optional
            The last month of the report (a quarter or year means its last month); default:
            the month of the latest date in the data.
        by : str or mapping, optional
            Split the segment sections by a subscription column (``"plan"``), a customer
            attribute (a column of ``customers=``), or a customer -> segment mapping.
        months : int, default 12
            Length of the window.
        """
        from csmetrics.report import sections as rs

        if months < 1:
            raise InvalidParameterError(f"Portfolio.report: months must be >= 1, got {months}.")
        last = (self.last_period() if period is None
                else Period.parse(Period.parse(period).end, "month"))
        first = last - (months - 1)
        segment = self.segment(by)
        sections: list[ReportSection] = []
        with warnings.catch_warnings():
            # Undefined values show as NaN in the report; the report says so instead.
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            if self.subscriptions is not None and len(self.subscriptions):
                sections += rs.revenue_sections(self, first, last, segment)
            if self.surveys is not None and len(self.surveys):
                sections += rs.survey_sections(self, first, last, segment)
            sections += rs.extra_sections(self, first, last, segment)
        title = f"csmetrics report, {first} to {last}"
        return PortfolioReport(title, str(first), str(last), sections)


def _attributes(customers: Any) -> dict[str, dict[Any, Any]]:
    """Customer attribute columns as ``{attribute: {customer_id: value}}``.

    A customer with no value for an attribute is in the segment ``"(none)"``: nothing is
    dropped, and the report shows how many have no value.
    """
    ctx = "Portfolio(customers=)"
    names, get = column_getter(customers, ctx)
    require_column(names, "customer_id", ctx)
    ids = get("customer_id")
    fail("customer_id", "must not be missing", is_missing(ids), ctx)
    _, codes = factorize(ids)
    counts = np.bincount(codes)
    fail("customer_id", "must be unique (one row per customer)", counts[codes] > 1, ctx)
    out = {}
    for name in names:
        if name == "customer_id":
            continue
        values = np.asarray(get(name), dtype=object)
        values[is_missing(values)] = "(none)"
        out[name] = dict(zip(ids.tolist(), values.tolist(), strict=True))
    return out
