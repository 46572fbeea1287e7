"""Survey metrics against published numbers and hand-worked cases.

Every expected number is either quoted from the source cited beside it or worked by hand in
the comment next to it (with math.sqrt at most); none comes from running csmetrics.
z(0.975) = 1.959964 throughout.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from csmetrics.exceptions import DataValidationError, InvalidParameterError, UndefinedMetricWarning
from csmetrics.surveys import (
    Comparison,
    NetPromoterScore,
    compare_means,
    compare_nps,
    compare_proportions,
    compare_to_benchmark,
    customer_effort_score,
    customer_satisfaction_score,
    net_promoter_score,
    nps_sample_size,
)

Z = 1.959964
NO_ANSWERS = r"because the number \(or total weight\) of answers is zero"


def answers(promoters: int, passives: int, detractors: int) -> list[int]:
    """0-10 answers with the given band counts (10, 8 and 3 stand for their bands)."""
    return [10] * promoters + [8] * passives + [3] * detractors


def satisfied(hits: int, n: int) -> list[int]:
    """1-5 CSAT answers with ``hits`` satisfied (5) out of ``n`` (the rest 2)."""
    return [5] * hits + [2] * (n - hits)


# --- published numbers ------------------------------------------------------------------------


class TestPublished:
    @pytest.mark.parametrize(("hits", "n", "low", "high"), [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ])
    def test_wilson_interval_matches_newcombe_1998_single_proportion_examples(
            self, hits: int, n: int, low: float, high: float) -> None:
        # Wilson (1927) score interval. Newcombe, R. G. (1998), "Two-sided confidence
        # intervals for the single proportion: comparison of seven methods", Statistics in
        # Medicine 17, 857-872, Table II, method 3 (score, no continuity correction).
        r = customer_satisfaction_score(satisfied(hits, n))
        assert r.score == pytest.approx(hits / n)
        lo, hi = r.confidence_interval()
        assert lo == pytest.approx(low, abs=5e-5)
        assert hi == pytest.approx(high, abs=5e-5)

    @pytest.mark.parametrize(("a", "b", "low", "high"), [
        ((56, 70), (48, 80), 0.0524, 0.3339),
        ((9, 10), (3, 10), 0.1705, 0.8090),
        ((6, 7), (2, 7), 0.0582, 0.8062),
        ((5, 56), (0, 29), -0.0381, 0.1926),
        ((0, 10), (0, 20), -0.1611, 0.2775),
        ((0, 10), (0, 10), -0.2775, 0.2775),
        ((10, 10), (0, 20), 0.6791, 1.0000),
        ((10, 10), (0, 10), 0.6075, 1.0000),
    ])
    def test_newcombe_interval_matches_newcombe_1998_difference_examples(
            self, a: tuple[int, int], b: tuple[int, int], low: float, high: float) -> None:
        # Newcombe, R. G. (1998), "Interval estimation for the difference between independent
        # proportions: comparison of eleven methods", Statistics in Medicine 17, 873-890,
        # Table II, method 10 (hybrid score, no continuity correction), examples (a)-(h).
        c = compare_proportions(a, b)
        assert c.difference == pytest.approx(a[0] / a[1] - b[0] / b[1])
        lo, hi = c.confidence_interval()
        assert lo == pytest.approx(low, abs=5e-5)
        assert hi == pytest.approx(high, abs=5e-5)

    def test_newcombe_from_csat_results(self) -> None:
        # Example (a) again, through two CSAT results: 56 of 70 versus 48 of 80 satisfied.
        c = compare_proportions(customer_satisfaction_score(satisfied(56, 70)),
                                customer_satisfaction_score(satisfied(48, 80)))
        assert c.confidence_interval() == pytest.approx((0.0524, 0.3339), abs=5e-5)
        assert c.significant

    def test_welch_matches_r_t_test_on_students_sleep_data(self) -> None:
        # Student (1908) sleep data; R: t.test(extra ~ group, data = sleep) prints
        # "t = -1.8608, df = 17.776, p-value = 0.07939", 95 percent confidence interval
        # -3.3654832 0.2054832, means 0.75 and 2.33.
        drug1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
        drug2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
        c = compare_means(drug1, drug2)
        assert c["mean_a"].item() == pytest.approx(0.75)
        assert c["mean_b"].item() == pytest.approx(2.33)
        assert c["t"].item() == pytest.approx(-1.8608, abs=5e-5)
        assert c["df"].item() == pytest.approx(17.776, abs=5e-4)
        assert c.p_value == pytest.approx(0.07939, abs=5e-6)
        assert c.confidence_interval() == pytest.approx((-3.3654832, 0.2054832), abs=1e-6)
        assert not c.significant

    def test_nps_standard_error_and_the_320_over_root_n_rule(self) -> None:
        # Rocks (2016), "Interval Estimation for the 'Net Promoter Score'", The American
        # Statistician 70(4): the NPS is the mean of +1/0/-1 codes, so
        # Var = (p + d - (p - d)^2) / n. Engelhardt (2016), "Net Promoter Score confidence
        # intervals 2: maths and stats" (cybaea.net), from the same formula: at
        # p = d = 1/3 the 95% Wald interval is about 320 / sqrt(n) wide.
        # 900 answers, a third in each band: SE = 100 sqrt((2/3) / 900) = 2.7217;
        # width = 2 * 1.959964 * 2.7217 = 10.669 = 320.07 / 30.
        r = net_promoter_score(answers(300, 300, 300), interval="wald")
        assert r.score == 0.0
        assert r["se"].item() == pytest.approx(100 * math.sqrt(2 / 3 / 900), rel=1e-9)
        lo, hi = r.confidence_interval()
        assert hi - lo == pytest.approx(320.07 / 30, abs=1e-3)

    def test_sample_size_reproduces_the_1024_answers_for_a_width_of_10(self) -> None:
        # Engelhardt (2016): a width of 10 (±5) at p = d = 1/3 needs n ≈ 1024.
        # By hand: n = (100 * 1.959964)^2 * (2/3) / 5^2 = 1024.4, so 1025 answers.
        assert nps_sample_size(5, promoters=1 / 3, detractors=1 / 3, interval="wald") == 1025
        # Adjusted-Wald uses n + 3: 1024.4 - 3 = 1021.4, so 1022.
        assert nps_sample_size(5, promoters=1 / 3, detractors=1 / 3) == 1022
        # Worst case, V = 1: (195.9964)^2 / 25 = 1536.6 - 3 -> 1534 (Wald: 1537).
        assert nps_sample_size(5) == 1534
        assert nps_sample_size(5, interval="wald") == 1537

    def test_t_interval_of_a_mean_uses_the_t_table(self) -> None:
        # 1..5 on a 1-5 scale: mean 3, s = sqrt(2.5) = 1.58114, SE = 0.70711;
        # t(0.975, 4) = 2.7764 (any t table), half-width 1.96324.
        r = customer_satisfaction_score([1, 2, 3, 4, 5])
        assert r["mean"].item() == 3.0
        assert r["sd"].item() == pytest.approx(math.sqrt(2.5))
        assert r["mean_ci_low"].item() == pytest.approx(3 - 1.96324, abs=1e-4)
        assert r["mean_ci_high"].item() == pytest.approx(3 + 1.96324, abs=1e-4)


# --- NPS, worked by hand ---------------------------------------------------------------------


class TestNetPromoterScore:
    def test_bands_0_to_6_7_to_8_9_to_10(self) -> None:
        r = net_promoter_score(list(range(11)))
        assert (r["detractors"].item(), r["passives"].item(), r["promoters"].item()) == (7, 2, 2)
        # (2 - 7) / 11 = -45.4545
        assert r.score == pytest.approx(-500 / 11)
        assert r["n"].item() == 11

    def test_adjusted_wald_by_hand(self) -> None:
        # 5 promoters, 2 passives, 3 detractors (Sauro and Lewis: add 3/4 to promoters and
        # detractors and 3 to n). P = 5.75/13 = 0.442308, D = 3.75/13 = 0.288462,
        # centre = 0.153846, Var = P + D - centre^2 = 0.730769 - 0.023669 = 0.707101,
        # SE = sqrt(0.707101 / 13) = 0.233222; CI = 0.153846 ± 1.959964 * 0.233222
        # = [-0.303260, 0.610952].
        r = net_promoter_score([10, 9, 9, 8, 7, 6, 3, 10, 9, 5])
        assert r.score == 20.0
        assert r["se"].item() == pytest.approx(23.3222, abs=1e-4)
        assert r.confidence_interval() == pytest.approx((-30.3260, 61.0952), abs=1e-4)
        assert r.interval == "adjusted_wald"

    def test_wald_by_hand(self) -> None:
        # p = .5, d = .3: Var = .8 - .04 = .76, SE = sqrt(.076) = 0.275681;
        # CI = 0.2 ± 0.540325 = [-0.340325, 0.740325].
        r = net_promoter_score([10, 9, 9, 8, 7, 6, 3, 10, 9, 5], interval="wald")
        assert r["se"].item() == pytest.approx(27.5681, abs=1e-4)
        assert r.confidence_interval() == pytest.approx((-34.0325, 74.0325), abs=1e-4)

    def test_all_promoters(self) -> None:
        # Wald: Var = 1 + 0 - 1 = 0, a degenerate interval at 100.
        r = net_promoter_score([9, 10, 10, 9, 10], interval="wald")
        assert r.score == 100.0
        assert r.confidence_interval() == (100.0, 100.0)
        # Adjusted: P = 5.75/8 = .71875, D = .75/8 = .09375, centre = .625,
        # Var = .8125 - .390625 = .421875, SE = sqrt(.421875/8) = .229640,
        # CI = .625 ± .450086 = [.174914, 1.075086] -> upper clipped to 100.
        lo, hi = net_promoter_score([9, 10, 10, 9, 10]).confidence_interval()
        assert lo == pytest.approx(17.4914, abs=1e-4)
        assert hi == 100.0

    def test_one_answer_a_6(self) -> None:
        r = net_promoter_score([6])
        assert r.score == -100.0
        # P = .75/4 = .1875, D = 1.75/4 = .4375, centre = -.25, Var = .625 - .0625 = .5625,
        # SE = sqrt(.5625/4) = .375, CI = -.25 ± .734987 = [-.984987, .484987].
        assert r.confidence_interval() == pytest.approx((-98.4987, 48.4987), abs=1e-4)
        assert net_promoter_score([6], interval="wald").confidence_interval() == (-100.0, -100.0)

    def test_one_answer_a_9(self) -> None:
        r = net_promoter_score([9])
        assert r.score == 100.0
        assert (r["promoters"].item(), r["passives"].item(), r["detractors"].item()) == (1, 0, 0)
        # Mirror image of the 6: [-.484987, .984987]. The adjusted interval does not
        # contain the raw 100 for a single answer: it is centred on the adjusted score.
        assert r.confidence_interval() == pytest.approx((-48.4987, 98.4987), abs=1e-4)

    def test_a_7_is_passive(self) -> None:
        assert net_promoter_score([7]).score == 0.0

    def test_empty_input_is_nan_with_a_warning_never_zero(self) -> None:
        with pytest.warns(UndefinedMetricWarning, match=NO_ANSWERS):
            r = net_promoter_score([])
        assert math.isnan(r.score)
        assert all(math.isnan(v) for v in r.confidence_interval())
        assert r["n"].item() == 0
        assert r["promoters"].item() == 0

    def test_the_issues_example_10_to_30_with_100_answers_is_not_significant(self) -> None:
        # 40/30/30 (NPS 10) then 50/30/20 (NPS 30), 100 answers each.
        # Wald: Var_a = .7 - .01 = .69, Var_b = .7 - .09 = .61,
        # SE = sqrt(.0069 + .0061) = .114018, z = .2 / .114018 = 1.754116,
        # p = erfc(z / sqrt 2) = .079411.
        before, after = answers(40, 30, 30), answers(50, 30, 20)
        c = compare_nps(after, before, interval="wald")
        assert c.difference == 20.0
        assert c["z"].item() == pytest.approx(1.754116, abs=1e-5)
        assert c.p_value == pytest.approx(0.079411, abs=1e-6)
        assert not c.significant
        # Adjusted: P_a = 40.75/103 = .395631, D_a = 30.75/103 = .298544,
        # P_b = 50.75/103 = .492718, D_b = 20.75/103 = .201456;
        # Var_a = .694175 - .009426 = .684749, Var_b = .694175 - .084834 = .609341;
        # SE = sqrt((.684749 + .609341) / 103) = .112089; centre difference
        # = .291262 - .097087 = .194175; z = 1.732324, p = .083216.
        c = compare_nps(after, before)
        assert c["z"].item() == pytest.approx(1.732324, abs=1e-5)
        assert c.p_value == pytest.approx(0.083216, abs=1e-6)
        assert c["se"].item() == pytest.approx(11.2089, abs=1e-4)
        assert c.confidence_interval() == pytest.approx(
            (100 * (0.194175 - Z * 0.112089), 100 * (0.194175 + Z * 0.112089)), abs=1e-3)

    def test_shares_and_counts(self) -> None:
        r = net_promoter_score(answers(3, 1, 1))
        assert (r["promoter_share"].item(), r["passive_share"].item(),
                r["detractor_share"].item()) == (0.6, 0.2, 0.2)
        assert r.score == pytest.approx(40.0)

    def test_input_types(self) -> None:
        pd = pytest.importorskip("pandas")
        pl = pytest.importorskip("polars")
        pa = pytest.importorskip("pyarrow")
        data = [10, 9, 6, 7, 0]
        expected = net_promoter_score(data).to_dict()
        for scores in (np.array(data), np.array(data, dtype=np.int8),
                       np.array(data, dtype=float), tuple(data), pd.Series(data),
                       pd.Series(data, dtype="Int64"), pl.Series(data), pa.array(data)):
            assert net_promoter_score(scores).to_dict() == expected


class TestNpsValidation:
    def test_a_6_point_5_is_in_no_band_it_is_an_error(self) -> None:
        with pytest.raises(DataValidationError) as info:
            net_promoter_score([9, 6.5, 10])
        assert str(info.value) == (
            "net_promoter_score: column 'scores' must be a whole number on the 0-10 scale; "
            "1 of 3 rows breaks this rule (at row 1).")
        assert (info.value.column, info.value.count, info.value.positions) == ("scores", 1, (1,))

    @pytest.mark.parametrize(("bad", "rule"), [
        (11, "must be on the 0-10 scale"),
        (-1, "must be on the 0-10 scale"),
        (float("inf"), "must be on the 0-10 scale"),
        (float("nan"), "must not be missing"),
        (None, "must not be missing"),
        ("nine", "must be a number"),
    ])
    def test_off_scale_missing_and_text(self, bad: object, rule: str) -> None:
        with pytest.raises(DataValidationError, match=rule):
            net_promoter_score([10, bad, 3])

    def test_count_and_first_positions(self) -> None:
        with pytest.raises(DataValidationError) as info:
            net_promoter_score([11] * 7 + [5] * 3)
        assert info.value.count == 7
        assert info.value.positions == (0, 1, 2, 3, 4)

    def test_skip_returns_what_it_skipped(self) -> None:
        r = net_promoter_score([10, 6.5, None, 11, 3, 9], errors="skip")
        assert r["n"].item() == 3
        assert r.score == pytest.approx(100 / 3)     # 2 promoters, 1 detractor
        assert r.skipped.to_dict() == {
            "row": [1, 2, 3],
            "column": ["scores", "scores", "scores"],
            "rule": ["must be a whole number on the 0-10 scale",
                     "must not be missing (None/NaN)", "must be on the 0-10 scale"]}

    def test_skip_keeps_segments_and_weights_aligned(self) -> None:
        r = net_promoter_score([10, 11, 0, 9], weights=[1, 1, 2, 3], by=["a", "a", "b", "b"],
                               errors="skip")
        assert r["segment"].tolist() == ["a", "b"]
        assert r["n"].tolist() == [1, 2]
        assert r["promoters"].tolist() == [1.0, 3.0]
        assert r["detractors"].tolist() == [0.0, 2.0]

    def test_bad_weights(self) -> None:
        with pytest.raises(DataValidationError, match="column 'weights' must be >= 0"):
            net_promoter_score([9, 10], weights=[1, -1])
        with pytest.raises(DataValidationError, match="'weights' must not be missing"):
            net_promoter_score([9, 10], weights=[1, float("nan")])
        with pytest.raises(DataValidationError, match="'weights' must be finite"):
            net_promoter_score([9, 10], weights=[1, float("inf")])
        with pytest.raises(DataValidationError, match="whole number"):
            net_promoter_score([9, 10], weights=[1, 1.5], weight_type="frequency")
        with pytest.raises(InvalidParameterError, match="one value per answer"):
            net_promoter_score([9, 10], weights=[1])

    def test_bad_options(self) -> None:
        # The shared message shape: "<function>: <option> must be <description>, got <value>."
        with pytest.raises(InvalidParameterError) as info:
            net_promoter_score([9], confidence=95)
        assert str(info.value) == ("net_promoter_score: confidence must be a number between 0 "
                                   "and 1 (exclusive), got 95.")
        with pytest.raises(InvalidParameterError) as info:
            net_promoter_score([9], interval="exact")  # type: ignore[arg-type]
        assert str(info.value) == ("net_promoter_score: interval must be one of "
                                   "'adjusted_wald', 'wald', 'bootstrap', got 'exact'.")
        with pytest.raises(InvalidParameterError, match="one label per value"):
            net_promoter_score([9, 8], by=["a"])
        with pytest.raises(InvalidParameterError, match="need survey data in a table form"):
            net_promoter_score([9, 8], by="customer_id")
        with pytest.raises(InvalidParameterError, match="needs survey data in a table form"):
            net_promoter_score([9, 8], account_weighting="account")
        with pytest.raises(InvalidParameterError, match="booleans"):
            net_promoter_score(np.array([True, False]))


class TestWeights:
    def test_weights_of_ones_equal_no_weights(self) -> None:
        data = [10, 9, 8, 7, 6, 0, 10, 3]
        assert (net_promoter_score(data, weights=[1.0] * 8).to_dict()
                == net_promoter_score(data).to_dict())

    def test_integer_frequency_weights_equal_repeated_rows(self) -> None:
        data, w = [10, 8, 2, 9], [3, 1, 2, 4]
        repeated = [10] * 3 + [8] + [2] * 2 + [9] * 4
        for interval in ("adjusted_wald", "wald", "bootstrap"):
            a = net_promoter_score(data, weights=w, weight_type="frequency", interval=interval)
            b = net_promoter_score(repeated, interval=interval)
            for column, values in b.to_dict().items():
                assert a[column].tolist() == pytest.approx(values), column

    def test_integer_sampling_weights_repeat_the_estimate_with_kish_n(self) -> None:
        data, w = [10, 8, 2, 9], [1, 1, 2, 4]
        a = net_promoter_score(data, weights=w)
        b = net_promoter_score([10, 8, 2, 2, 9, 9, 9, 9])
        for col in ("nps", "promoters", "passives", "detractors", "promoter_share"):
            assert a[col].item() == pytest.approx(b[col].item())
        # Kish: (1 + 1 + 2 + 4)^2 / (1 + 1 + 4 + 16) = 64 / 22 = 2.909
        assert a["effective_n"].item() == pytest.approx(64 / 22)
        assert a["n"].item() == 4

    def test_weighted_adjusted_wald_by_hand(self) -> None:
        # Weighted shares p = 5/8 (10 and 9), d = 2/8, Kish n = 64/22 = 2.909091.
        # P = (.625 * 2.909091 + .75) / 5.909091 = .434615, D = (.25 * 2.909091 + .75) /
        # 5.909091 = .25, centre = .184615, Var = .684615 - .034083 = .650533,
        # SE = sqrt(.650533 / 5.909091) = .331798.
        r = net_promoter_score([10, 8, 2, 9], weights=[1, 1, 2, 4])
        assert r.score == pytest.approx(37.5)
        assert r["se"].item() == pytest.approx(33.1798, abs=1e-3)
        assert r["ci_low"].item() == pytest.approx(100 * (0.184615 - Z * 0.331798), abs=1e-3)

    def test_zero_total_weight_is_undefined(self) -> None:
        with pytest.warns(UndefinedMetricWarning):
            r = net_promoter_score([9, 10], weights=[0, 0])
        assert math.isnan(r.score)

    def test_frequency_weight_n_counts_answers(self) -> None:
        r = net_promoter_score([9, 3], weights=[5, 2], weight_type="frequency")
        assert r["n"].item() == 7
        assert r["effective_n"].item() == 7


class TestSegments:
    def test_by_labels(self) -> None:
        # Missing labels are the segment "(none)", after the others: nothing is dropped.
        r = net_promoter_score([10, 0, 9, 9, 7], by=["b", "a", "b", "a", None])
        assert r["segment"].tolist() == ["a", "b", "(none)"]
        assert r["nps"].tolist() == [0.0, 100.0, 0.0]
        assert r["n"].tolist() == [2, 2, 1]
        assert repr(r) == "NetPromoterScore(3 segments by 'segment')"

    def test_integer_labels_are_codes_and_absent_ones_are_dropped(self) -> None:
        r = net_promoter_score([10, 0, 9], by=np.array([7, 2, 7]))
        assert r["segment"].tolist() == [2, 7]
        assert r["n"].tolist() == [1, 2]

    def test_single_row_accessors_refuse_segments(self) -> None:
        r = net_promoter_score([10, 0], by=["x", "y"])
        with pytest.raises(InvalidParameterError, match="2 rows"):
            _ = r.score
        assert r.row("y").score == -100.0
        with pytest.raises(InvalidParameterError, match="0 rows of segment 'z'"):
            r.row("z")

    def test_segments_sum_to_the_total_counts(self) -> None:
        data = [10, 0, 9, 9, 7, 3, 8]
        by = ["a", "b", "a", "c", "b", "c", "a"]
        seg = net_promoter_score(data, by=by)
        total = net_promoter_score(data)
        for col in ("promoters", "passives", "detractors", "n"):
            assert seg[col].sum() == total[col].item()

    def test_empty_segment_after_skipping_warns(self) -> None:
        with pytest.warns(UndefinedMetricWarning, match=r"1 of 2 result\(s\)"):
            r = net_promoter_score([10, 11], by=["a", "b"], errors="skip")
        assert math.isnan(r["nps"][1])


class TestBootstrap:
    def test_seeded_and_reproducible(self) -> None:
        data = answers(40, 30, 30)
        a = net_promoter_score(data, interval="bootstrap", seed=7)
        b = net_promoter_score(data, interval="bootstrap", seed=7)
        c = net_promoter_score(data, interval="bootstrap", seed=8)
        assert a.to_dict() == b.to_dict()
        assert a.confidence_interval() != c.confidence_interval()

    def test_close_to_wald_for_a_large_sample(self) -> None:
        data = answers(400, 300, 300)
        boot = net_promoter_score(data, interval="bootstrap", n_resamples=4000, seed=1)
        wald = net_promoter_score(data, interval="wald")
        assert boot["se"].item() == pytest.approx(wald["se"].item(), rel=0.06)
        assert boot["ci_low"].item() == pytest.approx(wald["ci_low"].item(), abs=0.8)

    def test_all_in_one_band_gives_a_point(self) -> None:
        r = net_promoter_score([9, 9, 9], interval="bootstrap")
        assert r.confidence_interval() == (100.0, 100.0)

    def test_weighted_and_segmented(self) -> None:
        r = net_promoter_score([10, 0, 9, 9, 7, 3], weights=[1, 2, 1, 3, 1, 1],
                               by=["a", "a", "a", "b", "b", "b"], interval="bootstrap")
        assert ((r["ci_low"] <= r["ci_high"]) & (r["ci_low"] >= -100)
                & (r["ci_high"] <= 100)).all()

    def test_bad_resamples(self) -> None:
        with pytest.raises(InvalidParameterError, match="n_resamples"):
            net_promoter_score([9], interval="bootstrap", n_resamples=1)


# --- CSAT and CES ----------------------------------------------------------------------------


class TestCsat:
    def test_top_two_box_on_1_to_5(self) -> None:
        r = customer_satisfaction_score([5, 4, 3, 2, 1])
        assert r.score == pytest.approx(0.4)
        assert r.satisfied_at == 4
        assert r["satisfied"].item() == 2

    def test_documented_defaults_for_other_scales(self) -> None:
        assert customer_satisfaction_score([6, 5], scale=(1, 7)).score == 0.5
        assert customer_satisfaction_score([8, 7], scale=(1, 10)).score == 0.5
        assert customer_satisfaction_score([8, 7], scale=(0, 10)).score == 0.5
        with pytest.raises(InvalidParameterError, match="no default satisfied_at"):
            customer_satisfaction_score([3], scale=(1, 4))
        assert customer_satisfaction_score([3, 4, 1], scale=(1, 4), satisfied_at=3).score == (
            pytest.approx(2 / 3))

    def test_off_scale_is_an_error(self) -> None:
        with pytest.raises(DataValidationError, match="must be on the 1-5 scale"):
            customer_satisfaction_score([5, 0])
        with pytest.raises(DataValidationError, match="whole number on the 1-5 scale"):
            customer_satisfaction_score([4.5])

    def test_non_integer_scale(self) -> None:
        from csmetrics.tables.surveys import SurveyScale

        slider = SurveyScale(0, 100, integer=False)
        r = customer_satisfaction_score([80.5, 70.0, 90.25, 10.0], scale=slider,
                                        satisfied_at=75)
        assert r.score == 0.5
        assert r["mean"].item() == pytest.approx(62.6875)
        with pytest.raises(DataValidationError, match="must be on the 0-100 scale"):
            customer_satisfaction_score([101.5], scale=slider, satisfied_at=75)

    def test_wilson_at_100_percent(self) -> None:
        # 10 of 10: Wilson lower bound = 10 / (10 + z^2) = 0.72246 (p = 1 closed form).
        r = customer_satisfaction_score([5] * 10)
        assert r["ci_low"].item() == pytest.approx(10 / (10 + Z * Z), abs=1e-6)
        assert r["ci_high"].item() == 1.0
        assert customer_satisfaction_score([1] * 10)["ci_low"].item() == 0.0

    def test_one_answer_has_no_mean_interval(self) -> None:
        with pytest.warns(UndefinedMetricWarning, match="fewer than two"):
            r = customer_satisfaction_score([4])
        assert r["mean"].item() == 4
        assert math.isnan(r["mean_ci_low"].item())
        assert math.isnan(r["sd"].item())

    def test_empty(self) -> None:
        with pytest.warns(UndefinedMetricWarning):
            r = customer_satisfaction_score([])
        assert math.isnan(r.score)
        assert math.isnan(r["mean"].item())


class TestCes:
    def test_ces_2_higher_is_easier(self) -> None:
        r = customer_effort_score([7, 6, 5, 5, 3, 6, 2, 7])
        assert r.score == pytest.approx(41 / 8)
        assert r["easy_share"].item() == 0.75
        assert (r.version, r.higher_is_easier, r.polarity, r.easy_at) == (
            "2.0", True, "higher is easier", 5.0)

    def test_ces_1_lower_is_easier(self) -> None:
        r = customer_effort_score([1, 2, 2, 4, 5], version="1.0")
        assert r.score == pytest.approx(2.8)
        assert r["easy_share"].item() == pytest.approx(0.6)    # 1, 2, 2
        assert (r.higher_is_easier, r.polarity) == (False, "lower is easier")
        assert "lower is easier" in r.title
        with pytest.raises(DataValidationError, match="1-5 scale"):
            customer_effort_score([6], version="1.0")

    def test_versions(self) -> None:
        assert customer_effort_score([5, 6], version="2").version == "2.0"
        with pytest.raises(InvalidParameterError, match="version"):
            customer_effort_score([5], version="3.0")

    def test_ces_2_on_a_5_point_scale(self) -> None:
        r = customer_effort_score([4, 5, 3, 2], scale=(1, 5))
        assert r.easy_at == 4
        assert r["easy_share"].item() == 0.5


# --- comparisons and benchmarks --------------------------------------------------------------


class TestComparisons:
    def test_compare_nps_row_by_row_and_broadcast(self) -> None:
        a = net_promoter_score([10, 10, 0, 9], by=["x", "x", "y", "y"])
        b = net_promoter_score([0, 9], by=["x", "y"])
        c = compare_nps(a, b, interval="wald")
        assert c["segment"].tolist() == ["x", "y"]
        assert c["difference"].tolist() == [200.0, -100.0]
        overall = net_promoter_score([10, 8])
        d = compare_nps(a, overall)
        assert len(d) == 2
        with pytest.raises(InvalidParameterError, match="same segments"):
            compare_nps(a, net_promoter_score([1, 2, 3], by=["p", "q", "r"]))

    def test_identical_samples_are_not_different(self) -> None:
        c = compare_nps([9, 9], [9, 9], interval="wald")     # SE 0 and difference 0
        assert c["z"].item() == 0.0
        assert c.p_value == 1.0

    def test_compare_means_of_results(self) -> None:
        # CSAT means 4.5 (4, 5) and 2.5 (2, 3): s^2 = .5 each, SE = sqrt(.25 + .25) = .7071,
        # t = 2.8284, df = .25 / (2 * .0625) = 2.
        c = compare_means(customer_satisfaction_score([4, 5]),
                          customer_satisfaction_score([2, 3]))
        assert (c.difference, c["df"].item()) == (2.0, pytest.approx(2.0))
        assert c["t"].item() == pytest.approx(2 / math.sqrt(0.5))

    def test_compare_means_needs_two_values(self) -> None:
        with pytest.warns(UndefinedMetricWarning, match="fewer than two"):
            c = compare_means([1.0], [2.0, 3.0])
        assert math.isnan(c.p_value)

    def test_repr(self) -> None:
        c = compare_proportions((56, 70), (48, 80))
        assert isinstance(c, Comparison)
        assert repr(c).startswith("Comparison(share: difference 0.2, 95% CI 0.0524 to 0.3339")


class TestAuditCompareNpsCentre:
    """Audit finding: compare_nps reported the raw difference a - b beside an interval centred
    on the adjusted-Wald difference, so compare_nps([9], [6]) gave a difference of 200 with an
    interval of (-53.9, 153.9) that does not contain it."""

    def test_observed_difference_and_interval_centre_each_in_its_own_column(self) -> None:
        # By hand (adjusted-Wald, Sauro and Lewis): a = one 9: P = 1.75/4 = .4375,
        # D = .75/4 = .1875, centre .25, Var = .625 - .0625 = .5625, SE = sqrt(.5625/4) = .375;
        # b = one 6 mirrors it: centre -.25, SE .375. Centre difference .5,
        # SE = .375 sqrt(2) = .530330; CI = .5 ± 1.959964 * .530330 = [-.539421, 1.539421];
        # z = .5 / .530330 = .942809.
        c = compare_nps([9], [6])
        assert c["difference"].tolist() == [200.0]              # observed: 100 - (-100)
        assert c["interval_centre"].tolist() == pytest.approx([50.0])
        lo, hi = c["ci_low"][0], c["ci_high"][0]
        assert (lo, hi) == pytest.approx((-53.9421, 153.9421), abs=1e-3)
        assert (lo + hi) / 2 == pytest.approx(c["interval_centre"][0])
        assert c["z"][0] == pytest.approx(0.942809, abs=1e-6)
        assert c["p_value"][0] == pytest.approx(math.erfc(0.942809 / math.sqrt(2)), abs=1e-6)


class TestBenchmark:
    def test_nps_above_a_benchmark_by_hand(self) -> None:
        # 45 promoters, 35 passives, 20 detractors: P = 45.75/103 = .444175,
        # D = 20.75/103 = .201456, centre = .242718, Var = .645631 - .058912 = .586719,
        # SE = sqrt(.586719 / 103) = .0754738; z = (.2427184 - .10) / .0754738 = 1.890966,
        # one-sided p = erfc(z / sqrt 2) / 2 = .029314.
        r = net_promoter_score(answers(45, 35, 20))
        c = compare_to_benchmark(r, 10)
        assert c["statistic"].item() == pytest.approx(1.890966, abs=1e-6)
        assert c.p_value == pytest.approx(0.029314, abs=1e-6)
        assert c.significant
        # The one-sided 95% bound uses z(.95) = 1.644854: .242718 - .124143 = .118575 on the
        # NPS, so 11.8575 - 10 = 1.8575 on the difference from the benchmark.
        assert c["estimate_ci_low"].item() == pytest.approx(11.8575, abs=1e-3)
        assert c["ci_low"].item() == pytest.approx(1.8575, abs=1e-3)
        assert c["ci_high"].item() == c["estimate_ci_high"].item() == math.inf
        # Observed 25 - 10 = 15; the test is built on the adjusted centre 24.2718 - 10.
        assert float(c) == 15.0
        assert c["interval_centre"].item() == pytest.approx(14.2718, abs=1e-4)
        assert compare_to_benchmark(r, 30).p_value > 0.5
        assert compare_to_benchmark(r, 30, alternative="less").p_value < 0.5
        two = compare_to_benchmark(r, 10, alternative="two-sided")
        assert two.p_value == pytest.approx(2 * 0.029314, abs=2e-6)

    def test_share_score_test_by_hand(self) -> None:
        # 30 of 40 satisfied (.75) against .6: SE0 = sqrt(.6 * .4 / 40) = .077460,
        # z = .15 / .077460 = 1.936492, one-sided p = .026404.
        c = compare_to_benchmark(customer_satisfaction_score(satisfied(30, 40)), 0.6)
        assert c["statistic"].item() == pytest.approx(1.936492, abs=1e-5)
        assert c.p_value == pytest.approx(0.026404, abs=1e-6)

    def test_mean_t_test_by_hand(self) -> None:
        # CES 2.0 answers 5, 6, 7, 6, 6: mean 6, s = sqrt(.5), SE = .316228,
        # t = (6 - 5) / .316228 = 3.162278 with 4 df; one-sided p = .01705 (t table).
        c = compare_to_benchmark(customer_effort_score([5, 6, 7, 6, 6]), 5)
        assert c["statistic"].item() == pytest.approx(3.162278, abs=1e-5)
        assert c["df"].item() == 4
        assert c.p_value == pytest.approx(0.01705, abs=1e-5)

    def test_ces_1_better_is_less(self) -> None:
        r = customer_effort_score([1, 2, 1, 2, 1, 2], version="1.0")
        assert compare_to_benchmark(r, 3, alternative="less").significant

    def test_bad_benchmarks(self) -> None:
        r = net_promoter_score([9])
        with pytest.raises(InvalidParameterError, match="between -100 and 100"):
            compare_to_benchmark(r, 150)
        with pytest.raises(InvalidParameterError, match="fraction"):
            compare_to_benchmark(customer_satisfaction_score([5, 4]), 70)
        with pytest.raises(InvalidParameterError, match="expected a result"):
            compare_to_benchmark([9, 10], 10)  # type: ignore[arg-type]


def test_sample_size_rejects_bad_input() -> None:
    with pytest.raises(InvalidParameterError, match="margin"):
        nps_sample_size(0)
    with pytest.raises(InvalidParameterError, match="both"):
        nps_sample_size(5, promoters=0.5)
    with pytest.raises(InvalidParameterError, match="sum of at most 1"):
        nps_sample_size(5, promoters=0.7, detractors=0.5)


def test_results_render_and_convert() -> None:
    r = net_promoter_score([10, 9, 3], by=["<b>", "a", "a"])
    assert isinstance(r, NetPromoterScore)
    assert "&lt;b&gt;" in r._repr_html_()
    assert r.to_dict()["segment"] == ["<b>", "a"]      # sorted: '<' comes before 'a'
    text = str(r)
    assert text.splitlines()[0] == "Net Promoter Score by segment (95% adjusted-Wald interval)"
    single = net_promoter_score([10, 9, 3])
    assert repr(single).startswith("NetPromoterScore(nps=33.3333, 95% CI ")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert single.to_pandas().shape == (1, 12)


def test_segment_numbers_without_answers_are_no_segments() -> None:
    # Small integer labels are read as their own codes (no sort); the numbers no answer
    # carries must not become empty rows: 0 and 3 only, as with the same labels as text.
    scores, labels = [9, 10, 3, 7, 6], [0, 3, 3, 0, 3]
    numbers = net_promoter_score(scores, by=labels)
    text = net_promoter_score(scores, by=[str(v) for v in labels])
    assert numbers["segment"].tolist() == [0, 3]
    # 0: promoter 9 and passive 7 -> 50; 3: promoter 10, detractors 3 and 6 -> -100/3
    assert numbers["nps"].tolist() == text["nps"].tolist()
    assert numbers["nps"].tolist() == pytest.approx([50.0, -100 / 3])
    assert numbers["n"].tolist() == [2, 3]
