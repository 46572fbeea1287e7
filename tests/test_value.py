"""Lifetime value: the closed forms against series summed by hand, their properties, the
data-driven LTV on a hand-worked portfolio, and transactional CLV from payments."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csmetrics import Subscription
from csmetrics.exceptions import (
    ColumnNotFoundError,
    CurrencyMismatchError,
    DataValidationError,
    InvalidParameterError,
    UndefinedMetricWarning,
)
from csmetrics.results import TableResult
from csmetrics.tables.payments import Payment, PaymentTable
from csmetrics.value.lifetime import (
    cac_payback_months,
    customer_lifetime_value,
    lifetime_value,
    ltv_to_cac,
)
from csmetrics.value.transactional import (
    average_order_value,
    purchase_frequency,
    transactional_lifetime_value,
)


def series(m: float, c: float, d: float, start: bool, horizon: int = 20_000) -> float:
    """The expected discounted cash, summed payment by payment: the customer is active in
    period t with probability (1 - c)^t and pays m at its start (t) or end (t + 1)."""
    total, alive, factor = 0.0, 1.0, 1.0 if start else 1 / (1 + d)
    for _ in range(horizon):
        total += m * alive * factor
        alive *= 1 - c
        factor /= 1 + d
        if alive * factor < 1e-18:
            break
    return total


class TestClosedForm:
    def test_chartmogul_example(self) -> None:
        # ChartMogul Help, "Customer Lifetime Value (LTV)" (article 203359061): "with an ARPA
        # of $100 and a 5% six-month trailing average of customer churn rate, LTV is $2,000".
        assert customer_lifetime_value(100, 0.05) == 2000.0

    @pytest.mark.parametrize("timing", ["start", "end"])
    def test_discounted_formula_equals_the_series(self, timing: Any) -> None:
        for m, c, d in [(100, 0.05, 0.01), (80, 0.2, 0.1), (50, 0.0, 0.02), (10, 1.0, 0.0)]:
            got = customer_lifetime_value(m, c, discount_rate=d, timing=timing)
            assert got == pytest.approx(series(m, c, d, timing == "start"), rel=1e-9)

    def test_undiscounted_value_is_the_same_for_both_timings(self) -> None:
        assert customer_lifetime_value(100, 0.04, timing="end") == pytest.approx(2500.0)
        assert customer_lifetime_value(100, 0.04, timing="start") == pytest.approx(2500.0)

    def test_horizon_caps_the_number_of_payments(self) -> None:
        got = customer_lifetime_value(100, 0.05, discount_rate=0.01, horizon=12)
        assert got == pytest.approx(series(100, 0.05, 0.01, True, horizon=12), rel=1e-12)
        assert customer_lifetime_value(100, 0.0, horizon=24) == 2400.0

    def test_zero_churn_without_discount_is_infinite_with_a_warning(self) -> None:
        with pytest.warns(UndefinedMetricWarning, match="infinite"):
            assert customer_lifetime_value(100, 0.0) == math.inf
        # with a discount it is finite: 100 * 1.01 / 0.01
        assert customer_lifetime_value(100, 0.0, discount_rate=0.01) == pytest.approx(10100)

    def test_broadcasts_and_passes_nan_through(self) -> None:
        got = customer_lifetime_value([100, 200], [[0.1], [np.nan]])
        assert isinstance(got, np.ndarray)
        assert got.shape == (2, 2)
        assert got[0].tolist() == pytest.approx([1000, 2000])
        assert np.isnan(got[1]).all()

    def test_bad_inputs_name_argument_rule_and_positions(self) -> None:
        with pytest.raises(DataValidationError, match=r"'churn_rate' must be between 0 and 1; "
                                                      r"2 of 3 rows break this rule \(first at "
                                                      r"rows 0, 2\)"):
            customer_lifetime_value(100, [-0.1, 0.2, 1.5])
        with pytest.raises(DataValidationError, match="'discount_rate' must be >= 0"):
            customer_lifetime_value(100, 0.1, discount_rate=-0.1)
        with pytest.raises(DataValidationError, match="'horizon' must be a whole number"):
            customer_lifetime_value(100, 0.1, horizon=2.5)
        with pytest.raises(DataValidationError, match="'arpa' must be finite"):
            customer_lifetime_value(math.inf, 0.1)
        with pytest.raises(InvalidParameterError, match="timing"):
            customer_lifetime_value(100, 0.1, timing="middle")  # type: ignore[call-overload]


money = st.floats(0.01, 1e5)
rate = st.floats(0.001, 1.0)
disc = st.floats(0.0, 0.5)


@settings(max_examples=100)
@given(m=money, c1=rate, c2=rate, d=disc, timing=st.sampled_from(["start", "end"]))
def test_clv_falls_as_churn_rises(m: float, c1: float, c2: float, d: float, timing: Any
                                  ) -> None:
    lo, hi = sorted((c1, c2))
    v_lo = customer_lifetime_value(m, lo, discount_rate=d, timing=timing)
    v_hi = customer_lifetime_value(m, hi, discount_rate=d, timing=timing)
    assert v_hi <= v_lo * (1 + 1e-12)
    if hi > lo * (1 + 1e-9):
        assert v_hi < v_lo


@settings(max_examples=100)
@given(m=money, c=rate, d=disc, g=st.floats(0.0, 1.0), k=st.floats(0.0, 10.0),
       h=st.one_of(st.none(), st.integers(1, 120)))
def test_clv_is_linear_in_margin_and_arpa(m: float, c: float, d: float, g: float, k: float,
                                          h: int | None) -> None:
    base = customer_lifetime_value(m, c, gross_margin=g, discount_rate=d, horizon=h)
    assert customer_lifetime_value(m, c, gross_margin=k * g, discount_rate=d, horizon=h) == \
        pytest.approx(k * base, rel=1e-9, abs=1e-9)
    assert customer_lifetime_value(k * m, c, gross_margin=g, discount_rate=d, horizon=h) == \
        pytest.approx(k * base, rel=1e-9, abs=1e-9)


@settings(max_examples=100)
@given(m=money, c=rate, d=disc, h=st.integers(1, 200))
def test_discount_timing_and_horizon_orderings(m: float, c: float, d: float, h: int) -> None:
    start = customer_lifetime_value(m, c, discount_rate=d)
    end = customer_lifetime_value(m, c, discount_rate=d, timing="end")
    assert start == pytest.approx(end * (1 + d), rel=1e-12)
    assert customer_lifetime_value(m, c) >= start * (1 - 1e-12)  # discounting never adds
    capped = customer_lifetime_value(m, c, discount_rate=d, horizon=h)
    longer = customer_lifetime_value(m, c, discount_rate=d, horizon=h + 1)
    assert capped <= longer * (1 + 1e-12)
    assert longer <= start * (1 + 1e-12)


class TestHelpers:
    def test_ltv_to_cac(self) -> None:
        assert ltv_to_cac(3000, 1000) == 3.0
        assert ltv_to_cac([3000, 500], [1000, 1000]).tolist() == [3.0, 0.5]  # type: ignore[union-attr]
        with pytest.warns(UndefinedMetricWarning, match="CAC value"):
            assert math.isnan(ltv_to_cac(3000, 0))

    def test_cac_payback(self) -> None:
        # $1,200 to acquire, $100 a month at 80% margin: 1200 / 80 = 15 months.
        assert cac_payback_months(1200, 100, gross_margin=0.8) == 15.0
        with pytest.warns(UndefinedMetricWarning, match="never paid back"):
            assert math.isnan(cac_payback_months(1200, 0))


# --- data-driven LTV --------------------------------------------------------------------------

def hand_portfolio() -> list[Subscription]:
    """Ten customers paying from mid-December 2023; churn and newcomers by month.

    customers at month start / churned:  Jan 10/1, Feb 9/0, Mar 9/3, Apr 6 (+2 new)/0,
    May 8/2, Jun 6/0, Jul 6/1.  Monthly churn: 0.1, 0, 1/3, 0, 0.25, 0.
    """
    subs = []
    ends = {0: "2024-01-20", 1: "2024-03-03", 2: "2024-03-15", 3: "2024-03-31",
            4: "2024-05-10", 5: "2024-05-11", 6: "2024-07-02"}
    for i in range(10):
        subs.append(Subscription(customer_id=f"c{i}", start="2023-12-15", amount=100 + 10 * i,
                                 end=ends.get(i)))
    subs.append(Subscription(customer_id="n1", start="2024-04-05", amount=50))
    subs.append(Subscription(customer_id="n2", start="2024-04-06", amount=70))
    return subs


class TestLifetimeValueFromData:
    def test_hand_worked(self) -> None:
        ltv = lifetime_value(hand_portfolio(), at="2024-07")
        churn = (0.1 + 0 + 1 / 3 + 0 + 2 / 8 + 0) / 6
        # On 31 July: c7, c8, c9 ($170, $180, $190) and n1, n2 ($50, $70); c6 left 2 July.
        arpa = (170 + 180 + 190 + 50 + 70) / 5
        assert ltv.churn_periods == ("2024-01", "2024-02", "2024-03", "2024-04", "2024-05",
                                     "2024-06")
        assert ltv.monthly_churn[0].tolist() == pytest.approx([0.1, 0, 1 / 3, 0, 0.25, 0])
        assert ltv["churn_rate"][0] == pytest.approx(churn)
        assert ltv["arpa"][0] == pytest.approx(arpa)
        assert ltv["customers"][0] == 5
        assert ltv["churn_months"][0] == 6
        assert ltv.value == pytest.approx(arpa / churn)
        assert "mean monthly customer churn rate" in ltv.definition
        assert "2024-01 to 2024-06" in str(ltv)

    def test_margin_discount_and_window_pass_through(self) -> None:
        ltv = lifetime_value(hand_portfolio(), at="2024-07", window=3, gross_margin=0.8,
                             discount_rate=0.01)
        churn = (0 + 0.25 + 0) / 3
        arpa = 132.0
        assert ltv.churn_periods == ("2024-04", "2024-05", "2024-06")
        assert ltv.value == pytest.approx(customer_lifetime_value(
            arpa, churn, gross_margin=0.8, discount_rate=0.01))

    def test_zero_churn_is_infinite_and_no_customers_is_nan(self) -> None:
        with pytest.warns(UndefinedMetricWarning, match="infinite"):
            ltv = lifetime_value(hand_portfolio(), at="2024-07", window=1)
        assert ltv.value == math.inf
        capped = lifetime_value(hand_portfolio(), at="2024-07", window=1, horizon=36)
        assert capped.value == pytest.approx(132.0 * 36)
        with pytest.warns(UndefinedMetricWarning):
            early = lifetime_value(hand_portfolio(), at="2023-11")
        assert math.isnan(early.value)
        assert math.isnan(early["churn_rate"][0])

    def test_by_segment(self) -> None:
        segs = {f"c{i}": "a" if i < 5 else "b" for i in range(10)} | {"n1": "b", "n2": "b"}
        with pytest.warns(UndefinedMetricWarning):  # segment a has nobody left in July
            ltv = lifetime_value(hand_portfolio(), at="2024-07", by=segs)
        assert ltv["segment"].tolist() == ["a", "b"]
        assert ltv["customers"].tolist() == [0, 5]
        with pytest.raises(InvalidParameterError, match="split by segment"):
            _ = ltv.value

    def test_bad_window(self) -> None:
        with pytest.raises(InvalidParameterError, match="window"):
            lifetime_value(hand_portfolio(), at="2024-07", window=0)


# --- payments ---------------------------------------------------------------------------------

PAYS = [
    Payment(customer_id="a", date="2024-01-03", amount=20),
    Payment(customer_id="b", date="2024-02-09", amount=35.5),
    Payment(customer_id="a", date="2024-03-11", amount=50),
    Payment(customer_id="c", date="2024-07-01", amount=14.5),
]


class TestPayments:
    def test_records_and_columns_build_the_same_table(self) -> None:
        a = PaymentTable.from_records(PAYS)
        b = PaymentTable.from_columns({
            "customer_id": ["a", "b", "a", "c"],
            "date": ["2024-01-03", "2024-02-09", "2024-03-11", "2024-07-01"],
            "amount": [20, 35.5, 50, 14.5]})
        for name in ("customer_codes", "date", "amount", "amount_minor", "currency_codes"):
            assert getattr(a, name).tolist() == getattr(b, name).tolist()
        assert a.amount_minor.tolist() == [2000, 3550, 5000, 1450]
        assert repr(a) == "PaymentTable(4 payments, 3 customers, 2024-01-03 to 2024-07-01, USD)"

    def test_average_order_value(self) -> None:
        # Whole data (January to July): 120 / 4. First quarter: 105.5 / 3.
        assert average_order_value(PAYS) == pytest.approx(30.0)
        assert average_order_value(PAYS, start="2024-Q1", end="2024-Q1") == \
            pytest.approx(105.5 / 3)

    def test_purchase_frequency(self) -> None:
        # 2024: 4 payments by 3 customers in 12 months; per year 4/3, per month 1/9.
        assert purchase_frequency(PAYS, start="2024", end="2024") == pytest.approx(4 / 3)
        assert purchase_frequency(PAYS, start="2024", end="2024", per="month") == \
            pytest.approx(1 / 9)
        # A window of dates, 1 January to 29 June 2024, is 181 days = 181 / 365.25 years;
        # in it a and b made 3 payments.
        got = purchase_frequency(PAYS, start="2024-01-01", end="2024-06-29", per="year")
        assert got == pytest.approx(3 / 2 / (181 / 365.25))

    def test_transactional_lifetime_value(self) -> None:
        # AOV 30 x 4/3 purchases a year x 5 years x 60% margin = 120.
        got = transactional_lifetime_value(PAYS, lifespan=5, start="2024", end="2024",
                                           gross_margin=0.6)
        assert got == pytest.approx(120.0)
        assert got == pytest.approx(
            average_order_value(PAYS, start="2024", end="2024")  # type: ignore[operator]
            * purchase_frequency(PAYS, start="2024", end="2024") * 5 * 0.6)

    def test_by_currency_and_mapping(self) -> None:
        pays = [*PAYS, Payment(customer_id="d", date="2024-02-01", amount=1000, currency="JPY")]
        with pytest.raises(CurrencyMismatchError, match="by='currency'"):
            average_order_value(pays)
        split = average_order_value(pays, by="currency")
        assert isinstance(split, TableResult)
        assert split["currency"].tolist() == ["JPY", "USD"]
        assert split["average_order_value"].tolist() == pytest.approx([1000.0, 30.0])
        freq = purchase_frequency(PAYS, by={"a": "x", "b": "y", "c": "y"}, per="window")
        assert isinstance(freq, TableResult)
        assert freq["purchase_frequency"].tolist() == [2.0, 1.0]

    def test_validation_names_column_rule_and_rows(self) -> None:
        with pytest.raises(DataValidationError, match=r"column 'amount' must be >= 0 .*"
                                                      r"1 of 3 rows breaks this rule \(at row 2\)"):
            PaymentTable.from_columns({"customer_id": [1, 2, 3], "amount": [5, 6, -1],
                                       "date": ["2024-01-01"] * 3})
        with pytest.raises(DataValidationError, match="column 'date' must be a date"):
            PaymentTable.from_columns({"customer_id": [1], "amount": [5], "date": ["soon"]})
        with pytest.raises(ColumnNotFoundError, match=r"column 'date' not found.*'data'"):
            PaymentTable.from_columns({"customer_id": [1], "amount": [5], "data": ["x"]})
        with pytest.raises(DataValidationError, match="amount"):
            PaymentTable.from_records([{"customer_id": 1, "date": "2024-01-01", "amount": -3}])

    def test_skip_keeps_the_good_rows_and_lists_the_bad(self) -> None:
        t = PaymentTable.from_columns({"customer_id": [1, None, 3], "amount": [5, 6, 7],
                                       "date": ["2024-01-01"] * 3}, errors="skip")
        assert len(t) == 2
        assert t.source_rows.tolist() == [0, 2]
        assert t.skipped.to_dict() == {"row": [1], "column": ["customer_id"],
                                       "rule": ["must not be missing (None/NaN)"]}

    def test_empty_window_is_nan_with_a_warning(self) -> None:
        with pytest.warns(UndefinedMetricWarning, match="no payments"):
            assert math.isnan(average_order_value(PAYS, start="2025-01", end="2025-02"))  # type: ignore[arg-type]
        with pytest.raises(InvalidParameterError, match="lifespan"):
            transactional_lifetime_value(PAYS, lifespan=0)


def test_columns_path_scales_without_loops() -> None:
    rng = np.random.default_rng(0)
    n = 200_000
    days = np.datetime64("2024-01-01") + rng.integers(0, 366, n).astype("timedelta64[D]")
    t = PaymentTable.from_columns({"customer_id": rng.integers(0, 50_000, n), "date": days,
                                   "amount": rng.integers(100, 10_000, n) / 100})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        aov = average_order_value(t)
    assert aov == pytest.approx(t.amount.mean())
