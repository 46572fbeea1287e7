"""Kaplan-Meier survival of customer lifetime: a textbook example worked by hand (and the
numbers R prints for it), hand-worked subscription lifetimes, and properties against a naive
exact-fraction oracle."""

from __future__ import annotations

import datetime as dt
import math
import re
import warnings
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csmetrics import Subscription
from csmetrics.exceptions import (
    DataValidationError,
    InvalidParameterError,
    UndefinedMetricWarning,
)
from csmetrics.value.survival import SurvivalCurve, customer_lifetimes, kaplan_meier, survival_curve

Z95 = 1.959963984540054

# --- the 6-MP arm of the Freireich et al. (1963) leukaemia trial ---------------------------------
# Weeks in remission of the 21 patients given 6-mercaptopurine; a + marks a patient still in
# remission at the end of the study (right-censored): 6, 6, 6, 6+, 7, 9+, 10, 10+, 11+, 13, 16,
# 17+, 19+, 20+, 22, 23, 25+, 32+, 32+, 34+, 35+.
# Source: Freireich, E. J. et al. (1963), Blood 21, 699-716; the standard Kaplan-Meier worked
# example of Kleinbaum, D. G. and Klein, M., "Survival Analysis: A Self-Learning Text", ch. 2,
# and of R's survival package (data `gehan` in MASS), where
# summary(survfit(Surv(time, cens) ~ 1, conf.type = "log-log")) prints for this arm:
#   time n.risk n.event survival std.err lower 95% CI upper 95% CI
#      6     21       3    0.857  0.0764        0.620        0.952
#      7     17       1    0.807  0.0869        0.563        0.923
#     10     15       1    0.753  0.0963        0.503        0.889
#     13     12       1    0.690  0.1068        0.432        0.849
#     16     11       1    0.627  0.1141        0.368        0.805
#     22      7       1    0.538  0.1282        0.268        0.747
#     23      6       1    0.448  0.1346        0.188        0.680
# and median 23 weeks (0.95 LCL 13, UCL NA).
WEEKS = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
RELAPSED = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
R_TABLE = {  # time: (n.risk, n.event, survival, std.err, lower, upper)
    6: (21, 3, 0.857, 0.0764, 0.620, 0.952),
    7: (17, 1, 0.807, 0.0869, 0.563, 0.923),
    10: (15, 1, 0.753, 0.0963, 0.503, 0.889),
    13: (12, 1, 0.690, 0.1068, 0.432, 0.849),
    16: (11, 1, 0.627, 0.1141, 0.368, 0.805),
    22: (7, 1, 0.538, 0.1282, 0.268, 0.747),
    23: (6, 1, 0.448, 0.1346, 0.188, 0.680),
}


def hand_worked() -> dict[int, tuple[int, int, Fraction, Fraction]]:
    """Product-limit by hand, in exact fractions: S(t) and Greenwood's sum at each death time.

    t=6: 21 at risk, 3 relapse: S = 18/21 = 6/7; sum = 3/(21*18)
    t=7: 17 at risk (the censored 6+ has left), 1 relapse: S = 6/7 * 16/17; sum += 1/(17*16)
    t=10: 15 at risk (9+ left), S *= 14/15; t=13: 12 at risk (10+, 11+ left), S *= 11/12;
    t=16: 11 at risk, S *= 10/11; t=22: 7 at risk (17+, 19+, 20+ left), S *= 6/7;
    t=23: 6 at risk, S *= 5/6 = 0.448.
    """
    out = {}
    s, g = Fraction(1), Fraction(0)
    for t, n, d in [(6, 21, 3), (7, 17, 1), (10, 15, 1), (13, 12, 1), (16, 11, 1),
                    (22, 7, 1), (23, 6, 1)]:
        s *= Fraction(n - d, n)
        g += Fraction(d, n * (n - d))
        out[t] = (n, d, s, g)
    return out


class TestSixMP:
    def curve(self) -> SurvivalCurve:
        return kaplan_meier(WEEKS, RELAPSED)

    def test_survival_and_greenwood_match_the_hand_working(self) -> None:
        km = self.curve()
        time = km["time"].tolist()
        for t, (n, d, s, g) in hand_worked().items():
            i = time.index(t)
            assert km["at_risk"][i] == n
            assert km["churned"][i] == d
            assert km["survival"][i] == pytest.approx(float(s), abs=1e-12)
            assert km["std_error"][i] == pytest.approx(float(s) * math.sqrt(g), abs=1e-12)
            # log-log limits: S ** exp(+-z sqrt(g) / |log S|)
            w = math.exp(Z95 * math.sqrt(g) / abs(math.log(s)))
            assert km["lower"][i] == pytest.approx(float(s) ** w, abs=1e-12)
            assert km["upper"][i] == pytest.approx(float(s) ** (1 / w), abs=1e-12)

    def test_matches_r_survfit_as_printed(self) -> None:
        km = self.curve()
        time = km["time"].tolist()
        for t, (n, d, s, se, lo, hi) in R_TABLE.items():
            i = time.index(t)
            assert (km["at_risk"][i], km["churned"][i]) == (n, d)
            assert round(km["survival"][i], 3) == s
            assert round(km["std_error"][i], 4) == se
            assert round(km["lower"][i], 3) == lo
            assert round(km["upper"][i], 3) == hi

    def test_median_and_its_limits(self) -> None:
        km = self.curve()
        assert km.median == 23.0
        # Lower limit: first time the lower band is <= 0.5 (0.432 at 13); the upper band
        # never falls to 0.5, so the upper limit is not reached (NaN, R's NA).
        assert km.medians["lower"][0] == 13.0
        assert np.isnan(km.medians["upper"][0])

    def test_survival_is_flat_between_relapses_and_rows_end_at_the_last_time(self) -> None:
        km = self.curve()
        assert km["time"].tolist() == list(range(36))
        s = dict(zip(km["time"].tolist(), km["survival"].tolist(), strict=True))
        assert s[0] == s[5] == 1.0
        assert s[8] == s[7]
        assert s[35] == s[23]
        assert km["censored"].sum() == 12
        assert km["churned"].sum() == 9

    def test_the_same_data_as_subscriptions_give_the_same_curve(self) -> None:
        # Weeks become months: a relapse after T weeks is a customer paying at T month ends;
        # a patient censored at u weeks is a customer who joined u months before the
        # snapshot and is still paying.
        at = (2005, 12)
        subs = []
        for i, (w, r) in enumerate(zip(WEEKS, RELAPSED, strict=True)):
            if r:
                subs.append(Subscription(customer_id=i, start="2003-01-15",
                                         end=month_start(2003, 1, w), amount=10))
            else:
                start = month_start(*at, -w).replace(day=15)
                subs.append(Subscription(customer_id=i, start=start, amount=10))
        curve = survival_curve(subs, at="2005-12")
        km = self.curve()
        assert curve["month"].tolist() == km["time"].tolist()
        for name in ("at_risk", "churned", "censored"):
            assert curve[name].tolist() == km[name].tolist()
        for name in ("survival", "std_error", "lower", "upper"):
            np.testing.assert_allclose(curve[name], km[name], equal_nan=True)
        assert curve.median == 23.0


def month_start(year: int, month: int, offset: int) -> dt.date:
    m = year * 12 + month - 1 + offset
    return dt.date(m // 12, m % 12 + 1, 1)


# --- lifetimes from subscriptions, by hand -------------------------------------------------

# Month ends January-June 2024; at = 2024-06 (30 June):
#   a  10 Jan - 5 Mar              paying 31 Jan, 29 Feb; 0 on 31 Mar  -> 2 months, churned
#   b  10 Jan - 20 Feb, back 1 Apr paying 31 Jan only                  -> 1 month, churned
#                                  (the return does not extend the first lifetime)
#   c  from 15 Feb                 paying Feb to Jun                   -> 4 months so far
#   d  3 Mar - 25 Mar              never paying at a month end         -> no lifetime
#   e  from 31 May                 paying 31 May and 30 Jun            -> 1 month so far
#   f  from 30 Jun                 paying at the snapshot itself       -> 0 months so far
HAND = [
    Subscription(customer_id="a", start="2024-01-10", end="2024-03-05", amount=10),
    Subscription(customer_id="b", start="2024-01-10", end="2024-02-20", amount=10),
    Subscription(customer_id="b", start="2024-04-01", amount=10),
    Subscription(customer_id="c", start="2024-02-15", amount=10, plan="pro"),
    Subscription(customer_id="d", start="2024-03-03", end="2024-03-25", amount=10),
    Subscription(customer_id="e", start="2024-05-31", amount=10, plan="pro"),
    Subscription(customer_id="f", start="2024-06-30", amount=10),
]


class TestLifetimes:
    def test_hand_worked_lifetimes(self) -> None:
        lt = customer_lifetimes(HAND, at="2024-06")
        got = {c: (k, t, bool(x)) for c, k, t, x in zip(
            lt["customer_id"], lt["cohort"], lt["lifetime"], lt["churned"], strict=True)}
        assert got == {"a": ("2024-01", 2, True), "b": ("2024-01", 1, True),
                       "c": ("2024-02", 4, False), "e": ("2024-05", 1, False),
                       "f": ("2024-06", 0, False)}

    def test_hand_worked_curve(self) -> None:
        # Times: a 2 (churned), b 1 (churned), c 4+, e 1+, f 0+.
        # t=1: at risk a, b, c, e (4), 1 churns: S = 3/4, Greenwood 1/(4*3)
        # t=2: at risk a, c (2), 1 churns: S = 3/8, Greenwood 1/12 + 1/(2*1) = 7/12
        curve = survival_curve(HAND, at="2024-06")
        assert curve["month"].tolist() == [0, 1, 2, 3, 4]
        assert curve["at_risk"].tolist() == [5, 4, 2, 1, 1]
        assert curve["survival"].tolist() == [1.0, 0.75, 0.375, 0.375, 0.375]
        assert curve["std_error"][1] == pytest.approx(0.75 * math.sqrt(1 / 12))
        assert curve["std_error"][2] == pytest.approx(0.375 * math.sqrt(7 / 12))
        assert curve.median == 2.0
        assert repr(curve) == "SurvivalCurve(5 times, median 2)"

    def test_at_an_earlier_snapshot_censors_more(self) -> None:
        lt = customer_lifetimes(HAND, at="2024-02")
        got = {c: (t, bool(x)) for c, t, x in zip(lt["customer_id"], lt["lifetime"],
                                                   lt["churned"], strict=True)}
        assert got == {"a": (1, False), "b": (1, True), "c": (0, False)}

    def test_by_plan(self) -> None:
        with pytest.warns(UndefinedMetricWarning) as caught:
            curve = survival_curve(HAND, at="2024-06", by="plan")
        # 'pro' never churns (median not reached); the rest end at S = 0 (standard error NaN).
        messages = " ".join(str(w.message) for w in caught)
        assert "median lifetime is not reached" in messages
        assert "churned at once" in messages
        assert curve.segment_name == "plan"
        assert curve.medians["plan"].tolist() == ["pro", "(none)"]  # no plan: last
        # 'pro' (c 4+, e 1+) has no churn: its median is not reached, hence the warning.
        assert math.isnan(curve.medians["median"][0])
        assert curve.medians["median"][1] == 1.5
        pro = curve["plan"] == "pro"
        assert curve["survival"][pro].tolist() == [1.0, 1.0, 1.0, 1.0, 1.0]
        with pytest.raises(InvalidParameterError, match="medians"):
            _ = curve.median


class TestEdges:
    def test_median_midway_when_survival_sits_at_one_half(self) -> None:
        # S = 1/2 from time 2 until time 5, where it falls below: R reports (2 + 5) / 2.
        km = kaplan_meier([2, 5, 7, 7], [1, 1, 0, 0])
        assert km["survival"].tolist()[:6] == [1, 1, 0.75, 0.75, 0.75, 0.5]
        km = kaplan_meier([2, 2, 5, 7], [1, 1, 1, 0])
        assert km["survival"].tolist()[2] == 0.5
        assert km.median == 3.5

    def test_unreached_median_is_nan_with_a_warning(self) -> None:
        with pytest.warns(UndefinedMetricWarning, match="median lifetime is not reached"):
            km = kaplan_meier([1, 3, 4, 4], [1, 0, 0, 0])
        assert math.isnan(km.median)

    def test_everyone_churns(self) -> None:
        with pytest.warns(UndefinedMetricWarning, match="churned at once"):
            km = kaplan_meier([1, 2], [1, 1])
        assert km["survival"].tolist() == [1.0, 0.5, 0.0]
        assert math.isnan(km["std_error"][2])
        assert math.isnan(km["lower"][2])
        assert km["lower"][0] == km["upper"][0] == 1.0
        assert km.median == 1.5  # S is exactly 1/2 on [1, 2): the midpoint
        # the band at t=1 is (0.006, 0.910); at t=2 everyone is gone, so S and both bands are 0
        assert km.medians["lower"][0] == 1.0
        assert km.medians["upper"][0] == 2.0

    def test_bad_input_names_the_rule(self) -> None:
        with pytest.raises(DataValidationError, match=r"'durations' must be a whole number "
                                                      r">= 0; 2 of 3 rows .* 0, 2"):
            kaplan_meier([-1, 2, 2.5], [1, 0, 1])
        with pytest.raises(DataValidationError, match="'churned' must be True/False"):
            kaplan_meier([1, 2], [1, 2])
        with pytest.raises(InvalidParameterError, match="one length"):
            kaplan_meier([1, 2], [1])
        with pytest.raises(InvalidParameterError, match=re.escape(
                "kaplan_meier: confidence must be a number between 0 and 1 (exclusive), "
                "got 95.")):
            kaplan_meier([1, 2], [1, 0], confidence=95)

    def test_by_labels_aligned_with_the_durations(self) -> None:
        with pytest.warns(UndefinedMetricWarning):  # both groups end at S = 0
            km = kaplan_meier([1, 2, 1, 3], [1, 1, 0, 1], by=["x", "x", "y", "y"])
        assert km.medians["segment"].tolist() == ["x", "y"]
        assert km.medians["median"].tolist() == [1.5, 3.0]
        # x: 1, 2 both churn: S(1) = 1/2, exactly 1/2 until 2: median (1 + 2) / 2.
        # y: 1+ censored, 3 churns: S = 1 until 3, then 0: median 3.
        assert km.medians.row("y").value == 3.0
        assert km["segment"].tolist() == ["x", "x", "x", "y", "y", "y", "y"]

    def test_groups_is_the_deprecated_name_of_by(self) -> None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            old = kaplan_meier([1, 2, 1, 3], [1, 1, 0, 1], groups=["x", "x", "y", "y"])
        deprecations = [w for w in caught if w.category is DeprecationWarning]
        assert len(deprecations) == 1
        assert re.match(r"kaplan_meier: groups= is deprecated .* use by=",
                        str(deprecations[0].message))
        assert deprecations[0].filename == __file__  # it points at the caller's line
        assert old.medians["median"].tolist() == [1.5, 3.0]
        with pytest.raises(TypeError, match="give by= only"):
            kaplan_meier([1], [1], by=["x"], groups=["x"])

    def test_missing_labels_are_none_and_a_series_names_the_column(self) -> None:
        pd = pytest.importorskip("pandas")
        labels = pd.Series(["a", None, "a", np.nan], name="plan")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            km = kaplan_meier([1, 2, 3, 4], [1, 0, 1, 0], by=labels)
        assert km.segment_name == "plan"
        assert km.medians["plan"].tolist() == ["a", "(none)"]
        # a: 1 and 3 both churn: S(1) = 1/2 until 3, then 0: median 2.
        assert km.medians.row("a").value == 2.0

    def test_by_must_be_one_label_per_duration(self) -> None:
        with pytest.raises(InvalidParameterError, match=r"one label per value \(3\)"):
            kaplan_meier([1, 2, 3], [1, 0, 1], by=["x", "y"])
        with pytest.raises(InvalidParameterError, match="one label per value"):
            kaplan_meier([1, 2, 3], [1, 0, 1], by="plan")


class TestContract:
    """The metric contract (docs/conventions.md): signature, by=, one result type, inputs."""

    def test_at_is_positional_and_by_keyword_still_works(self) -> None:
        assert customer_lifetimes(HAND, "2024-06").to_dict() == customer_lifetimes(
            HAND, at="2024-06").to_dict()
        np.testing.assert_equal(survival_curve(HAND, "2024-06").to_dict(),
                                survival_curve(HAND, at="2024-06").to_dict())

    def test_a_curve_has_no_single_value_its_medians_do(self) -> None:
        curve = survival_curve(HAND, "2024-06")
        assert isinstance(curve, SurvivalCurve)
        with pytest.raises(InvalidParameterError, match="SurvivalCurve has no single value"):
            _ = curve.value
        assert float(curve.medians) == curve.median == 2.0

    def test_bad_confidence_gets_the_shared_message(self) -> None:
        with pytest.raises(InvalidParameterError, match=re.escape(
                "survival_curve: confidence must be a number between 0 and 1 (exclusive), "
                "got 1.5.")):
            survival_curve(HAND, "2024-06", confidence=1.5)

    def test_by_mapping_puts_unmapped_customers_in_none(self) -> None:
        # a, b mapped to "early"; c, e, f unmapped: "(none)" (d never paid at a month end).
        with pytest.warns(UndefinedMetricWarning) as caught:
            curve = survival_curve(HAND, "2024-06", by={"a": "early", "b": "early"})
        # (none) never churns (median not reached); early ends at S = 0.
        messages = " ".join(str(w.message) for w in caught)
        assert "median lifetime is not reached" in messages
        assert "churned at once" in messages
        assert curve.medians["segment"].tolist() == ["early", "(none)"]
        # early: b churns at 1 (S = 1/2), a at 2 (S = 0): S is 1/2 on [1, 2), median 1.5.
        assert curve.medians.row("early").value == 1.5
        lt = customer_lifetimes(HAND, "2024-06", by={"a": "early", "b": "early"})
        assert dict(zip(lt["customer_id"], lt["segment"], strict=True)) == {
            "a": "early", "b": "early", "c": "(none)", "e": "(none)", "f": "(none)"}

    def test_by_customer_id_is_one_curve_per_customer(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedMetricWarning)
            curve = survival_curve(HAND, "2024-06", by="customer_id")
        assert curve.medians["customer_id"].tolist() == ["a", "b", "c", "d", "e", "f"]
        # a churns after 2 months, b after 1; the others never churn (or never paid: d).
        assert curve.medians["median"][:2].tolist() == [2.0, 1.0]

    def test_records_columns_pandas_and_polars_give_one_curve(self) -> None:
        pd = pytest.importorskip("pandas")
        pl = pytest.importorskip("polars")
        cols = {k: [getattr(r, k) for r in HAND] for k in
                ("customer_id", "start", "end", "amount", "plan")}
        curves = [survival_curve(data, "2024-06").to_dict()
                  for data in (HAND, cols, pd.DataFrame(cols), pl.DataFrame(cols))]
        lifetimes = [customer_lifetimes(data, "2024-06").to_dict()
                     for data in (HAND, cols, pd.DataFrame(cols), pl.DataFrame(cols))]
        for other in curves[1:]:
            np.testing.assert_equal(other, curves[0])
        for other in lifetimes[1:]:
            assert other == lifetimes[0]

    def test_empty_input_is_nan_with_one_warning(self) -> None:
        empty = {"customer_id": [], "start": np.array([], dtype="datetime64[D]"), "amount": []}
        for make in (lambda: survival_curve(empty, "2024-06"), lambda: kaplan_meier([], [])):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                curve = make()
            assert [w.category for w in caught] == [UndefinedMetricWarning]
            assert "no lifetimes" in str(caught[0].message)
            assert len(curve) == 0
            assert math.isnan(curve.median)
        assert len(customer_lifetimes(empty, "2024-06")) == 0


# --- properties -------------------------------------------------------------------------------


def oracle(times: list[int], events: list[bool]) -> list[Fraction]:
    """S(t) for t = 0..max(times), straight from the product-limit definition."""
    out, s = [], Fraction(1)
    for t in range(max(times) + 1):
        n = sum(1 for x in times if x >= t)
        d = sum(1 for x, e in zip(times, events, strict=True) if x == t and e)
        if n:
            s *= Fraction(n - d, n)
        out.append(s)
    return out


@settings(max_examples=80)
@given(data=st.lists(st.tuples(st.integers(0, 15), st.booleans()), min_size=1, max_size=40))
def test_km_matches_the_oracle_and_never_rises(data: list[tuple[int, bool]]) -> None:
    times, events = [t for t, _ in data], [e for _, e in data]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        km = kaplan_meier(times, events)
    expected = oracle(times, events)
    got = km["survival"]
    np.testing.assert_allclose(got, [float(expected[t]) for t in km["time"]], atol=1e-12)
    assert (np.diff(got) <= 1e-15).all()
    assert ((got >= 0) & (got <= 1)).all()
    inside = ~np.isnan(km["lower"])
    assert (km["lower"][inside] <= got[inside] + 1e-12).all()
    assert (km["upper"][inside] >= got[inside] - 1e-12).all()


@settings(max_examples=40)
@given(spans=st.lists(st.tuples(st.integers(0, 500), st.one_of(st.none(), st.integers(0, 300))),
                      min_size=1, max_size=12))
def test_survival_curve_never_rises(spans: list[tuple[int, Any]]) -> None:
    base = dt.date(2023, 1, 1)
    subs = [Subscription(customer_id=i, start=base + dt.timedelta(days=s), amount=5,
                         end=None if n is None else base + dt.timedelta(days=s + n))
            for i, (s, n) in enumerate(spans)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        curve = survival_curve(subs, at="2024-06")
    assert (np.diff(curve["survival"]) <= 1e-15).all()
