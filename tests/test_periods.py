"""Periods: parsing, fiscal years, ranges and snapshot grids."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import csmetrics as cm
from csmetrics.periods.calendar import Period, parse_frequency, period_range, snapshot_grid


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("2024-03", "2024-03", dt.date(2024, 3, 1), dt.date(2024, 3, 31)),
        ("2024-2", "2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),   # leap year
        ("2023-02", "2023-02", dt.date(2023, 2, 1), dt.date(2023, 2, 28)),
        ("2024-Q1", "2024-Q1", dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
        ("2024q4", "2024-Q4", dt.date(2024, 10, 1), dt.date(2024, 12, 31)),
        ("2024", "2024", dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    ],
)
def test_parse_calendar_periods(text: str, label: str, start: dt.date, end: dt.date) -> None:
    p = Period.parse(text)
    assert (str(p), p.start, p.end) == (label, start, end)


def test_fiscal_year_starting_in_april_is_named_after_its_end() -> None:
    fy = Period.parse("FY2025", "year-apr")
    assert (str(fy), fy.start, fy.end) == ("FY2025", dt.date(2024, 4, 1), dt.date(2025, 3, 31))
    q = Period.parse("FY2025-Q3", "quarter-apr")
    assert (str(q), q.start, q.end) == ("FY2025-Q3", dt.date(2024, 10, 1), dt.date(2024, 12, 31))
    # A calendar month lands in the fiscal period holding it.
    assert str(Period.parse("2025-02", "year-apr")) == "FY2025"
    assert str(Period.parse("2025-04", "year-apr")) == "FY2026"


def test_fiscal_period_needs_a_fiscal_frequency() -> None:
    with pytest.raises(cm.InvalidParameterError, match="fiscal frequency"):
        Period.parse("FY2025")
    # With a calendar frequency FY2024 is the calendar year.
    assert str(Period.parse("FY2024", "year")) == "2024"


def test_fiscal_quarters_off_the_calendar_grid() -> None:
    # Fiscal year from February: Q1 is Feb-Apr.
    q = Period.parse("2024-03", "quarter-feb")
    assert (str(q), q.start, q.end) == ("FY2025-Q1", dt.date(2024, 2, 1), dt.date(2024, 4, 30))


def test_period_arithmetic_and_range() -> None:
    assert str(Period.parse("2024-12") + 1) == "2025-01"
    assert str(Period.parse("2024-Q1") - 1) == "2023-Q4"
    assert [str(p) for p in period_range("2024-02", "2024-Q2", "quarter")] == ["2024-Q1",
                                                                               "2024-Q2"]
    with pytest.raises(cm.InvalidParameterError):
        period_range("2024-05", "2024-01")


def test_dates_are_not_periods() -> None:
    assert str(Period.parse("2024-03-15")) == "2024-03"
    assert str(Period.parse(dt.date(2024, 3, 15), "quarter")) == "2024-Q1"
    assert str(Period.parse(np.datetime64("2024-03", "M"))) == "2024-03"


@pytest.mark.parametrize("bad", ["2024-13", "24-01", "Q1-2024", "2024-02-30", "soon", ""])
def test_unreadable_periods(bad: str) -> None:
    with pytest.raises(cm.InvalidParameterError, match="cannot read"):
        Period.parse(bad)


def test_not_a_period_type() -> None:
    with pytest.raises(cm.InvalidParameterError):
        Period.parse(3.5)  # type: ignore[arg-type]
    with pytest.raises(cm.InvalidParameterError, match="NaT"):
        Period.parse(np.datetime64("NaT"))


@pytest.mark.parametrize("bad", ["weekly", "month-apr", "year-april", "fortnight"])
def test_unknown_frequencies(bad: str) -> None:
    with pytest.raises(cm.InvalidParameterError, match="freq"):
        parse_frequency(bad)


def test_frequency_names_round_trip() -> None:
    for name in ("month", "quarter", "year", "quarter-jul", "year-oct"):
        assert parse_frequency(name).name == name
    assert parse_frequency("Q").name == "quarter"


def test_snapshot_grid_for_periods_starts_at_the_previous_period_end() -> None:
    g = snapshot_grid("2024-01", "2024-03", "month")
    assert g.dates.astype(str).tolist() == ["2023-12-31", "2024-01-31", "2024-02-29",
                                            "2024-03-31"]
    assert g.labels == ("2024-01", "2024-02", "2024-03")


def test_snapshot_grid_for_dates_uses_the_dates() -> None:
    g = snapshot_grid("2024-01-15", "2024-03-10", "month")
    assert g.dates.astype(str).tolist() == ["2024-01-15", "2024-01-31", "2024-02-29",
                                            "2024-03-10"]
    assert g.labels == ("2024-01", "2024-02", "2024-03")
    g = snapshot_grid("2024-01-31", "2024-02-29", "month")
    assert g.dates.astype(str).tolist() == ["2024-01-31", "2024-02-29"]
