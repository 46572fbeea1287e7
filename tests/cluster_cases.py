"""Random calls of every metric an engine exposes, and the check that a cluster gives the
one machine's result.

``case(name, seed, n, by)`` is a random input (columns, as a pandas DataFrame) and a call
of ``name``: its arguments and options, ``by`` drawn from none, a field, the id column, a
customer mapping (some customers unmapped) and a column kept from the input. The reference
is ``csmetrics.<name>`` on the same DataFrame; ``assert_cluster`` compares it with an
engine's result column by column, bit for bit (NaN where NaN), and the printed form; for a
bridge, its ``details()`` too.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest

import csmetrics as cm
from csmetrics.cluster import METRICS
from csmetrics.datasets import (
    synthetic_columns,
    synthetic_survey_columns,
    synthetic_ticket_columns,
    synthetic_usage_columns,
)
from partition import assert_same, quiet

W = ("2024-01", "2024-12")
FX = cm.FxRates.constant({"EUR": 1.1, "GBP": 1.27, "USD": 1.0}, reporting_currency="USD")
POLICY = cm.MetricPolicy(same_period_churn=True, reactivation_window_days=60)

REVENUE_CALLS: dict[str, tuple[Any, ...]] = {
    "mrr": ("2024-06",), "arpa": ("2024-06",), "customer_count": ("2024-06",),
    "mrr_series": W, "mrr_movements": W, "logo_churn_rate": W,
    "customer_retention_rate": W, "revenue_churn_rate": W, "quick_ratio": W,
    "net_revenue_retention": W, "gross_revenue_retention": W,
    "nrr_series": ("2024-10", "2024-12"), "cohort_table": (), "survival_curve": ("2024-12",),
}
TAKES_FX = {"mrr", "arpa", "mrr_series", "mrr_movements", "revenue_churn_rate", "quick_ratio",
            "net_revenue_retention", "gross_revenue_retention", "nrr_series"}
TAKES_POLICY = {"customer_count", "logo_churn_rate", "customer_retention_rate",
                "revenue_churn_rate", "quick_ratio", "net_revenue_retention",
                "gross_revenue_retention", "nrr_series", "mrr_movements"}
SURVEYS = ("net_promoter_score", "customer_satisfaction_score", "customer_effort_score")
USAGE = ("active_users", "stickiness", "license_utilization")
BYS = (None, "field", "customer_id", "mapping", "region")


@dataclass
class Case:
    """One call: ``frame`` (the data), ``args`` after it and ``options``."""

    name: str
    frame: pd.DataFrame
    args: tuple[Any, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    close: bool = False     # float sums of account weights: equal within rounding (1e-12)

    def local(self) -> Any:
        return quiet(getattr(cm, self.name), self.frame, *self.args, **self.options)


def _mapping(ids: Any, seed: int) -> dict[Any, str]:
    distinct = sorted(set(np.asarray(ids).tolist()))
    kept = distinct[: max(len(distinct) - 2, 0)]     # the last two unmapped: "(none)"
    return {c: ("east" if (i + seed) % 2 else "west") for i, c in enumerate(kept)}


def _by(by: str | None, frame: pd.DataFrame, field_name: str, seed: int) -> Any:
    if by == "field":
        return field_name
    if by == "mapping":
        return _mapping(frame["customer_id"], seed)
    return by


def case(name: str, seed: int, n: int, by: str | None) -> Case:
    """A random call of ``name`` over about ``n`` customers (see the module doc)."""
    rng = np.random.default_rng(seed)
    options: dict[str, Any] = {}
    if name in REVENUE_CALLS:
        money = name in TAKES_FX and seed % 3 == 0
        cols = synthetic_columns(n, months=15, seed=seed, start="2023-10",
                                 currencies=("USD", "EUR", "GBP") if money else ("USD",))
        frame = pd.DataFrame(cols)
        args = REVENUE_CALLS[name]
        if money:
            options["fx"] = FX
        if name in TAKES_POLICY and seed % 2:
            options["policy"] = POLICY
        if name == "nrr_series":
            options["window"] = "6M"
        if name == "cohort_table" and seed % 2:
            options["kind"] = "revenue"
        field_name = "plan"
    elif name in SURVEYS:
        frame = pd.DataFrame(synthetic_survey_columns(n, seed=seed, months=6))
        frame = frame.drop(columns=["segment", "arr"])
        args, field_name = (), "survey"
        weighting = ("response", "account", "revenue")[seed % 3]
        if weighting != "response":
            options["account_weighting"] = weighting
        if weighting == "revenue":   # every account's revenue, a few left out (weight 0)
            ids = sorted(set(frame["customer_id"].tolist()))
            options["revenue"] = {c: float(100 + 7 * i) for i, c in enumerate(ids[2:])}
        if name == "net_promoter_score" and seed % 5 == 0:
            options["interval"] = "bootstrap"
            options["n_resamples"] = 200
        if seed % 7 == 0:   # survey weights as a column
            frame["weight"] = rng.choice([0.5, 1.0, 2.0], len(frame))
    elif name in USAGE:
        frame = pd.DataFrame(synthetic_usage_columns(n, seed=seed, days=40))
        at: Any = ("2024-02-05" if seed % 2 else
                   _dt.datetime(2024, 2, 5, 13, 30, tzinfo=_dt.timezone.utc))
        args = (at,)
        if name == "license_utilization":
            args = (cm.datasets.synthetic_seats(n, seed=seed), at)
        if seed % 3 == 0:
            options["window"] = ("7D", 14, "30D")[seed % 9 // 3] if name != "stickiness" else 14
        if seed % 4 == 1:   # accounts to report, one without any events
            ids = sorted(set(frame["customer_id"].tolist()))
            options["customers"] = [*ids[: max(len(ids) // 2, 1)], 10**9]
        field_name = "feature"
    else:
        frame = pd.DataFrame(synthetic_ticket_columns(n, seed=seed, days=60))
        args = ("2024-01-15", "2024-02-10") if seed % 2 else ()
        options["denominator"] = "received" if seed % 3 == 0 else "resolved"
        if seed % 4 == 1:
            options["zero_contacts"] = "exclude"
        field_name = "customer_id"
    frame["region"] = rng.choice(["EU", "US", "APAC"], len(frame))
    if by is not None:
        options["by"] = _by(by, frame, field_name, seed)
    close = options.get("account_weighting", "response") != "response"
    return Case(name, frame, tuple(args), options, close)


Runner = Callable[[Case], Any]


def assert_cluster(c: Case, run: Runner) -> None:
    """The engine's result (``run(c)``) is the one machine's, bit for bit."""
    context = f"{c.name}{c.args} {c.options}"
    try:
        whole = c.local()
    except cm.CSMetricsError as exc:   # then the same error family from the cluster
        expected = exc
    else:
        expected = None
    if expected is not None:
        # (Counts in a message of the whole input, "2 of 5 customers", are those one
        # partition saw: the family is the contract.)
        with pytest.raises(type(expected)):
            quiet(run, c)
        return
    got = quiet(run, c)
    if c.close:
        _assert_close(whole, got, context)
        return
    assert_same(whole, got, context)
    if c.name == "mrr_movements":
        a, b = quiet(whole.details), quiet(got.details)
        assert_same(a, b, f"{context} details")


def _assert_close(whole: Any, got: Any, context: str) -> None:
    """Float columns within 1e-12 relative (sums of float weights in another order), the
    others identical (docs/partials.md)."""
    assert type(whole) is type(got), context
    assert whole.column_names == got.column_names, context
    for column in whole.column_names:
        a, b = np.asarray(whole[column]), np.asarray(got[column])
        if a.dtype.kind in "fc":
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12, err_msg=context)
        else:
            assert a.tolist() == b.tolist(), f"{context}: {column}"


__all__ = ["BYS", "METRICS", "Case", "assert_cluster", "case"]
