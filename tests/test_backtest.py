"""Churn outcomes after a date and the health backtest.

References: hand-worked subscription histories (the days counted on a calendar in the
comments), the public MRR bridge (``mrr_movements``, whose churn the outcomes must agree
with), a naive day-by-day pure-Python oracle on hypothesis data, lifelines'
``concordance_index`` for Harrell's C and an O(n^2) pairwise count for the AUC.
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import csmetrics as cm
from csmetrics import Subscription
from csmetrics.exceptions import CurrencyMismatchError, InvalidParameterError
from csmetrics.health.outcomes import churn_outcomes, horizon_end

# --- churn outcomes ----------------------------------------------------------------------


def sub(cid: str, start: str, end: str | None, amount: float, currency: str = "USD"
        ) -> Subscription:
    return Subscription(customer_id=cid, start=start, end=end, amount=amount,
                        currency=currency)


def test_outcomes_by_hand() -> None:
    subs = [
        sub("churns", "2023-01-01", "2024-02-15", 100),       # gone 15 Feb: 31 + 15 = 46 days
        sub("gap", "2023-01-01", "2024-01-10", 40),           # a gap inside January: renewed
        sub("gap", "2024-01-20", None, 40),                   # before the month end, no churn
        sub("returns", "2023-05-01", "2024-03-01", 60),       # gone 1 March (61 days) ...
        sub("returns", "2024-05-01", None, 60),               # ... and back in May
        sub("down", "2023-01-01", None, 30),
        sub("down", "2023-01-01", "2024-04-01", 20),          # 50 -> 30: contraction
        sub("late", "2024-02-01", None, 10),                  # not paying at `at`
        sub("edge", "2023-01-01", "2024-06-30", 10),          # gone on the horizon's last day
    ]
    out = churn_outcomes(subs, "2023-12", horizon=6)
    got = {c: i for i, c in enumerate(out["customer_id"].tolist())}
    assert sorted(got) == ["churns", "down", "edge", "gap", "returns"]  # "late" is left out
    row = {c: {k: out[k].tolist()[i] for k in out.columns} for c, i in got.items()}
    assert row["churns"]["churned"]
    assert row["churns"]["days"] == 46
    assert not row["gap"]["churned"]
    assert row["gap"]["days"] == 182
    assert row["returns"]["churned"]
    assert row["returns"]["days"] == 31 + 29 + 1
    assert row["returns"]["returned"]
    assert not row["returns"]["contracted"]
    assert not row["down"]["churned"]
    assert row["down"]["contracted"]
    assert (row["down"]["mrr_at"], row["down"]["mrr_at_horizon"]) == (50.0, 30.0)
    assert row["edge"]["churned"]
    assert row["edge"]["days"] == 182
    assert row["churns"]["contracted"]
    assert row["churns"]["mrr_at_horizon"] == 0.0
    assert out.horizon_end == "2024-06-30"
    assert out.at == "2023-12-31"


def test_outcomes_censored_at_the_data_edge() -> None:
    # The latest date in the data is 1 March 2024: an account still paying is followed to
    # there (61 days from 31 Dec), not to the horizon end.
    subs = [sub("a", "2023-01-01", None, 10), sub("b", "2023-01-01", "2024-03-01", 10)]
    out = churn_outcomes(subs, "2023-12", horizon=12)
    assert out["churned"].tolist() == [False, True]
    assert out["days"].tolist() == [61, 61]
    assert out.follow_up_end == "2024-03-01"


def test_outcomes_agree_with_the_bridge() -> None:
    demo = cm.datasets.demo_portfolio()
    out = churn_outcomes(demo, "2024-03", horizon=6)
    details = cm.mrr_movements(demo, "2024-04", "2024-09", by="customer_id").details()
    churn = details["customer_id"][details["movement"] == "churn"]
    paying = cm.mrr(demo, "2024-03", by="customer_id")
    at_risk = set(np.asarray(paying["customer_id"])[np.asarray(paying["mrr"]) > 0].tolist())
    assert set(out["customer_id"].tolist()) == at_risk
    expected = set(churn.tolist()) & at_risk
    assert set(out["customer_id"][out["churned"]].tolist()) == expected
    assert out["churned"].sum() > 0


def test_outcomes_follow_the_policy_on_free_accounts() -> None:
    subs = [sub("a", "2023-01-01", "2024-02-01", 10), sub("a", "2024-02-01", None, 0)]
    assert churn_outcomes(subs, "2023-12", horizon=3)["churned"].tolist() == [True]
    free = cm.MetricPolicy(free_customers="customers")
    kept = churn_outcomes(subs, "2023-12", horizon=3, policy=free)
    assert kept["churned"].tolist() == [False]
    assert kept["contracted"].tolist() == [True]


def test_outcomes_refuse_bad_options_and_mixed_currencies() -> None:
    subs = [sub("a", "2023-01-01", None, 10)]
    for bad in (0, 2.5, True, "6M", None):
        with pytest.raises(InvalidParameterError, match="horizon"):
            churn_outcomes(subs, "2023-12", horizon=bad)  # type: ignore[arg-type]
    mixed = [*subs, sub("a", "2023-01-01", None, 10, "EUR")]
    with pytest.raises(CurrencyMismatchError, match="'a'"):
        churn_outcomes(mixed, "2023-12", horizon=3)


def test_outcomes_of_nothing() -> None:
    out = churn_outcomes({"customer_id": [], "start": [], "amount": []}, "2023-12", horizon=3)
    assert len(out) == 0
    assert next(iter(out.columns)) == "customer_id"
    assert "0 accounts" in repr(out)


def test_horizon_end() -> None:
    d = np.datetime64
    assert horizon_end(d("2024-01-31"), 1) == d("2024-02-29")
    assert horizon_end(d("2024-01-30"), 1) == d("2024-02-29")
    assert horizon_end(d("2024-01-15"), 3) == d("2024-04-15")
    assert horizon_end(d("2024-04-30"), 1) == d("2024-05-31")


def _naive(spans: list[tuple[int, int, int | None, int]], at: dt.date, months: int
           ) -> dict[int, tuple[bool, int, int, int]]:
    """Day by day: MRR on a day sums the spans with start <= day < end; an account leaves on
    the first day its MRR is 0 and it stays 0 to the next month end (or the horizon end)."""
    end = horizon_end(np.datetime64(at), months).astype(dt.date)
    n = (end - at).days
    edge = max([s for _, s, _, _ in spans] + [e for _, _, e, _ in spans if e is not None])
    follow = min(max((dt.date(2020, 1, 1) + dt.timedelta(edge) - at).days, 0), n)
    out = {}
    for c in {c for c, _, _, _ in spans}:
        def mrr(k: int, c: int = c) -> int:
            day = (at - dt.date(2020, 1, 1)).days + k
            return sum(a for cc, s, e, a in spans if cc == c and s <= day
                       and (e is None or day < e))
        if mrr(0) <= 0:
            continue
        days = [at + dt.timedelta(k) for k in range(n + 1)]
        month_end = [k for k in range(1, n + 1)
                     if (days[k] + dt.timedelta(1)).day == 1 or k == n]
        churn = None
        for k in range(1, n + 1):
            if mrr(k - 1) > 0 and mrr(k) == 0:
                m = next(j for j in month_end if j >= k)
                if all(mrr(j) == 0 for j in range(k, m + 1)):
                    churn = k
                    break
        out[c] = (churn is not None, follow if churn is None else churn, mrr(0), mrr(n))
    return out


span = st.tuples(st.integers(0, 3), st.integers(1400, 1700),
                 st.one_of(st.none(), st.integers(1, 200)), st.integers(0, 3))


@settings(max_examples=40, deadline=None)
@given(st.lists(span, min_size=1, max_size=8), st.integers(1, 4))
def test_outcomes_match_a_day_by_day_oracle(raw: list[Any], months: int) -> None:
    spans = [(c, s, None if e is None else s + e, a) for c, s, e, a in raw]
    base = dt.date(2020, 1, 1)
    subs = [sub(f"c{c}", str(base + dt.timedelta(s)), None if e is None
                else str(base + dt.timedelta(e)), a) for c, s, e, a in spans]
    at = dt.date(2024, 1, 31)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = churn_outcomes(subs, at, horizon=months)
    naive = _naive(spans, at, months)
    got = {int(c[1:]): (bool(ch), int(d), round(m0), round(mh)) for c, ch, d, m0, mh in zip(
        out["customer_id"].tolist(), out["churned"].tolist(), out["days"].tolist(),
        out["mrr_at"].tolist(), out["mrr_at_horizon"].tolist(), strict=True)}
    assert got == naive
