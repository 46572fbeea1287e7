"""Write docs/api.md, docs/results.md and docs/errors.md from ``csmetrics.__all__``.

The API reference lists every public name, grouped like the folders the names live in, so a
page can never fall behind the package: ``tests/test_docs.py`` fails when the committed pages
differ from what this script writes. Run it after adding or moving a public name::

    python tools/gen_api.py
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import csmetrics  # noqa: E402
from csmetrics.results import TableResult  # noqa: E402

# Folder (first component under csmetrics) -> heading, in reading order.
GROUPS = [
    ("tables", "Tables and records", "The validated inputs every metric reads."),
    ("revenue", "Revenue: MRR, movements, churn, retention",
     "Metrics of subscription spans; every one shares the bridge engine."),
    ("value", "Value: cohorts, survival, lifetime value",
     "Cohort tables, Kaplan-Meier lifetimes, CLV formulas and models, transactional value."),
    ("surveys", "Surveys: NPS, CSAT, CES", "Scores with intervals, comparisons and trends."),
    ("usage", "Usage", "Active users, stickiness, adoption, licence utilization, time to value."),
    ("support", "Support", "First contact resolution and open tickets."),
    ("health", "Health", "Scorecards, explanations, roll-ups, trends and the standard signals."),
    ("report", "Reports", "A portfolio of tables and one report of every metric."),
    ("io", "Reading and writing files", "CSV readers with file and line errors."),
    ("periods", "Periods", "Calendar and fiscal periods."),
    ("policies", "Policies", "The choices that make vendors disagree."),
    ("fx", "Exchange rates", "Dated rates into a reporting currency."),
    ("results", "Results", "What every metric returns (see [Result types](results.md))."),
    ("exceptions", "Errors and warnings", "See [Errors](errors.md)."),
]
MODULES = ["datasets", "plotting"]


def _home(obj: object) -> str:
    module = getattr(obj, "__module__", "") or ""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _public() -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {key: [] for key, _, _ in GROUPS}
    for name in csmetrics.__all__:
        if name.startswith("__") or inspect.ismodule(getattr(csmetrics, name)):
            continue
        home = _home(getattr(csmetrics, name))
        if home not in grouped:
            raise SystemExit(f"csmetrics.{name} lives in {home!r}: give that folder a group")
        grouped[home].append(name)
    return grouped


def _order(names: list[str]) -> list[str]:
    """Functions first (the metrics), then classes, each alphabetically."""
    def key(name: str) -> tuple[int, str]:
        return (inspect.isclass(getattr(csmetrics, name)), name.lower())
    return sorted(names, key=key)


def api() -> str:
    out = ["# API reference", "",
           "Every public name of `csmetrics`, grouped like the folders it lives in. The "
           "contract every metric keeps (signature, `by=`, results, errors) is on the "
           "[conventions](conventions.md) page.", ""]
    for key, title, blurb in GROUPS:
        names = _public()[key]
        if not names:
            continue
        out += [f"## {title}", "", blurb, ""]
        out += [f"::: csmetrics.{name}" for name in _order(names)]
        out.append("")
    for module in MODULES:
        out += [f"## `csmetrics.{module}`", "", f"::: csmetrics.{module}", "    options:",
                "      show_root_heading: false", "      members: true", ""]
    return "\n".join(out)


def results() -> str:
    classes = sorted(
        (name for name in csmetrics.__all__ if inspect.isclass(getattr(csmetrics, name))
         and issubclass(getattr(csmetrics, name), TableResult)), key=str.lower)
    out = ["# Result types", "",
           "Every metric returns one of these, whatever its options or the type of its input. "
           "Each is a table of named, read-only columns: one row without `by=`, one row per "
           "segment with it. With one row, `result.value` and `float(result)` give the "
           "number of the value column; `result.row(label)` picks a segment; every result "
           "prints, renders HTML in Jupyter and converts with `to_dict()`, `to_pandas()` and "
           "`to_polars()`.", "",
           "| result | returned by | value column |", "|---|---|---|"]
    returns: dict[str, list[str]] = {c: [] for c in classes}
    for name in csmetrics.__all__:
        obj = getattr(csmetrics, name)
        if inspect.isfunction(obj):
            annotation = str(inspect.signature(obj).return_annotation).strip("'\"")
            if annotation in returns:
                returns[annotation].append(f"`{name}`")
    for cls in classes:
        value = _value_column(getattr(csmetrics, cls))
        out.append(f"| [`{cls}`](#csmetrics.{cls}) | {', '.join(returns[cls]) or '-'} "
                   f"| {value} |")
    out.append("")
    out += [f"::: csmetrics.{cls}" for cls in classes]
    out.append("")
    return "\n".join(out)


def _value_column(cls: type) -> str:
    doc = inspect.getdoc(cls) or ""
    for line in doc.splitlines():
        if "value column" in line.lower() and "``" in line:
            return "`" + line.split("``")[1] + "`"
    return "named per metric" if cls.__name__ in ("MetricResult", "TableResult") else "-"


def errors() -> str:
    import csmetrics.exceptions as exc

    names = sorted(exc.__all__, key=lambda n: (n != "CSMetricsError", n.lower()))
    out = ["# Errors and warnings", "",
           "Only a result or a `CSMetricsError` leaves csmetrics. Each error also derives from "
           "the built-in a caller would expect, so code written against the built-ins keeps "
           "working:", "", "| error | also a | raised when |", "|---|---|---|"]
    for name in names:
        cls = getattr(exc, name)
        builtin = ", ".join(b.__name__ for b in cls.__mro__[1:] if b.__module__ == "builtins"
                            and b not in _ABSTRACT)
        summary = " ".join((inspect.getdoc(cls) or "").split("\n\n")[0].split())
        out.append(f"| `{name}` | {builtin or '-'} | {summary} |")
    out.append("")
    out += [f"::: csmetrics.exceptions.{name}" for name in names]
    out.append("")
    return "\n".join(out)


_ABSTRACT = (object, BaseException, Exception, LookupError, Warning)

PAGES = {"api.md": api, "results.md": results, "errors.md": errors}


def main() -> None:
    for page, build in PAGES.items():
        (ROOT / "docs" / page).write_text(build(), encoding="utf-8")
        print(f"wrote docs/{page}")


if __name__ == "__main__":
    main()
