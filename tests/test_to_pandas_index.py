"""``to_pandas()`` indexes a result by its segment and its period (a ``pandas.PeriodIndex``).

The expected frames are worked by hand from the rows written in each test: which labels go
to the index, which frequency pandas gives them, and which values stay in which row.
"""

from __future__ import annotations

import numpy as np
import pytest

import csmetrics as cm
from csmetrics import Subscription
from csmetrics.periods import Period
from csmetrics.results import MetricResult, TableResult

pd = pytest.importorskip("pandas")


def test_a_period_column_is_a_monthly_period_index() -> None:
    r = TableResult({"period": ["2024-10", "2024-11", "2024-12"], "mrr": [10.0, 20.0, 30.0]})
    frame = r.to_pandas()
    assert isinstance(frame.index, pd.PeriodIndex)
    assert frame.index.freqstr == "M"
    assert frame.index.name == "period"
    assert list(frame.columns) == ["mrr"]
    assert frame["mrr"].tolist() == [10.0, 20.0, 30.0]
    assert frame.index[0] == pd.Period("2024-10", freq="M")
    # A pandas operation on the index: the quarter 2024-Q4 holds the three months.
    assert frame.loc["2024-Q4", "mrr"].sum() == 60.0


@pytest.mark.parametrize(("labels", "freq", "first"), [
    (["2024-Q3", "2024-Q4"], "Q", pd.Period("2024-07-01", freq="Q")),
    (["2023", "2024"], "Y", pd.Period("2023-06-30", freq="Y")),
    (["2024-03-30", "2024-03-31"], "D", pd.Period("2024-03-30", freq="D")),
    # ISO week 2024-W01 runs Monday 1 January to Sunday 7 January 2024.
    (["2024-W01", "2024-W02"], "W-SUN", pd.Period("2024-01-03", freq="W-SUN")),
])
def test_quarter_year_day_and_week_labels_get_their_frequency(
        labels: list[str], freq: str, first: object) -> None:
    frame = TableResult({"period": labels, "x": [1, 2]}).to_pandas()
    assert isinstance(frame.index, pd.PeriodIndex)
    assert frame.index.freqstr.split("-")[0] == freq.split("-")[0]
    assert frame.index[0] == first
    assert frame["x"].tolist() == [1, 2]


def test_csmetrics_periods_in_the_column_are_read_by_their_label() -> None:
    periods = [Period.parse("2024-Q1"), Period.parse("2024-Q2")]
    frame = TableResult({"period": np.array(periods, dtype=object), "x": [1, 2]}).to_pandas()
    assert frame.index.freqstr.startswith("Q")
    assert [str(p) for p in frame.index] == ["2024Q1", "2024Q2"]


@pytest.mark.parametrize("labels", [["FY2025-Q1", "FY2025-Q2"], ["2024-03", "2024-Q2"]])
def test_fiscal_or_mixed_labels_stay_strings(labels: list[str]) -> None:
    # pandas has no period for an April fiscal quarter; a wrong date would be worse than text.
    frame = TableResult({"period": labels, "x": [1, 2]}).to_pandas()
    assert not isinstance(frame.index, pd.PeriodIndex)
    assert frame.index.tolist() == labels
    assert frame.index.name == "period"


def test_an_empty_series_keeps_an_empty_text_index() -> None:
    frame = TableResult({"period": np.array([], dtype=object),
                         "x": np.array([], dtype=float)}).to_pandas()
    assert len(frame) == 0
    assert frame.index.name == "period"


def test_segment_and_period_are_a_multiindex_grouped_by_segment() -> None:
    # Rows as a metric returns them: period by period, each with its segments.
    r = MetricResult({"period": ["2024-01", "2024-01", "2024-02", "2024-02"],
                      "plan": ["basic", "pro", "basic", "pro"],
                      "mrr": [1.0, 2.0, 3.0, 4.0]}, value="mrr", segment="plan")
    frame = r.to_pandas()
    assert isinstance(frame.index, pd.MultiIndex)
    assert list(frame.index.names) == ["plan", "period"]
    assert isinstance(frame.index.levels[1], pd.PeriodIndex)
    assert frame.index.levels[1].freqstr == "M"
    # One block per plan, months in order inside it.
    assert frame.index.tolist() == [("basic", pd.Period("2024-01", "M")),
                                    ("basic", pd.Period("2024-02", "M")),
                                    ("pro", pd.Period("2024-01", "M")),
                                    ("pro", pd.Period("2024-02", "M"))]
    assert frame["mrr"].tolist() == [1.0, 3.0, 2.0, 4.0]
    assert frame.loc[("pro", "2024-02"), "mrr"] == 4.0
    assert frame.loc["basic", "mrr"].tolist() == [1.0, 3.0]


def test_a_segment_alone_is_the_index_and_neither_keeps_a_range_index() -> None:
    by = MetricResult({"plan": ["basic", "pro"], "nrr": [0.9, 1.1]}, value="nrr",
                      segment="plan")
    frame = by.to_pandas()
    assert frame.index.name == "plan"
    assert frame.index.tolist() == ["basic", "pro"]
    assert frame.loc["pro", "nrr"] == 1.1
    whole = MetricResult({"nrr": [1.05]}, value="nrr").to_pandas()
    assert isinstance(whole.index, pd.RangeIndex)
    assert whole["nrr"].tolist() == [1.05]


def test_index_false_is_the_flat_frame_and_reset_index_round_trips() -> None:
    r = MetricResult({"period": ["2024-01", "2024-01", "2024-02"],
                      "plan": ["a", "b", "a"], "mrr": [1.0, 2.0, 3.0]},
                     value="mrr", segment="plan")
    flat = r.to_pandas(index=False)
    assert isinstance(flat.index, pd.RangeIndex)
    assert list(flat.columns) == ["period", "plan", "mrr"]
    assert flat["period"].tolist() == ["2024-01", "2024-01", "2024-02"]
    back = r.to_pandas().reset_index()
    back["period"] = back["period"].astype(str)
    back = back[list(flat.columns)].sort_values(["period", "plan"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(back, flat)


def test_index_must_be_true_or_false() -> None:
    with pytest.raises(cm.InvalidParameterError,
                       match=r"^TableResult.to_pandas\(\): index must be True or False"):
        TableResult({"x": [1]}).to_pandas(index="period")  # type: ignore[arg-type]


# --- on real results ----------------------------------------------------------------------------

SUBS = [Subscription(customer_id="a", start="2024-01-10", amount=100, plan="basic"),
        Subscription(customer_id="b", start="2023-11-02", end="2024-02-02", amount=10,
                     plan="pro"),
        Subscription(customer_id="c", start="2024-02-05", amount=50, plan="pro")]


def test_a_bridge_by_plan_is_indexed_by_plan_and_month() -> None:
    bridge = cm.mrr_movements(SUBS, "2024-01", "2024-02", by="plan")
    frame = bridge.to_pandas()
    assert list(frame.index.names) == ["plan", "period"]
    # By hand: a (basic) is new in January at 100; b (pro, 10 a month) ends on 2 February,
    # so February's pro movement is a churn of 10 and c's new 50.
    assert frame.loc[("basic", "2024-01"), "new"] == 100.0
    assert frame.loc[("pro", "2024-02"), "churn"] == 10.0
    assert frame.loc[("pro", "2024-02"), "new"] == 50.0
    assert frame.loc[("pro", "2024-02"), "ending_mrr"] == 50.0
    assert "period" not in frame.columns
    assert "plan" not in frame.columns


@pytest.mark.filterwarnings("ignore::csmetrics.exceptions.UndefinedMetricWarning")
def test_a_cohort_table_is_indexed_by_cohort() -> None:
    table = cm.cohort_table(SUBS, "2024-01", "2024-02")
    frame = table.to_pandas()
    assert isinstance(frame.index, pd.PeriodIndex)
    assert frame.index.name == "cohort"
    # January's cohort is a alone (b started in 2023): one customer, still paying at age 1.
    assert frame.loc["2024-01", "customers"] == 1
    assert frame.loc["2024-01", "1"] == 1.0
    split = cm.cohort_table(SUBS, "2024-01", "2024-02", by="plan").to_pandas()
    assert list(split.index.names) == ["plan", "cohort"]
    assert split.loc[("pro", "2024-02"), "customers"] == 1   # c


@pytest.mark.filterwarnings("ignore::csmetrics.exceptions.UndefinedMetricWarning")
def test_a_survival_curve_is_indexed_by_its_time() -> None:
    curve = cm.survival_curve(SUBS, "2024-06")
    frame = curve.to_pandas()
    assert frame.index.name == "month"
    assert frame.index[0] == 0
    assert frame.loc[0, "survival"] == 1.0
    split = cm.survival_curve(SUBS, "2024-06", by="plan").to_pandas()
    assert list(split.index.names) == ["plan", "month"]


def test_a_per_feature_result_is_indexed_by_feature() -> None:
    events = {"customer_id": ["a", "a", "b"], "user_id": [1, 2, 3],
              "at": ["2024-03-30", "2024-03-31", "2024-03-31"],
              "feature": ["export", "reports", "export"]}
    r = cm.feature_adoption(events, "2024-03-31", feature=["export", "reports"])
    frame = r.to_pandas()
    assert frame.index.name == "feature"
    assert frame.loc["export", "feature_users"] == 2    # users 1 and 3
