"""The contract every public metric keeps (docs/conventions.md), checked over one registry.

``REGISTRY`` names every public metric once: the kind of data it reads, how to call it on that
data, which of its columns add up across segments and which are money. The tests walk it:

* the return type is the same with and without ``by=``, and one row gives ``float(result)``;
* row order does not matter;
* records, columns, pandas, polars and Arrow input give the same result;
* the additive columns of a customer mapping's segments add up to the whole, and customers
  the mapping lacks are in "(none)", not dropped;
* scaling money scales the money columns and leaves rates alone;
* empty input gives NaN with an UndefinedMetricWarning, never 0 (for the metrics that are
  ratios);
* a bad option is an InvalidParameterError with the one message shape.

A public function that is not a metric over data (a reader, a formula of numbers, a planning
calculator) is listed in ``NOT_METRICS`` with the reason; every other public function must be
in the registry (``test_every_public_metric_is_in_the_registry``).
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import csmetrics as cm
from csmetrics.datasets import (
    synthetic_columns,
    synthetic_survey_columns,
    synthetic_ticket_columns,
    synthetic_usage_columns,
)
from csmetrics.results import TableResult

# --- the data of each kind, built once ---------------------------------------------------------


def _subscriptions() -> dict[str, np.ndarray]:
    cols = synthetic_columns(40, months=15, seed=5, start="2023-10")
    return {k: v for k, v in cols.items() if k != "currency"}


def _products() -> dict[str, np.ndarray]:
    """Subscriptions with a product, a churn reason and a churn type on each row (some
    missing): what the churn and product splits read."""
    cols = _subscriptions()
    rng = np.random.default_rng(8)
    n = len(cols["customer_id"])
    cols["product"] = rng.choice(np.array(["core", "api", "sso"], dtype=object), n)
    cols["churn_reason"] = rng.choice(np.array(["price", "support", None], dtype=object), n)
    cols["churn_type"] = rng.choice(np.array(["voluntary", "delinquent", None], dtype=object),
                                    n)
    return cols


def _usage() -> dict[str, np.ndarray]:
    return synthetic_usage_columns(25, start="2024-01-01", days=90, seed=2)


def _tickets() -> dict[str, np.ndarray]:
    return synthetic_ticket_columns(25, start="2024-01-01", days=90, seed=2)


def _surveys() -> dict[str, np.ndarray]:
    cols = synthetic_survey_columns(30, months=6, start="2024-01", seed=2)
    return {k: v for k, v in cols.items() if k not in ("segment", "arr")}


def _comments() -> dict[str, np.ndarray]:
    cols = synthetic_survey_columns(30, months=6, start="2024-01", seed=2, comments=True)
    return {k: v for k, v in cols.items() if k not in ("segment", "arr")}


def _payments() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(4)
    n = 120
    days = rng.integers(0, 365, n)
    return {"customer_id": rng.integers(0, 20, n),
            "date": np.datetime64("2024-01-01") + days.astype("timedelta64[D]"),
            "amount": np.round(rng.uniform(5, 200, n), 2)}


def _measures() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(6)
    n = 30
    return {"customer_id": np.arange(n), "utilization": rng.uniform(0, 1.2, n),
            "active_users_trend": rng.uniform(0.5, 1.5, n),
            "adoption_breadth": rng.uniform(0, 1, n), "nps": rng.uniform(-80, 80, n),
            "open_tickets": rng.integers(0, 8, n).astype(float),
            "mrr_change": rng.uniform(-0.3, 0.3, n)}


def _ratings() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(8)
    n = 90
    ease = rng.integers(1, 8, n).astype(float)
    price = rng.integers(1, 8, n).astype(float)
    score = np.clip(np.round(ease + 0.5 * price + rng.normal(0, 1.5, n)), 0, 10)
    score[[5, 40]] = np.nan                              # left out, and counted
    return {"customer_id": np.array([f"c{i % 30:02d}" for i in range(n)], dtype=object),
            "score": score, "ease": ease, "price": price}


DATA: dict[str, Callable[[], dict[str, np.ndarray]]] = {
    "subscriptions": _subscriptions, "products": _products, "usage": _usage,
    "tickets": _tickets, "surveys": _surveys, "payments": _payments, "measures": _measures,
    "comments": _comments, "ratings": _ratings}
MONEY_FIELDS = {"subscriptions": ("amount",), "products": ("amount",),
                "payments": ("amount",)}
RECORD: dict[str, Any] = {"subscriptions": cm.Subscription, "products": cm.Subscription,
                          "usage": cm.UsageEvent, "tickets": cm.SupportTicket,
                          "surveys": cm.SurveyResponse, "payments": cm.Payment,
                          "measures": None, "comments": cm.SurveyResponse, "ratings": None}
SEATS = dict.fromkeys(range(25), 4)                       # seats of the usage accounts
STARTS = {c: np.datetime64("2024-01-01") for c in range(25)}


def as_records(kind: str, cols: Mapping[str, np.ndarray]) -> list[Any]:
    """The columns as pydantic records, row by row (the record door)."""
    names = list(cols)
    n = len(next(iter(cols.values())))
    out = []
    for i in range(n):
        row = {k: _python(cols[k][i]) for k in names}
        out.append(RECORD[kind](**{k: v for k, v in row.items() if v is not None}))
    return out


def _python(v: Any) -> Any:
    if isinstance(v, np.datetime64):
        return None if np.isnat(v) else v.item()
    if isinstance(v, np.generic):
        v = v.item()
    return None if isinstance(v, float) and v != v else v


def customer_mapping(cols: Mapping[str, np.ndarray], *, leave_out: int = 0) -> dict[Any, str]:
    """Customers alternately in "east" and "west"; the last ``leave_out`` left unmapped."""
    ids = sorted(set(np.asarray(cols["customer_id"]).tolist()))
    kept = ids[:len(ids) - leave_out] if leave_out else ids
    return {c: ("east" if i % 2 else "west") for i, c in enumerate(kept)}


# --- the registry -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """How the common tests call one metric."""

    name: str
    data: str
    call: Callable[..., TableResult]
    additive: tuple[str, ...] = ()      # columns that add up over a customer mapping
    money: tuple[str, ...] = ()         # columns that scale with the amounts
    rates: tuple[str, ...] = ()         # columns that do not move when amounts scale
    empty_is_nan: bool = True           # an empty input is NaN with a warning
    bad_option: tuple[str, Any] | None = None  # an option value the metric refuses
    options: Mapping[str, Any] = field(default_factory=dict)
    segment: str = "segment"            # the segment column of a customer mapping
    single: bool = True                 # one row per segment (False: a grid, a curve)

    def __call__(self, data: Any, **kwargs: Any) -> TableResult:
        return self.call(data, **{**self.options, **kwargs})


W = ("2024-01", "2024-12")
REGISTRY: list[Spec] = [
    Spec("mrr", "subscriptions", lambda d, **k: cm.mrr(d, "2024-06", **k),
         additive=("mrr", "customers"), money=("mrr",), empty_is_nan=False,
         bad_option=("fx", "EUR")),
    Spec("arpa", "subscriptions", lambda d, **k: cm.arpa(d, "2024-06", **k),
         additive=("mrr", "customers"), money=("arpa", "mrr"), bad_option=("fx", 1.1)),
    Spec("customer_count", "subscriptions", lambda d, **k: cm.customer_count(d, "2024-06", **k),
         additive=("customers",), rates=("customers",), empty_is_nan=False,
         bad_option=("policy", "chartmogul")),
    Spec("arr", "subscriptions", lambda d, **k: cm.arr(d, "2024-06", **k),
         additive=("arr", "customers"), money=("arr",), empty_is_nan=False,
         bad_option=("view", "annual")),
    Spec("average_selling_price", "subscriptions",
         lambda d, **k: cm.average_selling_price(d, *W, **k),
         additive=("new_mrr", "new_customers"), money=("asp", "new_mrr"),
         bad_option=("freq", "week")),
    Spec("renewals", "subscriptions", lambda d, **k: cm.renewals(d, *W, **k),
         additive=("renewals", "customers", "arr_up", "renewed_flat", "expanded",
                   "contracted", "lost", "pending", "retained_arr", "renewed_arr",
                   "lost_arr", "pending_arr"),
         money=("arr_up", "retained_arr", "renewed_arr", "lost_arr", "pending_arr"),
         rates=("gross_renewal_rate", "net_renewal_rate"), empty_is_nan=False,
         bad_option=("grace_days", -1)),
    Spec("mrr_series", "subscriptions", lambda d, **k: cm.mrr_series(d, *W, **k),
         additive=("mrr", "customers"), money=("mrr",), empty_is_nan=False,
         bad_option=("freq", "fortnight")),
    Spec("mrr_movements", "subscriptions", lambda d, **k: cm.mrr_movements(d, *W, **k),
         additive=("starting_mrr", "new", "expansion", "contraction", "churn",
                   "reactivation", "ending_mrr", "new_customers", "churned_customers"),
         money=("starting_mrr", "new", "churn", "ending_mrr"), empty_is_nan=False,
         bad_option=("freq", "weekly")),
    Spec("churn_breakdown", "products", lambda d, **k: cm.churn_breakdown(d, *W, **k),
         additive=("churned_mrr", "churned_customers"), money=("churned_mrr",),
         rates=("mrr_share",), empty_is_nan=False, bad_option=("split", "cause"),
         single=False),
    Spec("product_movements", "products", lambda d, **k: cm.product_movements(d, *W, **k),
         additive=("starting_mrr", "expansion", "upsell", "cross_sell", "contraction",
                   "downsell", "product_removal", "upsell_customers"),
         money=("starting_mrr", "expansion", "upsell", "cross_sell", "contraction",
                "downsell", "product_removal"),
         rates=("upsell_rate", "cross_sell_rate", "downsell_rate", "product_removal_rate"),
         empty_is_nan=False, bad_option=("freq", "weekly")),
    Spec("logo_churn_rate", "subscriptions", lambda d, **k: cm.logo_churn_rate(d, *W, **k),
         additive=("churned", "denominator"), rates=("logo_churn_rate",),
         bad_option=("denominator", "end")),
    Spec("customer_retention_rate", "subscriptions",
         lambda d, **k: cm.customer_retention_rate(d, *W, **k),
         additive=("retained", "starting_customers"), rates=("customer_retention_rate",),
         bad_option=("freq", 3)),
    Spec("revenue_churn_rate", "subscriptions",
         lambda d, **k: cm.revenue_churn_rate(d, *W, **k),
         additive=("lost_mrr", "starting_mrr"), money=("lost_mrr", "starting_mrr"),
         rates=("revenue_churn_rate",), bad_option=("policy", {})),
    Spec("quick_ratio", "subscriptions", lambda d, **k: cm.quick_ratio(d, *W, **k),
         additive=("gained_mrr", "lost_mrr"), money=("gained_mrr", "lost_mrr"),
         rates=("quick_ratio",), bad_option=("freq", "")),
    Spec("net_revenue_retention", "subscriptions",
         lambda d, **k: cm.net_revenue_retention(d, *W, **k),
         additive=("starting_mrr", "retained_mrr"), money=("starting_mrr", "retained_mrr"),
         rates=("net_revenue_retention",), bad_option=("method", "chained")),
    Spec("gross_revenue_retention", "subscriptions",
         lambda d, **k: cm.gross_revenue_retention(d, *W, **k),
         additive=("starting_mrr", "retained_mrr"), money=("starting_mrr", "retained_mrr"),
         rates=("gross_revenue_retention",), bad_option=("method", "Cohort")),
    Spec("nrr_series", "subscriptions",
         lambda d, **k: cm.nrr_series(d, "2024-10", "2024-12", **k),
         additive=("starting_mrr", "retained_mrr"), money=("starting_mrr", "retained_mrr"),
         rates=("nrr", "grr"), bad_option=("method", "chained"),
         options={"window": "6M"}),
    Spec("trial_conversion_rate", "subscriptions",
         lambda d, **k: cm.trial_conversion_rate(d, *W, **k),
         additive=("trials", "converted", "not_converted", "pending"),
         rates=("conversion_rate",), bad_option=("within_days", -1)),
    # value
    Spec("cohort_table", "subscriptions",
         lambda d, **k: cm.cohort_table(d, "2024-01", "2024-06", **k),
         additive=("customers",), empty_is_nan=False, bad_option=("kind", "mrr"),
         single=False),
    Spec("survival_curve", "subscriptions", lambda d, **k: cm.survival_curve(d, "2024-12", **k),
         empty_is_nan=False, bad_option=("confidence", 1.5), single=False),
    Spec("customer_lifetimes", "subscriptions",
         lambda d, **k: cm.customer_lifetimes(d, "2024-12", **k), empty_is_nan=False,
         single=False),
    Spec("lifetime_value", "subscriptions", lambda d, **k: cm.lifetime_value(d, "2024-12", **k),
         money=("arpa",), bad_option=("timing", "middle")),
    Spec("average_order_value", "payments", lambda d, **k: cm.average_order_value(d, **k),
         additive=("revenue", "payments"), money=("average_order_value", "revenue"),
         bad_option=("by", 3)),
    Spec("purchase_frequency", "payments", lambda d, **k: cm.purchase_frequency(d, **k),
         additive=("payments", "customers"), rates=("purchase_frequency",),
         bad_option=("freq", "decade")),
    Spec("transactional_lifetime_value", "payments",
         lambda d, **k: cm.transactional_lifetime_value(d, **k), money=(
             "lifetime_value", "average_order_value"), bad_option=("gross_margin", "high"),
         options={"lifespan": 3.0}),
    # surveys
    Spec("net_promoter_score", "surveys", lambda d, **k: cm.net_promoter_score(d, **k),
         additive=("n", "promoters", "passives", "detractors"), rates=("nps",),
         bad_option=("confidence", 95)),
    Spec("customer_satisfaction_score", "surveys",
         lambda d, **k: cm.customer_satisfaction_score(d, **k),
         additive=("n", "satisfied"), rates=("csat",), bad_option=("confidence", 0)),
    Spec("customer_effort_score", "surveys", lambda d, **k: cm.customer_effort_score(d, **k),
         additive=("n",), rates=("ces",), bad_option=("version", "3.0")),
    Spec("survey_trend", "surveys",
         lambda d, **k: cm.survey_trend(d, "2024-01", "2024-06", **k),
         additive=("n",), empty_is_nan=False, bad_option=("metric", "ltv")),
    # feedback (survey comments)
    Spec("comment_sentiment", "comments", lambda d, **k: cm.comment_sentiment(d, **k),
         additive=("responses", "comments"), single=False, bad_option=("freq", "decade")),
    Spec("distinctive_terms", "comments", lambda d, **k: cm.distinctive_terms(d, **k),
         single=False, empty_is_nan=False, bad_option=("alpha_0", -1)),
    Spec("comment_themes", "comments",
         lambda d, **k: cm.comment_themes(d, {"pricing": ["expensive", "price", "pricey"],
                                               "support": ["support", "team"]}, **k),
         additive=("comments", "mentions"), single=False, bad_option=("compare", 5)),
    # usage
    Spec("active_users", "usage", lambda d, **k: cm.active_users(d, "2024-03-31", **k),
         additive=("active_users", "accounts"), empty_is_nan=False,
         bad_option=("window", "1 month")),
    Spec("active_users_trend", "usage",
         lambda d, **k: cm.active_users_trend(d, "2024-03-31", **k),
         additive=("active_users", "previous_active_users"), bad_option=("window", "M")),
    Spec("active_users_series", "usage",
         lambda d, **k: cm.active_users_series(d, "2024-01", "2024-03", **k),
         additive=("active_users",), empty_is_nan=False, bad_option=("freq", "hour")),
    Spec("stickiness", "usage", lambda d, **k: cm.stickiness(d, "2024-03", **k),
         additive=("active_users", "user_days"), bad_option=("window", 2.5)),
    Spec("engagement", "usage", lambda d, **k: cm.engagement(d, "2024-03-31", **k),
         additive=("events", "active_users", "timed_events"), bad_option=("window", "")),
    Spec("adoption_rate", "usage", lambda d, **k: cm.adoption_rate(d, "2024-03-31", **k),
         additive=("accounts", "adopted"), bad_option=("rule", "daily")),
    Spec("adoption_breadth", "usage",
         lambda d, **k: cm.adoption_breadth(d, "2024-03-31", features=["login", "api"], **k),
         additive=("accounts",), bad_option=("min_users", 0)),
    Spec("feature_adoption", "usage",
         lambda d, **k: cm.feature_adoption(d, "2024-03-31", feature="api",
                                            eligible_users=SEATS, **k),
         additive=("accounts", "feature_users", "eligible_users"), empty_is_nan=False,
         bad_option=("window", "30")),
    Spec("license_utilization", "usage",
         lambda d, **k: cm.license_utilization(d, SEATS, "2024-03-31", **k),
         additive=("active_users", "seats"), empty_is_nan=False, bad_option=("window", "-3D")),
    Spec("time_to_value", "usage",
         lambda d, **k: cm.time_to_value(STARTS, d, "2024-03-31", **k),
         additive=("accounts",), empty_is_nan=False, bad_option=("milestone", 3),
         options={"milestone": "api"}),
    Spec("seats_at", "subscriptions", lambda d, **k: cm.seats_at(d, "2024-06", **k),
         additive=("seats", "accounts"), empty_is_nan=False, bad_option=("by", 3)),
    # support
    Spec("first_contact_resolution_rate", "tickets",
         lambda d, **k: cm.first_contact_resolution_rate(d, **k),
         additive=("tickets", "first_contact"), bad_option=("denominator", "opened")),
    Spec("open_tickets", "tickets", lambda d, **k: cm.open_tickets(d, "2024-02-15", **k),
         additive=("open_tickets",), empty_is_nan=False, bad_option=("window", "week")),
    Spec("first_response_time", "tickets",
         lambda d, **k: cm.first_response_time(d, "2024-02-15", **k),
         additive=("tickets", "responded", "censored"), bad_option=("percentiles", (0, 50))),
    Spec("resolution_time", "tickets", lambda d, **k: cm.resolution_time(d, "2024-02-15", **k),
         additive=("tickets", "resolved", "censored"), bad_option=("confidence", 1.5)),
    Spec("sla_attainment", "tickets",
         lambda d, **k: cm.sla_attainment(d, "2024-02-15", **k),
         options={"targets": {"urgent": "1h", "high": "4h", "normal": 24, "low": "3d"}},
         additive=("tickets", "met", "breached", "pending"), bad_option=("kind", "reply")),
    Spec("reopen_rate", "tickets", lambda d, **k: cm.reopen_rate(d, "2024-01", "2024-02", **k),
         additive=("resolved", "reopened"), bad_option=("confidence", 0)),
    Spec("tickets_per_account", "tickets",
         lambda d, **k: cm.tickets_per_account(d, "2024-01", "2024-03", **k),
         additive=("tickets", "accounts"), bad_option=("by", 3)),
    Spec("backlog_age", "tickets", lambda d, **k: cm.backlog_age(d, "2024-02-15", **k),
         additive=("open_tickets",), bad_option=("by", 2.5)),
    # forecast
    Spec("mrr_forecast", "subscriptions",
         lambda d, **k: cm.mrr_forecast(d, "2025-01", 3, **k),
         money=("mrr", "committed", "new"),  # the bounds are quantiles of paths
         # (not partials: a simulation; tests/test_forecast.py adds up committed MRR)
         bad_option=("method", "arima"), options={"simulations": 200}, single=False),
    # feedback
    Spec("key_drivers", "ratings",
         lambda d, **k: cm.key_drivers(d, outcome="score", drivers=["ease", "price"],
                                       scales={"ease": (1, 7), "price": (1, 7)}, **k),
         bad_option=("method", "ols"), single=False,
         options={"n_resamples": 50}),
    # health
    Spec("health_rollup", "measures",
         lambda d, **k: cm.health_rollup(cm.standard_scorecard().score(d), **k),
         additive=("accounts",), empty_is_nan=False, bad_option=("band_points", "red")),
]

NOT_METRICS: dict[str, str] = {
    "period_range": "lists periods; no data",
    "account_signals": "assembles per-account signals of other metrics (tests/test_signals.py)",
    "at_risk": "lists accounts of a score table (tests/test_health.py)",
    "detractor_followups": "lists respondents to call back (tests/test_followups.py)",
    "health_backtest": "a backtest of score tables against outcomes, not a value per segment "
                       "(tests/test_backtest.py)",
    "churn_outcomes": "lists each account's outcomes after a date; no value "
                      "(tests/test_backtest.py)",
    "health_trend": "pairs two score tables account by account (tests/test_health.py)",
    "compare_nps": "a test between two samples (tests/test_surveys*.py)",
    "compare_proportions": "a test between two samples",
    "compare_means": "a test between two samples",
    "compare_to_benchmark": "a test of one result against a number",
    "kaplan_meier": "a formula of arrays: FORMULAS below",
    "logrank_test": "a test across the segments of by=, not a value per segment "
                    "(tests/test_logrank.py)",
    "logrank": "a test of arrays across groups (tests/test_logrank.py)",
    "customer_lifetime_value": "a formula of arrays: FORMULAS below",
    "ltv_to_cac": "a formula of arrays: FORMULAS below",
    "cac_payback_months": "a formula of arrays: FORMULAS below",
    "read_subscriptions_csv": "a reader: the contract of readers is tested in test_portfolio_cli",
    "read_surveys_csv": "a reader",
    "read_usage_csv": "a reader",
    "read_tickets_csv": "a reader",
    "read_subscriptions_parquet": "a reader: tested in test_arrow_io",
    "read_surveys_parquet": "a reader",
    "read_usage_parquet": "a reader",
    "read_tickets_parquet": "a reader",
    "nps_sample_size": "a planning calculator of numbers, returning a whole number of answers",
    "standard_scorecard": "builds a HealthScorecard; no data",
    "fit_scorecard": "fits a scorecard's weights; returns a scorecard and its fit, not a metric "
                     "by segment (tests/test_fit_scorecard.py)",
    "churn_drivers": "a model fit over stacked account-months: one row per signal, not per "
                     "segment (tests/test_churn_drivers.py)",
    "forecast_backtest": "scores a forecast method against the past, not a metric of the data "
                         "(tests/test_forecast.py)",
}
SPECS = {s.name: s for s in REGISTRY}


def test_every_public_metric_is_in_the_registry() -> None:
    functions = {n for n in cm.__all__ if inspect.isfunction(getattr(cm, n))}
    missing = sorted(functions - set(SPECS) - set(NOT_METRICS))
    assert missing == [], "add each to REGISTRY (or NOT_METRICS, with the reason)"


def _data(kind: str) -> dict[str, np.ndarray]:
    return DATA[kind]()


def _quiet(fn: Callable[[], Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


def _same(a: TableResult, b: TableResult) -> None:
    assert a.column_names == b.column_names
    for name in a.column_names:
        x, y = np.asarray(a[name]), np.asarray(b[name])
        if x.dtype.kind in "fiu" and y.dtype.kind in "fiu":
            np.testing.assert_allclose(x.astype(float), y.astype(float), rtol=1e-12,
                                       equal_nan=True, err_msg=name)
        else:
            assert x.tolist() == y.tolist(), name


# --- the common tests ---------------------------------------------------------------------------


@pytest.mark.parametrize("spec", REGISTRY, ids=lambda s: s.name)
def test_one_result_type_with_and_without_by(spec: Spec) -> None:
    cols = _data(spec.data)
    whole = _quiet(lambda: spec(cols))
    split = _quiet(lambda: spec(cols, by=customer_mapping(cols)))
    assert type(whole) is type(split)
    assert isinstance(whole, TableResult)
    assert spec.segment in split.column_names
    assert spec.segment not in whole.column_names
    if not spec.single:  # a grid or a curve: several rows per segment, no single value
        return
    assert whole.value_column is not None
    assert whole.segment_column is None
    assert split.segment_column == spec.segment
    if len(whole) == 1:
        assert float(whole) == pytest.approx(float(whole[whole.value_column][0]), nan_ok=True)
        assert whole.value == float(whole) or np.isnan(float(whole))


@pytest.mark.parametrize("spec", REGISTRY, ids=lambda s: s.name)
def test_row_order_does_not_matter(spec: Spec) -> None:
    cols = _data(spec.data)
    order = np.random.default_rng(1).permutation(len(next(iter(cols.values()))))
    shuffled = {k: v[order] for k, v in cols.items()}
    _same(_quiet(lambda: spec(cols)), _quiet(lambda: spec(shuffled)))


@pytest.mark.parametrize("spec", REGISTRY, ids=lambda s: s.name)
def test_every_input_path_gives_the_same_result(spec: Spec) -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    cols = _data(spec.data)
    reference = _quiet(lambda: spec(cols))
    records = [as_records(spec.data, cols)] if RECORD[spec.data] is not None else []
    duckdb = pytest.importorskip("duckdb")
    arrow = pa.table({k: pa.array(v) for k, v in cols.items()})
    con = duckdb.connect()
    # Arrow streams (__arrow_c_stream__): a DuckDB relation, and a RecordBatchReader of
    # several batches that can be read only once.
    relation = con.from_arrow(arrow)
    reader = pa.RecordBatchReader.from_batches(arrow.schema, arrow.to_batches(max_chunksize=7))
    for data in (*records, pd.DataFrame(cols), pl.DataFrame(cols), arrow, relation, reader):
        _same(reference, _quiet(lambda data=data: spec(data)))


@pytest.mark.parametrize("spec", [s for s in REGISTRY if s.additive], ids=lambda s: s.name)
def test_segments_of_a_customer_mapping_add_up(spec: Spec) -> None:
    cols = _data(spec.data)
    whole = _quiet(lambda: spec(cols))
    split = _quiet(lambda: spec(cols, by=customer_mapping(cols, leave_out=3)))
    assert "(none)" in split["segment"].tolist()   # unmapped customers are kept, not dropped
    keys = [c for c in whole.column_names if whole[c].dtype.kind not in "fiub"]
    for col in spec.additive:
        if keys:  # a series: add up the segments of each period
            groups = [tuple(split[k][i] for k in keys) for i in range(len(split))]
            summed = dict.fromkeys(groups, 0.0)
            for g, v in zip(groups, split[col].tolist(), strict=True):
                summed[g] += v
            expected = {tuple(whole[k][i] for k in keys): whole[col][i]
                        for i in range(len(whole))}
            assert summed == pytest.approx(expected), col
        else:
            assert split[col].sum() == pytest.approx(whole[col].sum()), col


@pytest.mark.parametrize("spec", [s for s in REGISTRY if (s.money or s.rates)
                                  and s.data in MONEY_FIELDS], ids=lambda s: s.name)
def test_scaling_money_scales_money_and_leaves_rates(spec: Spec) -> None:
    cols = _data(spec.data)
    scaled = {k: (v * 10 if k in MONEY_FIELDS[spec.data] else v) for k, v in cols.items()}
    base, big = _quiet(lambda: spec(cols)), _quiet(lambda: spec(scaled))
    for col in spec.money:
        np.testing.assert_allclose(big[col], base[col] * 10, rtol=1e-9, atol=0.06,
                                   equal_nan=True, err_msg=col)
    for col in spec.rates:
        np.testing.assert_allclose(big[col], base[col], rtol=1e-3, equal_nan=True,
                                   err_msg=col)


@pytest.mark.parametrize("spec", REGISTRY, ids=lambda s: s.name)
def test_empty_input_gives_a_result(spec: Spec) -> None:
    # Whatever the metric, empty data is an answer (zero rows, zeros, or NaN), not an error.
    empty = {k: v[:0] for k, v in _data(spec.data).items()}
    assert isinstance(_quiet(lambda: spec(empty)), TableResult)


@pytest.mark.parametrize("spec", REGISTRY, ids=lambda s: s.name)
def test_empty_input_split_by_a_mapping_gives_a_result(spec: Spec) -> None:
    cols = _data(spec.data)
    empty = {k: v[:0] for k, v in cols.items()}
    result = _quiet(lambda: spec(empty, by=customer_mapping(cols)))
    assert isinstance(result, TableResult)
    assert spec.segment in result.column_names


@pytest.mark.parametrize("spec", [s for s in REGISTRY if s.empty_is_nan], ids=lambda s: s.name)
def test_empty_input_is_nan_with_a_warning(spec: Spec) -> None:
    cols = _data(spec.data)
    empty = {k: v[:0] for k, v in cols.items()}
    with pytest.warns(cm.UndefinedMetricWarning) as caught:
        result = spec(empty)
    assert np.isnan(np.asarray(result[result.value_column], dtype=float)).all()
    # The warning points at the caller's line (this file), however deep it was raised.
    undefined = [w for w in caught if issubclass(w.category, cm.UndefinedMetricWarning)]
    assert {w.filename for w in undefined} == {__file__}


@pytest.mark.parametrize("spec", [s for s in REGISTRY if s.bad_option], ids=lambda s: s.name)
def test_a_bad_option_has_the_one_message_shape(spec: Spec) -> None:
    assert spec.bad_option is not None
    option, value = spec.bad_option
    with pytest.raises(cm.InvalidParameterError, match=rf"^{spec.name}: {option} must be "):
        spec(_data(spec.data), **{option: value})


def test_deprecation_warnings_point_at_the_caller() -> None:
    cols = _data("subscriptions")
    with pytest.warns(DeprecationWarning, match="window='6M'") as caught:
        cm.nrr_series(cols, "2024-10", "2024-12", window=6)
    assert caught[0].filename == __file__


# --- formulas of numbers and arrays --------------------------------------------------------------

FORMULAS: dict[str, Callable[[Any], TableResult]] = {
    "customer_lifetime_value": lambda x: cm.customer_lifetime_value(x, 0.05),
    "ltv_to_cac": lambda x: cm.ltv_to_cac(x, 500.0),
    "cac_payback_months": lambda x: cm.cac_payback_months(x, 100.0),
}


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_a_formula_returns_one_type_for_numbers_and_arrays(name: str) -> None:
    # Issue 10: customer_lifetime_value was a float or an array depending on its input.
    one, many = FORMULAS[name](120.0), FORMULAS[name](np.array([120.0, 240.0, 60.0]))
    assert type(one) is type(many)
    assert len(one) == 1
    assert len(many) == 3
    assert many.value_column == one.value_column
    assert float(one) == pytest.approx(float(many[many.value_column][0]))


def test_kaplan_meier_keeps_the_contract_on_arrays() -> None:
    rng = np.random.default_rng(3)
    durations = rng.integers(1, 24, 60)
    churned = rng.random(60) < 0.6
    plans = rng.choice(["basic", "pro"], 60)
    whole = cm.kaplan_meier(durations, churned)
    split = cm.kaplan_meier(durations, churned, by=plans)
    assert type(whole) is type(split)
    assert "segment" in split.column_names
    assert "segment" not in whole.column_names
    order = rng.permutation(60)
    _same(split, cm.kaplan_meier(durations[order], churned[order], by=plans[order]))
    with pytest.warns(DeprecationWarning, match="groups= is deprecated"):
        old = cm.kaplan_meier(durations, churned, groups=plans)
    _same(split, old)


def test_the_documented_value_columns_are_the_results_own() -> None:
    # docs/results.md lists each metric's value column (tools/gen_api.py): check every one.
    from tools_loader import gen_api

    gen = gen_api()
    for s in REGISTRY:
        documented = gen.VALUE_COLUMNS[s.name]
        actual = _quiet(lambda s=s: s(_data(s.data))).value_column
        if documented is not None and " " in documented:   # "the metric (nps, csat or ces)"
            assert actual in ("nps", "csat", "ces"), s.name
        else:
            assert actual == documented, s.name
    for name, call in FORMULAS.items():
        assert call(1.0).value_column == gen.VALUE_COLUMNS[name], name


@pytest.mark.parametrize("spec", REGISTRY, ids=lambda s: s.name)
def test_a_mapping_that_maps_no_customer_is_refused(spec: Spec) -> None:
    # All customers in "(none)" would look like an answer; a mapping of other ids (or of row
    # positions) is a mistake, said so.
    with pytest.raises(cm.InvalidParameterError, match="no entry for any of the"):
        _quiet(lambda: spec(_data(spec.data), by={"no such customer": "east"}))


@pytest.mark.parametrize("spec", [s for s in REGISTRY if s.data != "surveys"],
                         ids=lambda s: s.name)
def test_a_series_of_row_labels_is_not_read_as_a_mapping(spec: Spec) -> None:
    pd = pytest.importorskip("pandas")
    cols = _data(spec.data)
    labels = pd.Series(["east", "west"] * (len(cols["customer_id"]) // 2 + 1)
                       )[:len(cols["customer_id"])]
    with pytest.raises(cm.InvalidParameterError, match="indexed by row position"):
        _quiet(lambda: spec(cols, by=labels))


@pytest.mark.parametrize("spec", REGISTRY, ids=lambda s: s.name)
def test_a_segment_named_like_a_result_column_is_refused(spec: Spec) -> None:
    # by="mrr" (a kept input column, or a mapping named so) must not be overwritten by the
    # metric's own "mrr" column, nor overwrite it.
    from csmetrics._core.segments import NamedSegments

    cols = _data(spec.data)
    whole = _quiet(lambda: spec(cols))
    mapping = customer_mapping(cols)
    for name in whole.column_names:
        with pytest.raises(cm.InvalidParameterError, match="also a column of the result"):
            _quiet(lambda name=name: spec(cols, by=NamedSegments(name, mapping)))
        if name in cols:
            continue
        per_row = np.array([mapping[c] for c in np.asarray(cols["customer_id"]).tolist()],
                           dtype=object)  # one value per account, so every metric takes it
        kept = {**cols, name: per_row}
        with pytest.raises((cm.InvalidParameterError, cm.ColumnNotFoundError)) as refused:
            _quiet(lambda name=name, kept=kept: spec(kept, by=name))
        if isinstance(refused.value, cm.ColumnNotFoundError):
            continue  # this input keeps no extra columns (health scores keep what they list)
        assert "also a column of the result" in str(refused.value)
