"""The HTML view of a report: one self-contained page that fits 1280 px without sideways
scrolling, reads at 800 px, and prints to A4 and Letter.

Layout: a header of headline figures (each with its change against the period before and
the same period a year before, coloured by whether the direction is good), then one section
per story (its chart, its table cut into blocks that fit the page, its footnotes), then a
footer naming the data, its rows and rejected rows, and when the page was made. Every string
from the data is escaped; charts are inline SVG (no file, script or font is fetched).
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from csmetrics._core.compact import compact_money
from csmetrics._core.formatting import format_percent
from csmetrics._core.optional import import_optional
from csmetrics.report.labels import DASH, blocks, humanize, numeric_columns, table_cells

if TYPE_CHECKING:
    from csmetrics.report.headline import Figure, Headline
    from csmetrics.report.render import PortfolioReport, ReportSection

DOCS = "https://github.com/csmetrics/csmetrics/blob/main/docs/"
"""Where a section's definitions link to (the documentation's pages)."""

_TABLE_WIDTH = 660.0
"""Widest a table block may be, in CSS px: an A4 page's printable width (186 mm at 96 dpi,
703 px) and an 800 px window's content, less a margin for the estimate."""
NB_HYPHEN = "\u2011"
"""A hyphen the browser does not break a line at."""
_CHAR = 7.8    # px per character of a 13 px table cell (tabular digits)
_PAD = 18.0    # px of padding and border per cell
_TEXT_CAP = 48  # characters: longer text wraps (a cell is at most 420 px wide)


def esc(value: Any) -> str:
    """``value`` as text, escaped for HTML (quotes included)."""
    return html.escape(str(value), quote=True)


def render_html(report: PortfolioReport, charts: bool, missing: str = "") -> str:
    """The page; ``missing`` says why charts are left out (shown on the page) when they are."""
    parts = [f"<header><h1>{esc(report.title)}</h1>"
             f"<p class=\"sub\">{esc(report.subtitle())}</p></header>"]
    if missing:
        parts.append(f'<p class="note missing">{esc(missing)}</p>')
    if report.headline is not None and report.headline.figures:
        parts.append(_headline(report.headline))
    parts.append(_contents(report))
    for section in report.sections:
        parts.append(_section(section, charts, bool(missing)))
    parts.append(_footer(report))
    body = "\n".join(parts)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{esc(report.title)}</title><style>{CSS}</style></head>"
            f"<body>\n<main class=\"csmetrics-report\">\n{body}\n</main>\n</body></html>\n")


def figure_value(figure: Figure, currency: str | None) -> str:
    """A headline figure as people read it: ``$68.7k``, ``40.2%``, ``17.3``."""
    v = figure.value
    if v != v:
        return DASH
    if figure.kind == "money":
        return compact_money(v, currency or "")
    if figure.kind == "percent":
        return format_percent(v)
    return f"{v:.1f}"


def figure_change(figure: Figure, against: int) -> tuple[str, str]:
    """The change against period ``against`` as text, and its tone: ``good``, ``bad`` or
    ``flat`` (no change, or not comparable)."""
    c = figure.change(against)
    if c != c:
        return DASH, "flat"
    if figure.kind == "money":
        text = f"{c:+.1%}"
    elif figure.kind == "percent":
        text = f"{c:+.1f} pts"
    else:
        text = f"{c:+.1f}"
    if abs(c) < 5e-4:
        return text.replace("+", "±").replace("-", "±"), "flat"
    up = c > 0
    return ("▲ " if up else "▼ ") + text, "good" if up == figure.higher_is_better else "bad"


def _headline(head: Headline) -> str:
    cards = []
    compared = [(1, head.periods[1]), *([(2, head.periods[2])] if head.periods[2] else [])]
    undefined = False
    for figure in head.figures:
        rows = []
        for against, period in compared:
            text, tone = figure_change(figure, against)
            undefined |= text == DASH
            rows.append(f'<div class="delta {tone}">{esc(text)} '
                        f'<span class="vs">vs {esc(period)}</span></div>')
        cards.append(f'<div class="kpi"><div class="label">{esc(figure.label)}</div>'
                     f'<div class="value">{esc(figure_value(figure, head.currency))}</div>'
                     f"{''.join(rows)}</div>")
    extra = "".join(f'<p class="foot">{esc(n)}</p>' for n in head.notes)
    note = extra + (f'<p class="foot">{DASH} not comparable: no value in that period (no data yet, '
            "or no answers), or a money figure that was zero then.</p>" if undefined else "")
    return (f'<section class="kpis" id="headline" aria-label="Headline figures">'
            f'<h2 class="visually-hidden">Headline figures, {esc(head.periods[0])}</h2>'
            f"<div class=\"cards\">{''.join(cards)}</div>{note}</section>")


def _contents(report: PortfolioReport) -> str:
    links = " · ".join(f'<a href="#{esc(s.key)}">{esc(_short(s.title))}</a>'
                       for s in report.sections)
    return f'<nav class="contents">{links}</nav>'


def _short(title: str) -> str:
    """A section's name in the contents: its title up to the first colon, comma or
    parenthesis."""
    for mark in (":", ",", " ("):
        title = title.split(mark)[0]
    return humanize(title)


def _section(section: ReportSection, charts: bool, missing: bool) -> str:
    out = [f'<section id="{esc(section.key)}"><h2>{esc(humanize(section.title))}</h2>']
    out += [f"<p>{esc(humanize(line))}</p>" for line in section.lines]
    if section.chart is not None:
        if charts:
            out.append(f'<figure class="chart">{svg(section.chart)}</figure>')
        elif missing:
            out.append('<p class="note chart-missing">Chart not shown (needs matplotlib: '
                       "pip install 'csmetrics[plot]').</p>")
    dashes = 0
    if section.table is not None:
        text, dashes = _table(section)
        out.append(text)
    notes = list(section.notes)
    if dashes:
        notes.append(f"{DASH} {section.undefined}")
    if section.doc:
        notes.append(f'<a href="{esc(DOCS + section.doc)}">Definitions in the documentation'
                     "</a>")
    if notes:
        items = "".join(f"<li>{n if n.startswith('<a ') else esc(humanize(n))}</li>"
                        for n in notes)
        out.append(f'<ul class="foot">{items}</ul>')
    out.append("</section>")
    return "\n".join(out)


def _table(section: ReportSection) -> tuple[str, int]:
    assert section.table is not None
    headers, rows, dashes = table_cells(section.table, section.formats)
    numeric = numeric_columns(section.table, section.formats)
    widths = []
    for j, header in enumerate(headers):
        longest_word = max((len(w) for w in header.split()), default=1)
        cells = max((min(len(r[j]), _TEXT_CAP) for r in rows), default=0)
        widths.append(max(longest_word, cells) * _CHAR + _PAD)
    out = []
    for block in blocks(widths, _TABLE_WIDTH, keys=section.keys):
        # a header wraps between words, never at a hyphen ("p-value")
        head = "".join(f'<th class="{"num" if numeric[j] else "txt"}">'
                       f'{esc(headers[j]).replace("-", NB_HYPHEN)}</th>' for j in block)
        body = "".join("<tr>" + "".join(
            f'<td class="{_cell_class(r[j], numeric[j])}">{esc(r[j])}</td>' for j in block)
            + "</tr>" for r in rows)
        out.append(f'<div class="table"><table class="csmetrics"><thead><tr>{head}</tr>'
                   f"</thead><tbody>{body}</tbody></table></div>")
    return "\n".join(out), dashes


def _cell_class(text: str, numeric: bool) -> str:
    """Numbers align right and never wrap; a short word (a period, an id) never breaks at its
    hyphen; longer text wraps."""
    if numeric:
        return "num"
    return "txt nb" if len(text) <= 24 and " " not in text else "txt"


def _footer(report: PortfolioReport) -> str:
    items = []
    for source in report.sources:
        origin = f" from {source.origin}" if source.origin else ""
        rejected = (f", {source.rejected:,} rejected (skipped rows, listed in the table's "
                    "skipped)" if source.rejected else ", none rejected")
        items.append(f"<li>{esc(source.name)}: {source.rows:,} rows{esc(origin)}"
                     f"{esc(rejected)}</li>")
    made = f"Made {esc(report.made)} by csmetrics {esc(report.version)}."
    return (f'<footer><h2>About this report</h2><ul class="foot">{"".join(items)}</ul>'
            f'<p class="foot">{made} Undefined values are shown as {DASH}; each section\'s '
            "footnotes say why. Definitions: "
            f'<a href="{esc(DOCS)}definitions.md">{esc(DOCS)}definitions.md</a>.</p></footer>')


def svg(draw: Callable[[Any], Any]) -> str:
    """Draw a chart on a fresh figure and return it as an inline ``<svg>`` element.

    The figure is made without pyplot, so the user's matplotlib backend and open figures are
    left alone (a notebook keeps its inline plots); constrained layout keeps every label and
    legend inside the figure.
    """
    figure = import_optional("matplotlib.figure", "plot", "charts in the HTML report")
    fig = figure.Figure(figsize=(8, 3.6), layout="constrained")
    draw(fig.subplots())
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]


CSS = (
    ":root{--ink:#1f2328;--muted:#59636e;--line:#d8dee4;--good:#1a7f37;--bad:#c2331f}"
    "*{box-sizing:border-box}"
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;"
    "color:var(--ink);background:#fff;line-height:1.4}"
    "main.csmetrics-report{max-width:1100px;margin:0 auto;padding:24px 16px}"
    "h1{font-size:1.6em;margin:0 0 .2em}h2{font-size:1.2em;margin:1.6em 0 .5em;"
    "border-bottom:1px solid var(--line);padding-bottom:.2em}"
    "p{margin:.4em 0;max-width:75ch}.sub{color:var(--muted);margin:0}"
    ".note{background:#fff8c5;border:1px solid #d4a72c;padding:.5em .8em;border-radius:6px}"
    ".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;"
    "margin-top:1em}"
    ".kpi{border:1px solid var(--line);border-radius:8px;padding:10px 12px;"
    "break-inside:avoid}.kpi .label{color:var(--muted);font-size:.85em}"
    ".kpi .value{font-size:1.6em;font-weight:600;font-variant-numeric:tabular-nums}"
    ".delta{font-size:.8em;font-variant-numeric:tabular-nums}.delta.good{color:var(--good)}"
    ".delta.bad{color:var(--bad)}.delta.flat{color:var(--muted)}.vs{color:var(--muted);white-space:nowrap}"
    "nav.contents{margin:1.2em 0;font-size:.9em;color:var(--muted)}"
    "nav.contents a{color:inherit}"
    "figure.chart{margin:.6em 0;max-width:800px}"
    "figure.chart svg{width:100%;height:auto;display:block}"
    "div.table{margin:.5em 0;max-width:100%}"
    "table.csmetrics{border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums}"
    "table.csmetrics th,table.csmetrics td{border:1px solid var(--line);padding:3px 8px;"
    "vertical-align:top}"
    "table.csmetrics th{background:#f6f8fa;font-weight:600;text-align:center}"
    "table.csmetrics td.num{text-align:right;white-space:nowrap}"
    "table.csmetrics td.txt{text-align:left;overflow-wrap:break-word;max-width:420px}"
    "table.csmetrics td.nb{white-space:nowrap}"
    "ul.foot,p.foot{font-size:.8em;color:var(--muted);padding-left:1.2em}"
    "p.foot{padding-left:0}footer{margin-top:2.5em}"
    ".visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;"
    "clip:rect(0 0 0 0);white-space:nowrap}"
    "@media (max-width:700px){.kpi .value{font-size:1.3em}main.csmetrics-report{padding:12px 8px}}"
    "@page{margin:12mm}"
    "@media print{main.csmetrics-report{max-width:none;padding:0}body{font-size:10pt}"
    "nav.contents{display:none}h2{break-after:avoid}"
    "figure.chart,div.table,.kpi,tr{break-inside:avoid}"
    ".cards{grid-template-columns:repeat(4,1fr)}a{color:inherit;text-decoration:none}}"
)
