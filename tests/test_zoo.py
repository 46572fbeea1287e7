"""The records path and the columns path accept and refuse the same values and build identical
tables (docs/data.md), for every odd value of the shared zoo in every field of every table.

Each value goes in alone and after a valid row (a column then mixes it with clean values),
through ``Table.from_records([dict, ...])`` and ``Table.from_columns({field: [values]})``.
Anything but a table or a ``CSMetricsError`` fails the test (the error contract); a value one
path accepts and the other refuses, or two different tables, is a disagreement.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import fields
from typing import Any

import numpy as np
import pytest

import csmetrics as cm
from csmetrics.exceptions import CSMetricsError
from zoo import BASE_ROWS, TABLES, ZOO

CASES = [(kind, name) for kind, row in BASE_ROWS.items() for name in row]


def _outcome(build: Callable[[], Any]) -> tuple[str, Any]:
    """("ok", table) or ("refused", the error); any other exception escapes (and fails)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return "ok", build()
        except CSMetricsError as exc:
            return "refused", exc


def _same_array(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "O":
        return [(type(x), x) for x in a.tolist()] == [(type(y), y) for y in b.tolist()]
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fcmM"))


def differences(a: Any, b: Any) -> list[str]:
    """The fields in which two tables differ (arrays by dtype and value, types included)."""
    out = []
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            same = isinstance(y, np.ndarray) and _same_array(x, y)
        elif f.name == "skipped":
            same = x.to_dict() == y.to_dict()
        elif f.name == "segments":
            same = x.keys() == y.keys() and all(
                _same_array(x[k][0], y[k][0]) and _same_array(x[k][1], y[k][1]) for k in x)
        else:
            same = dict(x) == dict(y) if hasattr(x, "keys") else x == y
        if not same:
            out.append(f.name)
    return out


def _paths(kind: str, rows: list[dict[str, Any]]) -> tuple[tuple[str, Any], tuple[str, Any]]:
    table = TABLES[kind]
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    return (_outcome(lambda: table.from_records(rows)),
            _outcome(lambda: table.from_columns(columns)))


def disagreements(kind: str, field: str) -> list[str]:
    """Every zoo value on which the two paths disagree, in a readable line each."""
    base = BASE_ROWS[kind]
    found = []
    for label, value in ZOO.items():
        for position, rows in (("alone", [{**base, field: value}]),
                               ("after a valid row", [dict(base), {**base, field: value}])):
            (rec, rec_out), (col, col_out) = _paths(kind, rows)
            where = f"{field}={label} ({position})"
            if rec != col:
                said = rec_out if rec == "refused" else col_out
                found.append(f"{where}: records {rec}, columns {col}: {said}")
            elif rec == "ok" and (diff := differences(rec_out, col_out)):
                found.append(f"{where}: tables differ in {', '.join(diff)}")
    return found


@pytest.mark.parametrize(("kind", "field"), CASES, ids=[f"{k}-{f}" for k, f in CASES])
def test_records_and_columns_agree_on_every_odd_value(kind: str, field: str) -> None:
    found = disagreements(kind, field)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("kind", list(TABLES))
def test_the_valid_rows_build_the_same_table_both_ways(kind: str) -> None:
    (rec, a), (col, b) = _paths(kind, [BASE_ROWS[kind]])
    assert (rec, col) == ("ok", "ok"), (a, b)
    assert len(a) == 1
    assert differences(a, b) == []


def test_the_comparison_sees_a_difference() -> None:
    # The check must be able to fail: two tables that differ in one amount.
    a = cm.PaymentTable.from_columns({"customer_id": ["c0"], "date": ["2024-01-01"],
                                      "amount": [10]})
    b = cm.PaymentTable.from_columns({"customer_id": ["c0"], "date": ["2024-01-01"],
                                      "amount": [11]})
    assert "amount" in differences(a, b)
    c = cm.PaymentTable.from_columns({"customer_id": [1], "date": ["2024-01-01"],
                                      "amount": [10]})
    assert "customer_ids" in differences(a, c)


def _frames(columns: dict[str, list[Any]]) -> dict[str, Any]:
    """The columns as a pandas DataFrame, a pyarrow Table and a polars DataFrame, each where
    the library can hold them as they are (polars strictly: no coercion of its own)."""
    import pandas as pd
    import polars as pl
    import pyarrow as pa

    out = {}
    for form, make in (("pandas", pd.DataFrame), ("arrow", pa.table), ("polars", pl.DataFrame)):
        try:
            out[form] = make(columns)
        except (Exception, pl.exceptions.PanicException):
            continue
    return out


@pytest.mark.parametrize("kind", list(TABLES))
def test_dataframes_and_arrow_build_what_lists_build(kind: str) -> None:
    # docs/data.md: a mapping of lists, a pandas or polars DataFrame and a pyarrow Table
    # build the same table through the same checks.
    base, table, found, compared = BASE_ROWS[kind], TABLES[kind], [], 0
    for field in base:
        for label, value in ZOO.items():
            rows = [dict(base), {**base, field: value}]
            columns = {name: [row[name] for row in rows] for name in base}
            expected, built = _outcome(lambda c=columns: table.from_columns(c))
            for form, frame in _frames(columns).items():
                compared += 1
                got, out = _outcome(lambda f=frame: table.from_columns(f))
                if got != expected:
                    found.append(f"{field}={label} as {form}: {got}, as lists {expected}")
                elif got == "ok" and (diff := differences(built, out)):
                    found.append(f"{field}={label} as {form}: tables differ in {diff}")
    assert compared > len(base) * len(ZOO)  # (most values fit one library or more)
    assert not found, "\n".join(found)
