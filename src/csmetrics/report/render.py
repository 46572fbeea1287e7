"""A report and its rendering: ``ReportSection``, ``PortfolioReport``, and the text, HTML
(with inline SVG charts) and JSON views.

A section's chart is drawn by a result's own ``.plot()`` (see ``chart_of``): the report never
imports the plotting package. HTML charts are drawn on a figure made without pyplot, so the
user's matplotlib backend and open figures are left alone.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from typing import TYPE_CHECKING, Any

from csmetrics._core.optional import import_optional, installed
from csmetrics._core.options import OPTIONAL_BOOL, check_option
from csmetrics.report.html import render_html
from csmetrics.report.text import render_text
from csmetrics.results import TableResult

if TYPE_CHECKING:
    from csmetrics.report.headline import Headline


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
        The numbers (``to_dict`` gives them unformatted).
    lines : tuple of str
        Text shown above the table.
    chart : callable, optional
        Draws the section's chart on a matplotlib ``Axes`` (see ``chart_of``).
    formats : mapping of str to str or sequence of str
        How a column is shown (``"money"``, ``"percent"``, ``"count"``, ``"score"``,
        ``"number"``, ``"text"``), or one kind per row; others by their type.
    undefined : str
        The footnote shown when a cell is undefined (an em dash): why it is.
    notes : tuple of str
        Footnotes (definitions, what the table leaves out).
    doc : str
        The documentation page (and anchor) defining the section's metrics.
    keys : int
        Leading columns that label a row, repeated when a wide table is cut into blocks.
    """

    key: str
    title: str
    table: TableResult | None = None
    lines: tuple[str, ...] = ()
    chart: Callable[[Any], Any] | None = field(default=None, compare=False)
    formats: Mapping[str, str | Sequence[str]] = field(default_factory=dict, compare=False)
    undefined: str = "not defined (a zero denominator, or no data for it)."
    notes: tuple[str, ...] = ()
    doc: str = ""
    keys: int = 1

    def to_dict(self) -> dict[str, Any]:
        """The section as plain data: key, title, the table's columns (NaN as None), lines."""
        out: dict[str, Any] = {"key": self.key, "title": self.title}
        if self.table is not None:
            out["columns"] = json_safe(self.table.to_dict())
        if self.lines:
            out["lines"] = list(self.lines)
        if self.notes:
            out["notes"] = list(self.notes)
        return out


@dataclass(frozen=True)
class Source:
    """One table behind a report: its name, rows, rows rejected by ``errors="skip"``, and
    where it came from (a file name, when known)."""

    name: str
    rows: int
    rejected: int = 0
    origin: str = ""


class PortfolioReport:
    """Every metric the data supports, for one period, as text, HTML or a dict.

    Attributes
    ----------
    period : str
        The last month of the report.
    first : str
        Its first month.
    sections : tuple of ReportSection
        In order: summary, MRR bridge, churn and retention, MRR by segment, cohorts,
        lifetime, then surveys, licence utilization, health and the at-risk list where
        those tables exist.
    headline : Headline, optional
        The headline figures of the report's period, against the period before and the same
        period a year before.
    sources : tuple of Source
        The tables behind the report.
    made : str
        When the report was made (UTC, to the minute).

    Examples
    --------
    >>> from csmetrics import Portfolio
    >>> from csmetrics.datasets import demo_portfolio
    >>> report = Portfolio(subscriptions=demo_portfolio()).report("2024-Q4")
    >>> report["summary"].title, report.first, report.period
    ('Summary (USD)', '2024-10', '2024-12')
    >>> report.headline["mrr"].value
    68700.49
    >>> report.to_json()[:1]
    '{'
    """

    def __init__(self, title: str, first: str, period: str,
                 sections: Sequence[ReportSection], *, headline: Headline | None = None,
                 sources: Sequence[Source] = (), made: str | None = None,
                 label: str | None = None) -> None:
        self.title = title
        self.first = first
        self.period = period
        self.sections = tuple(sections)
        self.headline = headline
        self.sources = tuple(sources)
        self.made = made or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        self.label = label or (period if first == period else f"{first} to {period}")
        self.version = _version()

    def __getitem__(self, key: str) -> ReportSection:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(f"no section {key!r}; sections: {[s.key for s in self.sections]}")

    def __repr__(self) -> str:
        keys = ", ".join(s.key for s in self.sections)
        return f"PortfolioReport({self.first} to {self.period}: {keys})"

    def subtitle(self) -> str:
        """The line under the title: the period and the months it shows."""
        months = self.first if self.first == self.period else f"{self.first} to {self.period}"
        return f"Period {self.label}; monthly detail {months}."

    def __str__(self) -> str:
        return render_text(self)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (NaN becomes ``None``), ready for JSON."""
        out: dict[str, Any] = {"title": self.title, "first_period": self.first,
                               "period": self.period, "label": self.label}
        if self.headline is not None:
            out["headline"] = json_safe(self.headline.to_dict())
        out["sections"] = [s.to_dict() for s in self.sections]
        out["sources"] = [vars(s).copy() for s in self.sources]
        out["made"] = self.made
        return out

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False, default=str)

    def to_html(self, *, charts: bool | None = None) -> str:
        """A self-contained HTML page: headline figures, tables, and inline SVG charts when
        matplotlib is installed (``charts=None``) or required (``charts=True``). Every value
        is escaped; where charts are left out, the page says so and how to get them.

        Raises
        ------
        MissingDependencyError
            ``charts=True`` without matplotlib.
        """
        check_option("PortfolioReport.to_html", "charts", charts, OPTIONAL_BOOL)
        draw = _can_draw() if charts is None else charts
        if draw and not _can_draw():
            import_optional("matplotlib", "plot", "charts in the HTML report")
        has_charts = any(s.chart is not None for s in self.sections)
        missing = ""
        if has_charts and not draw:
            missing = ("Charts are not shown: matplotlib is not installed (pip install "
                       "'csmetrics[plot]')." if charts is None else
                       "Charts are left out of this page (charts=False).")
        return render_html(self, draw, missing)

    def _repr_html_(self) -> str:
        return self.to_html()


def _version() -> str:
    try:
        return metadata.version("csmetrics")
    except metadata.PackageNotFoundError:  # pragma: no cover - a source tree not installed
        return "(source)"


def _can_draw() -> bool:
    return installed("matplotlib")


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
