"""A report and its rendering: ``ReportSection``, ``PortfolioReport``, and the text, HTML
(with inline SVG charts) and JSON views.

A section's chart is drawn by a result's own ``.plot()`` (see ``chart_of``): the report never
imports the plotting package. HTML charts are drawn on a figure made without pyplot, so the
user's matplotlib backend and open figures are left alone.
"""

from __future__ import annotations

import html
import io
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from csmetrics._core.optional import import_optional, installed
from csmetrics._core.options import BOOL, check_option
from csmetrics.results import TableResult


@dataclass(frozen=True)
class ReportSection:
    """One part of a report: a title, a table and/or lines of text, and an optional chart.

    Attributes
    ----------
    key : str
        The section's name in ``report[key]`` and in the HTML ``id``.
    title : str
        Its heading.
    table : TableResult, optional
        The numbers.
    lines : tuple of str
        Text shown above the table.
    chart : callable, optional
        Draws the section's chart on a matplotlib ``Axes`` (see ``chart_of``).
    """

    key: str
    title: str
    table: TableResult | None = None
    lines: tuple[str, ...] = ()
    chart: Callable[[Any], Any] | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The section as plain data: key, title, the table's columns (NaN as None), lines."""
        out: dict[str, Any] = {"key": self.key, "title": self.title}
        if self.table is not None:
            out["columns"] = json_safe(self.table.to_dict())
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

    Examples
    --------
    >>> from csmetrics import Portfolio
    >>> from csmetrics.datasets import demo_portfolio
    >>> report = Portfolio(subscriptions=demo_portfolio()).report("2024-12", months=3)
    >>> report["summary"].title, report.first, report.period
    ('Summary (USD)', '2024-10', '2024-12')
    >>> report.to_json()[:1]
    '{'
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
        if charts is not None:
            check_option("PortfolioReport.to_html", "charts", charts, BOOL)
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
    figure = import_optional("matplotlib.figure", "plot", "charts in the HTML report")
    fig = figure.Figure(figsize=(8, 3.6))
    ax = fig.subplots()
    draw(ax)
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def json_safe(value: Any) -> Any:
    """``value`` with NaN and infinities made ``None``, at any depth of dicts and lists, so
    that ``json.dumps(..., allow_nan=False)`` writes strict JSON.

    Examples
    --------
    >>> json_safe({"nps": [float("nan"), 12.5], "n": 3})
    {'nps': [None, 12.5], 'n': 3}
    """
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    return value


def chart_of(result: Any, **options: Any) -> Callable[[Any], Any] | None:
    """The chart of a section showing ``result``: a function drawing ``result.plot(ax=...)``
    on the axes it is given, or None when the result has no ``.plot()``.

    Examples
    --------
    >>> chart_of(object()) is None
    True
    """
    plot = getattr(result, "plot", None)
    if not callable(plot):
        return None
    return lambda ax: plot(ax=ax, **options)
