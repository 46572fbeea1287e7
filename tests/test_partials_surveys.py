"""Mergeable partials of the surveys, support and health metrics (issue 12).

Every metric of these domains with additive columns in ``test_contract.REGISTRY`` is in
``csmetrics.partials.PARTS``, and over any partition of its customers gives the result over
the whole, bit for bit (``tests/partition.py``). The exceptions are float sums of weights,
which combine to within rounding (weighted answers, account weighting): those are checked
with a tolerance here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import csmetrics as cm
from csmetrics.health.partials import PARTS as HEALTH
from csmetrics.partials import PARTS, combine
from csmetrics.support.partials import PARTS as SUPPORT
from csmetrics.surveys.partials import PARTS as SURVEYS
from partition import assert_partition, quiet
from test_contract import REGISTRY, _measures, _surveys, _tickets, customer_mapping

SURVEYS_DATA = _surveys()
TICKETS = _tickets()
SCORES = cm.standard_scorecard().score(_measures())
SEEDS = st.integers(0, 2**16)
PARTS_N = st.integers(1, 4)
FEW = settings(max_examples=max(10, settings().max_examples // 5))  # a fifth of the profile's


def _weighted() -> dict[str, Any]:
    cols = dict(SURVEYS_DATA)
    cols["weight"] = (cols["customer_id"] % 4 + 1) * 0.25   # dyadic: sums are exact
    return cols


def test_every_additive_metric_of_the_domains_has_partials() -> None:
    mine = {s.name for s in REGISTRY if s.data in ("surveys", "tickets", "measures")
            and s.additive}
    assert mine <= set(SURVEYS) | set(SUPPORT) | set(HEALTH)
    assert mine <= set(PARTS)


BY = [None, "map", "customer_id", "respondent_id"]


def _by(by: Any, data: Any) -> Any:
    return customer_mapping(data, leave_out=3) if by == "map" else by


@FEW
@given(seed=SEEDS, n_parts=PARTS_N, by=st.sampled_from(BY),
       name=st.sampled_from(["net_promoter_score", "customer_satisfaction_score",
                             "customer_effort_score"]),
       confidence=st.sampled_from([0.95, 0.8]))
def test_scores_over_a_partition(seed: int, n_parts: int, by: Any, name: str,
                                 confidence: float) -> None:
    assert_partition(name, SURVEYS_DATA, (), {"by": _by(by, SURVEYS_DATA),
                                              "confidence": confidence},
                     seed=seed, n_parts=n_parts)


@FEW
@given(seed=SEEDS, n_parts=PARTS_N, by=st.sampled_from([None, "map"]),
       interval=st.sampled_from(["adjusted_wald", "wald", "bootstrap"]))
def test_weighted_nps_over_a_partition(seed: int, n_parts: int, by: Any, interval: str
                                       ) -> None:
    data = _weighted()
    assert_partition("net_promoter_score", data, (), {"by": _by(by, data),
                                                      "interval": interval},
                     seed=seed, n_parts=n_parts)


@FEW
@given(seed=SEEDS, n_parts=PARTS_N, by=st.sampled_from(BY),
       metric=st.sampled_from(["nps", "csat", "ces"]),
       freq=st.sampled_from(["month", "quarter"]))
def test_survey_trend_over_a_partition(seed: int, n_parts: int, by: Any, metric: str,
                                       freq: str) -> None:
    assert_partition("survey_trend", SURVEYS_DATA, ("2024-01", "2024-06"),
                     {"by": _by(by, SURVEYS_DATA), "metric": metric, "freq": freq},
                     seed=seed, n_parts=n_parts)


@FEW
@given(seed=SEEDS, n_parts=PARTS_N, by=st.sampled_from([None, "map", "customer_id",
                                                        "ticket_id"]),
       window=st.sampled_from([(), ("2024-02", "2024-03")]),
       denominator=st.sampled_from(["resolved", "received"]),
       zero=st.sampled_from(["first_contact", "exclude"]))
def test_fcr_over_a_partition(seed: int, n_parts: int, by: Any, window: tuple[str, ...],
                              denominator: str, zero: str) -> None:
    assert_partition("first_contact_resolution_rate", TICKETS, window,
                     {"by": _by(by, TICKETS), "denominator": denominator,
                      "zero_contacts": zero}, seed=seed, n_parts=n_parts)


@FEW
@given(seed=SEEDS, n_parts=PARTS_N, by=st.sampled_from([None, "map", "customer_id",
                                                        "ticket_id"]),
       window=st.sampled_from(["30D", "7D"]), customers=st.booleans())
def test_open_tickets_over_a_partition(seed: int, n_parts: int, by: Any, window: str,
                                       customers: bool) -> None:
    options = {"by": _by(by, TICKETS), "window": window}
    if customers:
        options["customers"] = list(range(3, 30))   # some without tickets, some left out
    assert_partition("open_tickets", TICKETS, ("2024-02-15",), options, seed=seed,
                     n_parts=n_parts)


def test_fcr_by_a_row_level_column_over_a_partition() -> None:
    rng = np.random.default_rng(3)
    cols = dict(TICKETS)
    cols["channel"] = rng.choice(["chat", "mail", "phone"], TICKETS["customer_id"].size)
    tickets = cm.SupportTicketTable.from_columns(cols, segments=["channel"])
    for seed in range(4):
        assert_partition("first_contact_resolution_rate", tickets, (), {"by": "channel"},
                         seed=seed, n_parts=3)
        assert_partition("open_tickets", tickets, ("2024-02-15",), {"by": "channel"},
                         seed=seed, n_parts=3)


@FEW
@given(seed=SEEDS, n_parts=PARTS_N, by=st.sampled_from([None, "map", "customer_id", "band"]),
       money=st.booleans(), points=st.booleans())
def test_health_rollup_over_a_partition(seed: int, n_parts: int, by: Any, money: bool,
                                        points: bool) -> None:
    options: dict[str, Any] = {"by": customer_mapping(_measures(), leave_out=3)
                               if by == "map" else by}
    if money:
        options["mrr"] = {c: float(c) * 10.5 for c in range(30)}
    if points:
        options["band_points"] = {b: 20.0 * i for i, b in enumerate(SCORES.band_names)}
    assert_partition("health_rollup", SCORES, (), options, seed=seed, n_parts=n_parts)


# --- answers without customers, and float sums of weights -------------------------------------


def _merged(name: str, data: Any, seed: int, n_parts: int, **options: Any) -> Any:
    """The metric as a cluster computes it; answers without a customer (code -1, such as
    an array of answers) go to random parts one by one."""
    steps = PARTS[name]
    table, plan = quiet(steps.prepare, data, **options)
    rng = np.random.default_rng(seed)
    codes = np.asarray(table.customer_codes)
    of_code = rng.integers(0, n_parts, int(codes.max(initial=-1)) + 1)
    of_row = np.where(codes >= 0, of_code[np.maximum(codes, 0)] if of_code.size else 0,
                      rng.integers(0, n_parts, codes.size))
    parts = [steps.partial(table.take(np.flatnonzero(of_row == p)), plan)
             for p in range(n_parts)]
    return quiet(steps.finalize, combine(parts), plan)


def test_an_array_of_answers_spreads_over_any_parts() -> None:
    rng = np.random.default_rng(1)
    scores = rng.integers(0, 11, 200)
    labels = rng.integers(0, 5, 200) * 2          # segment numbers, some unused
    for options in ({}, {"by": labels}, {"interval": "bootstrap"}):
        whole = quiet(cm.net_promoter_score, scores, **options)
        merged = _merged("net_promoter_score", scores, 1, 3, **options)
        assert str(whole) == str(merged)
        assert whole["nps"].tolist() == merged["nps"].tolist()


def test_account_weighting_combines_to_within_rounding() -> None:
    codes = np.asarray(SURVEYS_DATA["customer_id"])
    revenue = {c: 1.5 + c for c in set(codes.tolist())}
    for options in ({"account_weighting": "account"},
                    {"account_weighting": "revenue", "revenue": revenue}):
        for name in ("net_promoter_score", "customer_effort_score"):
            whole = quiet(getattr(cm, name), SURVEYS_DATA, **options)
            merged = _merged(name, SURVEYS_DATA, 2, 3, **options)
            for column in ("n", "effective_n", whole.column_names[0]):
                np.testing.assert_allclose(np.asarray(merged[column], dtype=float),
                                           np.asarray(whole[column], dtype=float),
                                           rtol=1e-12)


def test_a_continuous_scale_combines_to_within_rounding() -> None:
    rng = np.random.default_rng(4)
    scores = rng.uniform(0, 5, 300)
    options = {"scale": cm.SurveyScale(0, 5, integer=False), "satisfied_at": 3.5,
               "by": rng.integers(0, 3, 300)}
    whole = quiet(cm.customer_satisfaction_score, scores, **options)
    merged = _merged("customer_satisfaction_score", scores, 4, 4, **options)
    for column in ("csat", "mean", "sd", "ci_low", "n"):
        np.testing.assert_allclose(np.asarray(merged[column], dtype=float),
                                   np.asarray(whole[column], dtype=float), rtol=1e-12)


def test_partials_are_integer_counts_that_add() -> None:
    steps = PARTS["net_promoter_score"]
    table, plan = steps.prepare(SURVEYS_DATA, by=customer_mapping(SURVEYS_DATA))
    odd = table.customer_codes % 2 == 1
    halves = [steps.partial(table.take(np.flatnonzero(rows)), plan) for rows in (odd, ~odd)]
    whole = steps.partial(table, plan)
    assert whole["counts"].dtype == np.int64
    assert whole["counts"].shape == (2, 11)          # (segment, scale point)
    assert (halves[0]["counts"] + halves[1]["counts"]).tolist() == whole["counts"].tolist()
    assert combine(halves)["rows"].tolist() == whole["rows"].tolist()
    fcr = PARTS["first_contact_resolution_rate"]
    tickets, tplan = fcr.prepare(TICKETS)
    odd = tickets.customer_codes % 2 == 1
    parts = [fcr.partial(tickets.take(np.flatnonzero(rows)), tplan) for rows in (odd, ~odd)]
    assert parts[0]["tickets"].dtype == np.int64
    assert (parts[0]["tickets"] + parts[1]["tickets"]).tolist() == fcr.partial(
        tickets, tplan)["tickets"].tolist()


def test_partials_of_different_plans_do_not_combine() -> None:
    steps = PARTS["net_promoter_score"]
    table, plan = steps.prepare(SURVEYS_DATA)
    _, by_plan = steps.prepare(SURVEYS_DATA, by="customer_id")
    parts = [steps.partial(table, plan), steps.partial(table, by_plan)]
    with pytest.raises(cm.InvalidParameterError, match="share one plan"):
        combine(parts)
