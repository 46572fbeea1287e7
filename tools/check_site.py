"""Fail when a built documentation page shows a raw Sphinx role (``:class:`X```).

The site renders docstrings as Markdown; a role written for Sphinx would appear on the page
as it was typed. ``.ci/run`` runs this on the site it builds::

    python tools/check_site.py site/
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

ROLE = re.compile(r":(class|func|meth|mod|attr|data|exc|obj|ref):`")


def main(site: str) -> int:
    pages = sorted(Path(site).rglob("*.html"))
    if not pages:
        print(f"check_site: no HTML pages under {site}")
        return 1
    found = []
    for page in pages:
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
        found += [f"{page.relative_to(site)}: {m.group(0)}" for m in ROLE.finditer(text)]
    for line in found[:50]:
        print(line)
    print(f"check_site: {len(pages)} pages, {len(found)} raw Sphinx roles")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "site"))
