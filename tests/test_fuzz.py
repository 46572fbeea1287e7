"""Fuzz: every table constructor and every CSV reader, fed garbage, ends in a table or a
CSMetricsError, never in any other exception (the error contract).

Garbage is drawn from the shared zoo of odd values (tests/zoo.py) and from hypothesis' own
text, bytes, numbers, dates and containers; columns get random lengths and names, records
random fields, CSV files random bytes, random text and random cells under a valid header.
Example counts are a quarter of the hypothesis profile's (HYPOTHESIS_PROFILE=ci keeps them
small; HYPOTHESIS_PROFILE=deep runs 500 of each, for a long search).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import csmetrics as cm
from csmetrics.exceptions import CSMetricsError
from zoo import BASE_ROWS, TABLES, ZOO

READERS: dict[str, Callable[..., Any]] = {
    "subscriptions": cm.read_subscriptions_csv,
    "usage": cm.read_usage_csv,
    "tickets": cm.read_tickets_csv,
    "surveys": cm.read_surveys_csv,
}

garbage = st.one_of(
    st.sampled_from(list(ZOO.values())),
    st.text(max_size=12),
    st.binary(max_size=8),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.dates(),
    st.datetimes(),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.lists(st.integers(), max_size=2),
    st.tuples(st.text(max_size=2)),
)
"""One hostile cell."""

plausible = st.one_of(
    st.sampled_from(["c0", "c1", 7, "2024-01-01", "2024-01-01T10:00:00Z", 10, 0.5, "nps",
                     "month", "USD", 1, None]),
    garbage,
)
"""A cell that is often valid, so that rows get far enough to meet the later rules."""


FUZZ = settings(max_examples=max(10, settings.default.max_examples // 4),
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
"""A quarter of the profile's examples: the suite stays fast; the tmp_path of the file tests
is shared by their examples, each of which rewrites the one file."""


def ends_well(build: Callable[[], Any]) -> None:
    """Run ``build``: a result or a ``CSMetricsError`` is fine; anything else fails."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.suppress(CSMetricsError):
            build()


@st.composite
def columns_of(draw: st.DrawFn, kind: str) -> dict[str, list[Any]]:
    """Some of a table's fields (and maybe a stray name), cells drawn cell by cell, usually
    one length for every column."""
    names = draw(st.lists(st.sampled_from([*BASE_ROWS[kind], "extra", "Customer_ID", ""]),
                          unique=True, max_size=8))
    n = draw(st.integers(0, 4))
    out = {}
    for name in names:
        size = n if draw(st.integers(0, 9)) else draw(st.integers(0, 4))
        out[name] = draw(st.lists(plausible, min_size=size, max_size=size))
    return out


@st.composite
def records_of(draw: st.DrawFn, kind: str) -> list[Any]:
    """A list of records: mappings of the table's fields (the base row with some fields
    replaced or dropped, or unknown keys added), now and then something that is no mapping."""
    out: list[Any] = []
    for _ in range(draw(st.integers(0, 3))):
        if not draw(st.integers(0, 9)):
            out.append(draw(garbage))
            continue
        row = dict(BASE_ROWS[kind])
        for name in draw(st.lists(st.sampled_from([*row, "extra"]), max_size=3)):
            if draw(st.booleans()):
                row[name] = draw(garbage)
            else:
                row.pop(name, None)
        out.append(row)
    return out


_TYPED = [None, "int64", "float64", "bool", "complex128", "S4", "U4", "datetime64[ns]",
          "datetime64[D]", "timedelta64[s]", "float16", "uint8"]


def as_container(cols: dict[str, list[Any]], form: str, dtypes: list[str | None]) -> Any:
    """The columns as a dict of lists or of (typed) numpy arrays, a pandas DataFrame, a
    polars DataFrame or a pyarrow Table; the dict of lists when the library itself refuses
    the values (that is no input of ours)."""
    import numpy as np
    import pandas as pd
    import polars as pl
    import pyarrow as pa

    try:
        if form == "numpy":
            return {k: np.array(v, dtype=d) if d else np.array(v)
                    for (k, v), d in zip(cols.items(), dtypes, strict=False)}
        if form == "pandas":
            return pd.DataFrame(cols)
        if form == "polars":
            return pl.DataFrame(cols, strict=False)
        if form == "arrow":
            return pa.table(cols)
    except (Exception, pl.exceptions.PanicException):
        pass  # refused to build it (polars may even panic): plain lists then
    return cols


@pytest.mark.parametrize("kind", list(TABLES))
@FUZZ
@given(data=st.data())
def test_from_columns_of_garbage(kind: str, data: st.DataObject) -> None:
    cols = data.draw(columns_of(kind))
    form = data.draw(st.sampled_from(["lists", "numpy", "pandas", "polars", "arrow"]))
    dtypes = data.draw(st.lists(st.sampled_from(_TYPED), min_size=len(cols),
                                max_size=len(cols)))
    errors = data.draw(st.sampled_from(["raise", "skip"]))
    source = as_container(cols, form, dtypes)
    ends_well(lambda: TABLES[kind].from_columns(source, errors=errors))


@pytest.mark.parametrize("kind", list(TABLES))
@FUZZ
@given(data=st.data())
def test_from_records_of_garbage(kind: str, data: st.DataObject) -> None:
    records = data.draw(records_of(kind))
    errors = data.draw(st.sampled_from(["raise", "skip"]))
    ends_well(lambda: TABLES[kind].from_records(records, errors=errors))


@pytest.mark.parametrize("kind", list(TABLES))
@FUZZ
@given(data=garbage)
def test_from_columns_and_records_of_something_else(kind: str, data: Any) -> None:
    ends_well(lambda: TABLES[kind].from_columns(data))
    ends_well(lambda: TABLES[kind].from_records(data))


@FUZZ
@given(cols=st.dictionaries(st.sampled_from(["date", "currency", "rate", "Rate", "x"]),
                            st.lists(plausible, max_size=3), max_size=4),
       reporting=st.one_of(st.sampled_from(["USD", "eur", ""]), garbage))
def test_fx_rates_from_columns_of_garbage(cols: dict[str, list[Any]], reporting: Any) -> None:
    ends_well(lambda: cm.FxRates.from_columns(cols, reporting_currency=reporting))


@FUZZ
@given(rates=st.one_of(st.dictionaries(st.one_of(st.sampled_from(["EUR", "gbp", "XXX", ""]),
                                                 st.text(max_size=4), st.integers(), st.none(),
                                                 st.floats(), st.binary(max_size=3)),
                                       garbage, max_size=3), garbage),
       reporting=st.one_of(st.sampled_from(["USD", "EUR"]), garbage))
def test_fx_rates_constant_of_garbage(rates: Any, reporting: Any) -> None:
    ends_well(lambda: cm.FxRates.constant(rates, reporting_currency=reporting))




@pytest.mark.parametrize("kind", list(READERS))
@FUZZ
@given(content=st.binary(max_size=200))
def test_csv_readers_on_random_bytes(kind: str, content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(content)
    ends_well(lambda: READERS[kind](path))


@pytest.mark.parametrize("kind", list(READERS))
@FUZZ
@given(content=st.text(max_size=200))
def test_csv_readers_on_random_text(kind: str, content: str, tmp_path: Path) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_text(content, encoding="utf-8")
    ends_well(lambda: READERS[kind](path))


_CELL = st.one_of(st.sampled_from(["", " ", "c0", "2024-01-01", "2024-01-01T10:00:00Z",
                                   "10", "-1", "1e400", "nan", "nps", "month", "usd", '"',
                                   '""', "a,b", "\u200b", "0000-01-01"]),
                  st.text(max_size=10))


@pytest.mark.parametrize("kind", list(READERS))
@FUZZ
@given(data=st.data())
def test_csv_readers_on_random_cells(kind: str, data: st.DataObject, tmp_path: Path) -> None:
    header = list(BASE_ROWS[kind])
    if kind == "surveys":
        header = [h for h in header if h != "respondent_id"]
    rows = data.draw(st.lists(st.lists(_CELL, min_size=len(header) - 1,
                                       max_size=len(header) + 1), max_size=4))
    quote = data.draw(st.booleans())
    lines = [",".join(header)]
    for row in rows:
        cells = [f'"{c}"' if quote and '"' not in c else c for c in row]
        lines.append(",".join(cells).replace("\n", " ").replace("\r", " "))
    path = tmp_path / "fuzz.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = data.draw(st.sampled_from(["raise", "skip"]))
    ends_well(lambda: READERS[kind](path, errors=errors))


def test_the_fuzz_would_see_an_escape() -> None:
    # ends_well must fail on anything that is not a CSMetricsError.
    def boom() -> None:
        raise TypeError("escaped")

    with pytest.raises(TypeError):
        ends_well(boom)
    ends_well(lambda: (_ for _ in ()).throw(cm.InvalidParameterError("fine")))
