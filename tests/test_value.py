"""Lifetime value: the closed forms against series summed by hand, their properties, the
data-driven LTV on a hand-worked portfolio, and transactional CLV from payments."""

from __future__ import annotations

import math
import re
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
from csmetrics.results import MetricResult
from csmetrics.tables.payments import Payment, PaymentTable
from csmetrics.value.formulas import cac_payback_months, ltv_to_cac
from csmetrics.value.formulas import customer_lifetime_value as clv_result
from csmetrics.value.lifetime import LifetimeValue, lifetime_value
from csmetrics.value.transactional import (
    average_order_value,
    purchase_frequency,
    transactional_lifetime_value,
)


def customer_lifetime_value(*args: Any, **kwargs: Any) -> float:
    """The value of a one-row result: the formula's number, as the tests below compare it."""
    return float(clv_result(*args, **kwargs))


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
        got = clv_result([100, 200, 100, 200], [0.1, 0.1, np.nan, np.nan])
        assert isinstance(got, MetricResult)
        values = got["customer_lifetime_value"]
        assert values[:2].tolist() == pytest.approx([1000, 2000])
        assert np.isnan(values[2:]).all()
        # The inputs, broadcast, sit beside the value: every row reconciles by hand.
        assert got["arpa"].tolist() == [100, 200, 100, 200]
        assert got["gross_margin"].tolist() == [1.0] * 4
        assert got["horizon"].tolist() == [math.inf] * 4

    def test_one_result_type_for_numbers_and_arrays(self) -> None:
        one = clv_result(100, 0.05)
        many = clv_result(100, [0.05, 0.04])
        assert type(one) is type(many) is MetricResult
        assert len(one) == 1
        assert one.value == float(one) == 2000.0
        assert f"{one:,.0f}" == "2,000"
        assert many["customer_lifetime_value"].tolist() == pytest.approx([2000.0, 2500.0])
        with pytest.raises(InvalidParameterError, match="2 rows"):
            float(many)
        assert float(clv_result(np.float64(100), np.array(0.05))) == 2000.0

    def test_more_than_one_dimension_is_an_error(self) -> None:
        with pytest.raises(InvalidParameterError, match=r"broadcast to shape \(2, 2\)"):
            clv_result([100, 200], [[0.1], [np.nan]])
        with pytest.raises(InvalidParameterError, match="do not broadcast"):
            clv_result([100, 200, 300], [0.1, 0.2])
        with pytest.raises(InvalidParameterError, match="one-dimensional"):
            ltv_to_cac([[1.0]], 2.0)

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
        with pytest.raises(InvalidParameterError, match=re.escape(
                "customer_lifetime_value: timing must be one of 'start', 'end', got 'middle'.")):
            customer_lifetime_value(100, 0.1, timing="middle")


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
        assert float(ltv_to_cac(3000, 1000)) == 3.0
        both = ltv_to_cac([3000, 500], [1000, 1000])
        assert both["ltv_to_cac"].tolist() == [3.0, 0.5]
        assert both["cac"].tolist() == [1000, 1000]
        with pytest.warns(UndefinedMetricWarning, match="the CAC .* is zero"):
            assert math.isnan(float(ltv_to_cac(3000, 0)))
        with pytest.raises(DataValidationError, match="'cac' must be >= 0"):
            ltv_to_cac(3000, -1)

    def test_cac_payback(self) -> None:
        # $1,200 to acquire, $100 a month at 80% margin: 1200 / 80 = 15 months.
        assert float(cac_payback_months(1200, 100, gross_margin=0.8)) == 15.0
        with pytest.warns(UndefinedMetricWarning, match="never paid back"):
            assert math.isnan(float(cac_payback_months(1200, 0)))
        # A negative margin never pays back either; one warning for both rows.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = cac_payback_months(1200, [0, -10, 100])
        assert len(caught) == 1
        assert "2 of 3" in str(caught[0].message)
        assert got["cac_payback_months"][2] == 12.0
        assert np.isnan(got["cac_payback_months"][:2]).all()


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
        ltv = lifetime_value(hand_portfolio(), at="2024-07", window="3M", gross_margin=0.8,
                             discount_rate=0.01)
        churn = (0 + 0.25 + 0) / 3
        arpa = 132.0
        assert ltv.churn_periods == ("2024-04", "2024-05", "2024-06")
        assert ltv.value == pytest.approx(customer_lifetime_value(
            arpa, churn, gross_margin=0.8, discount_rate=0.01))

    def test_zero_churn_is_infinite_and_no_customers_is_nan(self) -> None:
        with pytest.warns(UndefinedMetricWarning, match="infinite"):
            ltv = lifetime_value(hand_portfolio(), at="2024-07", window="1M")
        assert ltv.value == math.inf
        capped = lifetime_value(hand_portfolio(), at="2024-07", window="1M", horizon=36)
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
        with pytest.raises(InvalidParameterError, match="LifetimeValue has 2 rows"):
            _ = ltv.value
        assert ltv.row("b").value == pytest.approx(ltv["lifetime_value"][1])

    def test_bad_window(self) -> None:
        with pytest.raises(InvalidParameterError, match="window"):
            lifetime_value(hand_portfolio(), at="2024-07", window="0M")
        with pytest.raises(InvalidParameterError, match="window must be in months"):
            lifetime_value(hand_portfolio(), at="2024-07", window="30D")


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
        assert float(average_order_value(PAYS)) == pytest.approx(30.0)
        assert float(average_order_value(PAYS, start="2024-Q1", end="2024-Q1")) == \
            pytest.approx(105.5 / 3)

    def test_purchase_frequency(self) -> None:
        # 2024: 4 payments by 3 customers in 12 months; per year 4/3, per month 1/9.
        assert float(purchase_frequency(PAYS, start="2024", end="2024")) == pytest.approx(4 / 3)
        assert float(purchase_frequency(PAYS, start="2024", end="2024", freq="month")) == \
            pytest.approx(1 / 9)
        # A quarter is 3 months: 4 / 3 per customer in 4 quarters, 1 / 3 a quarter.
        assert float(purchase_frequency(PAYS, "2024", "2024", freq="quarter")) == \
            pytest.approx(1 / 3)
        # A window of dates, 1 January to 29 June 2024, is 181 days = 181 / 365.25 years;
        # in it a and b made 3 payments.
        got = purchase_frequency(PAYS, start="2024-01-01", end="2024-06-29", freq="year")
        assert float(got) == pytest.approx(3 / 2 / (181 / 365.25))

    def test_transactional_lifetime_value(self) -> None:
        # AOV 30 x 4/3 purchases a year x 5 years x 60% margin = 120.
        got = transactional_lifetime_value(PAYS, lifespan=5, start="2024", end="2024",
                                           gross_margin=0.6)
        assert float(got) == pytest.approx(120.0)
        assert float(got) == pytest.approx(
            float(average_order_value(PAYS, start="2024", end="2024"))
            * float(purchase_frequency(PAYS, start="2024", end="2024")) * 5 * 0.6)
        assert got["average_order_value"][0] == pytest.approx(30.0)
        assert got["purchase_frequency"][0] == pytest.approx(4 / 3)

    def test_by_currency_and_mapping(self) -> None:
        pays = [*PAYS, Payment(customer_id="d", date="2024-02-01", amount=1000, currency="JPY")]
        with pytest.raises(CurrencyMismatchError, match="by='currency'"):
            average_order_value(pays)
        split = average_order_value(pays, by="currency")
        assert isinstance(split, MetricResult)
        assert split["currency"].tolist() == ["JPY", "USD"]
        assert split["average_order_value"].tolist() == pytest.approx([1000.0, 30.0])
        freq = purchase_frequency(PAYS, by={"a": "x", "b": "y", "c": "y"}, freq="window")
        assert isinstance(freq, MetricResult)
        assert freq["purchase_frequency"].tolist() == [2.0, 1.0]

    def test_validation_names_column_rule_and_rows(self) -> None:
        with pytest.raises(DataValidationError, match=r"column 'amount' must be >= 0 .*"
                                                      r"1 of 3 rows breaks this rule "
                                                      r"\(at row 2; value -1\)"):
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
        with pytest.warns(UndefinedMetricWarning, match="number of payments in the window is "
                                                        "zero"):
            assert math.isnan(float(average_order_value(PAYS, start="2025-01", end="2025-02")))
        with pytest.raises(InvalidParameterError, match=re.escape(
                "transactional_lifetime_value: lifespan must be a number > 0, got 0.")):
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
    assert float(aov) == pytest.approx(t.amount.mean())


# --- the metric contract (docs/conventions.md) -----------------------------------------------


def one_warning(make: Any) -> tuple[Any, str]:
    """The result of ``make()`` and the message of the one UndefinedMetricWarning it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = make()
    assert [w.category for w in caught] == [UndefinedMetricWarning]
    return result, str(caught[0].message)


class TestLifetimeValueContract:
    def test_at_is_positional_and_one_result_type(self) -> None:
        ltv = lifetime_value(hand_portfolio(), "2024-07")
        assert isinstance(ltv, LifetimeValue)
        assert isinstance(ltv, MetricResult)
        assert float(ltv) == ltv.value == pytest.approx(lifetime_value(
            hand_portfolio(), at="2024-07").value)
        with pytest.warns(UndefinedMetricWarning):
            split = lifetime_value(hand_portfolio(), "2024-07",
                                   by={f"c{i}": "a" for i in range(5)})
        assert type(split) is type(ltv)

    def test_a_bare_window_is_months_with_a_deprecation_warning(self) -> None:
        with pytest.warns(DeprecationWarning, match=r"window=3 \(a bare number\) is "
                                                    r"deprecated.*window='3M'"):
            old = lifetime_value(hand_portfolio(), "2024-07", window=3)
        new = lifetime_value(hand_portfolio(), "2024-07", window="3M")
        assert old.churn_periods == new.churn_periods == ("2024-04", "2024-05", "2024-06")
        assert old.value == new.value
        # A quarter is three months; a year twelve.
        assert lifetime_value(hand_portfolio(), "2024-07", window="1Q").value == new.value

    def test_by_mapping_puts_unmapped_customers_in_none(self) -> None:
        # c7, c8, c9 mapped to "late"; n1, n2 and the churned c0-c6 unmapped.
        late = {"c7": "late", "c8": "late", "c9": "late"}
        with pytest.warns(UndefinedMetricWarning, match="infinite"):
            ltv = lifetime_value(hand_portfolio(), "2024-07", by=late)
        assert ltv["segment"].tolist() == ["late", "(none)"]
        assert ltv["customers"].tolist() == [3, 2]
        # late: nobody churned in January-June, so churn is 0 and the value infinite; capped
        # at 12 months it is 12 x their ARPA.
        capped = lifetime_value(hand_portfolio(), "2024-07", by=late, horizon=12)
        assert capped.row("late").value == pytest.approx((170 + 180 + 190) / 3 * 12)

    def test_bad_options_get_the_shared_message(self) -> None:
        with pytest.raises(InvalidParameterError, match=re.escape(
                "lifetime_value: discount_rate must be a number >= 0, got -0.1.")):
            lifetime_value(hand_portfolio(), "2024-07", discount_rate=-0.1)
        with pytest.raises(InvalidParameterError, match=re.escape(
                "lifetime_value: horizon must be None or a whole number of periods >= 1, "
                "got 2.5.")):
            lifetime_value(hand_portfolio(), "2024-07", horizon=2.5)
        with pytest.raises(InvalidParameterError, match="timing must be one of"):
            lifetime_value(hand_portfolio(), "2024-07", timing="later")  # type: ignore[arg-type]
        with pytest.raises(InvalidParameterError, match="fx must be FxRates or None"):
            lifetime_value(hand_portfolio(), "2024-07", fx={"EUR": 1.1})  # type: ignore[arg-type]

    def test_records_columns_pandas_and_polars_give_one_value(self) -> None:
        pd = pytest.importorskip("pandas")
        pl = pytest.importorskip("polars")
        subs = hand_portfolio()
        cols = {k: [getattr(r, k) for r in subs] for k in ("customer_id", "start", "end",
                                                            "amount")}
        got = [lifetime_value(data, "2024-07").to_dict()
               for data in (subs, cols, pd.DataFrame(cols), pl.DataFrame(cols))]
        for other in got[1:]:
            assert other == got[0]

    def test_empty_input_is_nan_with_one_warning(self) -> None:
        empty = {"customer_id": [], "start": np.array([], dtype="datetime64[D]"), "amount": []}
        ltv, message = one_warning(lambda: lifetime_value(empty, "2024-07"))
        assert math.isnan(ltv.value)
        assert "no paying customers on 2024-07-31" in message
        assert "no month of the window with customers at its start" in message


class TestPaymentsContract:
    def test_one_result_type_with_and_without_by(self) -> None:
        for metric in (average_order_value, purchase_frequency,
                       lambda p, **kw: transactional_lifetime_value(p, lifespan=2, **kw)):
            whole = metric(PAYS)
            split = metric(PAYS, by="customer_id")
            assert type(whole) is type(split) is MetricResult
            assert len(whole) == 1
            assert whole.segment_column is None
            assert split.segment_column == "customer_id"
            assert split["customer_id"].tolist() == ["a", "b", "c"]

    def test_by_customer_id_is_the_per_account_view(self) -> None:
        # a: 20 + 50 in two payments; b: 35.5; c: 14.5.
        aov = average_order_value(PAYS, by="customer_id")
        assert aov["average_order_value"].tolist() == [35.0, 35.5, 14.5]
        assert aov.row("a")["payments"].tolist() == [2]

    def test_by_mapping_puts_unmapped_customers_in_none(self) -> None:
        # Before 0.2 an unmapped customer was an error; now it is in "(none)".
        aov = average_order_value(PAYS, by={"a": "x"})
        assert aov["segment"].tolist() == ["x", "(none)"]
        assert aov["average_order_value"].tolist() == [35.0, 25.0]   # (35.5 + 14.5) / 2

    def test_by_an_input_column_of_raw_columns(self) -> None:
        cols = {"customer_id": ["a", "b", "a", "c"],
                "date": ["2024-01-03", "2024-02-09", "2024-03-11", "2024-07-01"],
                "amount": [20, 35.5, 50, 14.5], "region": ["EU", "US", "EU", None]}
        aov = average_order_value(cols, by="region")
        assert aov["region"].tolist() == ["EU", "US", "(none)"]
        assert aov["average_order_value"].tolist() == [35.0, 35.5, 14.5]

    def test_the_window_is_positional(self) -> None:
        assert float(average_order_value(PAYS, "2024-Q1", "2024-Q1")) == \
            pytest.approx(105.5 / 3)
        assert float(transactional_lifetime_value(PAYS, "2024", "2024", lifespan=5,
                                                  gross_margin=0.6)) == pytest.approx(120.0)

    def test_per_is_the_deprecated_name_of_freq(self) -> None:
        for metric, kw in ((purchase_frequency, {}),
                           (transactional_lifetime_value, {"lifespan": 3})):
            with pytest.warns(DeprecationWarning, match=r"per= is deprecated .* use freq="):
                old = metric(PAYS, "2024", "2024", per="month", **kw)
            new = metric(PAYS, "2024", "2024", freq="month", **kw)
            assert old.to_dict() == new.to_dict()
        with pytest.raises(TypeError, match="give freq= only"):
            purchase_frequency(PAYS, per="month", freq="month")

    def test_bad_options_get_the_shared_message(self) -> None:
        with pytest.raises(InvalidParameterError, match=r"^purchase_frequency: freq must be a "
                                                        r"period length .*got 'fortnight'\.$"):
            purchase_frequency(PAYS, freq="fortnight")
        with pytest.raises(InvalidParameterError, match=re.escape(
                "transactional_lifetime_value: gross_margin must be a number, got inf.")):
            transactional_lifetime_value(PAYS, lifespan=1, gross_margin=math.inf)
        with pytest.raises(InvalidParameterError, match="by must be None, a column name"):
            average_order_value(PAYS, by=1.5)  # type: ignore[arg-type]
        with pytest.raises(ColumnNotFoundError, match="region"):
            average_order_value(PAYS, by="region")

    def test_records_columns_pandas_and_polars_give_one_result(self) -> None:
        pd = pytest.importorskip("pandas")
        pl = pytest.importorskip("polars")
        cols = {"customer_id": [p.customer_id for p in PAYS], "date": [p.date for p in PAYS],
                "amount": [float(p.amount) for p in PAYS]}
        for metric in (average_order_value, purchase_frequency,
                       lambda p, **kw: transactional_lifetime_value(p, lifespan=2, **kw)):
            got = [metric(data, by="customer_id").to_dict()
                   for data in (PAYS, cols, pd.DataFrame(cols), pl.DataFrame(cols))]
            for other in got[1:]:
                assert other == got[0]

    def test_empty_input_is_nan_with_one_warning(self) -> None:
        empty = PaymentTable.from_columns({"customer_id": [], "date": [], "amount": []})
        for metric in (average_order_value, purchase_frequency,
                       lambda p, *a: transactional_lifetime_value(p, *a, lifespan=2)):
            for window in ((), ("2024-01", "2024-06")):
                result, message = one_warning(lambda m=metric, w=window: m(empty, *w))
                assert math.isnan(float(result))
                assert "is zero" in message
            # Payments, but none in the window: the same.
            result, _ = one_warning(lambda m=metric: m(PAYS, "2025-01", "2025-02"))
            assert math.isnan(float(result))
