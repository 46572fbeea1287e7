"""The text view of a report: headline figures, then every section, never wider than
``WIDTH`` columns (wide tables are cut into blocks that repeat their row labels; long lines
wrap)."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from csmetrics.report.html import figure_change, figure_value
from csmetrics.report.labels import DASH, blocks, humanize, numeric_columns, table_cells

if TYPE_CHECKING:
    from csmetrics.report.headline import Headline
    from csmetrics.report.render import PortfolioReport, ReportSection

WIDTH = 100
"""Columns of the text report."""
_GAP = 2
_TEXT_CAP = 24


def render_text(report: PortfolioReport) -> str:
    """The report as text within ``WIDTH`` columns."""
    out = [*_wrap(report.title), "=" * min(len(report.title), WIDTH), *_wrap(report.subtitle())]
    if report.headline is not None and report.headline.figures:
        out += ["", *_headline(report.headline)]
    for section in report.sections:
        title = humanize(section.title)
        out += ["", *_wrap(title), "-" * min(len(title), WIDTH)]
        for line in section.lines:
            out += _wrap(humanize(line))
        if section.table is not None:
            out += _table(section)
        for note in section.notes:
            out += _wrap(f"* {humanize(note)}")
    out += ["", *_footer(report)]
    return "\n".join(out)


def _wrap(text: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, break_on_hyphens=False) or [""]


def _headline(head: Headline) -> list[str]:
    compared = [(1, head.periods[1]), *([(2, head.periods[2])] if head.periods[2] else [])]
    rows = [["Headline", head.periods[0], *(f"vs {p}" for _, p in compared)]]
    for figure in head.figures:
        changes = [figure_change(figure, a)[0].replace("▲ ", "").replace("▼ ", "")
                   for a, _ in compared]
        rows.append([figure.label, figure_value(figure, head.currency), *changes])
    widths = [max(len(r[j]) for r in rows) for j in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if j == 0 else c.rjust(w)
                       for j, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()
             for r in rows]
    for note in head.notes:
        lines += _wrap(note)
    if any(DASH in r for r in rows[1:]):
        lines.append(f"{DASH} not comparable: no value in that period, or a zero base.")
    return lines


def _table(section: ReportSection) -> list[str]:
    assert section.table is not None
    headers, rows, dashes = table_cells(section.table, section.formats)
    numeric = numeric_columns(section.table, section.formats)
    natural = [max([len(h)] + [len(r[j]) for r in rows]) for j, h in enumerate(headers)]
    # Text columns wrap: capped so that a block fits, then given back any room left.
    caps = [w if numeric[j] else min(w, _TEXT_CAP) for j, w in enumerate(natural)]
    out: list[str] = []
    for n, block in enumerate(blocks([c + _GAP for c in caps], WIDTH + _GAP,
                                     keys=section.keys)):
        widths = {j: caps[j] for j in block}
        room = WIDTH - sum(widths.values()) - _GAP * (len(block) - 1)
        for j in block:
            if room > 0 and natural[j] > widths[j]:
                extra = min(room, natural[j] - widths[j])
                widths[j] += extra
                room -= extra
        if n:
            out.append("")
        for cells in [headers, *rows]:
            out += _row(cells, block, widths, numeric)
    if dashes:
        out += _wrap(f"{DASH} {section.undefined}")
    return out


def _row(cells: list[str], block: list[int], widths: dict[int, int],
         numeric: list[bool]) -> list[str]:
    """One table row as lines: numbers right-aligned, text wrapped within its width."""
    parts = [[cells[j]] if numeric[j] or len(cells[j]) <= widths[j] else
             textwrap.wrap(cells[j], widths[j], break_on_hyphens=False) or [""]
             for j in block]
    lines = []
    for i in range(max(len(p) for p in parts)):
        pieces = []
        for j, p in zip(block, parts, strict=True):
            text = p[i] if i < len(p) else ""
            pieces.append(text.rjust(widths[j]) if numeric[j] else text.ljust(widths[j]))
        lines.append("  ".join(pieces).rstrip()[:WIDTH])
    return lines


def _footer(report: PortfolioReport) -> list[str]:
    lines = []
    for s in report.sources:
        origin = f" from {s.origin}" if s.origin else ""
        rejected = f", {s.rejected:,} rejected" if s.rejected else ", none rejected"
        lines += _wrap(f"Data: {s.name}, {s.rows:,} rows{origin}{rejected}.")
    lines += _wrap(f"Made {report.made} by csmetrics {report.version}.")
    return lines
