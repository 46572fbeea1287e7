"""The log-rank test: a published example (Freireich et al. 1963, R's survdiff), a hand
working on subscriptions in exact fractions, and lifelines' ``logrank_test`` (two groups) and
``multivariate_logrank_test`` (k groups) on random censored data."""

from __future__ import annotations

import warnings
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines.statistics import logrank_test as lifelines_logrank
from lifelines.statistics import multivariate_logrank_test

import csmetrics as cm
from csmetrics import Subscription
from csmetrics.exceptions import (
    ColumnNotFoundError,
    DataValidationError,
    InvalidParameterError,
    UndefinedMetricWarning,
)

# Freireich, E. J. et al. (1963), Blood 21, 699-716: weeks in remission, 6-MP against
# placebo; the log-rank example of Klein and Moeschberger (2003), section 7.3, and of R:
# survdiff(Surv(time, cens) ~ treat, data = gehan) prints "Chisq= 16.8 on 1 degrees of
# freedom, p= 4e-05" with O = 9 (6-MP), 21 (control) and E = 19.3, 10.7.
MP = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
MP_RELAPSED = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
PLACEBO = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]


def test_the_leukaemia_trial_as_published() -> None:
    test = cm.logrank(MP + PLACEBO, MP_RELAPSED + [1] * 21, by=["6-MP"] * 21 + ["ctl"] * 21)
    assert round(test.statistic, 1) == 16.8
    assert test.df == 1
    assert test["observed"].tolist() == [9, 21]
    assert np.round(test["expected"], 1).tolist() == [19.3, 10.7]
    assert test.p_value == pytest.approx(4.17e-5, rel=0.01)
    assert test["customers"].tolist() == [21, 21]


def test_subscriptions_worked_by_hand() -> None:
    # Lifetimes in months from the cohort month end (31 Jan): basic 1, 2, 2, 5+ and pro
    # 4, 5+, 5+, 5+. Churn times 1 (8 at risk, 4 basic), 2 (7 at risk, 3 basic: 2 churn) and
    # 4 (5 at risk, 1 basic: a pro churn).
    ends = {"basic": ["2024-02-05", "2024-03-05", "2024-03-20", None],
            "pro": ["2024-05-02", None, None, None]}
    subs = [Subscription(customer_id=f"{p}{i}", plan=p, start="2024-01-10", end=e, amount=10)
            for p, es in ends.items() for i, e in enumerate(es)]
    expected = Fraction(1, 8) * 4 + Fraction(2, 7) * 3 + Fraction(1, 5) * 1
    variance = (Fraction(1 * 7, 7) * Fraction(4, 8) * Fraction(4, 8)
                + Fraction(2 * 5, 6) * Fraction(3, 7) * Fraction(4, 7)
                + Fraction(1 * 4, 4) * Fraction(1, 5) * Fraction(4, 5))
    test = cm.logrank_test(subs, "2024-06", by="plan")
    assert test["plan"].tolist() == ["basic", "pro"]
    assert test["observed"].tolist() == [3, 1]
    assert test["expected"][0] == pytest.approx(float(expected), abs=1e-12)
    assert test["expected"].sum() == pytest.approx(4.0)
    assert test.covariance[0, 0] == pytest.approx(float(variance), abs=1e-12)
    assert test.statistic == pytest.approx(float((3 - expected) ** 2 / variance), abs=1e-12)
    # the same from a mapping of customers to segments
    mapping = {f"{p}{i}": p for p in ends for i in range(4)}
    again = cm.logrank_test(subs, "2024-06", by=mapping)
    assert again.statistic == pytest.approx(test.statistic)


def _random(rng: np.random.Generator, n: int, k: int) -> tuple[Any, Any, Any]:
    group = rng.integers(0, k, n)
    life = rng.geometric(0.08 * (1 + group), n)     # hazards differ by group
    censor = rng.integers(1, 30, n)
    return np.minimum(life, censor), life <= censor, group


@pytest.mark.parametrize("seed", range(5))
def test_two_groups_as_lifelines(seed: int) -> None:
    time, event, group = _random(np.random.default_rng(seed), 150, 2)
    ours = cm.logrank(time, event, by=group)
    a, b = group == 0, group == 1
    ref = lifelines_logrank(time[a], time[b], event[a], event[b])
    assert ours.statistic == pytest.approx(ref.test_statistic, rel=1e-9)
    assert ours.p_value == pytest.approx(ref.p_value, rel=1e-7)


@pytest.mark.parametrize(("seed", "k"), [(0, 3), (1, 4), (2, 5), (3, 3)])
def test_k_groups_as_lifelines(seed: int, k: int) -> None:
    time, event, group = _random(np.random.default_rng(seed), 300, k)
    ours = cm.logrank(time, event, by=group)
    ref = multivariate_logrank_test(time, group, event)
    assert ours.df == k - 1 == ref.degrees_of_freedom
    assert ours.statistic == pytest.approx(ref.test_statistic, rel=1e-9)
    assert ours.p_value == pytest.approx(ref.p_value, rel=1e-6, abs=1e-300)


def test_plans_of_the_demo_as_lifelines() -> None:
    demo = cm.datasets.demo_portfolio()
    ours = cm.logrank_test(demo, "2024-12", by="plan")
    lt = cm.customer_lifetimes(demo, "2024-12", by="plan")
    ref = multivariate_logrank_test(np.asarray(lt["lifetime"]), np.asarray(lt["plan"]),
                                    np.asarray(lt["churned"]))
    assert ours.statistic == pytest.approx(ref.test_statistic, rel=1e-9)
    assert ours.df == len(ours) - 1
    assert ours["customers"].sum() == len(lt)
    assert ours["observed"].sum() == int(np.asarray(lt["churned"]).sum())


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.booleans(), st.sampled_from("abc")),
                min_size=2, max_size=40), st.randoms(use_true_random=False))
def test_row_order_does_not_matter_and_expectations_add_up(rows: list[Any], rnd: Any) -> None:
    time, event, group = (list(x) for x in zip(*rows, strict=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        one = cm.logrank(time, event, by=group)
        order = list(range(len(rows)))
        rnd.shuffle(order)
        two = cm.logrank([time[i] for i in order], [event[i] for i in order],
                         by=[group[i] for i in order])
    assert one["segment"].tolist() == two["segment"].tolist()
    np.testing.assert_allclose(one["expected"], two["expected"])
    assert one.df == two.df
    assert one.statistic == pytest.approx(two.statistic, nan_ok=True)
    # every churn is expected somewhere: sum E = sum O
    assert one["expected"].sum() == pytest.approx(one["observed"].sum())
    if one.df:
        assert one.statistic >= -1e-9
        time_ref = np.asarray(time)
        ref = multivariate_logrank_test(time_ref, np.asarray(group), np.asarray(event))
        if ref.degrees_of_freedom == one.df:
            assert one.statistic == pytest.approx(ref.test_statistic, rel=1e-6, abs=1e-9)


def test_undefined_is_nan_with_a_warning() -> None:
    with pytest.warns(UndefinedMetricWarning, match="fewer than two segments"):
        one = cm.logrank_test(cm.datasets.demo_portfolio(), "2024-12", by=None)
    assert np.isnan(one.statistic)
    assert np.isnan(one.p_value)
    assert one.df == 0
    with pytest.warns(UndefinedMetricWarning, match="no churn"):
        none = cm.logrank([1, 2, 3], [0, 0, 0], by=["a", "b", "a"])
    assert np.isnan(none.statistic)
    with pytest.warns(UndefinedMetricWarning):
        empty = cm.logrank_test({"customer_id": [], "start": [], "amount": []}, "2024-12",
                                by="plan")
    assert len(empty) == 0


def test_bad_input_is_a_csmetrics_error() -> None:
    with pytest.raises(ColumnNotFoundError):
        cm.logrank_test(cm.datasets.demo_portfolio(), "2024-12", by="no_such_column")
    with pytest.raises(DataValidationError):
        cm.logrank([1, -2], [1, 0], by=["a", "b"])
    with pytest.raises(InvalidParameterError):
        cm.logrank([1, 2], [1, 0], by=["a"])


def test_the_result_displays_and_converts() -> None:
    test = cm.logrank_test(cm.datasets.demo_portfolio(), "2024-12", by="plan")
    assert repr(test).startswith("LogRankTest(5 segments: chi2 ")
    assert "log-rank chi-square" in str(test)
    assert "<p>log-rank chi-square" in test._repr_html_()
    assert list(test.to_pandas().index.names) == ["plan"]
    assert test.to_dict()["plan"][0] == "addon"
    with pytest.raises(AttributeError):
        test.statistic = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        test.covariance[0, 0] = 1.0
    escaped = cm.logrank([1, 2], [1, 1], by=["<b>", "a"])
    assert "<b>" not in escaped._repr_html_()
