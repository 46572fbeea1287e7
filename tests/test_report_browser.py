"""The HTML report as a person looks at it (issue 14, item 5): Debian's Chromium, driven by
Playwright, at 1280 and 800 px and printed to A4 and Letter.

Three reports: the demo portfolio with charts, the Stripe fixture of issue 9 (with the
Delighted answers) with charts, and the demo without charts (as without matplotlib). Each
must lay out with nothing wider than the viewport, every chart drawn inside its box, no
``NaN`` and no code names on the page (``tests/browser.py`` says what is checked), print
cleanly, load nothing from outside the file, and show user strings as text.

``CSMETRICS_SCREENSHOTS=dir`` keeps every screenshot and PDF there, named by report and
width (or paper), for a person to look at; ``tools/report_screenshots.py`` makes the same
set without the tests.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import (
    HOSTILE,
    PAPERS,
    ReportBrowser,
    chromium_path,
    demo_portfolio,
    hostile_portfolio,
    launch,
    layout_problems,
    page_margins,
    pdf_pages,
    print_problems,
    printable_width,
    screenshot,
    stripe_portfolio,
    visit,
)

WIDTHS = (1280, 800)
# name -> (portfolio builder, charts=)
CASES = {"demo": (demo_portfolio, True), "stripe": (stripe_portfolio, True),
         "demo-nocharts": (demo_portfolio, False)}
# In the hostile portfolio: the customer id also tries to leave a comment (matplotlib names
# each chart label in an SVG comment) and to load an image.
HOSTILE_ID = HOSTILE + " --><img src=x onerror=alert(2)>"


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if chromium_path() is None:
        pytest.skip("needs Debian's chromium on PATH (.ci/run installs it with apt)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("needs playwright (the test extra: pip install 'csmetrics[test]')")
    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


@pytest.fixture
def pages(chromium: Any) -> Iterator[ReportBrowser]:
    opened = ReportBrowser(chromium)
    yield opened
    opened.cleanup()


@pytest.fixture(scope="session")
def shots() -> Path | None:
    """The directory named by CSMETRICS_SCREENSHOTS (made if missing), or None."""
    name = os.environ.get("CSMETRICS_SCREENSHOTS")
    if not name:
        return None
    path = Path(name)
    path.mkdir(parents=True, exist_ok=True)
    return path


@functools.cache
def built(case: str) -> tuple[Any, str]:
    """The report of a case and its HTML, made once per session."""
    make, charts = CASES[case]
    if charts:
        pytest.importorskip("matplotlib")
    report = make().report()
    return report, report.to_html(charts=charts)


def charted(report: Any) -> int:
    return sum(s.chart is not None for s in report.sections)


def no_problems(problems: list[str]) -> None:
    """Pass, or fail listing every problem on its own line (not as a list's repr)."""
    if problems:
        pytest.fail(f"{len(problems)} problems:\n" + "\n".join(problems), pytrace=False)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("case", list(CASES))
def test_layout(pages: ReportBrowser, shots: Path | None, case: str, width: int) -> None:
    _, html = built(case)
    page = pages.load(html, width)
    if shots is not None:
        screenshot(page, shots / f"{case}-{width}.png")
    problems = layout_problems(page)
    no_problems(problems)


@pytest.mark.parametrize("paper", list(PAPERS))
@pytest.mark.parametrize("case", list(CASES))
def test_print(pages: ReportBrowser, shots: Path | None, tmp_path: Path, case: str,
               paper: str) -> None:
    _, html = built(case)
    page = pages.load(html, 1280)
    pdf = (shots or tmp_path) / f"{case}-{paper.lower()}.pdf"
    problems = print_problems(page, paper, pdf)
    # Print styles must not fetch anything either.
    problems += [f"{paper}: requested {url}" for url in visit(page).external]
    no_problems(problems)


@pytest.mark.parametrize("case", ["demo", "stripe"])
def test_every_chart_is_drawn(pages: ReportBrowser, tmp_path: Path, case: str) -> None:
    report, html = built(case)
    page = pages.load(html, 1200)
    drawn: list[int] = page.evaluate(
        "() => [...document.querySelectorAll('svg')].filter(s => !s.parentElement.closest('svg'))"
        ".map(s => s.querySelectorAll('path, use, rect, image').length)")
    # One rendered SVG for each section with a chart, each with something drawn in it.
    assert len(drawn) == charted(report)
    assert all(n > 0 for n in drawn), drawn
    if case == "demo":
        assert "health" in [s.key for s in report.sections]
        assert len(drawn) >= 6
        assert sum(drawn) > 50
    # With the charts there, the page says nothing of charts being missing.
    assert "csmetrics[plot]" not in page.inner_text("body")
    png = screenshot(page, tmp_path / "shot.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) > 20_000   # a blank page compresses to a few kilobytes


def test_missing_charts_are_noted(pages: ReportBrowser) -> None:
    report, html = built("demo-nocharts")
    assert charted(report) > 0   # there were charts to draw
    page = pages.load(html, 1280)
    assert page.locator("svg").count() == 0
    note = page.get_by_text("csmetrics[plot]").first
    assert note.count() == 1, "no note of the missing charts naming csmetrics[plot]"
    assert note.is_visible()
    # The note says what is missing, not only what to install.
    block: str = note.evaluate(
        "e => (e.closest('p, div, aside, section, figure, header, li') || e).innerText")
    assert re.search(r"\bcharts?\b", block, re.IGNORECASE), block


@pytest.mark.parametrize("case", list(CASES))
def test_nothing_is_fetched(pages: ReportBrowser, case: str) -> None:
    _, html = built(case)
    page = pages.load(html, 1280)
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")   # lazy parts too
    page.wait_for_load_state("load")
    seen = visit(page)
    assert seen.external == [], "the report must be one self-contained file"
    assert seen.errors == []


def test_user_strings_are_shown_as_text(pages: ReportBrowser) -> None:
    pytest.importorskip("matplotlib")
    portfolio = hostile_portfolio(HOSTILE_ID)
    html = portfolio.report().to_html(charts=True)
    page = pages.load(html, 1280)
    text = page.inner_text("body")
    # The plan (by-plan table) and the customer (at-risk list) read as typed.
    assert HOSTILE in text.replace(HOSTILE_ID, "")
    assert HOSTILE_ID in text
    seen = visit(page)
    assert seen.dialogs == []
    assert seen.external == []   # the <img src=x> stayed text
    assert seen.errors == []
    injected: int = page.evaluate(
        "() => [...document.querySelectorAll('script, img[onerror], [onerror]')]"
        ".filter(e => (e.textContent + (e.getAttribute('onerror') || '')).includes('alert'))"
        ".length")
    assert injected == 0


# The checks themselves: each finds what it is for on a small page made to have it, and
# nothing on a page made clean, so a pass above means something.

CLEAN = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body{font-family:sans-serif;margin:16px;max-width:700px}
@media print{body{max-width:none}}</style></head><body>
<section id="s"><h2>Monthly recurring revenue</h2>
<svg width="300" height="120" viewBox="0 0 300 120"><g id="axes_1">
<g id="patch_1"><rect x="0" y="0" width="300" height="120" fill="#fff"/></g>
<g id="patch_2"><rect x="20" y="40" width="40" height="70" fill="teal"/></g>
<g id="legend_1"><g id="patch_3"><rect x="200" y="5" width="90" height="25" fill="#eee"/></g>
<g id="text_1"><text x="205" y="22" font-size="12">New MRR</text></g></g>
<g id="text_2"><text x="20" y="118" font-size="10">2024-01</text></g>
<g id="text_3"><text x="70" y="118" font-size="10">cus_0002</text></g></g></svg>
<h3 style="position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);
white-space:nowrap">Headline figures for screen readers</h3>
<table><thead><tr><th>Plan</th><th>MRR</th></tr></thead>
<tbody><tr><td>cus_0001 growth_plan</td><td>$1.2k</td></tr><tr><td>pro</td><td>—</td></tr>
</tbody></table><p>All of these are on time.</p></section></body></html>"""


def page_with(body: str, head: str = "") -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8">{head}</head>'
            f'<body><section><h2>Churn</h2>{body}</section></body></html>')


def svg(inner: str, defs: str = "") -> str:
    return (f'<svg width="200" height="100" viewBox="0 0 200 100"><defs>{defs}</defs>'
            f'<g id="axes_1"><g id="patch_1"><rect width="200" height="100" fill="#fff"/></g>'
            f"{inner}</g></svg>")


class TestTheChecks:
    def test_clean_page(self, pages: ReportBrowser, tmp_path: Path) -> None:
        page = pages.load(CLEAN, 800)
        assert layout_problems(page) == []
        for paper in PAPERS:
            assert print_problems(page, paper, tmp_path / f"{paper}.pdf") == []
        assert visit(page) == type(visit(page))()

    @pytest.mark.parametrize(("body", "expected"), [
        ('<div id="w" style="width:2000px">wide</div>',
         ["page is 2008 px wide in a 800 px viewport",
          'div#w "wide" (in "Churn") sticks out of the 800 px viewport (from 8 to 2008 px)']),
        ('<div class="t" style="overflow-x:auto"><table><tr><td style="min-width:1500px">x'
         "</td></tr></table></div>",
         ['div.t "x" (in "Churn") scrolls sideways: 1506 px of content in 784 px']),
        ('<div style="overflow:hidden;width:100px;white-space:nowrap">a long line of words '
         "that runs on</div>", ["cuts off"]),
        ("<table><tr><td>NaN</td><td>1.0</td><td>NaN</td><td>null</td>"
         '<td style="display:none">inf</td></tr></table>',
         ['visible text shows "NaN" 2 times in "Churn" (2), first: "…Churn NaN 1.0 NaN null…"',
          'visible text shows "null" 1 time in "Churn" (1), first: "…Churn NaN 1.0 NaN null…"']),
        ("<table><thead><tr><th>starting_mrr</th><th>customer</th></tr></thead>"
         "<tbody><tr><td>cus_0001</td><td>x</td></tr></tbody></table>",
         ['th "starting_mrr" reads as code: "starting_mrr"']),
        (svg('<g id="text_1"><text x="5" y="50">ending_mrr</text></g>'
             '<g id="text_2"><text x="5" y="80">cus_0001</text></g>'),
         ['chart 1 ("Churn") label reads as code: "ending_mrr"']),
        ('<table><tr><td style="max-width:30px;overflow:hidden;white-space:nowrap">'
         "a cell too narrow for its text</td></tr></table>", ["overflows its cell"]),
        ('<table><tr><th style="width:30px">Customers at end</th><td style="width:30px">'
         '2024-01</td><td>1,234.00</td></tr></table>',
         ['td "2024-01" (in "Churn") breaks "2024-01" across 2 lines']),
        (svg('<g id="patch_2"><rect x="150" y="10" width="80" height="20"/></g>'),
         ["chart 1 (\"Churn\"): patch_2 is drawn outside the chart (150,10 to 230,30 in a "
          "200 x 100 box)"]),
        (svg('<g id="patch_2"><rect x="20" y="5" width="30" height="90" '
             'clip-path="url(#p1)"/></g>', '<clipPath id="p1"><rect x="10" y="10" width="180" '
             'height="80"/></clipPath>'),
         ["patch_2 is cut off at the top and bottom of its plot area"]),
        (svg('<g id="patch_2"><rect x="20" y="20" width="30" height="70"/></g>'
             '<g id="legend_1"><g id="patch_3"><rect x="10" y="10" width="80" height="30" '
             'fill="#eee"/></g></g>'),
         ['chart 1 ("Churn"): the legend covers data (patch_2)']),
        (svg('<g id="text_1"><text x="20" y="95" font-size="14">2024-01</text></g>'
             '<g id="text_2"><text x="50" y="95" font-size="14">2024-02</text></g>'),
         ['chart 1 ("Churn"): labels "2024-01" and "2024-02" overlap']),
    ])
    def test_finds(self, pages: ReportBrowser, body: str, expected: list[str]) -> None:
        problems = layout_problems(pages.load(page_with(body), 800))
        for want in expected:
            assert any(want in p for p in problems), (want, problems)
        assert len(problems) == len(expected), problems

    def test_print_width(self, pages: ReportBrowser, tmp_path: Path) -> None:
        # 720 px fits a 800 px screen, not A4's 680 px (or Letter's 702 px) inside 15 mm
        # margins; from the body's 8 px margin, the page is 728 px wide.
        page = pages.load(page_with('<div id="f" style="width:720px">fixed</div>'), 800)
        assert layout_problems(page) == []
        for paper, width in (("A4", 680), ("Letter", 702)):
            pdf = tmp_path / f"{paper}.pdf"
            assert print_problems(page, paper, pdf) == [
                f"{paper}: page is 728 px wide in a {width} px viewport",
                f'{paper}: div#f "fixed" (in "Churn") sticks out of the {width} px viewport '
                "(from 8 to 728 px)"]
            data = pdf.read_bytes()
            assert data.startswith(b"%PDF-")
            assert pdf_pages(data) == 1
        assert layout_problems(page) == []   # back on screen at 800 px

    def test_print_at_the_pages_own_margins(self, pages: ReportBrowser, tmp_path: Path) -> None:
        # @page margins of 5 mm leave (210 - 10) mm = 755.9 px of A4: the 720 px box fits.
        page = pages.load(page_with('<div style="width:720px">fixed</div>',
                                    "<style>@media print{@page{margin:5mm}}</style>"), 800)
        assert page_margins(page) == pytest.approx((5 * 96 / 25.4,) * 4, abs=0.01)
        assert print_problems(page, "A4", tmp_path / "a4.pdf") == []
        assert printable_width("A4", page_margins(page)[:2]) == 755

    def test_requests_and_dialogs_are_recorded(self, pages: ReportBrowser) -> None:
        dot = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42"
               "mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
        page = pages.load(page_with(f'<img src="{dot}"><img src="https://example.com/x.png">'
                                    "<script>alert('hi')</script>",
                                    '<link rel="stylesheet" href="http://example.com/s.css">'),
                          800)
        seen = visit(page)
        assert sorted(seen.external) == ["http://example.com/s.css", "https://example.com/x.png"]
        assert seen.dialogs == ["alert: hi"]


def matplotlib_svg(*, top: float | None = None, legend: str = "upper left",
                   labels: int = 6, width: float = 6, shares: bool = False) -> str:
    """A bar chart drawn by matplotlib as the report draws (a Figure without pyplot, SVG):
    bars of 10, 20 ... with a line 5 below, or (``shares``) two stacked shares making 1."""
    import io

    figure = pytest.importorskip("matplotlib.figure")
    fig = figure.Figure(figsize=(width, 3))
    ax = fig.subplots()
    months = [f"2024-{m:02d}" for m in range(1, labels + 1)]
    if shares:
        low = [0.2 + 0.1 * i for i in range(labels)]
        ax.bar(months, low, label="red")
        ax.bar(months, [1 - x for x in low], bottom=low, label="green")
        ax.set_ylim(0, 1)
        ax.legend(loc=legend, bbox_to_anchor=(1, 1, 0.3, 0))   # outside, to the right
    else:
        ax.bar(months, [10 + 10 * i for i in range(labels)], label="new MRR")
        ax.plot(months, [5 + 10 * i for i in range(labels)], marker="o", label="net MRR")
        ax.legend(loc=legend)
    if top is not None:
        ax.set_ylim(0, top)
    ax.set_title("New MRR by month")
    fig.tight_layout()
    out = io.StringIO()
    fig.savefig(out, format="svg")
    text = out.getvalue()
    return text[text.index("<svg"):]


class TestTheChecksOnMatplotlib:
    """The chart checks read matplotlib's SVG (its ids for axes, patches, legends, texts)."""

    def test_a_clean_chart(self, pages: ReportBrowser) -> None:
        # The legend in the empty upper left: the bars grow to the right.
        page = pages.load(page_with(f"<figure>{matplotlib_svg()}</figure>"), 800)
        assert layout_problems(page) == []

    def test_bars_cut_off_by_the_axes(self, pages: ReportBrowser) -> None:
        page = pages.load(page_with(f"<figure>{matplotlib_svg(top=40)}</figure>"), 800)
        problems = layout_problems(page)
        assert problems, "bars of 50 and 60 under a limit of 40 are cut off"
        assert all("cut off" in p for p in problems), problems
        assert any("is cut off at the top of its plot area" in p for p in problems)

    def test_bars_without_headroom(self, pages: ReportBrowser) -> None:
        # The tallest bar (60) fits to the pixel under a limit of 60, and reads as cut off.
        page = pages.load(page_with(f"<figure>{matplotlib_svg(top=60)}</figure>"), 800)
        assert layout_problems(page) == [
            'chart 1 ("Churn"): patch_8 at "2024-06" reaches the top of the plot area with no '
            'room above: '
            "read as cut off"]

    def test_shares_to_the_top_by_design(self, pages: ReportBrowser) -> None:
        page = pages.load(page_with(f"<figure>{matplotlib_svg(shares=True)}</figure>"), 800)
        assert layout_problems(page) == []

    def test_a_legend_over_the_bars(self, pages: ReportBrowser) -> None:
        page = pages.load(page_with(f"<figure>{matplotlib_svg(legend='lower right')}"
                                    "</figure>"), 800)
        problems = layout_problems(page)
        assert len(problems) == 1
        assert 'chart 1 ("Churn"): the legend covers data (patch_' in problems[0]

    def test_crowded_tick_labels(self, pages: ReportBrowser) -> None:
        page = pages.load(page_with(f"<figure>{matplotlib_svg(labels=12, width=3)}</figure>"),
                          800)
        problems = layout_problems(page)
        assert problems
        assert all("overlap" in p for p in problems), problems
        assert 'labels "2024-01" and "2024-02" overlap' in problems[0]
