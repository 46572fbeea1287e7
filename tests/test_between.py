"""``between`` on survey and usage tables: one period alone, or a start and an end.

Row counts are worked by hand from the dates written below: each date's period is read off
it, and a period holds every day (and every time of day, UTC) from its first to its last day.
"""

from __future__ import annotations

import pytest

import csmetrics as cm

# One answer on each of these days: the edges of 2024-Q4 and days inside it.
SUBMITTED = ["2024-09-30", "2024-10-01", "2024-11-15", "2024-12-31", "2025-01-01"]


@pytest.fixture
def surveys() -> cm.SurveyTable:
    n = len(SUBMITTED)
    return cm.SurveyTable.from_columns({
        "customer_id": [f"c{i}" for i in range(n)], "survey": ["nps"] * n,
        "score": [9, 7, 3, 10, 6], "submitted_at": SUBMITTED})


@pytest.mark.parametrize(("period", "rows"), [
    ("2024-Q4", 3),        # 10-01, 11-15, 12-31; not 09-30 (Q3) nor 2025-01-01
    ("2024-12", 1),        # 12-31
    ("2024-11", 1),        # 11-15
    ("2024", 4),           # every 2024 day: 09-30 .. 12-31
    ("2025-Q1", 1),        # 2025-01-01
    ("2024-11-15", 1),     # a date alone is that day
    ("2024-08", 0),        # no answer in August
])
def test_one_period_alone_is_that_period(surveys: cm.SurveyTable, period: str,
                                         rows: int) -> None:
    assert len(surveys.between(period)) == rows


def test_one_period_is_the_period_from_its_start_to_its_end(surveys: cm.SurveyTable) -> None:
    q4 = surveys.between("2024-Q4")
    assert [str(d) for d in q4.submitted_at] == ["2024-10-01", "2024-11-15", "2024-12-31"]
    assert len(surveys.between("2024-Q4", "2024-Q4")) == 3
    assert len(surveys.between("2024-10", "2024-12")) == 3
    # Two arguments keep their meaning: the start of the first to the end of the second.
    assert len(surveys.between("2024-09", "2024-10")) == 2     # 09-30 and 10-01
    assert len(surveys.between("2024-Q3", "2025")) == 5


def test_nps_of_one_quarter(surveys: cm.SurveyTable) -> None:
    # Q4 answers 7, 3, 10: one promoter, one detractor of three -> NPS 0.
    assert float(cm.net_promoter_score(surveys.between("2024-Q4"))) == pytest.approx(0.0)


def test_usage_between_one_period_includes_every_time_of_its_last_day() -> None:
    events = cm.UsageTable.from_columns({
        "customer_id": ["a"] * 5, "user_id": [1, 2, 3, 4, 5],
        "at": ["2024-09-30T23:59:59", "2024-10-01T00:00:00", "2024-11-15T12:00:00",
               "2024-12-31T23:59:59", "2025-01-01T00:00:00"]})
    assert len(events.between("2024-Q4")) == 3      # users 2, 3 and 4
    assert sorted(events.between("2024-Q4").column("user_id").tolist()) == [2, 3, 4]
    assert len(events.between("2024-12")) == 1
    assert len(events.between("2024")) == 4
    assert len(events.between("2024-10", "2025-01")) == 4
    assert len(events.between("2024-09-30")) == 1   # a date: that UTC day


def test_a_bad_period_is_an_invalid_parameter_error() -> None:
    events = cm.UsageTable.from_columns({"customer_id": ["a"], "user_id": [1],
                                         "at": ["2024-10-01"]})
    with pytest.raises(cm.InvalidParameterError, match=r"UsageTable\.between"):
        events.between("2024-13")
