"""Write the demo and Stripe reports as a person would look at them, into one directory.

    python tools/report_screenshots.py DIR

For each report (``demo``: the demo portfolio with every table; ``stripe``: the Stripe
fixture of issue 9 with the Delighted answers; ``demo-nocharts``: the demo without charts),
``DIR`` gets the HTML file, full-page screenshots at 1280 and 800 px, and A4 and Letter PDFs,
and the layout problems tests/test_report_browser.py would report are printed. Needs
Playwright and Debian's Chromium (``chromium`` on PATH), and matplotlib for the charts.
Exit status 1 when any report has a problem.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from types import ModuleType

TESTS = Path(__file__).resolve().parents[1] / "tests"
WIDTHS = (1280, 800)


def harness() -> ModuleType:
    """tests/browser.py, the harness the tests use (the tests directory is not a package)."""
    sys.path.insert(0, str(TESTS))
    return importlib.import_module("browser")


def reports(b: ModuleType) -> dict[str, str]:
    """The HTML of each report, by name."""
    demo = b.demo_portfolio().report()
    stripe = b.stripe_portfolio().report()
    return {"demo": demo.to_html(charts=True), "stripe": stripe.to_html(charts=True),
            "demo-nocharts": demo.to_html(charts=False)}


def write(out: Path) -> int:
    """Write every file into ``out``; the number of problems found."""
    from playwright.sync_api import sync_playwright

    b = harness()
    out.mkdir(parents=True, exist_ok=True)
    found = 0
    with sync_playwright() as p:
        browser = b.launch(p)
        pages = b.ReportBrowser(browser)
        try:
            for name, html in reports(b).items():
                (out / f"{name}.html").write_text(html, encoding="utf-8")
                problems: list[str] = []
                for width in WIDTHS:
                    page = pages.load(html, width)
                    b.screenshot(page, out / f"{name}-{width}.png")
                    problems += [f"{width} px: {x}" for x in b.layout_problems(page)]
                    problems += [f"{width} px: requested {url}" for url in b.visit(page).external]
                for paper in b.PAPERS:
                    pdf = out / f"{name}-{paper.lower()}.pdf"
                    problems += b.print_problems(page, paper, pdf)
                pages.close()
                found += len(problems)
                print(f"{name}: {len(problems)} problems")
                for problem in problems:
                    print(f"  {problem}")
        finally:
            pages.cleanup()
            browser.close()
    print(f"written to {out}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="where to write (made if missing)")
    args = parser.parse_args(argv)
    return 1 if write(args.directory) else 0


if __name__ == "__main__":
    sys.exit(main())
