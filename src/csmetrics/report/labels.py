"""What people read in a report: column labels, cells formatted by kind, and wide tables cut
into blocks that fit a page or a terminal.

A cell is formatted by its column's *kind*: ``money`` (thousands separators, the currency's
minor unit), ``percent`` (a fraction shown as ``40.2%``), ``count`` (``1,234``), ``score``
(one decimal), ``number`` (up to two decimals), ``bool`` (yes/no), ``date`` or ``text``. An
undefined value (NaN, None, NaT) is an em dash, and the section says why in a footnote.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from csmetrics._core.formatting import format_money, format_number, format_percent
from csmetrics.results import TableResult

DASH = "—"
"""Shown for an undefined value."""

_LABELS = {
    "starting_mrr": "Starting MRR", "ending_mrr": "Ending MRR", "fx": "Currency effect",
    "new_customers": "New customers", "churned_customers": "Churned customers",
    "reactivated_customers": "Reactivated customers", "ending_customers": "Customers at end",
    "starting_customers": "Customers at start", "logo_churn_rate": "Logo churn",
    "ci_low": "95% CI low", "ci_high": "95% CI high", "n": "Answers", "p_value": "p-value",
    "customer_id": "Customer", "cumulative_mrr": "Cumulative MRR", "mrr_share": "Share of MRR",
    "window_start": "Window start", "cohort": "Cohort", "over_limit": "Over limit",
    "sum_of_mrr": "MRR", "value": "Value", "metric": "Metric", "definition": "Definition",
    "significant": "Significant change",
}
_ACRONYMS = {"mrr", "arr", "nrr", "grr", "nps", "csat", "ces", "arpa", "ltv", "clv", "fx",
             "id", "ci", "km", "asp", "sla"}
_NUMERIC = ("money", "percent", "score", "number", "count")
_SNAKE = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)+")


def label(name: str) -> str:
    """The label of a column or measure: a known name's label, else its words with acronyms
    in capitals and the first letter capitalised.

    Examples
    --------
    >>> label("starting_mrr"), label("active_users_trend"), label("arpa"), label("3")
    ('Starting MRR', 'Active users trend', 'ARPA', '3')
    """
    if name in _LABELS:
        return _LABELS[name]
    words = [w.upper() if w in _ACRONYMS else w for w in name.split("_") if w]
    if not words:
        return name
    text = " ".join(words)
    return text[0].upper() + text[1:]


def label_lower(name: str) -> str:
    """The label of ``name`` inside a sentence: lower case, acronyms kept.

    Examples
    --------
    >>> label_lower("active_users_trend"), label_lower("mrr_change"), label_lower("nps")
    ('active users trend', 'MRR change', 'NPS')
    """
    text = label(name)
    first = text.split(" ")[0]
    return text if first.isupper() else text[0].lower() + text[1:]


def humanize(text: str) -> str:
    """``text`` with every snake_case name in it replaced by its label (in lower case where
    it is not the first word), for titles built from column names.

    Examples
    --------
    >>> humanize("MRR on 2024-12-31 by plan_family")
    'MRR on 2024-12-31 by plan family'
    """
    def one(match: re.Match[str]) -> str:
        name = match.group(0)
        return label(name) if match.start() == 0 else label_lower(name)

    return _SNAKE.sub(one, text)


def undefined(value: Any) -> bool:
    """Whether ``value`` is undefined: None, NaN or NaT.

    Examples
    --------
    >>> undefined(None), undefined(float("nan")), undefined(0.0), undefined("x")
    (True, True, False, False)
    """
    if value is None:
        return True
    if isinstance(value, float | np.floating):
        return bool(math.isnan(value))
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    return False


def kind_of(table: TableResult, name: str) -> str:
    """The default kind of column ``name``: money columns are money, integers counts, floats
    numbers, booleans yes/no, datetimes dates, the rest text."""
    dtype = table[name].dtype.kind
    if name in table.money and dtype in "iuf":
        return "money"
    return {"i": "count", "u": "count", "f": "number", "b": "bool", "M": "date"}.get(
        dtype, "text")


def cell(value: Any, kind: str, digits: int = 2) -> str:
    """One value as text, by its kind (see the module documentation).

    Examples
    --------
    >>> cell(1102.3643, "money"), cell(0.4024, "percent"), cell(float("nan"), "number")
    ('1,102.36', '40.2%', '—')
    >>> cell(17.34, "score"), cell(3, "count"), cell(True, "bool"), cell(1.875, "number")
    ('17.3', '3', 'yes', '1.88')
    """
    if undefined(value):
        return DASH
    if kind == "bool":
        return "yes" if value else "no"
    numeric = isinstance(value, int | float | np.number) and not isinstance(value, bool | np.bool_)
    if kind in _NUMERIC and not numeric:
        return str(value)
    if kind == "money":
        return format_money(value, digits)
    if kind == "percent":
        return format_percent(value)
    if kind == "score":
        return f"{float(value):,.1f}"
    if kind == "count":
        return f"{int(value):,}"
    if kind == "number":
        return format_number(value, 2)
    if kind == "date":
        return str(np.datetime64(value, "D"))
    return str(value)


Formats = Mapping[str, "str | Sequence[str]"]


def table_cells(table: TableResult, formats: Formats) -> tuple[list[str], list[list[str]],
                                                                   int]:
    """Labels, formatted rows and the number of undefined cells of ``table``.

    ``formats`` maps a column to its kind, or to one kind per row (a metric/value table
    whose rows hold rates and ratios); other columns take ``kind_of``.
    """
    names = list(table.column_names)
    digits = table.digits.tolist()
    columns: list[list[str]] = []
    dashes = 0
    for name in names:
        values = table[name].tolist()
        given = formats.get(name)
        kinds = ([given] * len(values) if isinstance(given, str) else list(given)
                 if given is not None else [kind_of(table, name)] * len(values))
        column = [cell(v, k, d) for v, k, d in zip(values, kinds, digits, strict=True)]
        dashes += sum(undefined(v) for v in values)
        columns.append(column)
    rows = [list(r) for r in zip(*columns, strict=True)] if columns else []
    return [label(n) for n in names], rows, dashes


def numeric_columns(table: TableResult, formats: Formats) -> list[bool]:
    """Which columns hold numbers (aligned right)."""
    out = []
    for name in table.column_names:
        given = formats.get(name)
        kind = (given if isinstance(given, str) else kind_of(table, name) if given is None
                else "number")
        out.append(kind in _NUMERIC)
    return out


def blocks(widths: Sequence[float], limit: float, keys: int = 1) -> list[list[int]]:
    """Columns grouped into blocks no wider than ``limit``, each block starting with the
    first ``keys`` columns (the row labels) again.

    Examples
    --------
    >>> blocks([8, 10, 10, 10, 10], 30)
    [[0, 1, 2], [0, 3, 4]]
    >>> blocks([8, 10], 5)     # a column wider than the limit still gets a block
    [[0, 1]]
    """
    key = list(range(min(keys, len(widths))))
    base = sum(widths[i] for i in key)
    out: list[list[int]] = []
    current: list[int] = []
    used = base
    for i in range(len(key), len(widths)):
        if current and used + widths[i] > limit:
            out.append(key + current)
            current, used = [], base
        current.append(i)
        used += widths[i]
    if current or not out:
        out.append(key + current)
    return out
