"""Churn, retention, NRR/GRR, ARPA, quick ratio and policies: published examples, hand-worked
scenarios per vendor preset, FX, and properties."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

import csmetrics as cm
from csmetrics import MetricPolicy, Subscription
from strategies import columns, portfolios


def sub(customer: str, start: str, amount: float, **kw: Any) -> Subscription:
    return Subscription(customer_id=customer, start=start, amount=amount, **kw)


# --- published examples ----------------------------------------------------------------------


class TestPublished:
    def chartmogul_month(self) -> list[Subscription]:
        # $100 MRR at the start: a ($10) churns, b contracts 20 -> 10, c expands 70 -> 80.
        return [
            sub("a", "2023-12-01", 10, end="2024-01-15"),
            sub("b", "2023-12-01", 20, subscription_id="b", end="2024-01-15"),
            sub("b", "2024-01-15", 10, subscription_id="b"),
            sub("c", "2023-12-01", 70, subscription_id="c", end="2024-01-15"),
            sub("c", "2024-01-15", 80, subscription_id="c"),
        ]

    def test_chartmogul_gross_and_net_mrr_churn(self) -> None:
        # ChartMogul Help, "Metric: MRR Churn Rate" (article 203359341): "$100 MRR at the
        # beginning of the month ... lost $10 to churn MRR, and $10 to contraction MRR, while
        # one customer increased their MRR by $10": gross 20% = (10 + 10) / 100, net 10% =
        # ((10 + 10) - (10 + 0)) / 100.
        subs = self.chartmogul_month()
        assert float(cm.revenue_churn_rate(subs, "2024-01", "2024-01")) == pytest.approx(0.20)
        net = cm.revenue_churn_rate(subs, "2024-01", "2024-01", net=True)
        assert float(net) == pytest.approx(0.10)

    def test_stripe_mrr_example_has_a_typo_the_right_value_is_12500(self) -> None:
        # Stripe Docs, "Billing metric definitions": "100 subscribers are on Plan A (100 USD
        # per month) and 50 subscribers are on Plan B (600 USD per year). MRR = (100 x 100
        # USD) + (50 x (800 USD/12)) = 12,500 USD". The expression as printed gives
        # 13,333.33; with the stated 600 USD per year it gives the printed 12,500.
        subs = [sub(f"a{i}", "2024-01-01", 100) for i in range(100)]
        subs += [sub(f"b{i}", "2024-01-01", 600, interval="year") for i in range(50)]
        assert float(cm.mrr(subs, "2024-01")) == 12_500.0

    def test_baremetrics_quick_ratio_leaves_reactivation_out(self) -> None:
        # Baremetrics changelog, "New Quick Ratio Metric": Quick Ratio = (New MRR + Expansion
        # MRR) / (Contraction MRR + Churned MRR). Here new 40, reactivation 30, churn 20:
        # Baremetrics 40 / 20 = 2; with reactivation (ChartMogul, default) 70 / 20 = 3.5.
        subs = [sub("a", "2023-12-01", 20, end="2024-01-10"),
                sub("b", "2024-01-05", 40),
                sub("c", "2023-05-01", 30, end="2023-08-01"), sub("c", "2024-01-20", 30)]
        assert float(cm.quick_ratio(subs, "2024-01", "2024-01",
                              policy=MetricPolicy.baremetrics())) == 2.0
        assert float(cm.quick_ratio(subs, "2024-01", "2024-01")) == 3.5
        assert float(cm.quick_ratio(subs, "2024-01", "2024-01", include_reactivation=False)) == 2.0


def test_skok_customer_churn_against_dollar_churn() -> None:
    # David Skok (Matrix Partners, "SaaS Metrics" talk, slide "Customer Churn vs $ Dollar
    # Churn"): customer 1 at $1k MRR, customer 2 at $5k; customer 2 churns: customer churn
    # 50%, dollar churn 83% (5 / 6 = 0.8333).
    subs = [sub("c1", "2023-06-01", 1_000), sub("c2", "2023-06-01", 5_000, end="2024-01-10")]
    assert float(cm.logo_churn_rate(subs, "2024-01", "2024-01")) == 0.5
    assert float(cm.revenue_churn_rate(subs, "2024-01", "2024-01")) == pytest.approx(5 / 6)


@pytest.mark.parametrize(
    ("lost", "revenue_churn", "logo_churn"),
    [(["m1", "m2"], 6_000 / 34_500, 0.2), (["big"], 10_000 / 34_500, 0.1)],
)
def test_treehouse_mrr_churn_example(lost: list[str], revenue_churn: float,
                                     logo_churn: float) -> None:
    # Treehouse, "MRR Churn Example": 10 customers paying $34,500 MRR (one at $10,000, eight
    # at $3,000, one at $500). Losing two medium customers: gross MRR churn 17.39%, customer
    # churn 20%; losing the big one: 28.99% and 10%.
    sizes = {"big": 10_000, "small": 500} | {f"m{i}": 3_000 for i in range(1, 9)}
    subs = [sub(c, "2023-06-01", amount, end="2024-01-15" if c in lost else None)
            for c, amount in sizes.items()]
    assert float(cm.revenue_churn_rate(subs, "2024-01", "2024-01")) == pytest.approx(revenue_churn)
    assert float(cm.logo_churn_rate(subs, "2024-01", "2024-01")) == pytest.approx(logo_churn)


def test_ordway_cohort_nrr_example() -> None:
    # Ordway, "Understanding SaaS Net Revenue Retention": 1,000 customers generating $10M on
    # 31 Dec 2022 represent $12M on 31 Dec 2023: NRR 120%. Scaled to $1,000 each; 100 churn
    # (-$100k) and 300 double (+$300k): 1,000,000 -> 1,200,000. New 2023 customers are not
    # in the cohort, however much they pay.
    subs = []
    for i in range(1_000):
        if i < 100:
            subs.append(sub(f"c{i}", "2022-01-01", 1_000, end="2023-05-01"))
        elif i < 400:
            subs += [sub(f"c{i}", "2022-01-01", 1_000, subscription_id=i, end="2023-07-01"),
                     sub(f"c{i}", "2023-07-01", 2_000, subscription_id=i)]
        else:
            subs.append(sub(f"c{i}", "2022-01-01", 1_000))
    subs.append(sub("newcomer", "2023-03-01", 50_000))
    assert float(cm.net_revenue_retention(subs, "2023-01", "2023-12")) == pytest.approx(1.2)
    # GRR keeps only the losses: (1,000,000 - 100,000) / 1,000,000.
    assert float(cm.gross_revenue_retention(subs, "2023-01", "2023-12")) == pytest.approx(0.9)


# --- the same month under each vendor's policy -----------------------------------------------


def stripe_month() -> list[Subscription]:
    """Four customers at 31 January; in February a churns, e joins and stays, f joins on the
    3rd and leaves on the 20th (never at a month end)."""
    return [
        sub("a", "2023-11-01", 10, end="2024-02-10"),
        sub("b", "2023-11-01", 10), sub("c", "2023-11-01", 10), sub("d", "2023-11-01", 10),
        sub("e", "2024-02-05", 10),
        sub("f", "2024-02-03", 25, end="2024-02-20"),
    ]


class TestPresets:
    @pytest.mark.parametrize(
        ("policy", "expected"),
        [
            # default: f is invisible; 1 churn / 4 at the start
            (MetricPolicy(), 1 / 4),
            # Stripe, "Calculating churn rate in Billing": churned in the period (a, f) over
            # active at its start plus new in it (4 + e + f): 2 / 6
            (MetricPolicy.stripe(), 2 / 6),
            # ProfitWell: "does not count users who are new and then churn in the same month"
            (MetricPolicy.profitwell(), 1 / 4),
            # Baremetrics: sign-up-and-cancel in the window is included; 30-days-ago base
            (MetricPolicy.baremetrics(), 2 / 4),
            (MetricPolicy.chartmogul(), 2 / 4),
        ],
    )
    def test_logo_churn_per_vendor(self, policy: MetricPolicy, expected: float) -> None:
        assert float(cm.logo_churn_rate(stripe_month(), "2024-02", "2024-02",
                                  policy=policy)) == pytest.approx(expected)

    def test_average_denominator(self) -> None:
        # S = 4, E = 4 (b, c, d, e): C / ((S + E) / 2) = 1 / 4
        assert float(cm.logo_churn_rate(stripe_month(), "2024-02", "2024-02",
                                  denominator="average")) == 0.25

    def test_same_period_customers_enter_new_and_churn_and_the_bridge_still_closes(
            self) -> None:
        r = cm.mrr_movements(stripe_month(), "2024-02", "2024-02", policy=MetricPolicy.stripe())
        assert r["new"][0] == 35.0
        assert r["churn"][0] == 35.0
        assert r["new_customers"][0] == 2
        assert r["churned_customers"][0] == 2
        assert r["ending_mrr"][0] == 40.0 == r["starting_mrr"][0] + 35 - 35
        d = r.details()
        assert sorted(d["movement"][d["customer_id"] == "f"].tolist()) == ["churn", "new"]

    def test_maxio_reactivation_window_of_90_days(self) -> None:
        subs = [sub("g", "2023-10-01", 10, end="2024-01-15"), sub("g", "2024-03-10", 10),
                sub("h", "2023-10-01", 10, end="2024-01-15"), sub("h", "2024-06-01", 10)]
        default = cm.mrr_movements(subs, "2024-01", "2024-06")
        maxio = cm.mrr_movements(subs, "2024-01", "2024-06", policy=MetricPolicy.maxio())
        # g returns 60 days after its churn snapshot (31 Jan -> 31 Mar): a reactivation for
        # both; h returns 151 days later (31 Jan -> 30 Jun): new under Maxio's 90 days.
        assert default["reactivation"].sum() == 20
        assert default["new"].sum() == 0
        assert maxio["reactivation"].sum() == 10
        assert maxio["new"].sum() == 10

    def test_free_customers_policy(self) -> None:
        subs = [sub("a", "2024-01-01", 30, subscription_id="s", end="2024-02-01"),
                sub("a", "2024-02-01", 30, discount=1, subscription_id="s", end="2024-03-01"),
                sub("a", "2024-03-01", 30, subscription_id="s")]
        keep = MetricPolicy(free_customers="customers")
        r = cm.mrr_movements(subs, "2024-02", "2024-03", policy=keep)
        assert r["contraction"].tolist() == [30, 0]
        assert r["expansion"].tolist() == [0, 30]
        assert r["churn"].sum() == 0
        assert r["ending_customers"].tolist() == [1, 1]
        assert float(cm.logo_churn_rate(subs, "2024-02", "2024-02", policy=keep)) == 0.0
        assert float(cm.logo_churn_rate(subs, "2024-02", "2024-02")) == 1.0

    def test_chartmogul_nrr_counts_reactivation(self) -> None:
        # Issue 10 audit: the preset left reactivation out of NRR, but ChartMogul Help,
        # "Cohort: Net MRR Retention", says "MRR gained due to expansion and reactivation
        # positively impacts the MRR retention rate". a ($100) churns in March and returns
        # in June at $100; b pays $100 throughout: (100 + 100) / 200 = 1.0 under ChartMogul,
        # as under the default; Baremetrics' NRR has no reactivation term: 100 / 200 = 0.5.
        subs = [sub("a", "2023-06-01", 100, end="2024-03-01"), sub("a", "2024-06-01", 100),
                sub("b", "2023-06-01", 100)]
        assert float(cm.net_revenue_retention(subs, "2024-01", "2024-12")) == 1.0
        assert float(cm.net_revenue_retention(subs, "2024-01", "2024-12",
                                              policy=MetricPolicy.chartmogul())) == 1.0
        assert float(cm.net_revenue_retention(subs, "2024-01", "2024-12",
                                              policy=MetricPolicy.baremetrics())) == 0.5

    def test_chartmogul_keeps_customers_who_move_to_free(self) -> None:
        # ChartMogul Help, "Configuring Subscription Analytics settings", Free Customer
        # Handling: by default a paying customer who switches to a free plan (or a 100%
        # discount) stays Active and does not count in the customer churn rate.
        subs = [sub("a", "2023-12-01", 30, subscription_id="s", end="2024-02-10"),
                sub("a", "2024-02-10", 30, discount=1, subscription_id="s"),
                sub("b", "2023-12-01", 30)]
        chartmogul = MetricPolicy.chartmogul()
        assert chartmogul.free_customers == "customers"
        assert float(cm.logo_churn_rate(subs, "2024-02", "2024-02", policy=chartmogul)) == 0.0
        assert float(cm.logo_churn_rate(subs, "2024-02", "2024-02")) == 0.5
        moved = cm.mrr_movements(subs, "2024-02", "2024-02", policy=chartmogul)
        assert moved["contraction"].tolist() == [30.0]
        assert moved["churn"].tolist() == [0.0]


# --- retention ---------------------------------------------------------------------------------


def cohort_vs_chain() -> list[Subscription]:
    """At 31 Dec 2023: a $100 and b $100. a expands to $200 in February and churns in June;
    c joins in March at $100 and churns in September; b stays."""
    return [
        sub("a", "2023-06-01", 100, subscription_id="a", end="2024-02-01"),
        sub("a", "2024-02-01", 200, subscription_id="a", end="2024-06-15"),
        sub("b", "2023-06-01", 100),
        sub("c", "2024-03-01", 100, end="2024-09-10"),
    ]


class TestRetention:
    def test_cohort_nrr_and_grr(self) -> None:
        # Cohort {a, b}: start 200, end b 100 -> NRR 0.5; GRR min(0,100)+min(100,100) = 0.5.
        subs = cohort_vs_chain()
        assert float(cm.net_revenue_retention(subs, "2024-01", "2024-12")) == 0.5
        assert float(cm.gross_revenue_retention(subs, "2024-01", "2024-12")) == 0.5

    def test_chained_bridge_differs_from_cohort(self) -> None:
        # Feb: (200 + 100) / 200 = 1.5; Jun: start 400 (a 200, b 100, c 100), churn 200 ->
        # 0.5; Sep: start 200, churn 100 -> 0.5; other months 1. NRR = 1.5 x 0.5 x 0.5.
        # GRR drops the expansion: 1 x 0.5 x 0.5.
        subs = cohort_vs_chain()
        assert float(cm.net_revenue_retention(subs, "2024-01", "2024-12",
                                        method="bridge")) == pytest.approx(0.375)
        assert float(cm.gross_revenue_retention(subs, "2024-01", "2024-12",
                                          method="bridge")) == pytest.approx(0.25)

    def test_nrr_series_trailing_window(self) -> None:
        subs = cohort_vs_chain()
        s = cm.nrr_series(subs, "2024-03", "2024-07", window=3)
        assert s["window_start"].tolist() == ["2024-01", "2024-02", "2024-03", "2024-04",
                                              "2024-05"]
        # Ending Mar (base 31 Dec: a 100, b 100) and Apr (base 31 Jan, a still 100): a has
        # expanded to 200 -> 300 / 200 = 1.5. Ending May (base 29 Feb: a 200, b 100) -> 1.0.
        # Ending Jun and Jul (base 31 Mar / 30 Apr: a 200, b 100, c 100) -> a churned:
        # 200 / 400 = 0.5. GRR caps a at its base MRR: 1, 1, 1, 0.5, 0.5.
        assert s["nrr"].tolist() == pytest.approx([1.5, 1.5, 1.0, 0.5, 0.5])
        assert s["grr"].tolist() == pytest.approx([1.0, 1.0, 1.0, 0.5, 0.5])

    def test_customer_retention_and_logo_churn_add_up_to_one(self) -> None:
        subs = cohort_vs_chain()
        ret = float(cm.customer_retention_rate(subs, "2024-01", "2024-12"))
        churn = float(cm.logo_churn_rate(subs, "2024-01", "2024-12"))
        # S = 2, churn events a (Jun) and c (Sep) = 2 -> churn 1.0; E = 1 (b), N = 1 (c):
        # (1 - 1) / 2 = 0.
        assert (ret, churn) == (0.0, 1.0)

    def test_arpa(self) -> None:
        subs = cohort_vs_chain()
        assert float(cm.arpa(subs, "2024-03")) == pytest.approx(400 / 3)
        by = cm.arpa(subs, "2024-03", by={"a": "big", "b": "small", "c": "small"})
        assert by["arpa"].tolist() == [200.0, 100.0]

    def test_customer_count_by_segment(self) -> None:
        r = cm.customer_count(cohort_vs_chain(), "2024-03", by={"a": "x", "b": "y", "c": "y"})
        assert r["customers"].tolist() == [1, 2]


class TestUndefined:
    def test_zero_denominators_are_nan_with_a_warning(self) -> None:
        subs = [sub("a", "2024-05-01", 10)]
        calls = [
            lambda: float(cm.logo_churn_rate(subs, "2024-01", "2024-03")),
            lambda: float(cm.customer_retention_rate(subs, "2024-01", "2024-03")),
            lambda: float(cm.revenue_churn_rate(subs, "2024-01", "2024-03")),
            lambda: float(cm.net_revenue_retention(subs, "2024-01", "2024-03")),
            lambda: float(cm.gross_revenue_retention(subs, "2024-01", "2024-03", method="bridge")),
            lambda: float(cm.quick_ratio(subs, "2024-01", "2024-03")),
            lambda: float(cm.arpa(subs, "2024-03")),
        ]
        for call in calls:
            with pytest.warns(cm.UndefinedMetricWarning):
                assert np.isnan(call())

    @pytest.mark.parametrize("method", ["cohort", "bridge"])
    def test_a_series_warns_once_for_all_its_undefined_windows(self, method: str) -> None:
        # Four monthly windows start before the only customer: four NaNs, one warning.
        subs = [sub("a", "2024-04-01", 10)]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            s = cm.nrr_series(subs, "2024-01", "2024-05", window="1M", method=method)
        undefined = [w for w in caught if issubclass(w.category, cm.UndefinedMetricWarning)]
        assert len(undefined) == 1, [str(w.message) for w in undefined]
        assert np.isnan(s["nrr"][:4]).all()
        assert np.isnan(s["grr"][:4]).all()
        assert s["nrr"][4] == 1.0

    def test_by_segment_only_the_empty_segment_is_nan(self) -> None:
        subs = [sub("a", "2023-01-01", 10, plan="p"), sub("b", "2024-02-01", 10, plan="q")]
        with pytest.warns(cm.UndefinedMetricWarning, match="1 of 2"):
            r = cm.logo_churn_rate(subs, "2024-01", "2024-03", by="plan")
        assert r["logo_churn_rate"][0] == 0.0
        assert np.isnan(r["logo_churn_rate"][1])

    def test_bad_options(self) -> None:
        subs = [sub("a", "2023-01-01", 10)]
        with pytest.raises(cm.InvalidParameterError):
            float(cm.logo_churn_rate(subs, "2024-01", "2024-01", denominator="end"))  # type: ignore[arg-type]
        with pytest.raises(cm.InvalidParameterError):
            float(cm.net_revenue_retention(subs, "2024-01", "2024-01", method="magic"))  # type: ignore[arg-type]
        with pytest.raises(cm.InvalidParameterError):
            cm.nrr_series(subs, "2024-01", "2024-02", window=0)


# --- currencies --------------------------------------------------------------------------------


class TestFx:
    def subs(self) -> list[Subscription]:
        return [sub("eu", "2023-12-01", 100, currency="EUR", subscription_id="e",
                    end="2024-02-10"),
                sub("eu", "2024-02-10", 150, currency="EUR", subscription_id="e"),
                sub("us", "2023-12-01", 50)]

    def fx(self) -> cm.FxRates:
        return cm.FxRates.from_columns(
            {"date": ["2023-12-01", "2024-02-01"], "currency": ["EUR", "EUR"],
             "rate": [1.10, 1.20]}, reporting_currency="USD")

    def test_without_rates_money_metrics_refuse_to_mix_currencies(self) -> None:
        for call in (lambda: float(cm.mrr(self.subs(), "2024-01")),
                     lambda: cm.mrr_movements(self.subs(), "2024-01", "2024-02"),
                     lambda: float(cm.net_revenue_retention(self.subs(), "2024-01", "2024-02"))):
            with pytest.raises(cm.CurrencyMismatchError):
                call()

    def test_converted_bridge_has_an_fx_line_and_closes(self) -> None:
        # Base: EUR 100 x 1.10 + 50 = 160. Feb: expansion EUR 50 at the Feb rate 1.20 = 60;
        # ending 150 x 1.20 + 50 = 230; fx = 230 - 160 - 60 = 10 = EUR 100 x (1.20 - 1.10).
        r = cm.mrr_movements(self.subs(), "2024-01", "2024-02", fx=self.fx())
        assert r["starting_mrr"].tolist() == [160.0, 160.0]
        assert r["expansion"].tolist() == [0.0, 60.0]
        assert r["fx"].tolist() == [0.0, 10.0]
        assert r["ending_mrr"].tolist() == [160.0, 230.0]
        assert float(cm.mrr(self.subs(), "2024-02", fx=self.fx())) == 230.0
        d = r.details()   # per customer, in USD at the month's rate
        assert (d["customer_id"].tolist(), d["movement"].tolist(), d["change"].tolist()) == (
            ["eu"], ["expansion"], [60.0])

    def test_cohort_nrr_with_fx_is_constant_currency(self) -> None:
        # Both ends at the final rate 1.20: (150 x 1.2 + 50) / (100 x 1.2 + 50) = 230 / 170.
        nrr = float(cm.net_revenue_retention(self.subs(), "2024-01", "2024-02", fx=self.fx()))
        assert nrr == pytest.approx(230 / 170)

    def test_a_customer_changing_currency_is_one_customer(self) -> None:
        # a moves from EUR 100 to USD 110 at EUR 1.00: an expansion of 10, not a churn of
        # 100 and a new 110; c pays EUR 100 + USD 50 and drops the USD line: contraction.
        fx = cm.FxRates.constant({"EUR": 1.0}, reporting_currency="USD")
        subs = [sub("a", "2023-06-01", 100, currency="EUR", end="2024-02-10"),
                sub("a", "2024-02-10", 110),
                sub("c", "2023-06-01", 100, currency="EUR"),
                sub("c", "2023-06-01", 50, subscription_id="c2", end="2024-02-10")]
        r = cm.mrr_movements(subs, "2024-02", "2024-02", fx=fx)
        assert [r[k][0] for k in ("new", "expansion", "contraction", "churn", "fx")] == [
            0, 10, 50, 0, 0]
        assert (r["starting_customers"][0], r["ending_customers"][0]) == (2, 2)
        assert float(cm.net_revenue_retention(subs, "2024-02", "2024-02", fx=fx)) == 210 / 250
        assert float(cm.logo_churn_rate(subs, "2024-02", "2024-02")) == 0.0   # counts need no fx

    def test_rates_are_needed_only_where_there_is_money(self) -> None:
        old_gbp = [*self.subs(), sub("x", "2019-01-01", 9, currency="GBP", end="2019-06-01")]
        r = cm.mrr_movements(old_gbp, "2024-01", "2024-02", fx=self.fx())
        assert r["ending_mrr"].tolist() == [160.0, 230.0]

    def test_missing_rate_is_an_error(self) -> None:
        late = cm.FxRates.from_columns({"date": ["2024-02-01"], "currency": ["EUR"],
                                        "rate": [1.2]}, reporting_currency="USD")
        with pytest.raises(cm.DataValidationError, match="no EUR rate on or before 2023-12-31"):
            cm.mrr_movements(self.subs(), "2024-01", "2024-02", fx=late)

    def test_bad_rates(self) -> None:
        with pytest.raises(cm.DataValidationError, match="must be a finite number > 0"):
            cm.FxRates.from_columns({"date": ["2024-01-01"], "currency": ["EUR"],
                                     "rate": [0.0]}, reporting_currency="USD")
        with pytest.raises(cm.DataValidationError, match="unique"):
            cm.FxRates.from_columns({"date": ["2024-01-01"] * 2, "currency": ["EUR"] * 2,
                                     "rate": [1.0, 1.1]}, reporting_currency="USD")
        with pytest.raises(cm.InvalidParameterError):
            cm.FxRates.constant({"EUR": 1.1}, reporting_currency="EURO")


# --- properties ------------------------------------------------------------------------------


@settings(max_examples=60)
@given(portfolios())
def test_grr_in_unit_interval_and_below_nrr(rows: list[dict[str, Any]]) -> None:
    cols = columns(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.UndefinedMetricWarning)
        for method in ("cohort", "bridge"):
            nrr = float(cm.net_revenue_retention(cols, "2023-07", "2024-06", method=method))
            grr = float(cm.gross_revenue_retention(cols, "2023-07", "2024-06", method=method))
            if np.isnan(grr):
                assert np.isnan(nrr)
                continue
            assert 0.0 <= grr <= 1.0
            assert grr <= nrr + 1e-12


@settings(max_examples=60)
@given(portfolios())
def test_logo_churn_plus_retention_of_starting_customers_is_one(rows: list[dict[str, Any]]
                                                                ) -> None:
    cols = columns(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.UndefinedMetricWarning)
        churn = float(cm.logo_churn_rate(cols, "2023-07", "2024-06"))
        ret = float(cm.customer_retention_rate(cols, "2023-07", "2024-06"))
    if np.isnan(churn):
        assert np.isnan(ret)
    else:
        assert churn + ret == pytest.approx(1.0)


@settings(max_examples=60)
@given(portfolios())
def test_segment_sums_equal_totals(rows: list[dict[str, Any]]) -> None:
    cols = columns(rows)
    mapping = {c: ("x" if c in "abc" else "y") for c in "abcde"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.UndefinedMetricWarning)
        total = float(cm.logo_churn_rate(cols, "2023-07", "2024-06", denominator="start_plus_new",
                                   policy=MetricPolicy.stripe()))
        split = cm.logo_churn_rate(cols, "2023-07", "2024-06", denominator="start_plus_new",
                                   by=mapping, policy=MetricPolicy.stripe())
        nrr_total = float(cm.net_revenue_retention(cols, "2023-07", "2024-06"))
        nrr_split = cm.net_revenue_retention(cols, "2023-07", "2024-06", by=mapping)
    if not isinstance(split, cm.TableResult) or not isinstance(nrr_split, cm.TableResult):
        raise AssertionError("by= must give a table")
    # Counts and money add up across customer segments; the ratios are recomputed from them.
    den = split["denominator"].sum()
    assert (np.isnan(total) and den == 0) or total == pytest.approx(split["churned"].sum() / den)
    start = nrr_split["starting_mrr"].sum()
    if start:
        assert nrr_total == pytest.approx(nrr_split["retained_mrr"].sum() / start)


@settings(max_examples=40)
@given(portfolios())
def test_fx_converted_bridge_closes(rows: list[dict[str, Any]]) -> None:
    cols = columns(rows)
    cols["currency"] = ["EUR" if c in "ab" else "USD" for c in cols["customer_id"]]
    fx = cm.FxRates.from_columns({"date": ["2022-01-01", "2023-06-01", "2024-02-01"],
                                  "currency": ["EUR"] * 3, "rate": [1.05, 1.1234, 0.97]},
                                 reporting_currency="USD")
    r = cm.mrr_movements(cols, "2023-01", "2024-12", fx=fx)
    c = {k: np.rint(r[k] * 100).astype(np.int64) for k in r.money}
    gained = c["new"] + c["expansion"] + c["reactivation"] + c["fx"]
    assert (c["starting_mrr"] + gained - c["contraction"] - c["churn"] == c["ending_mrr"]).all()
    assert (c["starting_mrr"][1:] == c["ending_mrr"][:-1]).all()


def docs_month() -> list[Subscription]:
    """The worked example of docs/policies.md."""
    return [
        sub("a", "2023-11-01", 10, end="2024-02-10"),
        sub("b", "2023-11-01", 10), sub("c", "2023-11-01", 10),
        sub("d", "2023-11-01", 10, subscription_id="d", end="2024-02-15"),
        sub("d", "2024-02-15", 20, subscription_id="d"),
        sub("e", "2024-02-05", 10), sub("f", "2024-02-03", 25, end="2024-02-20"),
        sub("g", "2023-09-01", 15, end="2023-12-10"), sub("g", "2024-02-12", 15),
    ]


@pytest.mark.parametrize(
    ("policy", "logo", "new", "churn", "net_churn", "quick"),
    [
        (MetricPolicy(), 0.25, 10, 10, -0.375, 3.5),
        (MetricPolicy.profitwell(), 0.25, 10, 10, -0.375, 3.5),
        (MetricPolicy.chartmogul(), 0.5, 35, 35, 0.25, 60 / 35),
        (MetricPolicy.maxio(), 0.5, 35, 35, 0.25, 60 / 35),
        (MetricPolicy.stripe(), 2 / 7, 35, 35, 0.25, 60 / 35),
        (MetricPolicy.baremetrics(), 0.5, 35, 35, 0.625, 45 / 35),
    ],
)
def test_docs_worked_example(policy: MetricPolicy, logo: float, new: float, churn: float,
                             net_churn: float, quick: float) -> None:
    # Hand-worked in docs/policies.md, "Worked example: one month, six answers".
    subs = docs_month()
    m = cm.mrr_movements(subs, "2024-02", "2024-02", policy=policy)
    assert (m["new"][0], m["churn"][0], m["reactivation"][0]) == (new, churn, 15)
    assert m["ending_mrr"][0] == 65
    assert m["ending_customers"][0] == 5
    churn = cm.logo_churn_rate(subs, "2024-02", "2024-02", policy=policy)
    assert float(churn) == pytest.approx(logo)
    assert float(cm.revenue_churn_rate(subs, "2024-02", "2024-02", net=True,
                                 policy=policy)) == pytest.approx(net_churn)
    assert float(cm.quick_ratio(subs, "2024-02", "2024-02", policy=policy)) == pytest.approx(quick)
    assert float(cm.net_revenue_retention(subs, "2024-02", "2024-02", policy=policy)) == 1.0


@settings(max_examples=40)
@given(portfolios(monthly_only=True))
def test_fx_at_a_rate_of_one_changes_nothing(rows: list[dict[str, Any]]) -> None:
    # Converting EUR at exactly 1.0 must give the bridge of the same rows all in USD:
    # customers billed in both currencies, or moving between them, stay one customer.
    cols = columns(rows)
    mixed = dict(cols, currency=["EUR" if i % 2 else "USD" for i in range(len(rows))])
    single = dict(cols, currency=["USD"] * len(rows))
    fx = cm.FxRates.constant({"EUR": 1.0}, reporting_currency="USD")
    a = cm.mrr_movements(mixed, "2023-07", "2024-12", fx=fx)
    b = cm.mrr_movements(single, "2023-07", "2024-12")
    for col in b.column_names:
        assert np.array_equal(a[col], b[col]), col
    assert (a["fx"] == 0).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.UndefinedMetricWarning)
        for method in ("cohort", "bridge"):
            x = float(cm.net_revenue_retention(mixed, "2023-07", "2024-06", fx=fx, method=method))
            y = float(cm.net_revenue_retention(single, "2023-07", "2024-06", method=method))
            assert (np.isnan(x) and np.isnan(y)) or x == pytest.approx(y)
