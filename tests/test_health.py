"""Health scorecards against vendors' published arithmetic and hand-worked cases.

Every expected number is quoted from the source cited beside it or worked by hand in the
comment next to it; none comes from running csmetrics.

Sources (vendor help pages, as published):

* [G-calc] Gainsight, "Calculation of Measure Group Scores and Overall Score",
  support.gainsight.com/gainsight_nxt/05Scorecards/02Admin_Guides/
  Calculation_of_Group_Scores_and_Overall_Scores
* [G-weights] Gainsight, "Measure Weights in Scorecards" / "Configure Scorecard 2.0 Measure
  Weights", support.gainsight.com/Gainsight_NXT/05Scorecards/02Admin_Guides/
  Measure_Weights_in_Scorecards
* [G-faq] Gainsight, "Scorecard FAQs": "Which range does the 'From' value fall into when
  using the Numeric (0-100) ranges?", support.gainsight.com/Gainsight_NXT/05Scorecards/FAQs/
  Scorecard_FAQs
* [G-community] Gainsight Community idea 26306, "Align scorecard measure group UI and
  reporting scores to the score used to calculate the overall relationship score",
  communities.gainsight.com/ideas/...-26306 (worked group scores posted by a user)
* [T-multi] Totango, "Configure profiles for multidimensional health",
  support.totango.com/hc/en-us/articles/4410017625748
* [T-account] Totango, "Configure profiles for account health",
  support.totango.com/hc/en-us/articles/360030899812
* [T-portfolio] Totango, "Adjust the My Portfolio widget",
  support.totango.com/hc/en-us/articles/360052685371
* [T-enterprise] Totango, "Enterprise Health for Account Hierarchies",
  totango.zendesk.com/hc/en-us/articles/115002794046
* [Catalyst] Catalyst, "Release Notes October 21, 2024" ("Exclude null values from health
  scores"), help.catalyst.io/hc/en-us/articles/31176061140116
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Literal

import numpy as np
import pytest

from csmetrics.exceptions import (
    ColumnNotFoundError,
    DataValidationError,
    InvalidParameterError,
    UndefinedMetricWarning,
)
from csmetrics.health import (
    AccountNotFoundError,
    Band,
    HealthRollup,
    HealthScorecard,
    HealthScores,
    Linear,
    Measure,
    MissingPolicy,
    NamedBands,
    Steps,
    at_risk,
    health_rollup,
    health_trend,
)
from csmetrics.results import TableResult

# A rule that passes a 0-100 measure score straight through: vendors' examples give the
# measures' scores, not their raw values.
SCORE = Linear(low=0, high=100)
Fill = Literal["renormalize", "zero", "neutral"]
TOTANGO = NamedBands(points={"good": 100, "average": 60, "poor": 0})


def as_is(name: str, weight: float = 1, group: str | None = None) -> Measure:
    return Measure(name=name, rule=SCORE, weight=weight, group=group)


def quiet_score(card: HealthScorecard, data: Any, **kw: Any) -> HealthScores:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return card.score(data, **kw)


# --- vendors' published arithmetic -------------------------------------------------------------


class TestGainsight:
    def test_measure_group_score_is_the_weighted_mean_of_its_measures(self) -> None:
        # [G-calc] Group "Support": weights 20, 15, 22, scores 47, 59, 21:
        # (20x47 + 15x59 + 22x21) / (20+15+22) = (940 + 885 + 462) / 57 = 40.122,
        # "rounded off and displayed as 40".
        card = HealthScorecard(measures=[as_is("tickets", 20, "support"),
                                         as_is("time_to_resolve", 15, "support"),
                                         as_is("ticket_frequency", 22, "support")])
        data = {"customer_id": ["acme"], "tickets": [47], "time_to_resolve": [59],
                "ticket_frequency": [21]}
        scores = card.score(data)
        assert scores["score"][0] == pytest.approx(2287 / 57)
        assert scores.group_scores()["support"][0] == pytest.approx(40.122, abs=1e-3)
        rounded = card.model_copy(update={"decimals": 0})
        assert rounded.score(data)["score"][0] == 40

    def test_weights_are_relative_and_become_percentages_that_sum_to_100(self) -> None:
        # [G-weights] "It is not required that the sum of all the weights are equal to 100
        # ... The system ensures that the sum of all Percentage values is equal to 100%".
        # 20, 15, 22 -> 20/57 = 35.09%, 15/57 = 26.32%, 22/57 = 38.60%.
        card = HealthScorecard(measures=[as_is("a", 20), as_is("b", 15), as_is("c", 22)])
        shares = card.effective_weights
        assert shares == pytest.approx({"a": 20 / 57, "b": 15 / 57, "c": 22 / 57})
        assert sum(shares.values()) == pytest.approx(1.0)
        scaled = HealthScorecard(measures=[as_is("a", 2000), as_is("b", 1500),
                                           as_is("c", 2200)])
        assert scaled.effective_weights == pytest.approx(shares)

    @pytest.mark.parametrize(("points", "band"), [
        (0, "red"), (50, "red"), (51, "yellow"), (75, "yellow"), (76, "green"), (100, "green"),
        (50.5, "yellow"), (75.5, "green"),
    ])
    def test_numeric_scheme_from_value_is_excluded_except_in_the_first_range(
            self, points: float, band: str) -> None:
        # [G-faq] "Except for the 0-X range, the 'From' value is not included in the scoring
        # scheme ranges": 0-50 red (0 and 50 included), 51-75 yellow, 76-100 green. Between
        # whole numbers the default bands [0, 50], (50, 75], (75, 100] extend the same rule.
        card = HealthScorecard(measures=[as_is("m")])
        assert card.score({"customer_id": [1], "m": [points]})["band"][0] == band

    @pytest.mark.parametrize(("weights", "scores", "expected"), [
        ((50, 50), (99.5, 62.5), 81.0),                    # 49.75 + 31.25
        ((20, 20, 60), (62.5, 12.5, 99.5), 74.7),          # 12.5 + 2.5 + 59.7
    ])
    def test_group_scores_posted_in_the_community_thread(
            self, weights: tuple[float, ...], scores: tuple[float, ...], expected: float) -> None:
        # [G-community] "Measure 1 - Weighing: 50% - Score: 99.5 - Contribution To Measure
        # Group: 49.75; Measure 2 - Weighing: 50% - Score: 62.5 - Contribution: 31.25 ...
        # = 81"; second group "(12.5 + 2.5 + 59.7) = 74.7".
        names = [f"m{i}" for i in range(len(weights))]
        card = HealthScorecard(measures=[as_is(n, w, "group") for n, w in
                                         zip(names, weights, strict=True)])
        data = {"customer_id": ["x"], **{n: [s] for n, s in zip(names, scores, strict=True)}}
        result = card.score(data)
        assert result["score"][0] == pytest.approx(expected)
        assert [result[n][0] for n in names] == pytest.approx(
            [w / sum(weights) * s for w, s in zip(weights, scores, strict=True)])


class TestTotango:
    def test_multidimensional_health_weights_metrics_then_dimensions(self) -> None:
        # [T-multi] Good = 100, Average = 60, Poor = 0 points; dimension score
        # = MetricScore1 x Weight1 + ... rounded to the nearest integer; overall
        # = DimensionScore1 x Weight1 + ... Hand-worked: Utilization (50%): good (70%),
        # average (30%) -> 70 + 18 = 88; Engagement (50%): poor (50%), average (50%) -> 30;
        # overall 0.5 x 88 + 0.5 x 30 = 59.
        card = HealthScorecard(measures=[
            Measure(name="licenses", rule=TOTANGO, weight=70, group="utilization"),
            Measure(name="active_users", rule=TOTANGO, weight=30, group="utilization"),
            Measure(name="logins", rule=TOTANGO, weight=50, group="engagement"),
            Measure(name="features", rule=TOTANGO, weight=50, group="engagement"),
        ], groups={"utilization": 50, "engagement": 50}, decimals=0)
        scores = card.score({"customer_id": ["a"], "licenses": ["good"],
                             "active_users": ["average"], "logins": ["poor"],
                             "features": ["average"]})
        groups = scores.group_scores()
        assert (groups["utilization"][0], groups["engagement"][0]) == (88, 30)
        assert scores["score"][0] == 59

    def test_dimension_scores_are_rounded_before_the_overall_score(self) -> None:
        # [T-multi] "rounded to the nearest integer". Hand-worked: dimension A of good,
        # average, poor at 1/3 each = 160/3 = 53.33 -> 53; dimension B poor, average at 1/2
        # = 30; overall (53 + 30) / 2 = 41.5 -> 42 (unrounded: (53.33 + 30) / 2 = 41.67).
        measures = [Measure(name=f"a{i}", rule=TOTANGO, group="A") for i in range(3)]
        measures += [Measure(name=f"b{i}", rule=TOTANGO, group="B") for i in range(2)]
        card = HealthScorecard(measures=measures, groups={"A": 1, "B": 1}, decimals=0)
        data = {"customer_id": [1], "a0": ["good"], "a1": ["average"], "a2": ["poor"],
                "b0": ["poor"], "b1": ["average"]}
        scores = card.score(data)
        assert scores.group_scores()["A"][0] == 53
        assert scores["score"][0] == 42
        unrounded = HealthScorecard(measures=measures, groups={"A": 1, "B": 1})
        assert unrounded.score(data)["score"][0] == pytest.approx((160 / 3 + 30) / 2)

    def test_rounding_takes_halves_away_from_zero(self) -> None:
        # (50 + 51) / 2 = 50.5 -> 51 to the nearest integer (not 50, as round-half-even
        # would give); 50.5 is yellow, and so is 51.
        card = HealthScorecard(measures=[as_is("a"), as_is("b")], decimals=0)
        got = card.score({"customer_id": [1], "a": [50], "b": [51]})
        assert got["score"][0] == 51
        assert got["band"][0] == "yellow"

    @pytest.mark.parametrize(("values", "health"), [
        (["good", "good", "good"], "good"),        # all attributes with a value are good
        (["good", "poor", "good"], "poor"),        # at least one poor
        (["good", "average", "good"], "average"),  # no poor, not all good
        (["good", None, "good"], "good"),          # no value: not in the calculation
        (["average", None, "poor"], "poor"),
        ([None, "average", None], "average"),
    ])
    def test_account_health_is_the_worst_of_the_metrics_with_a_value(
            self, values: list[str | None], health: str) -> None:
        # [T-account] "Good: All the attributes with value are defined as good; Poor: At
        # least one of the attributes with value are defined as poor; Average: None of the
        # attributes with value fall in the poor definition, and not all of the attributes
        # are classified as good. If an attribute ... doesn't have a value, it won't be
        # included in the calculation."
        card = HealthScorecard(
            measures=[Measure(name=f"m{i}", rule=TOTANGO) for i in range(3)],
            aggregate="worst", bands={"poor": "[0, 30]", "average": "(30, 80]",
                                      "good": "(80, 100]"})
        data = {"customer_id": ["acct"], **{f"m{i}": [v] for i, v in enumerate(values)}}
        assert card.score(data)["band"][0] == health

    def test_portfolio_quality_score(self) -> None:
        # [T-portfolio] "Good = 100 points, Average = 60 points, Red = 40 points ...
        # (100 x 0) + (60 x 2) + (40 x 34) / 36 accounts = 41. Accounts with unknown health
        # are not included in the quality score calculation." 1480 / 36 = 41.11.
        card = HealthScorecard(measures=[Measure(name="health", rule=TOTANGO)],
                               bands={"poor": "[0, 30]", "average": "(30, 80]",
                                      "good": "(80, 100]"})
        health = ["average"] * 2 + ["poor"] * 34 + [None] * 5   # five of unknown health
        scores = quiet_score(card, {"customer_id": np.arange(41), "health": health})
        rollup = health_rollup(scores, band_points={"good": 100, "average": 60, "poor": 40})
        assert rollup["quality_score"][0] == pytest.approx(1480 / 36)
        assert round(rollup["quality_score"][0]) == 41
        assert rollup["scored"][0] == 36

    def test_parent_health_by_share_of_accounts_and_of_contract_value(self) -> None:
        # [T-enterprise] Parent health "as a percentage of sub accounts in good/average/poor
        # health segments" or "as a percentage of contract value". Hand-worked: children
        # good $100, good $100, poor $800 -> accounts 2/3 good, 1/3 poor; value 20% good,
        # 80% poor.
        card = HealthScorecard(measures=[Measure(name="h", rule=TOTANGO)],
                               bands={"poor": "[0, 30]", "average": "(30, 80]",
                                      "good": "(80, 100]"})
        scores = card.score({"customer_id": ["c1", "c2", "c3"], "h": ["good", "good", "poor"],
                             "parent": ["p", "p", "p"], "mrr": [100, 100, 800]},
                            mrr="mrr", keep=["parent"])
        r = health_rollup(scores, by="parent")
        assert (r["share_good"][0], r["share_poor"][0]) == pytest.approx((2 / 3, 1 / 3))
        assert (r["mrr_share_good"][0], r["mrr_share_poor"][0]) == pytest.approx((0.2, 0.8))

    def test_a_rollup_by_band_lists_the_bands_in_the_scorecards_order(self) -> None:
        card = HealthScorecard(measures=[Measure(name="h", rule=TOTANGO)],
                               bands={"poor": "[0, 30]", "average": "(30, 80]",
                                      "good": "(80, 100]"})
        scores = quiet_score(card, {"customer_id": list("abcde"),
                                    "h": ["good", "poor", None, "average", "good"]})
        with pytest.warns(UndefinedMetricWarning, match="scored accounts is zero"):
            r = health_rollup(scores, by="band")   # the unscored segment has no mean score
        assert scores.band_names == ("poor", "average", "good")
        assert r["band"].tolist() == ["poor", "average", "good", "(none)"]  # (none): unscored
        assert r["accounts"].tolist() == [1, 1, 2, 1]


class TestCatalyst:
    def test_null_inputs_scored_neutral_or_excluded_and_an_all_null_group_is_null(self) -> None:
        # [Catalyst] "Previously, if a customer input didn't qualify ... due to missing data,
        # the calculation would score that input as Neutral." With the exclusion option,
        # "Catalyst can skip that input", and "If all inputs in a group are null, the group
        # score will reflect as null."
        # Hand-worked: usage (weight 1): u1 = 100, u2 missing; support (weight 1): s1 missing.
        # neutral: usage (100 + 50) / 2 = 75, support 50, score 62.5.
        # excluded: usage 100, support null (dropped), score 100.
        measures = [as_is("u1", group="usage"), as_is("u2", group="usage"),
                    as_is("s1", group="support")]
        data = {"customer_id": ["a"], "u1": [100], "u2": [None], "s1": [None]}
        groups = {"usage": 1, "support": 1}
        neutral = HealthScorecard(measures=measures, groups=groups, missing="neutral").score(data)
        assert neutral["score"][0] == 62.5
        excluded = HealthScorecard(measures=measures, groups=groups,
                                   missing="renormalize").score(data)
        assert excluded["score"][0] == 100
        assert math.isnan(excluded.group_scores()["support"][0])


# --- missing measures: every policy, worked by hand ------------------------------------------


def policy_card(fill: Fill = "renormalize", min_coverage: float = 0.0,
                neutral: float | None = None) -> HealthScorecard:
    # usage (group weight 60): util (3), logins (1); support (40): tickets (1).
    # Nominal shares: util 0.6 x 3/4 = 0.45, logins 0.15, tickets 0.4.
    return HealthScorecard(
        measures=[as_is("util", 3, "usage"),
                  Measure(name="logins", rule=SCORE, weight=1, group="usage", neutral=neutral),
                  as_is("tickets", 1, "support")],
        groups={"usage": 60, "support": 40},
        missing=MissingPolicy(fill=fill, min_coverage=min_coverage))


# Account "one": util 80, logins missing, tickets 50 (coverage 0.45 + 0.4 = 0.85).
# Account "grp": util 80, logins 40, tickets missing (coverage 0.6).
# Account "none": nothing (coverage 0).
POLICY_DATA = {"customer_id": ["one", "grp", "none"], "util": [80, 80, None],
               "logins": [None, 40, None], "tickets": [50, None, None]}


class TestMissingPolicies:
    @pytest.mark.parametrize(("fill", "neutral", "one", "grp"), [
        # renormalize: one: usage 3x80/3 = 80; (60x80 + 40x50)/100 = 68.
        #              grp: usage (240 + 40)/4 = 70; support gone: 70.
        ("renormalize", None, 68.0, 70.0),
        # zero: one: usage (240 + 0)/4 = 60; 0.6x60 + 0.4x50 = 56.
        #       grp: 0.6x70 + 0.4x0 = 42.
        ("zero", None, 56.0, 42.0),
        # neutral (50): one: usage (240 + 50)/4 = 72.5; 0.6x72.5 + 0.4x50 = 63.5.
        #               grp: 0.6x70 + 0.4x50 = 62.
        ("neutral", None, 63.5, 62.0),
        # neutral at the measure's own 20 points: one: (240 + 20)/4 = 65; 39 + 20 = 59.
        #               grp: tickets' neutral is the default 50: 62.
        ("neutral", 20.0, 59.0, 62.0),
    ])
    def test_hand_worked_scores(self, fill: Fill, neutral: float | None, one: float,
                                grp: float) -> None:
        with pytest.warns(UndefinedMetricWarning, match="1 have no measure with a value"):
            scores = policy_card(fill, neutral=neutral).score(POLICY_DATA)
        assert scores["score"][:2] == pytest.approx([one, grp])
        # Coverage does not depend on the policy: always reported.
        assert scores["coverage"] == pytest.approx([0.85, 0.6, 0.0])
        # No measure at all: no score under any policy.
        assert math.isnan(scores["score"][2])
        assert scores["band"][2] is None

    def test_renormalized_contributions_add_up_and_weights_sum_to_one(self) -> None:
        # one: used weights util 0.6 x 3/3 = 0.6, logins 0, tickets 0.4;
        # contributions 48, 0, 20 -> 68.
        scores = quiet_score(policy_card(), POLICY_DATA)
        assert [scores[m][0] for m in ("util", "logins", "tickets")] == pytest.approx(
            [48.0, 0.0, 20.0])
        e = scores.explain("one")
        assert e["used_weight"].tolist() == pytest.approx([0.6, 0.0, 0.4])
        assert e["weight"].tolist() == pytest.approx([0.45, 0.15, 0.4])

    def test_min_coverage_withholds_the_score_but_reports_coverage(self) -> None:
        # min_coverage 0.9: one (0.85) and grp (0.6) fall short, under every fill.
        fills: list[Fill] = ["renormalize", "zero", "neutral"]
        for fill in fills:
            with pytest.warns(UndefinedMetricWarning, match=r"coverage below min_coverage=0.9"):
                scores = policy_card(fill, min_coverage=0.9).score(POLICY_DATA)
            assert np.isnan(scores["score"]).all()
            assert scores["band"].tolist() == [None, None, None]
            assert scores["coverage"] == pytest.approx([0.85, 0.6, 0.0])

    def test_min_coverage_met_exactly_scores(self) -> None:
        # grp's coverage is 0.6 (0.45 + 0.15, which floating point may sum short of 0.6).
        scores = quiet_score(policy_card(min_coverage=0.6), POLICY_DATA)
        assert scores["score"][1] == pytest.approx(70.0)

    def test_worst_of_contribution_sits_with_the_worst_measure(self) -> None:
        # one: min(util 80, tickets 50) = 50 (logins missing, left out): tickets carries it.
        card = policy_card().model_copy(update={"aggregate": "worst"})
        e = quiet_score(card, POLICY_DATA).explain("one")
        assert e["used_weight"].tolist() == [0.0, 0.0, 1.0]
        assert e["contribution"].tolist() == [0.0, 0.0, 50.0]
        assert "score = min(80, 50) = 50" in str(e)

    def test_worst_of_with_fills(self) -> None:
        # worst: one = min(80, logins, 50): renormalize 50, zero 0, neutral 50.
        cases: list[tuple[Fill, float]] = [("renormalize", 50.0), ("zero", 0.0),
                                           ("neutral", 50.0)]
        for fill, expected in cases:
            card = policy_card(fill).model_copy(update={"aggregate": "worst"})
            assert quiet_score(card, POLICY_DATA)["score"][0] == expected


# --- rules -------------------------------------------------------------------------------------


class TestRules:
    def test_linear_is_clamped_and_follows_direction(self) -> None:
        # higher: 0.2 -> 0, 0.9 -> 100; 0.55 -> (0.35/0.7) x 100 = 50; below/above clamp.
        up = HealthScorecard(measures=[Measure(name="u", rule=Linear(low=0.2, high=0.9))])
        got = up.score({"customer_id": [1, 2, 3, 4], "u": [0.0, 0.55, 0.9, 1.5]})
        assert got.points()["u"] == pytest.approx([0, 50, 100, 100])
        # lower: 0 tickets -> 100, 10 -> 0; 2 -> 80; 30 -> 0.
        down = HealthScorecard(measures=[Measure(name="t", rule=Linear(low=0, high=10),
                                                 direction="lower")])
        got = down.score({"customer_id": [1, 2, 3], "t": [0, 2, 30]})
        assert got.points()["t"] == pytest.approx([100, 80, 0])

    @pytest.mark.parametrize(("closed", "expected"), [
        ("left", [0, 60, 60, 100, 100]),    # [0.5, 0.8): 0.5 and 0.8 take the step above
        ("right", [0, 0, 60, 60, 100]),     # (0.5, 0.8]: they take the step below
    ])
    def test_steps_inclusivity_at_thresholds(self, closed: Literal["left", "right"],
                                             expected: list[float]) -> None:
        rule = Steps(thresholds=[0.5, 0.8], points=[0, 60, 100], closed=closed)
        card = HealthScorecard(measures=[Measure(name="u", rule=rule)])
        got = card.score({"customer_id": list("abcde"), "u": [0.1, 0.5, 0.6, 0.8, 0.9]})
        assert got.points()["u"].tolist() == expected

    def test_named_bands_with_mixed_inclusivity(self) -> None:
        # Totango-style: poor <= 2 tickets... here poor (-inf, 0.5], good [0.8, inf),
        # average strictly between.
        rule = NamedBands(points={"poor": 0, "average": 60, "good": 100},
                          bands={"poor": "(-inf, 0.5]", "average": "(0.5, 0.8)",
                                 "good": "[0.8, inf)"})
        card = HealthScorecard(measures=[Measure(name="u", rule=rule)])
        got = card.score({"customer_id": list("abcd"), "u": [0.5, 0.50001, 0.79999, 0.8]})
        assert got.points()["u"].tolist() == [0, 60, 60, 100]

    def test_labels(self) -> None:
        card = HealthScorecard(measures=[Measure(name="csm", rule=NamedBands(
            points={"green": 100, "yellow": 50, "red": 0}))])
        got = quiet_score(card, {"customer_id": [1, 2, 3, 4],
                                 "csm": ["red", "green", None, "yellow"]})
        assert got.points()["csm"][[0, 1, 3]].tolist() == [0, 100, 50]
        assert math.isnan(got.points()["csm"][2])

    def test_steps_points_must_agree_with_direction(self) -> None:
        with pytest.raises(InvalidParameterError, match="must not rise as the value rises"):
            Measure(name="t", rule=Steps(thresholds=[2], points=[60, 100]), direction="lower")
        with pytest.raises(InvalidParameterError, match="must not fall"):
            Measure(name="u", rule=Steps(thresholds=[2], points=[100, 60]))

    def test_rule_definitions_are_checked(self) -> None:
        with pytest.raises(InvalidParameterError, match="low < high"):
            Linear(low=1, high=1)
        with pytest.raises(InvalidParameterError, match="thresholds must increase"):
            Steps(thresholds=[2, 1], points=[0, 1, 2])
        with pytest.raises(InvalidParameterError, match="one more points than thresholds"):
            Steps(thresholds=[1], points=[0, 1, 2])
        with pytest.raises(InvalidParameterError, match="same bands"):
            NamedBands(points={"a": 0}, bands={"b": "[0, 1]"})
        with pytest.raises(InvalidParameterError, match="overlap"):
            NamedBands(points={"a": 0, "b": 1}, bands={"a": "[0, 1]", "b": "[1, 2]"})


# --- colour bands ------------------------------------------------------------------------------


class TestBands:
    def test_parse_interval_notation(self) -> None:
        assert Band.parse("r", "[0, 50]").closed == "both"
        assert Band.parse("y", "(50,75]").closed == "right"
        assert Band.parse("g", " [75 , 100) ").closed == "left"
        b = Band.parse("x", "(-inf, 2)")
        assert (b.low, b.high, b.closed) == (-math.inf, 2.0, "neither")
        with pytest.raises(ValueError, match="interval notation"):
            Band.parse("x", "0-50")
        with pytest.raises(ValueError, match="infinite edge"):
            Band.parse("x", "[-inf, 2)")

    def test_overlapping_bands_are_an_error_naming_the_edge(self) -> None:
        with pytest.raises(InvalidParameterError, match=r"red \[0, 50\] and yellow \[50, 75\] "
                                                  r"overlap at 50"):
            HealthScorecard(measures=[as_is("m")], bands={
                "red": "[0, 50]", "yellow": "[50, 75]", "green": "(75, 100]"})

    def test_gaps_are_an_error(self) -> None:
        with pytest.raises(InvalidParameterError, match=r"leave a gap.*50 is in neither"):
            HealthScorecard(measures=[as_is("m")], bands={
                "red": "[0, 50)", "yellow": "(50, 75]", "green": "(75, 100]"})
        with pytest.raises(InvalidParameterError, match="between 50 and 51"):
            HealthScorecard(measures=[as_is("m")], bands={
                "red": "[0, 50]", "yellow": "[51, 75]", "green": "(75, 100]"})

    def test_bands_must_cover_the_scale(self) -> None:
        with pytest.raises(InvalidParameterError, match="0 is in no band"):
            HealthScorecard(measures=[as_is("m")], bands={"red": "(0, 50]", "green": "(50, 100]"})
        with pytest.raises(InvalidParameterError, match="100 is in no band"):
            HealthScorecard(measures=[as_is("m")], bands={"red": "[0, 50]", "green": "(50, 90]"})

    def test_custom_bands_listed_in_any_order(self) -> None:
        card = HealthScorecard(measures=[as_is("m")], bands={
            "good": "[70, 100]", "poor": "[0, 40)", "fair": "[40, 70)"})
        got = card.score({"customer_id": [1, 2, 3, 4], "m": [39.9, 40, 69.9, 70]})
        assert got["band"].tolist() == ["poor", "fair", "fair", "good"]
        assert card.score({"customer_id": [1], "m": [0]}).band_names == ("poor", "fair", "good")

    def test_floating_point_noise_does_not_cross_an_edge(self) -> None:
        # (0.4 - 0.1) / 0.6 is 0.5000000000000001 in binary floating point: the points are
        # 50.00000000000001, which is 50 and so red, not yellow.
        assert (0.4 - 0.1) / 0.6 * 100 > 50
        card = HealthScorecard(measures=[Measure(name="u", rule=Linear(low=0.1, high=0.7))])
        assert card.score({"customer_id": [1], "u": [0.4]})["band"][0] == "red"


# --- input contract and errors ---------------------------------------------------------------


CARD = HealthScorecard(measures=[
    Measure(name="util", rule=Linear(low=0, high=1), weight=2),
    Measure(name="tickets", rule=Linear(low=0, high=10), direction="lower"),
])
DATA: dict[str, Any] = {"customer_id": ["a", "b", "c"], "util": [1.0, 0.5, 0.25],
                        "tickets": [0, 5, 10]}
# a: (2x100 + 100)/3 = 100; b: (2x50 + 50)/3 = 50; c: (2x25 + 0)/3 = 16.67.
EXPECTED = [100.0, 50.0, 50 / 3]


class TestInputs:
    def test_mapping(self) -> None:
        assert CARD.score(DATA)["score"] == pytest.approx(EXPECTED)

    def test_pandas_polars_arrow_and_results(self) -> None:
        pd = pytest.importorskip("pandas")
        pl = pytest.importorskip("polars")
        pa = pytest.importorskip("pyarrow")
        for frame in (pd.DataFrame(DATA), pd.DataFrame(DATA).set_index("customer_id"),
                      pl.DataFrame(DATA), pa.table(DATA), TableResult(dict(DATA))):
            got = CARD.score(frame)
            assert got["score"] == pytest.approx(EXPECTED)
            assert got["customer_id"].tolist() == ["a", "b", "c"]

    def test_pandas_missing_values(self) -> None:
        pd = pytest.importorskip("pandas")
        frame = pd.DataFrame({"customer_id": [1, 2], "util": [1.0, None],
                              "tickets": pd.array([None, 5], dtype="Int64")})
        got = CARD.score(frame)
        # 1: util only -> 100; 2: tickets only -> 50.
        assert got["score"] == pytest.approx([100, 50])
        assert got["coverage"] == pytest.approx([2 / 3, 1 / 3])

    def test_column_and_extra_columns(self) -> None:
        card = HealthScorecard(measures=[Measure(name="util", column="utilization_30d",
                                                 rule=Linear(low=0, high=1))])
        got = card.score({"customer_id": [1], "utilization_30d": [0.5], "other": ["x"]},
                         keep=["other"])
        assert got["util"][0] == 50
        assert got["other"][0] == "x"

    def test_custom_id_column(self) -> None:
        got = CARD.score({"account": ["a", "b", "c"], "util": DATA["util"],
                          "tickets": DATA["tickets"]}, id_column="account")
        assert got.explain("b").score == 50

    def test_empty_table(self) -> None:
        got = CARD.score({"customer_id": [], "util": [], "tickets": []})
        assert len(got) == 0

    def test_missing_measure_column_names_it_and_suggests(self) -> None:
        with pytest.raises(ColumnNotFoundError, match=r"measure 'tickets'.*'tickets' not found.*"
                                                      r"Did you mean 'ticket'"):
            CARD.score({"customer_id": [1], "util": [0.5], "ticket": [3]})

    def test_missing_id_column(self) -> None:
        with pytest.raises(ColumnNotFoundError, match="'customer_id' not found"):
            CARD.score({"id": [1], "util": [0.5], "tickets": [3]})

    def test_bad_ids(self) -> None:
        with pytest.raises(DataValidationError, match=r"'customer_id' must not repeat.*row 2"):
            CARD.score({"customer_id": ["a", "b", "a"], "util": [1, 1, 1], "tickets": [1, 1, 1]})
        with pytest.raises(DataValidationError, match=r"must not be missing.*row 1"):
            CARD.score({"customer_id": ["a", None], "util": [1, 1], "tickets": [1, 1]})
        with pytest.raises(DataValidationError, match="must not repeat"):
            CARD.score({"customer_id": [7, 3, 7], "util": [1, 1, 1], "tickets": [1, 1, 1]})

    def test_bad_values_name_column_and_rows(self) -> None:
        with pytest.raises(DataValidationError, match=r"'util' must be a number.*row 1"):
            CARD.score({"customer_id": [1, 2], "util": [0.5, "high"], "tickets": [1, 1]})
        with pytest.raises(DataValidationError, match=r"'tickets' must be a finite number.*row 0"):
            CARD.score({"customer_id": [1, 2], "util": [0.5, 1], "tickets": [np.inf, 1]})
        labels = HealthScorecard(measures=[Measure(name="csm", rule=TOTANGO)])
        with pytest.raises(DataValidationError, match=r"labels.*found 'Good'"):
            labels.score({"customer_id": [1, 2], "csm": ["good", "Good"]})
        with pytest.raises(DataValidationError, match="text labels"):
            labels.score({"customer_id": [1], "csm": [3]})
        banded = HealthScorecard(measures=[Measure(name="u", rule=NamedBands(
            points={"low": 0, "high": 100}, bands={"low": "[0, 0.5)", "high": "[0.5, 1]"}))])
        with pytest.raises(DataValidationError, match=r"must fall in a band.*row 1"):
            banded.score({"customer_id": [1, 2], "u": [0.2, 1.2]})

    def test_unequal_columns(self) -> None:
        with pytest.raises(InvalidParameterError, match="'util' has 1 values"):
            CARD.score({"customer_id": [1, 2], "util": [0.5], "tickets": [1, 2]})

    def test_keep_cannot_shadow_result_columns(self) -> None:
        with pytest.raises(InvalidParameterError, match="would name two result columns"):
            CARD.score({**DATA, "score": [1, 2, 3]}, keep=["score"])


class TestDefinitionErrors:
    def test_negative_weight_names_the_measure(self) -> None:
        with pytest.raises(InvalidParameterError, match="measure 'util': weight must be >= 0"):
            Measure(name="util", rule=SCORE, weight=-1)

    def test_nan_weight(self) -> None:
        with pytest.raises(InvalidParameterError):
            Measure(name="util", rule=SCORE, weight=float("nan"))

    def test_all_weights_zero(self) -> None:
        with pytest.raises(InvalidParameterError, match="weighs 0"):
            HealthScorecard(measures=[as_is("a", 0), as_is("b", 0)])

    def test_group_weights_all_or_none(self) -> None:
        with pytest.raises(InvalidParameterError,
                           match=r"groups \['support'\] have measures but no"):
            HealthScorecard(measures=[as_is("a", group="usage"), as_is("b", group="support")],
                            groups={"usage": 1})
        with pytest.raises(InvalidParameterError, match="have a weight but no measure"):
            HealthScorecard(measures=[as_is("a", group="usage")], groups={"usage": 1, "x": 1})

    def test_points_outside_the_scale(self) -> None:
        with pytest.raises(InvalidParameterError, match=r"points \[120\.0\] outside the scale"):
            HealthScorecard(measures=[Measure(name="u", rule=Steps(thresholds=[1],
                                                                    points=[0, 120]))])

    def test_duplicate_and_reserved_names(self) -> None:
        with pytest.raises(InvalidParameterError, match="distinct"):
            HealthScorecard(measures=[as_is("a"), as_is("a")])
        with pytest.raises(InvalidParameterError, match="taken by result columns"):
            HealthScorecard(measures=[as_is("score")])

    def test_scorecard_is_frozen(self) -> None:
        with pytest.raises(InvalidParameterError):
            CARD.decimals = 2  # type: ignore[misc]

    def test_a_scorecard_saved_as_json_loads_back_equal(self) -> None:
        card = HealthScorecard(
            measures=[Measure(name="u", group="usage", weight=2, rule=NamedBands(
                points={"low": 0, "high": 100}, bands={"low": "(-inf, 0.5)",
                                                       "high": "[0.5, inf)"})),
                      Measure(name="csm", rule=TOTANGO), as_is("nps", 0.5)],
            groups={"usage": 3}, missing=MissingPolicy(fill="neutral", min_coverage=0.4),
            decimals=1, name="v2")
        loaded = HealthScorecard.model_validate_json(card.model_dump_json())
        assert loaded == card
        assert loaded.effective_weights == card.effective_weights
        assert card.model_copy(update={"decimals": 0}) != card

    def test_groups_default_to_the_sum_of_their_weights(self) -> None:
        # Without groups=, usage weighs 2 + 1 = 3 and support 1: the same nominal shares as
        # the flat scorecard: 2/4, 1/4, 1/4.
        card = HealthScorecard(measures=[as_is("a", 2, "usage"), as_is("b", 1, "usage"),
                                         as_is("c", 1, "support")])
        assert card.effective_weights == pytest.approx({"a": 0.5, "b": 0.25, "c": 0.25})


# --- explain ----------------------------------------------------------------------------------


class TestExplain:
    def test_explanation_shows_the_arithmetic(self) -> None:
        scores = quiet_score(policy_card(), POLICY_DATA)
        e = scores.explain("one")
        assert e.score == pytest.approx(68.0)
        assert e.band == "yellow"
        assert e.coverage == pytest.approx(0.85)
        assert e["status"].tolist() == ["present", "missing", "present"]
        assert e["contribution"].tolist() == pytest.approx([48, 0, 20])
        text = str(e)
        assert "usage = (3 × 80) / 3 = 80" in text
        assert "score = (60 × 80 + 40 × 50) / 100 = 68" in text
        assert "logins missing: weight re-normalised away" in text
        assert "band: yellow (50, 75]" in text

    def test_unscored_account(self) -> None:
        e = quiet_score(policy_card(), POLICY_DATA).explain("none")
        assert math.isnan(e.score)
        assert e.band is None
        assert "no measure has a value" in str(e)

    def test_unknown_account(self) -> None:
        with pytest.raises(AccountNotFoundError, match="no account 'zzz'"):
            CARD.score(DATA).explain("zzz")
        with pytest.raises(KeyError):
            CARD.score(DATA).explain(3)

    def test_integer_ids_found_by_text(self) -> None:
        scores = CARD.score({"customer_id": [10, 20], "util": [1, 0], "tickets": [0, 0]})
        assert scores.explain(20).score == pytest.approx(100 / 3)
        assert scores.explain("20").score == pytest.approx(100 / 3)

    def test_html_is_escaped(self) -> None:
        card = HealthScorecard(measures=[Measure(name="<b>", rule=SCORE)], name="<card>")
        html = card.score({"customer_id": ["<x>"], "<b>": [10]})._repr_html_()
        assert "&lt;x&gt;" in html
        assert "<x>" not in html


# --- roll-ups, trend, at risk --------------------------------------------------------------------


def portfolio(values: list[float | None], mrr: list[float], segment: list[str],
              ids: list[str] | None = None) -> HealthScores:
    card = HealthScorecard(measures=[as_is("m")])
    ids = ids or [f"c{i}" for i in range(len(values))]
    return quiet_score(card, {"customer_id": ids, "m": values, "mrr": mrr, "seg": segment},
                       mrr="mrr", keep=["seg"])


class TestRollup:
    def test_by_segment_hand_worked(self) -> None:
        # A: scores 20 ($100), 80 ($300), none ($100); B: 60 ($0), 90 ($200).
        # A: mean (20 + 80)/2 = 50; MRR-weighted (100x20 + 300x80)/400 = 65;
        #    shares red 1/3, green 1/3, unscored 1/3; MRR shares 100/500, 300/500, 100/500.
        # B: mean 75; MRR-weighted 200x90/200 = 90; shares yellow 1/2, green 1/2;
        #    MRR shares yellow 0, green 1.
        scores = portfolio([20, 80, None, 60, 90], [100, 300, 100, 0, 200],
                           ["A", "A", "A", "B", "B"])
        r = health_rollup(scores, by="seg")
        assert r["seg"].tolist() == ["A", "B"]
        assert r["accounts"].tolist() == [3, 2]
        assert r["scored"].tolist() == [2, 2]
        assert r["mean_score"] == pytest.approx([50, 75])
        assert r["mrr_weighted_score"] == pytest.approx([65, 90])
        assert r["mrr"] == pytest.approx([500, 200])
        assert r["share_red"] == pytest.approx([1 / 3, 0])
        assert r["share_yellow"] == pytest.approx([0, 0.5])
        assert r["share_green"] == pytest.approx([1 / 3, 0.5])
        assert r["share_unscored"] == pytest.approx([1 / 3, 0])
        assert r["mrr_share_red"] == pytest.approx([0.2, 0])
        assert r["mrr_share_green"] == pytest.approx([0.6, 1])
        assert r["mrr_share_unscored"] == pytest.approx([0.2, 0])

    def test_segments_as_mapping_or_array_and_mrr_given_late(self) -> None:
        scores = portfolio([20, 80], [0, 0], ["x", "x"], ids=["a", "b"])
        by_map = health_rollup(scores, by={"a": "s1", "b": "s2"}, mrr={"a": 10, "b": 30})
        assert by_map["segment"].tolist() == ["s1", "s2"]
        assert by_map["mrr_weighted_score"] == pytest.approx([20, 80])
        # Labels aligned with the rows are deprecated (by= is a column or a mapping), and
        # still work for one release.
        with pytest.warns(DeprecationWarning, match="aligned with the rows is deprecated"):
            by_array = health_rollup(scores, by=["s1", "s1"], mrr=[10, 30])
        assert by_array["mrr_weighted_score"] == pytest.approx([(200 + 2400) / 40])

    def test_pandas_series_as_mappings(self) -> None:
        pd = pytest.importorskip("pandas")
        scores = portfolio([20, 80], [0, 0], ["x", "x"], ids=["a", "b"])
        r = health_rollup(scores, by=pd.Series({"b": "s2", "a": "s1"}),
                          mrr=pd.Series({"b": 30.0, "a": 10.0}))
        assert r["segment"].tolist() == ["s1", "s2"]
        assert r["mrr"].tolist() == [10, 30]

    def test_undefined_is_nan_with_a_warning(self) -> None:
        scores = portfolio([None, 50], [0, 0], ["x", "y"])
        with pytest.warns(UndefinedMetricWarning):
            r = health_rollup(scores, by="seg")
        assert math.isnan(r["mean_score"][0])
        assert r["mean_score"][1] == 50
        assert math.isnan(r["mrr_weighted_score"][1])

    def test_bad_inputs(self) -> None:
        scores = portfolio([20, 80], [1, 1], ["x", "x"], ids=["a", "b"])
        with pytest.raises(InvalidParameterError, match="no entry"):
            health_rollup(scores, mrr={"a": 1})
        with pytest.raises(DataValidationError, match="'mrr' must be a finite number >= 0"):
            health_rollup(scores, mrr=[-1, 2])
        with pytest.raises(InvalidParameterError, match="band_points"):
            health_rollup(scores, band_points={"red": 1})
        with pytest.raises(ColumnNotFoundError):
            health_rollup(scores, by="region")


class TestTrendAndRisk:
    def test_trend_hand_worked(self) -> None:
        before = portfolio([80, 60, 30, 70], [10, 20, 30, 40], ["s"] * 4,
                           ids=["a", "b", "c", "d"])
        after = portfolio([40, 65, None, 90], [10, 25, 30, 50], ["s"] * 4,
                          ids=["b", "a", "c", "e"])
        t = health_trend(before, after)
        # after's order (b, a, c, e) then before-only (d).
        assert t["customer_id"].tolist() == ["b", "a", "c", "e", "d"]
        # b: 60 -> 40 (yellow -> red, down); a: 80 -> 65 (green -> yellow, down);
        # c: 30 -> none (unscored); e: new; d: gone.
        assert t["movement"].tolist() == ["down", "down", "unscored", "new", "gone"]
        assert t["change"][:2] == pytest.approx([-20, -15])
        assert np.isnan(t["change"][2:]).all()
        assert t["mrr"].tolist() == [10, 25, 30, 50, 40]
        grid = t.transitions()
        assert grid["band_before"].tolist() == ["red", "yellow", "green", "no score"]
        assert grid["red"].tolist() == [0, 1, 0, 0]      # b: yellow -> red
        assert grid["yellow"].tolist() == [0, 0, 1, 0]   # a: green -> yellow
        assert grid["no score"].tolist() == [1, 1, 0, 0]  # c: red, d: yellow -> no score
        assert grid["green"].tolist() == [0, 0, 0, 1]    # e: (absent) -> green

    def test_at_risk_by_band_and_drop(self) -> None:
        before = portfolio([80, 60, 30, 90], [10, 20, 30, 40], ["s"] * 4,
                           ids=["a", "b", "c", "d"])
        after = portfolio([55, 40, 20, 88], [10, 20, 30, 40], ["s"] * 4,
                          ids=["a", "b", "c", "d"])
        red = at_risk(after)
        # red now: b (40, $20) and c (20, $30); by MRR: c then b; $50 of $100.
        assert red["customer_id"].tolist() == ["c", "b"]
        assert (red.mrr_at_risk, red.share_of_mrr) == (50.0, 0.5)
        assert red["cumulative_mrr"].tolist() == [30, 50]
        trend = health_trend(before, after)
        falling = at_risk(trend, band=None, min_drop=20)
        # drops: a -25, b -20 (exactly 20 counts), c -10, d -2.
        assert falling["customer_id"].tolist() == ["b", "a"]
        both = at_risk(trend, min_drop=20)
        assert both["customer_id"].tolist() == ["c", "b", "a"]
        assert both["reason"].tolist() == ["band", "band, drop", "drop"]

    def test_at_risk_errors(self) -> None:
        scores = portfolio([20], [1], ["s"])
        with pytest.raises(InvalidParameterError, match="no band 'crimson'"):
            at_risk(scores, band="crimson")
        with pytest.raises(InvalidParameterError, match="min_drop needs a HealthTrend"):
            at_risk(scores, min_drop=5)
        with pytest.raises(InvalidParameterError, match="give band= or min_drop="):
            at_risk(scores, band=None)
        no_mrr = CARD.score(DATA)
        with pytest.raises(InvalidParameterError, match="there is no MRR"):
            at_risk(no_mrr)
        # b (50) and c (16.67) are red; by MRR c ($3) then b ($2).
        listed = at_risk(no_mrr, mrr={"a": 1, "b": 2, "c": 3})
        assert listed["customer_id"].tolist() == ["c", "b"]

    def test_trend_needs_the_same_bands(self) -> None:
        a = portfolio([20], [1], ["s"])
        other = HealthScorecard(measures=[as_is("m")], bands={"low": "[0, 60]",
                                                              "high": "(60, 100]"})
        b = other.score({"customer_id": ["c0"], "m": [20]})
        with pytest.raises(InvalidParameterError, match="different colour bands"):
            health_trend(a, b)


# --- the contract: by=, one result type, option checks, warnings at the caller's line -----------


class TestRollupContract:
    # A: 20 ($100), 80 ($300); B: 60 ($100), 90 ($200); ids c0..c3.
    def scores(self) -> HealthScores:
        return portfolio([20, 80, 60, 90], [100, 300, 100, 200], ["A", "A", "B", "B"])

    def test_without_by_one_row_and_no_segment_column(self) -> None:
        r = health_rollup(self.scores())
        assert isinstance(r, HealthRollup)
        assert len(r) == 1
        assert r.segment_column is None
        assert r.column_names[0] == "accounts"
        # (20 + 80 + 60 + 90) / 4 = 62.5; MRR-weighted (2000 + 24000 + 6000 + 18000) / 700.
        assert float(r) == r.value == 62.5
        assert r["mrr_weighted_score"][0] == pytest.approx(50000 / 700)
        assert f"{r:.1f}" == "62.5"

    def test_by_a_kept_column(self) -> None:
        r = health_rollup(self.scores(), by="seg")
        assert isinstance(r, HealthRollup)
        assert r.column_names[0] == "seg"
        assert r["seg"].tolist() == ["A", "B"]
        assert r["mean_score"].tolist() == [50.0, 75.0]      # (20 + 80) / 2, (60 + 90) / 2
        assert float(r.row("B")) == 75.0
        with pytest.raises(InvalidParameterError, match="2 rows"):
            float(r)

    def test_by_the_id_column_is_the_per_account_view(self) -> None:
        r = health_rollup(self.scores(), by="customer_id")
        assert r["customer_id"].tolist() == ["c0", "c1", "c2", "c3"]
        assert r["accounts"].tolist() == [1, 1, 1, 1]
        assert r["mean_score"].tolist() == [20.0, 80.0, 60.0, 90.0]
        assert float(r.row("c1")) == 80.0

    def test_by_the_band_column(self) -> None:
        # 20 red; 60 yellow; 80 and 90 green.
        r = health_rollup(self.scores(), by="band")
        assert r["band"].tolist() == ["red", "yellow", "green"]  # the scorecard's order
        assert r["accounts"].tolist() == [1, 1, 2]
        assert r["mrr"].tolist() == [100.0, 100.0, 500.0]

    def test_missing_values_of_a_column_are_in_none(self) -> None:
        scores = portfolio([20, 80, 60], [1, 1, 1], ["A", None, "A"])  # type: ignore[list-item]
        r = health_rollup(scores, by="seg")
        assert r["seg"].tolist() == ["A", "(none)"]
        assert r["accounts"].tolist() == [2, 1]
        assert r["mean_score"].tolist() == [40.0, 80.0]

    def test_mapping_puts_unmapped_accounts_in_none(self) -> None:
        # c0 EU, c3 EU, c1 mapped to None, c2 not mapped: (none) holds 80 and 60.
        r = health_rollup(self.scores(), by={"c0": "EU", "c3": "EU", "c1": None,
                                             "zz": "US"})
        assert r.column_names[0] == "segment"
        assert r["segment"].tolist() == ["EU", "(none)"]
        assert r["accounts"].tolist() == [2, 2]
        assert r["mean_score"].tolist() == [55.0, 70.0]      # (20 + 90) / 2, (80 + 60) / 2
        assert r["accounts"].sum() == 4                      # nothing dropped

    def test_named_mapping_names_the_segment_column(self) -> None:
        from csmetrics._core.segments import NamedSegments

        r = health_rollup(self.scores(), by=NamedSegments("region", {"c0": "EU"}))
        assert r["region"].tolist() == ["EU", "(none)"]
        assert r.segment_column == "region"

    def test_pandas_series_mapping_with_unmapped_ids(self) -> None:
        pd = pytest.importorskip("pandas")
        r = health_rollup(self.scores(), by=pd.Series({"c2": "x"}, name="tier"))
        assert r["tier"].tolist() == ["x", "(none)"]
        assert r["accounts"].tolist() == [1, 3]

    def test_one_result_type_whatever_by(self) -> None:
        scores = self.scores()
        with pytest.warns(DeprecationWarning, match="health_rollup: by="):
            labels = health_rollup(scores, by=["p", "q", "p", "q"])
        results = [health_rollup(scores), health_rollup(scores, by="seg"),
                   health_rollup(scores, by={"c0": "x"}), health_rollup(scores, by="customer_id"),
                   labels]
        assert {type(r) for r in results} == {HealthRollup}
        assert all(r.value_column == "mean_score" for r in results)
        assert labels["segment"].tolist() == ["p", "q"]
        assert labels["mean_score"].tolist() == [40.0, 85.0]   # (20 + 60) / 2, (80 + 90) / 2

    def test_segments_add_up_to_the_portfolio(self) -> None:
        scores = self.scores()
        whole = health_rollup(scores)
        split = health_rollup(scores, by={"c0": "x", "c1": "y"})
        assert split["accounts"].sum() == whole["accounts"][0]
        assert split["mrr"].sum() == pytest.approx(whole["mrr"][0])

    def test_unknown_column_lists_the_columns(self) -> None:
        with pytest.raises(ColumnNotFoundError, match="keep="):
            health_rollup(self.scores(), by="region")

    def test_bad_options_get_the_shared_message(self) -> None:
        scores = self.scores()
        with pytest.raises(InvalidParameterError, match=r"^health_rollup: band_points must be "
                           r"a mapping from band name to points \(finite numbers\), or None, "
                           r"got 'x'\.$"):
            health_rollup(scores, band_points="x")  # type: ignore[arg-type]
        with pytest.raises(InvalidParameterError, match=r"^at_risk: min_drop must be a number "
                           r"> 0, or None, got -5\.$"):
            at_risk(scores, min_drop=-5)
        with pytest.raises(InvalidParameterError, match=r"^at_risk: band must be a band name, "
                           r"a sequence of band names, or None, got 3\.$"):
            at_risk(scores, band=3)  # type: ignore[arg-type]
        trend = health_trend(scores, scores)
        with pytest.raises(InvalidParameterError, match=r"^HealthTrend\.transitions: weight "
                           r"must be one of 'accounts', 'mrr', got 'seats'\.$"):
            trend.transitions(weight="seats")  # type: ignore[arg-type]
        with pytest.raises(InvalidParameterError, match="by must be None, a column"):
            health_rollup(scores, by=3)

    def test_empty_portfolio_is_nan_never_zero(self) -> None:
        card = HealthScorecard(measures=[as_is("m")])
        empty = card.score({"customer_id": np.array([], dtype=object),
                            "m": np.array([], dtype=float)})
        with pytest.warns(UndefinedMetricWarning):
            r = health_rollup(empty)
        assert r["accounts"].tolist() == [0]
        assert math.isnan(float(r))
        assert math.isnan(r["share_red"][0])

    def test_warnings_point_at_the_callers_line(self) -> None:
        card = HealthScorecard(measures=[as_is("m")])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            scores = card.score({"customer_id": ["a", "b"], "m": [None, 50],
                                 "mrr": [0, 0]}, mrr="mrr")
            health_rollup(scores)
            at_risk(scores)
        undefined = [w for w in caught if issubclass(w.category, UndefinedMetricWarning)]
        assert len(undefined) == 4   # score: 1 unscored; roll-up: 2 ratios of MRR; share
        assert {w.filename for w in undefined} == {__file__}

    def test_at_risk_share_of_no_mrr_is_nan_with_a_warning(self) -> None:
        scores = portfolio([20, 30], [0, 0], ["s", "s"])
        with pytest.warns(UndefinedMetricWarning, match="at_risk"):
            r = at_risk(scores)
        assert r.mrr_at_risk == 0.0
        assert math.isnan(r.share_of_mrr)

    def test_prints_and_converts(self) -> None:
        r = health_rollup(self.scores(), by="seg")
        text = str(r).splitlines()
        assert text[0] == "Health roll-up (health) by seg"
        assert text[1].split()[:4] == ["seg", "accounts", "scored", "mean_score"]
        assert r.to_dict()["seg"] == ["A", "B"]
        assert repr(health_rollup(self.scores())) == "HealthRollup(mean_score=62.5)"


class TestRollupPlot:
    def test_plot_draws_on_the_given_axes_and_leaves_pyplot_alone(self) -> None:
        pytest.importorskip("matplotlib")
        import matplotlib.pyplot as plt
        from matplotlib.figure import Figure

        before = plt.get_fignums()
        fig = Figure()
        ax = fig.subplots()
        rollup = health_rollup(portfolio([20, 80, 60], [1, 2, 3], ["A", "A", "B"]))
        assert rollup.plot(ax=ax) is ax
        assert [t.get_text() for t in ax.get_xticklabels()] == ["red", "yellow", "green",
                                                                "unscored"]
        # 3 bands + unscored, for accounts and for MRR.
        assert len(ax.patches) == 8
        assert plt.get_fignums() == before

    def test_plot_without_axes_makes_one_figure(self) -> None:
        pytest.importorskip("matplotlib")
        import matplotlib
        import matplotlib.pyplot as plt

        backend = matplotlib.get_backend()
        before = set(plt.get_fignums())
        ax = health_rollup(portfolio([20], [1], ["A"])).plot()
        try:
            assert set(plt.get_fignums()) - before == {ax.figure.number}
        finally:
            plt.close(ax.figure)
        assert set(plt.get_fignums()) == before
        assert matplotlib.get_backend() == backend

    def test_a_segmented_rollup_plots_one_segment(self) -> None:
        pytest.importorskip("matplotlib")
        from matplotlib.figure import Figure

        rollup = health_rollup(portfolio([20, 80, 60], [1, 2, 3], ["A", "A", "B"]), by="seg")
        with pytest.raises(InvalidParameterError, match=r"rollup\.row\(label\)\.plot\(\)"):
            rollup.plot(ax=Figure().subplots())
        ax = rollup.row("A").plot(ax=Figure().subplots())
        heights = [p.get_height() for p in ax.patches[:4]]
        assert heights == pytest.approx([0.5, 0, 0.5, 0])    # 20 red, 80 green of two
