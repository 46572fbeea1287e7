"""MRR normalisation and snapshots, against published worked examples and hand working."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

import csmetrics as cm
from csmetrics import Subscription, SubscriptionTable


def sub(customer: str, start: str, amount: float, **kw: object) -> Subscription:
    return Subscription(customer_id=customer, start=start, amount=amount, **kw)  # type: ignore[arg-type]


class TestPublishedExamples:
    def test_chartmogul_help_mrr_five_customers_then_two_more(self) -> None:
        # ChartMogul Help, "Metric: Monthly Recurring Revenue (MRR)" (article 203299812):
        # "If you had 5 customers all paying $5 per month, your MRR would be $25. If you were
        # to acquire two more customers on a more expensive plan of $30 per month, your MRR
        # would increase to $85."
        subs = [sub(f"c{i}", "2024-01-01", 5) for i in range(5)]
        assert float(cm.mrr(subs, "2024-01")) == 25.0
        subs += [sub(f"d{i}", "2024-02-01", 30) for i in range(2)]
        assert float(cm.mrr(subs, "2024-02")) == 85.0

    def test_stripe_annual_1200_counts_100(self) -> None:
        # Stripe support, "Calculating Monthly Recurring Revenue (MRR) in Billing": "an annual
        # subscription for $1,200 only counts $100 towards your MRR."
        assert float(cm.mrr([sub("a", "2024-01-01", 1200, interval="year")], "2024-01")) == 100.0

    def test_nonoisemetrics_mixed_monthly_and_annual(self) -> None:
        # NoNoiseMetrics, "Types of MRR" (2026): 50 customers at 19/month = 950; 10 customers
        # at 190/year = 1,900 / 12 = 158.33; total MRR = 1,108.33.
        subs = [sub(f"m{i}", "2024-01-01", 19, currency="EUR") for i in range(50)]
        subs += [sub(f"y{i}", "2024-01-01", 190, currency="EUR", interval="year")
                 for i in range(10)]
        # Each yearly customer is 15.8333.. -> 15.83 per customer, rounded per customer:
        # 10 x 15.83 = 158.30; the article rounds the sum (158.33). Per-customer rounding is
        # our documented convention, so the hand-worked total is 950 + 158.30.
        assert float(cm.mrr(subs, "2024-01")) == pytest.approx(1108.30, abs=1e-9)

    def test_chartmogul_syncalytics_four_gold_yearly_is_166_67(self) -> None:
        # ChartMogul Help, "MRR movements" (article 201244842): four Gold yearly plans at
        # $500/year, billed $2,000, are New Business MRR of $166.67 ($2,000 / 12).
        assert float(cm.mrr([sub("s", "2024-01-05", 500, quantity=4, interval="year")],
                      "2024-01")) == 166.67


class TestNormalisation:
    @pytest.mark.parametrize(
        ("interval", "count", "amount", "expected"),
        [
            ("month", 1, 49.0, 49.0),
            ("quarter", 1, 90.0, 30.0),         # 90 / 3
            ("year", 1, 1200.0, 100.0),         # 1200 / 12
            ("year", 2, 2400.0, 100.0),         # two-year term: 2400 / 24
            ("year", 3, 1000.0, 27.78),         # 1000 / 36 = 27.777.. -> 27.78
            ("month", 6, 300.0, 50.0),          # semi-annual as 6 x month
            ("week", 1, 10.0, 43.33),           # 10 x 52 / 12 = 43.333..
            ("week", 2, 10.0, 21.67),           # 10 x 26 / 12 = 21.666..
            ("day", 1, 1.0, 30.42),             # 1 x 365 / 12 = 30.4166..
        ],
    )
    def test_interval_normalisation(self, interval: str, count: int, amount: float,
                                    expected: float) -> None:
        subs = [sub("a", "2024-01-01", amount, interval=interval, interval_count=count)]
        assert float(cm.mrr(subs, "2024-01-31")) == expected

    def test_quantity_and_discount(self) -> None:
        # 12 seats x $10, 25% off: 120 x 0.75 = 90.
        seats = [sub("a", "2024-01-01", 10, quantity=12, discount=0.25)]
        assert float(cm.mrr(seats, "2024-01")) == 90

    def test_full_discount_and_zero_quantity_are_zero(self) -> None:
        subs = [sub("a", "2024-01-01", 10, discount=1), sub("b", "2024-01-01", 10, quantity=0)]
        assert float(cm.mrr(subs, "2024-01")) == 0.0

    def test_rounding_is_per_customer_not_per_row(self) -> None:
        # Three rows of 1 seat at 33.3333: 99.9999 for the customer -> 100.00, whereas rounding
        # each row first would give 3 x 33.33 = 99.99.
        subs = [sub("a", "2024-01-01", 33.3333, subscription_id=i) for i in range(3)]
        assert float(cm.mrr(subs, "2024-01")) == 100.0

    def test_sum_over_customers_of_rounded_customer_mrr(self) -> None:
        # Two customers of 1/3 of a dollar each (1 dollar every 3 months): 0.33 + 0.33.
        subs = [sub(c, "2024-01-01", 1, interval="quarter") for c in "ab"]
        assert float(cm.mrr(subs, "2024-01")) == 0.66

    def test_zero_decimal_currency(self) -> None:
        # JPY has no minor unit: 10,000 yen a year is 833.33 -> 833 yen a month.
        subs = [sub("a", "2024-01-01", 10000, currency="JPY", interval="year")]
        assert float(cm.mrr(subs, "2024-01")) == 833.0

    def test_three_decimal_currency(self) -> None:
        # KWD has fils (1/1000): 10 KWD a year is 0.8333.. -> 0.833 a month.
        subs = [sub("a", "2024-01-01", 10, currency="kwd", interval="year")]
        assert float(cm.mrr(subs, "2024-01")) == 0.833


class TestSnapshots:
    subs: ClassVar[list[Subscription]] = [sub("a", "2024-03-15", 100, end="2024-05-10")]

    def test_period_means_its_last_day(self) -> None:
        assert float(cm.mrr(self.subs, "2024-02")) == 0
        assert float(cm.mrr(self.subs, "2024-03")) == 100   # active on 31 March
        assert float(cm.mrr(self.subs, "2024-04")) == 100
        assert float(cm.mrr(self.subs, "2024-05")) == 0     # ended 10 May

    def test_end_is_exclusive_and_start_inclusive(self) -> None:
        assert float(cm.mrr(self.subs, "2024-03-14")) == 0
        assert float(cm.mrr(self.subs, "2024-03-15")) == 100
        assert float(cm.mrr(self.subs, "2024-05-09")) == 100
        assert float(cm.mrr(self.subs, "2024-05-10")) == 0

    def test_quarter_and_year_snapshots(self) -> None:
        assert float(cm.mrr(self.subs, "2024-Q1")) == 100   # 31 March
        assert float(cm.mrr(self.subs, "2024-Q2")) == 0     # 30 June
        assert float(cm.mrr(self.subs, "2024")) == 0        # 31 December

    def test_datetime_and_numpy_inputs(self) -> None:
        import datetime as dt

        assert float(cm.mrr(self.subs, dt.date(2024, 4, 1))) == 100
        assert float(cm.mrr(self.subs, dt.datetime(2024, 4, 1, 23, 59))) == 100
        assert float(cm.mrr(self.subs, np.datetime64("2024-04-01"))) == 100
        assert float(cm.mrr(self.subs, np.datetime64("2024-04", "M"))) == 100

    def test_open_end_stays_active_forever(self) -> None:
        assert float(cm.mrr([sub("a", "2024-01-01", 5)], "2099-12")) == 5

    def test_empty_table_has_zero_mrr(self) -> None:
        empty = SubscriptionTable.from_columns({"customer_id": [], "start": [], "amount": []})
        assert float(cm.mrr(empty, "2024-01")) == 0.0


class TestSegments:
    subs: ClassVar[list[Subscription]] = [
        sub("a", "2024-01-01", 100, plan="pro"),
        sub("a", "2024-01-01", 20, plan="addon", subscription_id="x"),
        sub("b", "2024-01-01", 50, plan="basic"),
        sub("c", "2024-01-01", 10),
    ]

    def test_by_plan(self) -> None:
        r = cm.mrr(self.subs, "2024-01", by="plan")
        got = dict(zip(r["plan"].tolist(), r["mrr"].tolist(), strict=True))
        # Rows without a plan are the segment "(none)", after the named plans.
        assert got == {"addon": 20.0, "basic": 50.0, "pro": 100.0, "(none)": 10.0}
        assert r["plan"].tolist()[-1] == "(none)"
        assert r["customers"].tolist() == [1, 1, 1, 1]

    def test_by_mapping_segments_add_up(self) -> None:
        r = cm.mrr(self.subs, "2024-01", by={"a": "enterprise", "b": "smb", "c": "smb"})
        assert r["segment"].tolist() == ["enterprise", "smb"]
        assert r["mrr"].tolist() == [120.0, 60.0]
        assert r["mrr"].sum() == float(cm.mrr(self.subs, "2024-01"))

    def test_customers_the_mapping_lacks_are_in_none(self) -> None:
        # Issue 10: a mapping id -> segment puts ids it lacks in "(none)"; nothing is dropped.
        r = cm.mrr(self.subs, "2024-01", by={"a": "x", "b": "y"})
        assert r["segment"].tolist() == ["x", "y", "(none)"]
        assert r["mrr"].sum() == float(cm.mrr(self.subs, "2024-01"))

    def test_unknown_by_column(self) -> None:
        with pytest.raises(cm.ColumnNotFoundError, match="Did you mean 'plan'"):
            cm.mrr(self.subs, "2024-01", by="plans")

    def test_pandas_series_as_mapping(self) -> None:
        pd = pytest.importorskip("pandas")
        seg = pd.Series({"a": "big", "b": "small", "c": "small"})
        assert cm.mrr(self.subs, "2024-01", by=seg)["mrr"].tolist() == [120.0, 60.0]


class TestCurrencies:
    subs: ClassVar[list[Subscription]] = [
        sub("a", "2024-01-01", 100), sub("b", "2024-01-01", 80, currency="EUR")]

    def test_mixed_currencies_are_never_summed(self) -> None:
        with pytest.raises(cm.CurrencyMismatchError, match="EUR, USD") as info:
            float(cm.mrr(self.subs, "2024-01"))
        assert "by='currency'" in str(info.value)
        assert isinstance(info.value, ValueError)

    def test_by_currency_splits_them(self) -> None:
        r = cm.mrr(self.subs, "2024-01", by="currency")
        assert r["currency"].tolist() == ["EUR", "USD"]
        assert r["mrr"].tolist() == [80.0, 100.0]

    def test_only_active_rows_matter(self) -> None:
        subs = [sub("a", "2024-01-01", 100), sub("b", "2023-01-01", 80, currency="EUR",
                                                 end="2023-06-01")]
        assert float(cm.mrr(subs, "2024-01")) == 100.0


def test_row_mrr_ties_round_half_to_even_as_in_decimal_arithmetic() -> None:
    # Row MRR is kept in 1/100 cent, rounded half to even (docs/definitions.md). Decimal
    # amounts over day and week intervals land on exact ties (499.95 x 5 seats x 0.9 daily is
    # 68,430.65625 = 684,306,562.5 units) that binary floats put a few ulps to either side;
    # the tie must go to the even unit, as exact arithmetic with Fractions gives.
    from fractions import Fraction

    from csmetrics._kernels import revenue as kr

    months = {0: Fraction(12, 365), 1: Fraction(12, 52), 2: Fraction(1)}
    cents = np.arange(1, 60_000, 37)
    for interval, per in months.items():
        for quantity in (1, 3, 5):
            for discount in (Fraction(0), Fraction(1, 10), Fraction(1, 4), Fraction(1, 2)):
                mrr = kr.row_mrr(cents / 100, np.full(cents.size, float(quantity)),
                                 np.full(cents.size, float(discount)),
                                 np.full(cents.size, interval, dtype=np.int8),
                                 np.ones(cents.size, dtype=np.int64))
                got = kr.row_mrr_units(mrr, np.full(cents.size, 2))
                exact = [round(Fraction(int(c), 100) * quantity * (1 - discount) / per * 10_000)
                         for c in cents]
                assert got.tolist() == exact, (interval, quantity, discount)
