"""The documentation cannot fall behind the package.

docs/api.md, docs/results.md and docs/errors.md are written by tools/gen_api.py from
``csmetrics.__all__``; the site renders docstrings as Markdown, so no docstring may carry a raw
Sphinx role (``:class:`X```), which would show on the built page as it is written.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

import csmetrics
from csmetrics.results import TableResult
from tools_loader import gen_api

ROOT = Path(__file__).resolve().parents[1]
ROLE = re.compile(r":(class|func|meth|mod|attr|data|exc|obj|ref|py:\w+):`")


def _generator():  # type: ignore[no-untyped-def]
    return gen_api()


@pytest.mark.parametrize("page", ["api.md", "results.md", "errors.md"])
def test_generated_pages_are_up_to_date(page: str) -> None:
    gen = _generator()
    committed = (ROOT / "docs" / page).read_text(encoding="utf-8")
    assert committed == gen.PAGES[page](), f"docs/{page} is stale: run python tools/gen_api.py"


def test_every_public_name_is_in_the_api_reference() -> None:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    public = [n for n in csmetrics.__all__ if not n.startswith("__")
              and not inspect.ismodule(getattr(csmetrics, n))]
    assert [n for n in public if f"::: csmetrics.{n}\n" not in text] == []


def test_no_sphinx_roles_in_docstrings() -> None:
    found = []
    for path in sorted((ROOT / "src" / "csmetrics").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                          | ast.AsyncFunctionDef):
                doc = ast.get_docstring(node, clean=False) or ""
                for match in ROLE.finditer(doc):
                    found.append(f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 1)} "
                                 f"{match.group(0)}")
    assert found == []


def test_every_public_function_and_input_class_has_a_runnable_example() -> None:
    lacking = []
    for name in csmetrics.__all__:
        obj = getattr(csmetrics, name)
        if name.startswith("__") or inspect.ismodule(obj):
            continue
        if inspect.isclass(obj) and (issubclass(obj, BaseException | Warning)
                                     or issubclass(obj, TableResult)):
            continue  # errors and results are documented on their own pages
        if ">>>" not in (inspect.getdoc(obj) or ""):
            lacking.append(name)
    assert lacking == []
