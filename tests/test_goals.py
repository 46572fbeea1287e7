"""Goal and GoalProgress: the arithmetic and the probability on track, worked by hand."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import csmetrics as cm
from csmetrics.datasets import demo_portfolio


def _phi(x: float) -> float:
    """The standard normal distribution function, from the error function."""
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _twenty_with_one_churn() -> list[cm.Subscription]:
    # 20 customers paying on 29 February; one leaves on 15 March: logo churn 1 / 20 in March.
    return [cm.Subscription(customer_id=i, start="2024-01-01", amount=10,
                            end="2024-03-15" if i == 0 else None) for i in range(20)]


def test_relative_rate_goal_by_hand() -> None:
    goal = cm.Goal("logo_churn_rate", -0.25, relative=True, baseline=0.08)
    p = goal.progress(_twenty_with_one_churn(), "2024-03", "2024-03")
    assert p["current"][0] == pytest.approx(0.05)
    assert p["target"][0] == pytest.approx(0.06)            # 0.08 * (1 - 0.25)
    assert float(p) == pytest.approx((0.05 - 0.08) / (0.06 - 0.08))   # 1.5 of the way
    # A goal that lowers churn is met when the true rate is <= 0.06: normal approximation.
    se = math.sqrt(0.05 * 0.95 / 20)
    assert p["probability_on_track"][0] == pytest.approx(_phi((0.06 - 0.05) / se))


def test_rate_interval_is_wilson_from_the_counts() -> None:
    stats = pytest.importorskip("statsmodels.stats.proportion")
    goal = cm.Goal("logo_churn_rate", 0.03, baseline=0.08)
    p = goal.progress(_twenty_with_one_churn(), "2024-03", "2024-03", confidence=0.9)
    lo, hi = stats.proportion_confint(1, 20, alpha=0.1, method="wilson")
    assert (p["lower"][0], p["upper"][0]) == pytest.approx((lo, hi))
    assert p.interval.startswith("Wilson")


def test_nps_goal_uses_the_surveys_standard_error() -> None:
    answers = [10, 10, 9, 9, 8, 7, 6, 3, 0, 10]   # 5 promoters, 3 detractors: NPS 20
    nps = cm.net_promoter_score(answers)
    goal = cm.Goal("net_promoter_score", 40, baseline=10.0)
    p = goal.progress(answers)
    assert p["current"][0] == pytest.approx(20.0)
    assert float(p) == pytest.approx((20 - 10) / (40 - 10))
    assert (p["lower"][0], p["upper"][0]) == pytest.approx((nps["ci_low"][0],
                                                            nps["ci_high"][0]))
    se = float(nps["se"][0])
    assert p["probability_on_track"][0] == pytest.approx(_phi((20 - 40) / se))


def test_money_goal_has_no_interval_and_says_so() -> None:
    subs = demo_portfolio()
    goal = cm.Goal("mrr", 0.2, relative=True, baseline="2024-06")
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no interval is not "undefined": no warning
        p = goal.progress(subs, "2024-12")
    base, now = cm.mrr(subs, "2024-06").value, cm.mrr(subs, "2024-12").value
    assert p["baseline"][0] == pytest.approx(base)
    assert p["target"][0] == pytest.approx(base * 1.2)
    assert float(p) == pytest.approx((now - base) / (0.2 * base))
    assert np.isnan(p["lower"][0])
    assert np.isnan(p["probability_on_track"][0])
    assert p.interval.startswith("none")
    assert "P(on track)" not in p.summary()


def test_goal_by_segment_matches_each_segments_baseline() -> None:
    subs = demo_portfolio()
    goal = cm.Goal("mrr", 20_000, baseline="2024-06", by="plan")
    p = goal.progress(subs, "2024-12")
    before = cm.mrr(subs, "2024-06", by="plan")
    now = cm.mrr(subs, "2024-12", by="plan")
    assert p.segment_column == "plan"
    for plan in p["plan"].tolist():
        row = p.row(plan)
        b, c = before.row(plan).value, now.row(plan).value
        assert row["baseline"][0] == pytest.approx(b)
        assert float(row) == pytest.approx((c - b) / (20_000 - b))
    assert len(p.summary().splitlines()) == len(p)


def test_a_target_equal_to_the_baseline_is_nan_with_a_warning() -> None:
    goal = cm.Goal("logo_churn_rate", 0.05, baseline=0.05)
    with pytest.warns(cm.UndefinedMetricWarning, match="share achieved"):
        p = goal.progress(_twenty_with_one_churn(), "2024-03", "2024-03")
    assert math.isnan(float(p))


def test_a_callable_metric() -> None:
    def doubled(data: object, at: str) -> float:
        return 2 * cm.mrr(data, at).value

    subs = demo_portfolio()
    p = cm.Goal(doubled, 150_000, baseline=100_000.0).progress(subs, "2024-12")
    assert p["current"][0] == pytest.approx(2 * cm.mrr(subs, "2024-12").value)
    assert p.goal.name == "doubled"


def test_bad_goals_are_refused() -> None:
    with pytest.raises(cm.InvalidParameterError, match="metric must be one of"):
        cm.Goal("churn", 0.1, baseline=0.2)
    with pytest.raises(cm.InvalidParameterError, match="target must be a finite number"):
        cm.Goal("mrr", math.nan, baseline=1.0)
    with pytest.raises(cm.InvalidParameterError, match="baseline other than 0"):
        cm.Goal("mrr", 0.1, relative=True, baseline=0)
    with pytest.raises(cm.InvalidParameterError, match="relative must be"):
        cm.Goal("mrr", 0.1, relative="yes", baseline=1.0)  # type: ignore[arg-type]
    with pytest.raises(cm.InvalidParameterError, match="confidence must be"):
        cm.Goal("mrr", 1.0, baseline=2.0).progress(demo_portfolio(), "2024-12", confidence=95)


def test_progress_is_a_frozen_result_for_a_report() -> None:
    p = cm.Goal("logo_churn_rate", 0.04, baseline=0.08).progress(
        _twenty_with_one_churn(), "2024-03", "2024-03")
    assert set(p.to_dict()) == {"current", "baseline", "target", "achieved", "lower", "upper",
                                "probability_on_track"}
    line = p.summary()
    assert "\n" not in line
    assert line.startswith("logo_churn_rate: 5.0% (baseline 8.0%")
    assert repr(p) == "GoalProgress(achieved=0.75)"
    with pytest.raises(AttributeError):
        p.goal = None  # type: ignore[misc]
    with pytest.raises(AttributeError):
        p.goal.target = 1.0  # type: ignore[misc]


def test_a_survey_goal_reads_the_answers_of_its_windows() -> None:
    # Q1: 2 promoters, 1 detractor of 4 -> NPS 25; Q4: 3 promoters, 0 detractors of 4 -> 75.
    answers = {"customer_id": list("abcdefgh"), "survey": ["nps"] * 8,
               "score": [10, 9, 3, 7, 10, 9, 9, 8],
               "submitted_at": ["2024-01-05", "2024-02-05", "2024-03-05", "2024-03-06",
                                "2024-10-05", "2024-11-05", "2024-12-05", "2024-12-06"]}
    goal = cm.Goal("net_promoter_score", 50, baseline="2024-Q1")
    p = goal.progress(answers, "2024-Q4")
    assert float(p["baseline"][0]) == pytest.approx(25.0)
    assert float(p["current"][0]) == pytest.approx(75.0)
    assert float(p["achieved"][0]) == pytest.approx((75 - 25) / (50 - 25))
    # Probability on track: Phi((current - target) / se) with the NPS result's own se.
    se = float(cm.net_promoter_score({k: v[4:] for k, v in answers.items()})["se"][0])
    phi = 0.5 * (1 + math.erf((75 - 50) / se / math.sqrt(2)))
    assert float(p["probability_on_track"][0]) == pytest.approx(phi)
    both = cm.Goal("net_promoter_score", 50, baseline=("2024-01", "2024-03"))
    assert float(both.progress(answers, "2024-10", "2024-12")["current"][0]) == pytest.approx(75)
    with pytest.raises(cm.InvalidParameterError):
        goal.progress(answers, "2024-10", "2024-11", "2024-12")
