"""A report looked at as a person would: the page in headless Chromium, and its problems.

``ReportBrowser(browser).load(html, width)`` opens an HTML text as a file in a fresh page of
that width (every request routed: anything but the file itself and ``data:`` URIs is refused
and recorded), ``layout_problems(page)`` lists what a reader would see wrong (one
``page.evaluate``), ``print_problems(page, paper, pdf)`` the same in print layout on A4 or
Letter plus the PDF, and ``screenshot(page, path)`` saves the full page.

Chromium is Debian's (``chromium`` on PATH, installed by .ci/run), driven by Playwright: no
browser is ever downloaded. The report builders used by the tests and by
``tools/report_screenshots.py`` are here too, so both look at the same reports.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import warnings
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route

DATA = Path(__file__).parent / "data"
QUARTERS = {"NPS Q1": "nps", "NPS Q2": "nps", "NPS Q3": "nps", "NPS Q4": "nps"}


def chromium_path() -> str | None:
    """The system Chromium, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def launch(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless (no sandbox: CI runs as root in a container)."""
    path = chromium_path()
    if path is None:
        raise RuntimeError("no chromium on PATH")
    return playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])


@dataclass
class Visit:
    """What happened while a page was open: refused requests, dialogs, script errors."""

    external: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


_VISITS: weakref.WeakKeyDictionary[Page, Visit] = weakref.WeakKeyDictionary()


def visit(page: Page) -> Visit:
    """The requests refused, dialogs opened and script errors of a page opened by ``load``."""
    return _VISITS[page]


class ReportBrowser:
    """Opens report pages in one browser, each in its own context (closed by ``close``)."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self._contexts: list[BrowserContext] = []
        self._dir = Path(tempfile.mkdtemp(prefix="csmetrics-browser-"))

    def load(self, html_text: str, width: int, height: int = 900) -> Page:
        """The page ``html_text`` opened from a file, in a viewport ``width`` x ``height``."""
        path = self._dir / f"report-{len(self._contexts)}.html"
        path.write_text(html_text, encoding="utf-8")
        url = path.as_uri()
        context = self.browser.new_context(viewport={"width": width, "height": height})
        self._contexts.append(context)
        page = context.new_page()
        seen = Visit()
        _VISITS[page] = seen

        def route(route: Route) -> None:
            request_url = route.request.url
            if request_url == url or request_url.startswith("data:"):
                route.continue_()
            else:   # the report must be self-contained: nothing is fetched
                seen.external.append(request_url)
                route.abort()

        def dialog(d: Any) -> None:
            seen.dialogs.append(f"{d.type}: {d.message}")
            d.dismiss()

        page.route("**/*", route)
        page.on("dialog", dialog)
        page.on("pageerror", lambda exc: seen.errors.append(str(exc)))
        page.goto(url, wait_until="load")
        return page

    def close(self) -> None:
        """Close every page opened so far."""
        for context in self._contexts:
            context.close()
        self._contexts.clear()

    def cleanup(self) -> None:
        """Close the pages and remove their files."""
        self.close()
        shutil.rmtree(self._dir, ignore_errors=True)


# One pass over the rendered page, in its own file to be read (and edited) as JavaScript.
_LAYOUT_JS = (Path(__file__).parent / "browser_layout.js").read_text(encoding="utf-8")


def layout_problems(page: Page) -> list[str]:
    """What a reader would see wrong on the page, in words (empty: nothing found).

    Checked at the page's current viewport and media (tests/browser_layout.js):

    - the page wider than the viewport; an element scrolling sideways or cutting off its
      content (a one-pixel visually-hidden box aside); an element past the viewport's edges
      (outside any scrolling box);
    - each chart (a top-level ``<svg>``): a drawn part outside its box, clip paths counted;
      a part cut off by its plot area (matplotlib's axes clip), or a bar meeting the plot
      area's top with no room above unless every column does (a 100% chart); a legend over
      data (the browser's hit testing, every 3 px of the legend); two labels overlapping;
    - ``NaN``, ``nan``, ``None``, ``inf`` or ``null`` as words of the visible text;
    - snake_case words in headings, table headers, captions, legends, labels, chart text
      and sentences (``p``, ``li``, ``dt``, ``dd`` outside ``code`` and links, file names
      aside); ids with a number part (``cus_0323``) are data, not code names;
    - table cells whose text overflows them, or that break a value across lines.
    """
    problems: list[str] = page.evaluate(_LAYOUT_JS)
    return problems


# Paper sizes in millimetres, and the margins printed with when the page sets none (a page's
# own @page margins are what a person printing it gets, so they are used when set).
PAPERS = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
MARGIN_MM = 15.0
PX_PER_MM = 96 / 25.4

# The left, right, top and bottom margins of the page's @page rules, in CSS pixels (each
# null where unset), measured by the browser so that any unit works.
_PAGE_MARGINS_JS = """
() => {
  const found = {left: null, right: null, top: null, bottom: null};
  const rules = [];
  const gather = (list) => {
    for (const r of list) { rules.push(r); if (r.cssRules) gather(r.cssRules); }   // @media
  };
  for (const sheet of document.styleSheets) {
    try { gather(sheet.cssRules); } catch (e) { /* another origin: none here */ }
  }
  for (const rule of rules) {
    if (!(rule instanceof CSSPageRule) || rule.selectorText) continue;   // @page, no :first
    for (const side of Object.keys(found)) {
      const value = rule.style.getPropertyValue('margin-' + side);
      if (!value) continue;
      const probe = document.createElement('div');
      probe.style.cssText = 'position:absolute;visibility:hidden;width:' + value;
      document.body.append(probe);
      found[side] = probe.getBoundingClientRect().width;
      probe.remove();
    }
  }
  return [found.left, found.right, found.top, found.bottom];
}
"""


def page_margins(page: Page) -> tuple[float, float, float, float]:
    """The page's print margins in CSS pixels (left, right, top, bottom): its ``@page``
    rules' where set, else ``MARGIN_MM``."""
    sides: list[float | None] = page.evaluate(_PAGE_MARGINS_JS)
    left, right, top, bottom = (MARGIN_MM * PX_PER_MM if v is None else float(v)
                                for v in sides)
    return left, right, top, bottom


def printable_width(paper: str, margins: tuple[float, float] | None = None) -> int:
    """The width inside the left and right ``margins`` (CSS pixels; default ``MARGIN_MM``
    each) of ``paper``, in CSS pixels (96 per inch)."""
    left, right = margins or (MARGIN_MM * PX_PER_MM,) * 2
    return int(PAPERS[paper][0] * PX_PER_MM - left - right)


def pdf_pages(data: bytes) -> int:
    """The number of page objects in a PDF (``/Type /Page``, not ``/Pages``)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def print_problems(page: Page, paper: str, pdf: Path) -> list[str]:
    """``layout_problems`` in print layout on ``paper`` ("A4" or "Letter") at the width
    inside the page's print margins (``page_margins``), and the page printed to ``pdf`` with
    them; the page is left in screen media at its former viewport."""
    size = page.viewport_size
    page.emulate_media(media="print")
    try:
        left, right, top, bottom = page_margins(page)
        page.set_viewport_size({"width": printable_width(paper, (left, right)),
                                "height": size["height"] if size else 900})
        problems = [f"{paper}: {p}" for p in layout_problems(page)]
        page.pdf(path=str(pdf), format=paper, print_background=True,
                 margin={"top": f"{top}px", "bottom": f"{bottom}px", "left": f"{left}px",
                         "right": f"{right}px"})
    finally:
        page.emulate_media(media="screen")
        if size:
            page.set_viewport_size(size)
    data = pdf.read_bytes()
    if not data.startswith(b"%PDF-"):
        problems.append(f"{paper}: {pdf.name} is not a PDF")
    elif pdf_pages(data) < 1:
        problems.append(f"{paper}: {pdf.name} has no pages")
    return problems


def screenshot(page: Page, path: Path) -> Path:
    """The full page as a PNG at ``path``."""
    page.screenshot(path=str(path), full_page=True)
    return path


# The reports looked at.

def demo_portfolio() -> Any:
    """The demo portfolio of ``csmetrics report --demo``, every table."""
    import csmetrics as cm

    return cm.Portfolio(subscriptions=cm.datasets.demo_portfolio(),
                        surveys=cm.datasets.demo_surveys(), usage=cm.datasets.demo_usage(),
                        tickets=cm.datasets.demo_tickets())


def stripe_portfolio() -> Any:
    """The Stripe fixture of issue 9 (three currencies, converted to USD with its rates,
    its broken rows skipped) and the Delighted NPS export."""
    import csmetrics as cm
    from csmetrics.io.exports import read_fx_csv
    from csmetrics.io.presets import PresetExclusionWarning

    with warnings.catch_warnings():   # the rows left out are the fixture's point, not news
        warnings.simplefilter("ignore", PresetExclusionWarning)
        subs = cm.io.read_subscriptions_csv(DATA / "stripe_subscriptions.csv", preset="stripe",
                                            errors="skip")
    surveys = cm.io.read_surveys_csv(DATA / "delighted_nps.csv", preset="delighted",
                                     survey_names=QUARTERS)
    fx = read_fx_csv(str(DATA / "fx_rates.csv"), "USD")
    return cm.Portfolio(subscriptions=subs, surveys=surveys, fx=fx)


HOSTILE = "<script>alert(1)</script>"


def hostile_portfolio(customer_id: str = HOSTILE, plan: str = HOSTILE) -> Any:
    """The demo portfolio with one at-risk customer's id (in every table) and the names of
    its plans (for every customer on them) replaced by markup."""
    import csmetrics as cm

    victim = "cus_323"   # the first of the demo's at-risk list
    tables: list[Any] = []
    for make in (cm.datasets.demo_portfolio, cm.datasets.demo_surveys,
                 cm.datasets.demo_usage, cm.datasets.demo_tickets):
        table = make()
        cols = table.to_dict()
        mine = [c == victim for c in cols["customer_id"]]
        cols["customer_id"] = [customer_id if m else c
                               for c, m in zip(cols["customer_id"], mine, strict=True)]
        if "plan" in cols:
            plans = {p for p, m in zip(cols["plan"], mine, strict=True) if m}
            cols["plan"] = [plan if p in plans else p for p in cols["plan"]]
        tables.append(type(table).from_columns(cols))
    subs, surveys, usage, tickets = tables
    return cm.Portfolio(subscriptions=subs, surveys=surveys, usage=usage, tickets=tickets)
