"""The shape of the package (ARCHITECTURE.md, issue 10): checked from the source, not by eye.

import-linter (run by ``.ci/run``) keeps the layers; these tests keep the rules it cannot
see: no cycle even through imports inside function bodies, no underscore name crossing a
subpackage boundary, no module over about 500 lines, and the one upward edge (a result's
``.plot()`` importing :mod:`csmetrics.plotting`) only inside ``plot`` methods.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "csmetrics"
MAX_LINES = 500


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _home(module: str) -> str:
    """The subpackage (or top-level module) a module belongs to: ``revenue``, ``results``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _resolve(importer: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = importer.split(".")
    is_package = MODULES[importer].name == "__init__.py"
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


class _Imports(ast.NodeVisitor):
    """Every runtime import of one module: (imported module, names, enclosing functions)."""

    def __init__(self, importer: str) -> None:
        self.importer = importer
        self.found: list[tuple[str, list[str], tuple[str, ...], int]] = []
        self.aliases: dict[str, str] = {}
        self.attributes: list[tuple[str, str, int]] = []
        self._stack: list[str] = []

    def visit_If(self, node: ast.If) -> None:
        if _type_checking(node):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._stack.append(node.name)
        self.generic_visit(node)
        self._stack.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.startswith("csmetrics"):
                self.found.append((alias.name, [], tuple(self._stack), node.lineno))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = _resolve(self.importer, node)
        if not module.startswith("csmetrics"):
            return
        names = [a.name for a in node.names]
        self.found.append((module, names, tuple(self._stack), node.lineno))
        for a in node.names:
            sub = f"{module}.{a.name}"
            if sub in MODULES:
                self.aliases[a.asname or a.name] = sub

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.value, ast.Name) and node.value.id in self.aliases:
            self.attributes.append((self.aliases[node.value.id], node.attr, node.lineno))
        self.generic_visit(node)


def _scan() -> dict[str, _Imports]:
    out = {}
    for name, path in MODULES.items():
        visitor = _Imports(name)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        out[name] = visitor
    return out


SCANNED = _scan()


def _target(module: str, name: str) -> str:
    """The module an import names: a submodule when ``name`` is one, else ``module``."""
    return f"{module}.{name}" if f"{module}.{name}" in MODULES else module


def test_no_import_cycles_even_inside_functions() -> None:
    # Module graph with every runtime import (function bodies included, TYPE_CHECKING not);
    # a package's __init__ re-exporting its modules is the package itself.
    graph: dict[str, set[str]] = defaultdict(set)
    for importer, scan in SCANNED.items():
        for module, names, _, _ in scan.found:
            targets = {_target(module, n) for n in names} or {module}
            for t in targets:
                if t in MODULES and t != importer and not importer.startswith(t + "."):
                    graph[importer].add(t)
    # Tarjan's strongly connected components.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def connect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in list(MODULES):
        if v not in index:
            connect(v)
    assert cycles == []


def test_no_underscore_name_crosses_a_subpackage() -> None:
    crossings = []
    for importer, scan in SCANNED.items():
        for module, names, _, line in scan.found:
            for name in names:
                if name.startswith("_") and not name.startswith("__") and (
                        _home(_target(module, name)) != _home(importer)):
                    crossings.append(f"{importer}:{line} imports {module}.{name}")
        for module, attr, line in scan.attributes:
            if attr.startswith("_") and not attr.startswith("__") and (
                    _home(module) != _home(importer)):
                crossings.append(f"{importer}:{line} uses {module}.{attr}")
    assert crossings == []


def test_plotting_is_imported_only_by_plot_methods() -> None:
    # The one upward edge: a result's .plot() delegating to csmetrics.plotting.
    upward = []
    for importer, scan in SCANNED.items():
        if _home(importer) in ("plotting", "plot", "cli"):   # plot: the charts' short names
            continue
        for module, names, functions, line in scan.found:
            homes = {_home(_target(module, n)) for n in names} or {_home(module)}
            if "plotting" in homes and (not functions or functions[-1] != "plot"):
                upward.append(f"{importer}:{line} (in {'.'.join(functions) or 'module'})")
    assert upward == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_is_at_most_about_500_lines(module: str) -> None:
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module} has {lines} lines: split it by concept"
